#include "core/common/decimal.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <unordered_set>

namespace propbot {
namespace {

Decimal dec(std::string_view text) {
  auto parsed = Decimal::parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().describe());
  return parsed.ok() ? *parsed : Decimal{};
}

TEST(DecimalTest, RoundTripsPlainDecimalText) {
  for (const char* text : {"0", "1", "-1", "123", "-0.5", "0.5", "1.50", "0.00000001", "-0.00000001", "65000.10000000",
                           "9223372036854775807", "-9223372036854775808", "0.000000000000000001",
                           "9.223372036854775807", "-123.456", "100", "0.10", "42.000"}) {
    EXPECT_EQ(dec(text).to_string(), text);
  }
}

TEST(DecimalTest, ParseKeepsTheScaleOfTheText) {
  const Decimal d = dec("1.50");
  EXPECT_EQ(d.mantissa(), 150);
  EXPECT_EQ(d.scale(), 2);
  EXPECT_EQ(dec("65000.10000000").scale(), 8);
}

TEST(DecimalTest, ParseDropsLeadingZerosAndPlusSign) {
  EXPECT_EQ(dec("007.5").to_string(), "7.5");
  EXPECT_EQ(dec("+3").to_string(), "3");
  EXPECT_EQ(dec("-0").to_string(), "0");
  EXPECT_EQ(dec("-0.000").to_string(), "0.000");
  EXPECT_EQ(dec(".25").to_string(), "0.25");
  EXPECT_EQ(dec("5.").to_string(), "5");
}

TEST(DecimalTest, ParsesScientificNotation) {
  EXPECT_EQ(dec("1.5e-7").to_string(), "0.00000015");
  EXPECT_EQ(dec("1E-3").to_string(), "0.001");
  EXPECT_EQ(dec("2e3").to_string(), "2000");
  EXPECT_EQ(dec("2.5E+2").to_string(), "250");
  EXPECT_EQ(dec("-4.2e1").to_string(), "-42");
  EXPECT_EQ(dec("123.456e-2").to_string(), "1.23456");
  EXPECT_EQ(dec("1e-18").to_string(), "0.000000000000000001");
  EXPECT_EQ(dec("0e99").to_string(), "0");
}

TEST(DecimalTest, DropsTrailingZerosBeyondEighteenDigitsOnlyWhenExact) {
  EXPECT_EQ(dec("0.1000000000000000000000").to_string(), "0.100000000000000000");
  EXPECT_EQ(dec("10.000000000000000000").normalized().to_string(), "10");
}

TEST(DecimalTest, RefusesJunkWithAMessageNamingTheText) {
  for (const char* text : {"", "abc", "1.2.3", "12a", " 1", "1 ", "-", ".", "e5", "1e", "1e+", "0x10", "nan", "inf",
                           "1,5", "--1"}) {
    const auto parsed = Decimal::parse(text);
    ASSERT_FALSE(parsed.ok()) << "accepted: \"" << text << "\"";
    EXPECT_EQ(parsed.error().code, Errc::parse_error) << text;
    EXPECT_NE(parsed.error().message.find('"' + std::string(text) + '"'), std::string::npos)
        << parsed.error().message;
  }
}

TEST(DecimalTest, RefusesOverflowOnParse) {
  for (const char* text : {"9223372036854775808", "-9223372036854775809", "99999999999999999999", "1e19",
                           "92233720368547758.08", "1e1000000000000"}) {
    const auto parsed = Decimal::parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::overflow) << text;
    EXPECT_NE(parsed.error().message.find(text), std::string::npos);
  }
}

TEST(DecimalTest, RefusesMoreThanEighteenFractionalDigits) {
  for (const char* text : {"0.0000000000000000001", "1e-19", "1.2345678901234567891"}) {
    const auto parsed = Decimal::parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::out_of_range) << text;
  }
}

TEST(DecimalTest, ComparesExactlyAcrossScales) {
  EXPECT_EQ(dec("1.5"), dec("1.50"));
  EXPECT_EQ(dec("0"), dec("0.000"));
  EXPECT_LT(dec("1.49999999"), dec("1.5"));
  EXPECT_GT(dec("-1.4"), dec("-1.41"));
  EXPECT_LT(dec("-0.000000000000000001"), dec("0"));
  // Both values round to the same double; the exact comparison still tells them apart.
  EXPECT_LT(dec("9223372036854775806"), dec("9223372036854775807"));
  EXPECT_LT(dec("9.223372036854775806"), dec("9.223372036854775807"));
  EXPECT_EQ(std::hash<Decimal>{}(dec("2.50")), std::hash<Decimal>{}(dec("2.5")));
}

