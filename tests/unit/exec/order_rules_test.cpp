// Order rules: quantities round down to the step, prices round to the tick in the
// direction that never worsens the limit, the minimums refuse with the field named,
// and a pair is checked on one quantity both venues accept before leg A can go.
#include "core/exec/order_rules.hpp"

#include <gtest/gtest.h>

namespace propbot::exec {
namespace {

Decimal d(const char* text) { return *Decimal::parse(text); }

OrderRules rules(const char* tick, const char* step, const char* min_qty, const char* min_notional) {
  return OrderRules{d(tick), d(step), d(min_qty), d(min_notional)};
}

TEST(OrderRulesTest, RefusalNamesAreStable) {
  const char* names[] = {"rules_invalid",      "qty_not_positive",   "price_not_positive",
                         "below_min_qty",      "below_min_notional", "arithmetic_overflow"};
  for (std::size_t i = 0; i < kAllSizeRefusals.size(); ++i) EXPECT_EQ(to_string(kAllSizeRefusals[i]), names[i]);
}

TEST(OrderRulesTest, RulesFromASpecAreTheShortestDecimalsAndMinQtyDefaultsToOneStep) {
  const md::InstrumentSpec spec{"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
  auto from_spec = order_rules_from_spec(spec);
  ASSERT_TRUE(from_spec) << from_spec.error().message;
  EXPECT_EQ(from_spec->tick.to_string(), "0.1");
  EXPECT_EQ(from_spec->step.to_string(), "0.001");
  EXPECT_EQ(from_spec->min_qty, d("0.001"));
  EXPECT_EQ(from_spec->min_notional, d("5"));
  EXPECT_EQ(order_rules_from_spec(spec, d("0.01"))->min_qty, d("0.01"));

  md::InstrumentSpec broken = spec;
  broken.lot_size = 0;
  auto refused = order_rules_from_spec(broken);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("step"), std::string::npos) << refused.error().message;
}

TEST(OrderRulesTest, QuantityRoundsDownAndPriceRoundsTheSafeWayForEachSide) {
  const OrderRules r = rules("0.1", "0.001", "0.001", "5");
  EXPECT_EQ(*round_qty(r, d("1.23456")), d("1.234"));
  EXPECT_EQ(*round_qty(r, d("0.0009")), d("0"));
  EXPECT_EQ(*round_price(r, Side::buy, d("100.19")), d("100.1")) << "a buy never pays more than its limit";
  EXPECT_EQ(*round_price(r, Side::sell, d("100.11")), d("100.2")) << "a sell never sells below its limit";
  EXPECT_EQ(*round_price(r, Side::buy, d("100.1")), d("100.1")) << "on the grid already: unchanged";
  EXPECT_EQ(*round_price(r, Side::sell, d("100.1")), d("100.1"));
}

TEST(OrderRulesTest, AnOrderOnTheGridAboveTheMinimumsPasses) {
  const SizeCheck check = check_order(rules("0.1", "0.001", "0.001", "5"), Side::sell, d("0.0509"), d("100.01"));
  ASSERT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(check.order->qty, d("0.05"));
  EXPECT_EQ(check.order->price, d("100.1"));
  EXPECT_EQ(check.order->notional, d("5.005"));
}

TEST(OrderRulesTest, EachMinimumRefusesNamingItsField) {
  const OrderRules r = rules("0.1", "0.001", "0.01", "5");
  SizeCheck check = check_order(r, Side::buy, d("0.0004"), d("100"));
  EXPECT_EQ(check.refusal, SizeRefusal::qty_not_positive);
  EXPECT_EQ(check.field, "qty");

  check = check_order(r, Side::buy, d("0.0099"), d("1000"));
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.refusal, SizeRefusal::below_min_qty);
  EXPECT_EQ(check.field, "qty");
  EXPECT_NE(check.message.find("min_qty 0.01"), std::string::npos) << check.message;

  check = check_order(r, Side::buy, d("0.049"), d("100.09"));
  EXPECT_EQ(check.refusal, SizeRefusal::below_min_notional);
  EXPECT_EQ(check.field, "notional");
  EXPECT_NE(check.message.find("price 100.0"), std::string::npos) << "notional at the rounded price: " << check.message;

  check = check_order(r, Side::buy, d("1"), d("0.05"));
  EXPECT_EQ(check.refusal, SizeRefusal::price_not_positive);
  EXPECT_EQ(check.field, "price");

