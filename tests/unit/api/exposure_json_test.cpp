// GET /api/ui/exposure's sums (S-11.8): long / short / net / gross per venue, per symbol
// and in total, from the positions view's exposure rows.
#include "core/api/routes/exposure_json.hpp"

#include <gtest/gtest.h>

namespace propbot::api {
namespace {

using nlohmann::json;

TEST(ExposureJsonTest, SumsLongShortNetAndGrossPerVenueSymbolAndTotal) {
  const json positions{{"positions", json::array()},
                       {"exposure",
                        {{{"venue", "BINANCE"}, {"symbol", "BTC-USDT"}, {"net_qty", 0.02}, {"notional_usdt", 1200.0}},
                         {{"venue", "OKX"}, {"symbol", "BTC-USDT"}, {"net_qty", -0.02}, {"notional_usdt", 1201.0}},
                         {{"venue", "OKX"}, {"symbol", "ETH-USDT"}, {"net_qty", 0.5}, {"notional_usdt", 1500.0}},
                         {{"venue", "BINANCE"}, {"symbol", "ETH-USDT"}, {"net_qty", -0.1}, {"notional_usdt", nullptr}}}}};
  const json out = exposure_json(positions);
  ASSERT_EQ(out["venues"].size(), 2u);
  const json& binance = out["venues"][0];
  EXPECT_EQ(binance["venue"], "BINANCE");
  EXPECT_DOUBLE_EQ(binance["long_usdt"].get<double>(), 1200.0);
  EXPECT_DOUBLE_EQ(binance["short_usdt"].get<double>(), 0.0);
  EXPECT_EQ(binance["unmarked"], 1) << "a row without a mark is counted, not summed";
  const json& okx = out["venues"][1];
  EXPECT_DOUBLE_EQ(okx["long_usdt"].get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(okx["short_usdt"].get<double>(), 1201.0);
  EXPECT_DOUBLE_EQ(okx["net_usdt"].get<double>(), 299.0);
  EXPECT_DOUBLE_EQ(okx["gross_usdt"].get<double>(), 2701.0);
  ASSERT_EQ(out["symbols"].size(), 2u);
  EXPECT_EQ(out["symbols"][0]["symbol"], "BTC-USDT");
  EXPECT_DOUBLE_EQ(out["symbols"][0]["net_usdt"].get<double>(), -1.0) << "hedged: long and short nearly cancel";
  EXPECT_DOUBLE_EQ(out["total"]["gross_usdt"].get<double>(), 3901.0);
  EXPECT_DOUBLE_EQ(out["total"]["net_usdt"].get<double>(), 299.0 + 1200.0);
  EXPECT_EQ(out["total"]["unmarked"], 1);
}

TEST(ExposureJsonTest, NoPositionsViewIsAnEmptyExposure) {
  const json out = exposure_json(nullptr);
  EXPECT_TRUE(out["venues"].empty());
  EXPECT_TRUE(out["symbols"].empty());
  EXPECT_DOUBLE_EQ(out["total"]["gross_usdt"].get<double>(), 0.0);
}

}  // namespace
}  // namespace propbot::api
