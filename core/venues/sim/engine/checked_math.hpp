// Checked Decimal arithmetic for the exchange core (internal to sim/engine). Every
// input is validated before it reaches arithmetic (tick/step grids, bounded scales),
// so an overflow here is a broken invariant of money, not a user error: it throws
// std::logic_error and the caller treats it as a bug (STYLE "Errors, by temperature").
//
// Money (balances, fees, PnL, margins, funding) lives at money_scale fractional digits
// so that sums never creep towards the int64 mantissa limit.
#pragma once

#include <stdexcept>
#include <string>

#include "core/common/decimal.hpp"

namespace propbot::venues::sim::math {

inline constexpr int money_scale = 8;   // USDT to 1e-8, as Binance reports balances
inline constexpr int price_scale = 8;   // display scale of average / entry prices

inline Decimal unwrap(Result<Decimal> r, const char* what) {
  if (!r.ok()) throw std::logic_error(std::string("sim engine arithmetic (") + what + "): " + r.error().describe());
  return r.value();
}
inline Decimal add(Decimal a, Decimal b) { return unwrap(a.add(b), "add"); }
inline Decimal sub(Decimal a, Decimal b) { return unwrap(a.sub(b), "sub"); }
inline Decimal mul(Decimal a, Decimal b) { return unwrap(a.mul(b), "mul"); }
inline Decimal neg(Decimal a) { return unwrap(a.negated(), "neg"); }
inline Decimal abs(Decimal a) { return unwrap(a.abs(), "abs"); }
// a × b rounded to money_scale.
inline Decimal mul_money(Decimal a, Decimal b, RoundMode mode = RoundMode::nearest) {
  return unwrap(a.mul(b, money_scale, mode), "mul_money");
}
inline Decimal div(Decimal a, Decimal b, int scale, RoundMode mode) { return unwrap(a.div(b, scale, mode), "div"); }
inline Decimal to_money(Decimal a, RoundMode mode = RoundMode::nearest) {
  return a.scale() <= money_scale ? a : unwrap(a.rescale(money_scale, mode), "to_money");
}
inline Decimal min(Decimal a, Decimal b) { return a < b ? a : b; }
inline Decimal max(Decimal a, Decimal b) { return a < b ? b : a; }
inline Decimal zero() { return Decimal{}; }

}  // namespace propbot::venues::sim::math
