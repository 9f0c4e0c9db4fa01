// Side: the stable string forms ctx:propose, the API and the journal use, parsing, and
// that a venue order's side is the same type.
#include "core/common/side.hpp"

#include <gtest/gtest.h>

#include <type_traits>

#include "core/venues/order_types.hpp"

namespace propbot {
namespace {

TEST(SideTest, StringFormsAreBuyAndSell) {
  EXPECT_EQ(to_string(Side::buy), "buy");
  EXPECT_EQ(to_string(Side::sell), "sell");
  static_assert(to_string(Side::sell) == "sell", "usable at compile time");
}

TEST(SideTest, ParsesEveryStringFormBack) {
  for (Side side : kAllSides) {
    Result<Side> parsed = parse_side(to_string(side));
    ASSERT_TRUE(parsed.ok()) << to_string(side);
    EXPECT_EQ(*parsed, side);
  }
}

TEST(SideTest, RefusesAnythingElseNamingTheAllowedValues) {
  for (const char* text : {"BUY", "Sell", "", "buy ", "long", "bid"}) {
    Result<Side> parsed = parse_side(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find("use buy or sell"), std::string::npos) << parsed.error().message;
  }
}

TEST(SideTest, AVenueOrdersSideIsTheCoreSide) {
  static_assert(std::is_same_v<venues::OrderSide, Side>, "one buy/sell for intents and orders");
  EXPECT_EQ(to_string(venues::OrderSide::sell), "sell");
}

}  // namespace
}  // namespace propbot
