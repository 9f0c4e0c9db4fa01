// Intent: IntentKind's stable string forms and parsing, and intent_decimal — a script's
// number as an exact amount: the shortest decimal of the double, refused when NaN,
// infinite or outside [1e-18, 1e18], rounded only below the 18th fractional digit.
#include "core/common/intent.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace propbot {
namespace {

TEST(IntentKindTest, StringFormsAreTheOnesCtxProposeTakes) {
  EXPECT_EQ(to_string(IntentKind::hedged_pair), "hedged_pair");
  EXPECT_EQ(to_string(IntentKind::single), "single");
  static_assert(to_string(IntentKind::single) == "single", "usable at compile time");
}

TEST(IntentKindTest, ParsesEveryStringFormBack) {
  for (IntentKind kind : kAllIntentKinds) {
    Result<IntentKind> parsed = parse_intent_kind(to_string(kind));
    ASSERT_TRUE(parsed.ok()) << to_string(kind);
    EXPECT_EQ(*parsed, kind);
  }
}

TEST(IntentKindTest, RefusesAnythingElseNamingTheAllowedValues) {
  for (const char* text : {"pair", "Single", "", "hedged_pair ", "basket"}) {
    Result<IntentKind> parsed = parse_intent_kind(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find("use hedged_pair or single"), std::string::npos) << parsed.error().message;
  }
}

TEST(IntentTest, ADefaultIntentIsAnEmptyPair) {
  const Intent intent;
  EXPECT_EQ(intent.kind, IntentKind::hedged_pair);
  EXPECT_FALSE(intent.side.has_value());
  EXPECT_TRUE(intent.notional_usdt.is_zero());
  EXPECT_TRUE(intent.price.is_zero());
  EXPECT_FALSE(intent.max_slippage_bps.has_value());
}

std::string exact(double value) {
  Result<Decimal> amount = intent_decimal(value);
  EXPECT_TRUE(amount.ok()) << value;
  return amount.ok() ? amount->to_string() : "";
}

TEST(IntentDecimalTest, KeepsTheShortestDecimalOfTheDouble) {
  EXPECT_EQ(exact(65000.1), "65000.1");
  EXPECT_EQ(exact(500), "500");
  EXPECT_EQ(exact(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(exact(1.5e-7), "0.00000015");
  EXPECT_EQ(exact(-2.25), "-2.25");
  EXPECT_EQ(exact(0), "0");
}

TEST(IntentDecimalTest, ReadsBackAsTheSameDouble) {
  for (double value : {65000.1 * 1.0004, 59719.5, 1.0 / 3.0, 0.1 + 0.2, 123456789.12345678, 3e-4, 1e18, 1e-18,
                       9.999999999999999e17}) {
    Result<Decimal> amount = intent_decimal(value);
    ASSERT_TRUE(amount.ok()) << value;
    EXPECT_EQ(amount->to_double(), value) << amount->to_string();
  }
}

TEST(IntentDecimalTest, TheEdgesOfTheRangeAreHeld) {
  EXPECT_EQ(*intent_decimal(1e18), Decimal::from_mantissa(1'000'000'000'000'000'000, 0));
  EXPECT_EQ(*intent_decimal(1e-18), Decimal::from_mantissa(1, 18));
  EXPECT_EQ(*intent_decimal(-1e18), Decimal::from_mantissa(-1'000'000'000'000'000'000, 0));
}

TEST(IntentDecimalTest, RoundsOnlyBelowTheEighteenthDecimalPlace) {
  EXPECT_EQ(exact(1.2345678901234567e-5), "0.000012345678901235");  // 21 places needed
  EXPECT_EQ(exact(1.5e-18), "0.000000000000000002");                 // ties away from zero
  EXPECT_EQ(exact(1.23e-16), "0.000000000000000123");                 // 18 places: exact
}

TEST(IntentDecimalTest, RefusesWhatADecimalCannotHold) {
  for (double value : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity()}) {
    Result<Decimal> amount = intent_decimal(value);
    ASSERT_FALSE(amount.ok()) << value;
    EXPECT_EQ(amount.error().code, Errc::invalid_argument);
  }
  for (double value : {1.0000000000000002e18, 1e19, 1e300, std::numeric_limits<double>::max(), 9.9e-19, 1e-300,
                       std::numeric_limits<double>::denorm_min(), -1e19}) {
    Result<Decimal> amount = intent_decimal(value);
    ASSERT_FALSE(amount.ok()) << value;
    EXPECT_EQ(amount.error().code, Errc::out_of_range) << value;
    EXPECT_NE(amount.error().message.find("1e-18..1e18"), std::string::npos) << amount.error().message;
  }
}

}  // namespace
}  // namespace propbot