TEST(DecimalTest, NormalizedStripsTrailingZeros) {
  EXPECT_EQ(dec("1.500").normalized().to_string(), "1.5");
  EXPECT_EQ(dec("2.00").normalized().to_string(), "2");
  EXPECT_EQ(dec("0.000").normalized().to_string(), "0");
  EXPECT_EQ(dec("100").normalized().to_string(), "100");
}

TEST(DecimalTest, FromMantissaBuildsTheValueAndRejectsBadScale) {
  EXPECT_EQ(Decimal::from_mantissa(-5, 3).to_string(), "-0.005");
  EXPECT_EQ(Decimal::from_mantissa(std::numeric_limits<std::int64_t>::min(), 18).to_string(), "-9.223372036854775808");
  EXPECT_THROW((void)Decimal::from_mantissa(1, 19), std::invalid_argument);
  EXPECT_THROW((void)Decimal::from_mantissa(1, -1), std::invalid_argument);
}

TEST(DecimalTest, AddsAndSubtractsExactlyAtTheLargerScale) {
  EXPECT_EQ(dec("0.1").add(dec("0.2"))->to_string(), "0.3");
  EXPECT_EQ(dec("1.50").add(dec("2.5"))->to_string(), "4.00");
  EXPECT_EQ(dec("1").sub(dec("0.00000001"))->to_string(), "0.99999999");
  EXPECT_EQ(dec("-5").sub(dec("-7.25"))->to_string(), "2.25");
}

TEST(DecimalTest, RefusesOverflowOnAddAndSub) {
  const Decimal max = Decimal::from_mantissa(std::numeric_limits<std::int64_t>::max(), 0);
  const auto sum = max.add(dec("1"));
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.error().code, Errc::overflow);
  EXPECT_FALSE(dec("-9223372036854775808").sub(dec("1")).ok());
  // Aligning scales overflows even though each operand fits.
  EXPECT_FALSE(dec("10000000000").add(dec("0.000000001")).ok());
}

TEST(DecimalTest, MultipliesExactlyWhenTheProductFits) {
  EXPECT_EQ(dec("1.5").mul(dec("2.25"))->to_string(), "3.375");
  EXPECT_EQ(dec("-0.1").mul(dec("0.1"))->to_string(), "-0.01");
  // Scale 16 product sheds trailing zeros to fit: 65000.10000000 * 0.50000000.
  EXPECT_EQ(dec("65000.10000000").mul(dec("0.50000000"))->normalized().to_string(), "32500.05");
}

TEST(DecimalTest, MultiplicationRoundsToTheFinestScaleThatFits) {
  // Exact product needs scale 16 and 21 digits; keeps as many digits as an int64 holds.
  const auto product = dec("65000.12345678").mul(dec("1.23456789"));
  ASSERT_TRUE(product.ok());
  EXPECT_EQ(product->to_string(), "80247.06526577639079");  // exact: 80247.0652657763907942
  // Scale above 18 rounds to 18 digits.
  EXPECT_EQ(dec("0.000000001").mul(dec("0.0000000015"))->to_string(), "0.000000000000000002");
}

TEST(DecimalTest, RefusesOverflowOnMul) {
  const auto product = dec("4000000000").mul(dec("4000000000"));
  ASSERT_FALSE(product.ok());
  EXPECT_EQ(product.error().code, Errc::overflow);
  EXPECT_FALSE(dec("-9223372036854775808").mul(dec("-1")).ok());
  EXPECT_TRUE(dec("-9223372036854775807").mul(dec("-1")).ok());
}

TEST(DecimalTest, MultipliesToARequestedScale) {
  EXPECT_EQ(dec("0.123").mul(dec("0.5"), 2, RoundMode::down)->to_string(), "0.06");
  EXPECT_EQ(dec("0.123").mul(dec("0.5"), 2, RoundMode::up)->to_string(), "0.07");
  EXPECT_EQ(dec("2").mul(dec("3"), 4, RoundMode::down)->to_string(), "6.0000");
}

TEST(DecimalTest, DividesToARequestedScale) {
  EXPECT_EQ(dec("10").div(dec("3"), 4, RoundMode::down)->to_string(), "3.3333");
  EXPECT_EQ(dec("-10").div(dec("3"), 4, RoundMode::floor)->to_string(), "-3.3334");
  EXPECT_EQ(dec("1000").div(dec("65000.1"), 8, RoundMode::nearest)->to_string(), "0.01538459");
  EXPECT_EQ(dec("1").div(dec("0.000000000000000001"), 0, RoundMode::down)->to_string(), "1000000000000000000");
  const auto by_zero = dec("1").div(dec("0"), 2, RoundMode::down);
  ASSERT_FALSE(by_zero.ok());
  EXPECT_EQ(by_zero.error().code, Errc::invalid_argument);
  EXPECT_EQ(dec("1").div(dec("0.000000000000000001"), 18, RoundMode::down).error().code, Errc::overflow);
}

