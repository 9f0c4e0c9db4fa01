#include "core/exec/order_rules.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>

#include "core/common/intent.hpp"

namespace propbot::exec {
namespace {

Result<Decimal> spec_amount(double value, std::string_view field) {
  auto amount = intent_decimal(value);
  if (!amount) {
    return make_error(Errc::invalid_argument,
                      "instrument " + std::string(field) + " " + std::to_string(value) + ": " + amount.error().message);
  }
  return amount;
}

SizeCheck refused(SizeRefusal refusal, std::string field, std::string message) {
  SizeCheck check;
  check.refusal = refusal;
  check.field = std::move(field);
  check.message = std::move(message);
  return check;
}

SizeCheck overflow(const Error& error) {
  return refused(SizeRefusal::arithmetic_overflow, "qty", error.message);
}

void prefix_leg(SizeCheck& check, std::string_view label, const std::string& venue) {
  if (!check.ok()) check.message = "leg " + std::string(label) + " (" + venue + "): " + check.message;
}

}  // namespace

std::string_view to_string(SizeRefusal refusal) {
  switch (refusal) {
    case SizeRefusal::rules_invalid: return "rules_invalid";
    case SizeRefusal::qty_not_positive: return "qty_not_positive";
    case SizeRefusal::price_not_positive: return "price_not_positive";
    case SizeRefusal::below_min_qty: return "below_min_qty";
    case SizeRefusal::below_min_notional: return "below_min_notional";
    case SizeRefusal::arithmetic_overflow: return "arithmetic_overflow";
  }
  return "rules_invalid";
}

Result<OrderRules> order_rules_from_spec(const md::InstrumentSpec& spec, std::optional<Decimal> min_qty) {
  auto tick = spec_amount(spec.tick_size, "tick_size");
  if (!tick) return tick.error();
  auto step = spec_amount(spec.lot_size, "lot_size");
  if (!step) return step.error();
  auto min_notional = spec_amount(spec.min_notional, "min_notional");
  if (!min_notional) return min_notional.error();
  OrderRules rules{*tick, *step, min_qty.value_or(*step), *min_notional};
  if (auto valid = validate_order_rules(rules); !valid) return valid.error();
  return rules;
}

Status validate_order_rules(const OrderRules& rules) {
  if (rules.tick.sign() <= 0) {
    return make_error(Errc::invalid_argument, "tick " + rules.tick.to_string() + " must be > 0");
  }
  if (rules.step.sign() <= 0) {
    return make_error(Errc::invalid_argument, "step " + rules.step.to_string() + " must be > 0");
  }
  if (rules.min_qty.is_negative()) {
    return make_error(Errc::invalid_argument, "min_qty " + rules.min_qty.to_string() + " must be >= 0");
  }
  if (rules.min_notional.is_negative()) {
    return make_error(Errc::invalid_argument, "min_notional " + rules.min_notional.to_string() + " must be >= 0");
  }
  return {};
}

Result<Decimal> round_qty(const OrderRules& rules, Decimal qty) {
  return qty.round_to_step(rules.step, RoundMode::down);
}

Result<Decimal> round_price(const OrderRules& rules, Side side, Decimal price) {
  return price.round_to_step(rules.tick, side == Side::buy ? RoundMode::floor : RoundMode::ceil);
}

SizeCheck check_order(const OrderRules& rules, Side side, Decimal qty, Decimal price) {
  if (auto valid = validate_order_rules(rules); !valid) {
    return refused(SizeRefusal::rules_invalid, "rules", valid.error().message);
  }
  auto rounded_qty = round_qty(rules, qty);
  if (!rounded_qty) return overflow(rounded_qty.error());
  auto rounded_price = round_price(rules, side, price);
  if (!rounded_price) return refused(SizeRefusal::arithmetic_overflow, "price", rounded_price.error().message);

  if (rounded_qty->sign() <= 0) {
    return refused(SizeRefusal::qty_not_positive, "qty",
                   "qty " + qty.to_string() + " rounds down to " + rounded_qty->to_string() + " on step " +
                       rules.step.to_string());
  }
  if (rounded_price->sign() <= 0) {
    return refused(SizeRefusal::price_not_positive, "price",
                   "price " + price.to_string() + " is " + rounded_price->to_string() + " on tick " +
                       rules.tick.to_string() + "; it must be > 0");
  }
  if (*rounded_qty < rules.min_qty) {
    return refused(SizeRefusal::below_min_qty, "qty",
                   "qty " + rounded_qty->to_string() + " (" + qty.to_string() + " on step " + rules.step.to_string() +
                       ") is below min_qty " + rules.min_qty.to_string());
  }
  auto notional = rounded_qty->mul(*rounded_price);
  if (!notional) return refused(SizeRefusal::arithmetic_overflow, "notional", notional.error().message);
  if (*notional < rules.min_notional) {
    return refused(SizeRefusal::below_min_notional, "notional",
                   "notional " + notional->to_string() + " (qty " + rounded_qty->to_string() + " × price " +
                       rounded_price->to_string() + ") is below min_notional " + rules.min_notional.to_string());
  }
  SizeCheck check;
  check.order = SizedOrder{*rounded_qty, *rounded_price, *notional};
  return check;
}

Result<Decimal> common_step(Decimal step_a, Decimal step_b) {
  if (step_a.sign() <= 0 || step_b.sign() <= 0) {
    return make_error(Errc::invalid_argument,
                      "steps " + step_a.to_string() + " and " + step_b.to_string() + " must both be > 0");
  }
  const int scale = std::max(step_a.scale(), step_b.scale());
  auto a = step_a.rescale(scale, RoundMode::down);  // exact: the scale only grows
  if (!a) return a.error();
  auto b = step_b.rescale(scale, RoundMode::down);
  if (!b) return b.error();
  const std::int64_t ma = a->mantissa();
  const std::int64_t mb = b->mantissa();
  std::int64_t multiple = 0;
  if (__builtin_mul_overflow(ma / std::gcd(ma, mb), mb, &multiple)) {
    return make_error(Errc::overflow, "common step of " + step_a.to_string() + " and " + step_b.to_string());
  }
  return Decimal::from_mantissa(multiple, scale).normalized();
}

PairCheck check_pair(Decimal qty, const PairLeg& leg_a, const PairLeg& leg_b) {
  PairCheck pair;
  auto step = common_step(leg_a.rules.step, leg_b.rules.step);
  Result<Decimal> rounded = step ? qty.round_to_step(*step, RoundMode::down) : Result<Decimal>(step.error());
  if (!rounded) {
    const SizeCheck invalid = refused(SizeRefusal::rules_invalid, "rules", rounded.error().message);
    pair.leg_a = invalid;
    pair.leg_b = invalid;
  } else {
    pair.qty = *rounded;
    pair.leg_a = check_order(leg_a.rules, leg_a.side, pair.qty, leg_a.price);
    pair.leg_b = check_order(leg_b.rules, leg_b.side, pair.qty, leg_b.price);
    if (pair.qty < qty && !pair.ok()) {
      // Say why the quantity shrank: the common grid is what made a leg too small.
      for (SizeCheck* leg : {&pair.leg_a, &pair.leg_b}) {
        if (!leg->ok()) leg->message += " (pair qty " + qty.to_string() + " on common step " + step->to_string() + ")";
      }
    }
  }
  prefix_leg(pair.leg_a, "A", leg_a.venue);
  prefix_leg(pair.leg_b, "B", leg_b.venue);
  return pair;
}

}  // namespace propbot::exec
