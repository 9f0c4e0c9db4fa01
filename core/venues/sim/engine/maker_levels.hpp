// maker_level_qty(): how much the simulated market maker quotes at one book level, the
// same rule for every simulated venue and symbol. A level holds a NOTIONAL (quote
// currency) drawn between 0.5× and 1.5× `level_notional`, converted to base units at the
// level's price — so a BTC book and an ETH book (or a Binance and an OKX one) are
// equally deep in USDT, which is what a depth-based regime classifier reads. Real venues
// differ in base-unit sizes; they do not quote a 60k BTC level next to a 1.5k ETH one.
//
// Guarantees: the quantity is on the instrument's step, at least ten minimum orders
// (min_qty, and min_notional at that price), so a minimum order never empties a level;
// deterministic for the same `random` draw. Pure function, header-only.
// Uses: InstrumentRules (instrument_rules.hpp), Decimal.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/common/decimal.hpp"
#include "core/venues/sim/engine/instrument_rules.hpp"

namespace propbot::venues::sim {

// `random`: one draw of the venue's generator (any 64-bit value).
inline Decimal maker_level_qty(double price, const InstrumentRules& rules, double level_notional, std::uint64_t random) {
  const double step = rules.step.to_double();
  if (!(price > 0) || !(step > 0)) return rules.step;
  const double share = 0.5 + static_cast<double>(random % 1001) / 1000.0;  // 0.5 .. 1.5
  const double wanted_lots = std::max(0.0, level_notional) * share / price / step;
  const double min_lots = std::max(std::ceil(rules.min_qty.to_double() / step - 1e-9),
                                   std::ceil(rules.min_notional.to_double() / (price * step) - 1e-9));
  const double lots = std::max({std::floor(wanted_lots), 10.0 * std::max(1.0, min_lots)});
  auto quantity = Decimal::from_ticks(static_cast<std::int64_t>(std::min(lots, 1e15)), rules.step);
  return quantity ? *quantity : rules.step;
}

}  // namespace propbot::venues::sim