  check = check_order(rules("0", "0.001", "0", "0"), Side::buy, d("1"), d("1"));
  EXPECT_EQ(check.refusal, SizeRefusal::rules_invalid);
  EXPECT_EQ(check.field, "rules");
}

TEST(OrderRulesTest, CommonStepIsTheLeastCommonMultiple) {
  EXPECT_EQ(*common_step(d("0.001"), d("0.01")), d("0.01"));
  EXPECT_EQ(*common_step(d("0.002"), d("0.003")), d("0.006"));
  EXPECT_EQ(*common_step(d("0.1"), d("0.1")), d("0.1"));
  EXPECT_EQ(*common_step(d("1"), d("0.25")), d("1"));
  EXPECT_FALSE(common_step(d("0"), d("0.1")));
}

PairLeg leg(std::string venue, OrderRules r, Side side, const char* price) {
  return PairLeg{std::move(venue), r, side, d(price)};
}

TEST(OrderRulesTest, APairCarriesOneQuantityOnBothGrids) {
  const PairCheck pair =
      check_pair(d("0.0257"), leg("BINANCE", rules("0.1", "0.001", "0.001", "1"), Side::buy, "100.07"),
                 leg("OKX", rules("0.01", "0.01", "0.01", "1"), Side::sell, "100.123"));
  ASSERT_TRUE(pair.ok()) << pair.leg_a.message << " / " << pair.leg_b.message;
  EXPECT_EQ(pair.qty, d("0.02"));
  EXPECT_EQ(pair.leg_a.order->qty, pair.leg_b.order->qty);
  EXPECT_EQ(pair.leg_a.order->price, d("100.0"));
  EXPECT_EQ(pair.leg_b.order->price, d("100.13"));
}

TEST(OrderRulesTest, APairIsRefusedBeforeLegAWhenLegBWouldBeBelowItsMinNotional) {
  // Leg A alone is fine; leg B's venue wants 20 USDT, the pair is ~10.
  const PairCheck pair = check_pair(d("0.1"), leg("BINANCE", rules("0.1", "0.001", "0.001", "5"), Side::buy, "100"),
                                    leg("OKX", rules("0.1", "0.001", "0.001", "20"), Side::sell, "100.5"));
  EXPECT_FALSE(pair.ok());
  EXPECT_TRUE(pair.leg_a.ok()) << pair.leg_a.message;
  ASSERT_FALSE(pair.leg_b.ok());
  EXPECT_EQ(pair.leg_b.refusal, SizeRefusal::below_min_notional);
  EXPECT_EQ(pair.leg_b.field, "notional");
  EXPECT_EQ(pair.leg_b.message.rfind("leg B (OKX): ", 0), 0u) << pair.leg_b.message;
}

TEST(OrderRulesTest, APairReportsEveryLegThatWouldBeRefused) {
  const PairCheck pair = check_pair(d("0.015"), leg("A", rules("0.1", "0.001", "0.02", "1"), Side::buy, "100"),
                                    leg("B", rules("0.1", "0.01", "0.01", "5"), Side::sell, "100"));
  EXPECT_EQ(pair.qty, d("0.01")) << "the common step 0.01 rounds 0.015 down";
  EXPECT_EQ(pair.leg_a.refusal, SizeRefusal::below_min_qty);
  EXPECT_EQ(pair.leg_b.refusal, SizeRefusal::below_min_notional);
  EXPECT_NE(pair.leg_a.message.find("common step 0.01"), std::string::npos) << pair.leg_a.message;
  EXPECT_EQ(pair.leg_a.message.rfind("leg A (A): ", 0), 0u);
}

TEST(OrderRulesTest, APairWithUnusableRulesRefusesBothLegs) {
  const PairCheck pair = check_pair(d("1"), leg("A", rules("0.1", "0", "0", "0"), Side::buy, "100"),
                                    leg("B", rules("0.1", "0.01", "0.01", "5"), Side::sell, "100"));
  EXPECT_EQ(pair.leg_a.refusal, SizeRefusal::rules_invalid);
  EXPECT_EQ(pair.leg_b.refusal, SizeRefusal::rules_invalid);
  EXPECT_FALSE(pair.ok());
}

}  // namespace
}  // namespace propbot::exec
