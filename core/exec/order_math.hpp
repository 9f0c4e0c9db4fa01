// Order arithmetic the executor needs beyond the instrument checks (order_rules.hpp),
// in exact Decimals: protective limit prices rounded to the tick in the direction that keeps the
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
#include "core/md/order_book.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::exec {

// `value` as a Decimal with at most 12 fractional digits (prices and sizes from doubles).
Result<Decimal> decimal_of(double value);

// The limit price `reference` moved against us by `slippage_bps` (a buy's bound above,
// a sell's below), rounded to the tick toward the reference (the bound is never looser
// than asked).
Result<Decimal> protective_price(Side side, Decimal reference, double slippage_bps, Decimal tick);

// The best price a taker on `side` meets on `book` (a buy: the best ask), exact; zero
// when that side is empty.
Decimal taker_touch(const md::OrderBook& book, Side side);

// The journal event a venue status means: pending_new → nothing new (nullopt),
// new → ack, partially_filled → partial, filled, canceled → cancelled, rejected, expired.
std::optional<OrderEvent> event_of(venues::OrderStatus status);

// `part` / `whole` × 100 as a double (0 when whole is zero).
double percent_of(Decimal part, Decimal whole);

}  // namespace propbot::exec
