// Order rules: the instrument checks an order must pass before it is journaled and
// sent — quantity on the venue's step, price on its tick, at least the minimum
// quantity and the minimum notional (SPEC S-8.2, S-8.6) — and the same checks for both
// legs of a hedged pair at once (DESIGN-NOTES "Two-leg execution": a leg B refused for
// size after leg A filled is how peers end one-legged, so both legs are checked before
// leg A goes out, on a quantity both venues accept).
//
// Guarantees:
//  - Exact: every amount is a Decimal; nothing here goes through a double except
//    order_rules_from_spec, which reads the core's double view of an instrument once.
//  - Rounding only ever makes an order safer: a quantity goes DOWN to the step (never
//    more than asked, never over-hedging into a new position); a buy price goes DOWN
//    to the tick and a sell price UP (never a worse limit than the caller named).
//  - A refusal is an outcome, not an error: a stable SizeRefusal, the field it is
//    about ("qty", "price", "notional", "rules") and a message with the numbers.
//  - check_pair sizes both legs to one quantity that lies on both venues' steps, so
//    what leg A sends, leg B can send too.
//
// Pure functions; any thread. Allocate only for messages. Uses Decimal, Side,
// md::InstrumentSpec.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/common/side.hpp"
#include "core/md/instrument.hpp"

namespace propbot::exec {

// One instrument's order limits on one venue, exact.
struct OrderRules {
  Decimal tick;          // price increment, > 0
  Decimal step;          // quantity increment (base coin), > 0
  Decimal min_qty;       // >= 0
  Decimal min_notional;  // quote currency, >= 0
};

// The rules of `spec` as exact decimals (the shortest decimal of each double, so 0.1
// stays 0.1). md::InstrumentSpec carries no minimum quantity: `min_qty` gives it when
// the venue publishes one (Binance LOT_SIZE minQty, OKX minSz × ctVal), otherwise it is
// one step — no venue accepts less. Errors: invalid_argument naming the field when a
// size is not positive or the minimum notional is negative.
Result<OrderRules> order_rules_from_spec(const md::InstrumentSpec& spec, std::optional<Decimal> min_qty = {});

// invalid_argument naming the field unless tick > 0, step > 0, min_qty >= 0 and
// min_notional >= 0.
Status validate_order_rules(const OrderRules& rules);

// Quantity rounded down to the step. Errors: overflow (or invalid_argument for a bad step).
Result<Decimal> round_qty(const OrderRules& rules, Decimal qty);
// Price rounded to the tick in the direction that never worsens the limit: a buy down
// (floor), a sell up (ceil). Errors as round_qty.
Result<Decimal> round_price(const OrderRules& rules, Side side, Decimal price);

enum class SizeRefusal {
  rules_invalid,        // the instrument's rules themselves are unusable
  qty_not_positive,     // asked for nothing, or less than one step
  price_not_positive,
  below_min_qty,
  below_min_notional,
  arithmetic_overflow,  // amounts too large for Decimal
};
inline constexpr std::array<SizeRefusal, 6> kAllSizeRefusals = {
    SizeRefusal::rules_invalid,      SizeRefusal::qty_not_positive,   SizeRefusal::price_not_positive,
    SizeRefusal::below_min_qty,      SizeRefusal::below_min_notional, SizeRefusal::arithmetic_overflow};
std::string_view to_string(SizeRefusal refusal);

// An order as it may be sent: qty on the step, price on the tick, notional = qty × price.
struct SizedOrder {
  Decimal qty;
  Decimal price;
  Decimal notional;
};

struct SizeCheck {
  std::optional<SizedOrder> order;  // set exactly when the order may be sent
  SizeRefusal refusal = SizeRefusal::rules_invalid;  // meaningful only when !ok()
  std::string field;                // "qty" | "price" | "notional" | "rules" when refused
  std::string message;              // the numbers: "notional 4.2 (qty 0.001 × price 4200) is below min_notional 5"

  bool ok() const { return order.has_value(); }
};

// Rounds `qty` and `price` (round_qty, round_price) and checks the result against the
// minimums, as the venue will.
SizeCheck check_order(const OrderRules& rules, Side side, Decimal qty, Decimal price);

// The finest quantity grid both steps lie on (their least common multiple: 0.001 and
// 0.01 → 0.01; 0.002 and 0.003 → 0.006). Errors: invalid_argument for a step <= 0,
// overflow when the multiple does not fit.
Result<Decimal> common_step(Decimal step_a, Decimal step_b);

// One leg of a hedged pair: where, which way, and its limit (or protection) price.
struct PairLeg {
  std::string venue;
  OrderRules rules;
  Side side = Side::buy;
  Decimal price;
};

struct PairCheck {
  Decimal qty;       // the one base quantity both legs carry (0 when it could not be formed)
  SizeCheck leg_a;   // messages start "leg A (<venue>): "
  SizeCheck leg_b;   // messages start "leg B (<venue>): "

  bool ok() const { return leg_a.ok() && leg_b.ok(); }
};

// Sizes both legs of a pair to `qty` rounded down to common_step(A's step, B's step),
// and checks each leg (check_order) with its own price, tick and minimums. Both legs
// are always evaluated, so a refusal reports every leg that would be refused. Send leg
// A only when ok(). A partial fill of A can still be smaller than B's minimums: the
// executor carries such a remainder until check_order on B accepts it.
PairCheck check_pair(Decimal qty, const PairLeg& leg_a, const PairLeg& leg_b);

}  // namespace propbot::exec
