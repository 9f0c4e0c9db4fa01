#include "core/exec/order_math.hpp"

#include <cmath>

namespace propbot::exec {

Result<Decimal> decimal_of(double value) {
  if (!std::isfinite(value)) return make_error(Errc::invalid_argument, "a price or size is not a finite number");
  auto decimal = Decimal::from_double(value, 12);
  if (!decimal) return decimal.error();
  return decimal->normalized();
}

Result<Decimal> protective_price(Side side, Decimal reference, double slippage_bps, Decimal tick) {
  if (reference.sign() <= 0) return make_error(Errc::invalid_argument, "a reference price must be positive");
  if (!(slippage_bps >= 0) || !std::isfinite(slippage_bps)) {
    return make_error(Errc::invalid_argument, "slippage_bps must be a finite number >= 0");
  }
  // Exact: reference × (10000 ± bps) / 10000, so 60000 + 10 bps is 60060, not 60059.99….
  auto bps = decimal_of(slippage_bps);
  if (!bps) return bps.error();
  const Decimal ten_thousand = Decimal::from_mantissa(10000, 0);
  auto factor = side == Side::buy ? ten_thousand.add(*bps) : ten_thousand.sub(*bps);
  if (!factor) return factor.error();
  auto scaled = reference.mul(*factor);
  if (!scaled) return scaled.error();
  auto bound = scaled->div(ten_thousand, 12, RoundMode::down);
  if (!bound) return bound.error();
  if (bound->sign() <= 0) return make_error(Errc::invalid_argument, "slippage_bps leaves no positive price");
  // A buy's bound rounds down (pays at most the bound), a sell's up (takes at least it).
  auto rounded = bound->round_to_step(tick, side == Side::buy ? RoundMode::down : RoundMode::up);
  if (!rounded) return rounded.error();
  if (rounded->sign() <= 0) return tick;
  return rounded->normalized();
}

Decimal taker_touch(const md::OrderBook& book, Side side) {
  auto level = side == Side::buy ? book.best_ask() : book.best_bid();
  if (!level) return Decimal();
  auto price = decimal_of(book.spec().price_of(level->price_ticks));
  return price ? *price : Decimal();
}

std::optional<OrderEvent> event_of(venues::OrderStatus status) {
  using S = venues::OrderStatus;
  switch (status) {
    case S::pending_new: return std::nullopt;
    case S::new_order: return OrderEvent::ack;
    case S::partially_filled: return OrderEvent::partial;
    case S::filled: return OrderEvent::filled;
    case S::canceled: return OrderEvent::cancelled;
    case S::rejected: return OrderEvent::rejected;
    case S::expired: return OrderEvent::expired;
  }
  return std::nullopt;
}

double percent_of(Decimal part, Decimal whole) {
  if (whole.is_zero()) return 0;
  return part.to_double() / whole.to_double() * 100.0;
}

}  // namespace propbot::exec
