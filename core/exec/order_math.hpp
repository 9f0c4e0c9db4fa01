// Order arithmetic the executor needs, in exact Decimals: an instrument's tick, step and
// min notional as Decimals, quantities rounded DOWN to a step (never more than asked),
// protective limit prices rounded to the tick in the direction that keeps the
// protection (a buy never pays more than its bound, a sell never takes less), and the
// journal event a venue order status means.
//
// Pure; any thread. Errors name the value and the rule.
#pragma once

#include <optional>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/common/side.hpp"
#include "core/exec/order_lifecycle.hpp"
#include "core/md/instrument.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::exec {

struct InstrumentRules {
  Decimal tick;          // price increment
  Decimal step;          // quantity increment (base coin)
  Decimal min_notional;  // quote currency
};

// The spec's doubles as the Decimals they denote (0.1 → 0.1, not 0.1000000000000000055).
Result<InstrumentRules> rules_of(const md::InstrumentSpec& spec);

// `value` as a Decimal with at most 12 fractional digits (prices and sizes from doubles).
Result<Decimal> decimal_of(double value);

// The largest multiple of `step` ≤ qty (qty ≥ 0).
Result<Decimal> round_down_to_step(Decimal qty, Decimal step);
// The largest quantity ≤ qty that is a multiple of both steps; invalid_argument when the
// steps do not nest (neither divides the other).
Result<Decimal> round_down_to_both(Decimal qty, Decimal step_a, Decimal step_b);

// The limit price `reference` moved against us by `slippage_bps` (a buy's bound above,
// a sell's below), rounded to the tick toward the reference (the bound is never looser
// than asked).
Result<Decimal> protective_price(Side side, Decimal reference, double slippage_bps, Decimal tick);

// qty × price ≥ min_notional.
bool meets_min_notional(Decimal qty, Decimal price, Decimal min_notional);

// The journal event a venue status means: pending_new → nothing new (nullopt),
// new → ack, partially_filled → partial, filled, canceled → cancelled, rejected, expired.
std::optional<OrderEvent> event_of(venues::OrderStatus status);

// `part` / `whole` × 100 as a double (0 when whole is zero).
double percent_of(Decimal part, Decimal whole);

}  // namespace propbot::exec