TEST(DecimalTest, RoundsToStepInEveryMode) {
  const Decimal step = dec("0.5");
  struct Case {
    const char* value;
    RoundMode mode;
    const char* expected;
  };
  const Case cases[] = {
      {"1.2", RoundMode::down, "1.0"},     {"1.2", RoundMode::up, "1.5"},       {"1.2", RoundMode::nearest, "1.0"},
      {"1.25", RoundMode::nearest, "1.5"}, {"1.2", RoundMode::floor, "1.0"},    {"1.2", RoundMode::ceil, "1.5"},
      {"-1.2", RoundMode::down, "-1.0"},   {"-1.2", RoundMode::up, "-1.5"},     {"-1.25", RoundMode::nearest, "-1.5"},
      {"-1.24", RoundMode::nearest, "-1.0"}, {"-1.2", RoundMode::floor, "-1.5"}, {"-1.2", RoundMode::ceil, "-1.0"},
      {"1.5", RoundMode::up, "1.5"},       {"-1.5", RoundMode::floor, "-1.5"},
  };
  for (const auto& c : cases) {
    const auto rounded = dec(c.value).round_to_step(step, c.mode);
    ASSERT_TRUE(rounded.ok());
    EXPECT_EQ(rounded->to_string(), c.expected) << c.value << " " << to_string(c.mode);
  }
}

TEST(DecimalTest, StepRoundingCarriesTheStepScale) {
  EXPECT_EQ(dec("123.456").round_to_step(dec("0.50"), RoundMode::nearest)->to_string(), "123.50");
  EXPECT_EQ(dec("0.123456789").round_to_step(dec("0.001"), RoundMode::down)->to_string(), "0.123");
  EXPECT_EQ(dec("1234").round_to_step(dec("100"), RoundMode::ceil)->to_string(), "1300");
}

TEST(DecimalTest, RefusesNonPositiveStepsAndTicks) {
  EXPECT_EQ(dec("1").round_to_step(dec("0"), RoundMode::down).error().code, Errc::invalid_argument);
  EXPECT_EQ(dec("1").round_to_step(dec("-0.1"), RoundMode::down).error().code, Errc::invalid_argument);
  EXPECT_EQ(dec("1").to_ticks(dec("0"), RoundMode::down).error().code, Errc::invalid_argument);
  EXPECT_EQ(Decimal::from_ticks(1, dec("0")).error().code, Errc::invalid_argument);
}

TEST(DecimalTest, ConvertsPricesToTicksInEveryMode) {
  const Decimal tick = dec("0.01");
  EXPECT_EQ(*dec("65000.10").to_ticks(tick, RoundMode::down), 6500010);
  EXPECT_EQ(*dec("1.234").to_ticks(tick, RoundMode::down), 123);
  EXPECT_EQ(*dec("1.234").to_ticks(tick, RoundMode::up), 124);
  EXPECT_EQ(*dec("1.235").to_ticks(tick, RoundMode::nearest), 124);
  EXPECT_EQ(*dec("1.2349").to_ticks(tick, RoundMode::nearest), 123);
  EXPECT_EQ(*dec("1.234").to_ticks(tick, RoundMode::floor), 123);
  EXPECT_EQ(*dec("1.234").to_ticks(tick, RoundMode::ceil), 124);
  EXPECT_EQ(*dec("-1.234").to_ticks(tick, RoundMode::down), -123);
  EXPECT_EQ(*dec("-1.234").to_ticks(tick, RoundMode::up), -124);
  EXPECT_EQ(*dec("-1.235").to_ticks(tick, RoundMode::nearest), -124);
  EXPECT_EQ(*dec("-1.234").to_ticks(tick, RoundMode::floor), -124);
  EXPECT_EQ(*dec("-1.234").to_ticks(tick, RoundMode::ceil), -123);
  EXPECT_EQ(dec("9223372036854775807").to_ticks(dec("0.1"), RoundMode::down).error().code, Errc::overflow);
}

TEST(DecimalTest, TicksRoundTripThroughFromTicks) {
  const Decimal tick = dec("0.05");
  for (std::int64_t ticks : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{1300002}}) {
    const auto price = Decimal::from_ticks(ticks, tick);
    ASSERT_TRUE(price.ok());
    EXPECT_EQ(price->scale(), 2);
    EXPECT_EQ(*price->to_ticks(tick, RoundMode::down), ticks);
  }
  EXPECT_EQ(Decimal::from_ticks(1300002, tick)->to_string(), "65000.10");
  EXPECT_EQ(Decimal::from_ticks(std::numeric_limits<std::int64_t>::max(), tick).error().code, Errc::overflow);
}

