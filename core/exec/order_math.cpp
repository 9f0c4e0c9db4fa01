#include "core/exec/order_math.hpp"

#include <cmath>

namespace propbot::exec {

Result<Decimal> decimal_of(double value) {
  if (!std::isfinite(value)) return make_error(Errc::invalid_argument, "a price or size is not a finite number");
  auto decimal = Decimal::from_double(value, 12);
  if (!decimal) return decimal.error();
  return decimal->normalized();
}

Result<InstrumentRules> rules_of(const md::InstrumentSpec& spec) {
  auto tick = decimal_of(spec.tick_size);
  auto step = decimal_of(spec.lot_size);
  auto min_notional = decimal_of(spec.min_notional);
  if (!tick || !step || !min_notional || tick->sign() <= 0 || step->sign() <= 0) {
    return make_error(Errc::invalid_argument, "instrument " + spec.canonical_id() +
                                                  " has no usable tick_size / lot_size / min_notional");
  }
  return InstrumentRules{*tick, *step, *min_notional};
}

Result<Decimal> round_down_to_step(Decimal qty, Decimal step) {
  if (step.sign() <= 0) return make_error(Errc::invalid_argument, "a quantity step must be positive");
  if (qty.sign() <= 0) return Decimal();
  auto rounded = qty.round_to_step(step, RoundMode::down);
  if (!rounded) return rounded.error();
  return rounded->normalized();
}

Result<Decimal> round_down_to_both(Decimal qty, Decimal step_a, Decimal step_b) {
  const Decimal coarse = step_a >= step_b ? step_a : step_b;
  const Decimal fine = step_a >= step_b ? step_b : step_a;
  auto ratio = coarse.round_to_step(fine, RoundMode::down);
  if (!ratio || *ratio != coarse) {
    return make_error(Errc::invalid_argument, "quantity steps " + step_a.to_string() + " and " + step_b.to_string() +
                                                  " do not nest: no size is valid on both venues");
  }
  return round_down_to_step(qty, coarse);
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

bool meets_min_notional(Decimal qty, Decimal price, Decimal min_notional) {
  auto notional = qty.mul(price);
  return notional && *notional >= min_notional;
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