TEST(DecimalTest, RescalesWithRounding) {
  EXPECT_EQ(dec("1.2345").rescale(2, RoundMode::nearest)->to_string(), "1.23");
  EXPECT_EQ(dec("1.235").rescale(2, RoundMode::nearest)->to_string(), "1.24");
  EXPECT_EQ(dec("1.5").rescale(4, RoundMode::down)->to_string(), "1.5000");
  EXPECT_EQ(dec("9223372036854775807").rescale(1, RoundMode::down).error().code, Errc::overflow);
  EXPECT_EQ(dec("1").rescale(19, RoundMode::down).error().code, Errc::invalid_argument);
}

TEST(DecimalTest, ConvertsFromDoubleAtTheIntendedDigits) {
  EXPECT_EQ(Decimal::from_double(0.1, 8)->to_string(), "0.10000000");
  EXPECT_EQ(Decimal::from_double(1.005, 2)->to_string(), "1.01");  // 1.005 is 1.00499999... in binary
  EXPECT_EQ(Decimal::from_double(-2.5, 0)->to_string(), "-3");
  EXPECT_EQ(Decimal::from_double(1.5e-7, 8)->to_string(), "0.00000015");
  EXPECT_EQ(Decimal::from_double(1e-30, 18)->to_string(), "0.000000000000000000");
  EXPECT_EQ(Decimal::from_double(65000.1, 2)->to_string(), "65000.10");
  EXPECT_EQ(Decimal::from_double(1e19, 0).error().code, Errc::overflow);
  EXPECT_EQ(Decimal::from_double(std::numeric_limits<double>::quiet_NaN(), 2).error().code, Errc::invalid_argument);
  EXPECT_EQ(Decimal::from_double(std::numeric_limits<double>::infinity(), 2).error().code, Errc::invalid_argument);
}

TEST(DecimalTest, ConvertsToDouble) {
  EXPECT_DOUBLE_EQ(dec("65000.10").to_double(), 65000.1);
  EXPECT_DOUBLE_EQ(dec("-0.00000015").to_double(), -1.5e-7);
}

TEST(DecimalTest, ToDoubleIsTheNearestDoubleEvenForWideMantissas) {
  // Mantissas beyond 2^53 are not exact doubles: converting them and then dividing
  // rounds twice. The shortest text of any double must read back as that very double.
  for (double value : {0.1 + 0.2, 65000.1 * 1.0004, 1.0 / 3.0, 123456.78901234567, -9.87654321098765e-3,
                       0.30000000000000004, 1e18, 1.2345678901234e-5}) {
    char text[64];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    const std::string_view shortest(text, static_cast<std::size_t>(end - text));
    EXPECT_EQ(dec(shortest).to_double(), value) << shortest;
  }
  EXPECT_EQ(Decimal::from_mantissa(std::numeric_limits<std::int64_t>::min(), 18).to_double(), -9.223372036854775808);
  EXPECT_EQ(Decimal::from_mantissa(std::numeric_limits<std::int64_t>::max(), 0).to_double(), 9223372036854775807.0);
}

TEST(DecimalTest, NegationRefusesTheOneValueWithoutANegative) {
  EXPECT_EQ(dec("1.5").negated()->to_string(), "-1.5");
  EXPECT_EQ(dec("-2").abs()->to_string(), "2");
  EXPECT_EQ(dec("-9223372036854775808").negated().error().code, Errc::overflow);
}

// Property: parse(to_string(x)) == x and keeps the scale; add then sub returns x.
TEST(DecimalTest, RandomValuesRoundTripAndAddSubConserves) {
  std::mt19937_64 rng(20261123);
  std::uniform_int_distribution<std::int64_t> mantissas(-1'000'000'000'000'000, 1'000'000'000'000'000);
  std::uniform_int_distribution<int> scales(0, 18);
  for (int i = 0; i < 5000; ++i) {
    const Decimal x = Decimal::from_mantissa(mantissas(rng), scales(rng));
    const Decimal y = Decimal::from_mantissa(mantissas(rng) / 1000, scales(rng));
    const auto reparsed = Decimal::parse(x.to_string());
    ASSERT_TRUE(reparsed.ok()) << x.to_string();
    EXPECT_EQ(reparsed->mantissa(), x.mantissa());
    EXPECT_EQ(reparsed->scale(), x.scale());
    const auto sum = x.add(y);
    if (sum.ok()) {
      const auto back = sum->sub(y);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(*back, x) << x.to_string() << " + " << y.to_string();
    }
  }
}

}  // namespace
}  // namespace propbot
