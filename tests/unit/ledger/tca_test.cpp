// TCA: each rate against hand-computed numbers, zero denominators that read 0 with a
// sample count of 0, and the desk's cancel counts (today's are since the roll).
#include "core/ledger/tca.hpp"

#include <gtest/gtest.h>

#include "core/ledger/pnl_attribution.hpp"
#include "pnl_test_support.hpp"

namespace propbot::ledger {
namespace {

using testing::attributed;
using testing::dec;
using testing::kDayStart;
using testing::kHour;
using testing::pnl_options;

TEST(TcaTest, AMoveIsSignedInBpsOfTheReference) {
  EXPECT_EQ(*move_bps(Side::buy, dec("10002"), dec("10000")), dec("2"));
  EXPECT_EQ(*move_bps(Side::sell, dec("10002"), dec("10000")), dec("-2")) << "selling above the bid is better";
  EXPECT_EQ(*move_bps(Side::buy, dec("60010"), dec("60000")), dec("1.666667"));  // 10 / 60000 · 1e4, 6 digits
  EXPECT_FALSE(move_bps(Side::buy, dec("1"), dec("0")).ok());
}

TEST(TcaTest, RatesMatchHandComputedFigures) {
  TcaCounters tca;
  // Taker buy 1 @ 10002 vs ask 10000: +2 bps; taker sell 3 @ 9999 vs bid 10000: +1 bps;
  // maker buy 4 @ 9999 vs ask 10000: −1 bps. Fees 2 + 3 − 1 = 4 USDT.
  EXPECT_DONE(tca.on_fill(attributed("a", Side::buy, "1", "10002", "10000", "2"), true));
  EXPECT_DONE(tca.on_fill(attributed("a", Side::sell, "3", "9999", "10000", "3"), true));
  EXPECT_DONE(tca.on_fill(attributed("a", Side::buy, "4", "9999", "10000", "-1", true), true));
  // No reference: in commission, not in slippage or impact.
  EXPECT_DONE(tca.on_fill(attributed("a", Side::buy, "1", "10000", std::nullopt, "5"), true));
  for (int i = 0; i < 4; ++i) tca.on_order({"a", "BINANCE", true, false, i < 3, kDayStart});
  tca.on_order({"a", "BINANCE", false, true, false, kDayStart});
  for (int i = 0; i < 3; ++i) tca.on_order({"a", "BINANCE", false, false, true, kDayStart});

  const TcaRates rates = tca.rates();
  EXPECT_DOUBLE_EQ(rates.taker_impact_bps, 1.25);     // (1·2 + 3·1) / 4
  EXPECT_DOUBLE_EQ(rates.avg_slippage_bps, 0.125);    // (2 + 3 − 4) / 8
  EXPECT_DOUBLE_EQ(rates.maker_fill_rate, 0.75);      // 3 of 4 post-only orders filled
  EXPECT_DOUBLE_EQ(rates.reject_rate, 0.125);         // 1 of 8 orders
  EXPECT_DOUBLE_EQ(rates.cancel_fail_rate, 0.0);
  // Σ fee 9 / Σ notional (10002 + 29997 + 39996 + 10000 = 89995) · 1e4
  EXPECT_EQ(tca.net_fees, dec("9"));
  EXPECT_EQ(tca.fee_notional, dec("89995"));
  EXPECT_NEAR(rates.commission_bps, 9.0 / 89995.0 * 1e4, 1e-9);

  const nlohmann::json view = tca.to_json();
  EXPECT_EQ(view["taker_impact_bps"], 1.25);
  EXPECT_EQ(view["samples"]["taker_fills_with_reference"], 2);
  EXPECT_EQ(view["samples"]["fills_with_reference"], 3);
  EXPECT_EQ(view["samples"]["fills"], 4);
  EXPECT_EQ(view["samples"]["post_only_orders"], 4);
  EXPECT_EQ(view["samples"]["orders"], 8);
}

TEST(TcaTest, ZeroDenominatorsReadZeroWithNoSamples) {
  const nlohmann::json view = TcaCounters{}.to_json();
  for (const char* rate : {"taker_impact_bps", "maker_fill_rate", "avg_slippage_bps", "reject_rate",
                           "cancel_fail_rate", "commission_bps"}) {
    EXPECT_EQ(view[rate], 0.0) << rate;
  }
  for (const auto& [name, count] : view["samples"].items()) EXPECT_EQ(count, 0) << name;

  // Only maker fills: the taker impact has no sample, the slippage has one.
  TcaCounters makers;
  EXPECT_DONE(makers.on_fill(attributed("a", Side::buy, "1", "99", "100", "0", true), true));
  EXPECT_EQ(makers.to_json()["taker_impact_bps"], 0.0);
  EXPECT_EQ(makers.to_json()["samples"]["taker_fills_with_reference"], 0);
  EXPECT_EQ(makers.to_json()["avg_slippage_bps"], -100.0);
}

TEST(TcaTest, TheDesksCancelFailRateComesFromTheExecutorsCountsAndTodaysRestartsAtTheRoll) {
  PnlAttribution pnl(pnl_options(), kDayStart);
  pnl.set_cancel_counts(40, 2);
  EXPECT_DOUBLE_EQ(pnl.desk_total()->tca.rates().cancel_fail_rate, 0.05);
  EXPECT_EQ(pnl.to_json()["tca"]["samples"]["cancels_sent"], 40);
  EXPECT_DONE(pnl.advance(kDayStart + kMsPerDay));
  pnl.set_cancel_counts(50, 5);
  EXPECT_DOUBLE_EQ(pnl.desk_today()->tca.rates().cancel_fail_rate, 0.3);  // 3 of 10 today
  EXPECT_DOUBLE_EQ(pnl.desk_total()->tca.rates().cancel_fail_rate, 0.1);  // 5 of 50
  const auto closed = pnl.daily_report_json("2024-10-04");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ((*closed)["tca"]["cancel_fail_rate"], 0.05);
  // Per strategy there are no cancel counts: 0 of 0.
  EXPECT_DONE(pnl.on_fill(attributed("a", Side::buy, "1", "100", std::nullopt, "0", false, kDayStart + kMsPerDay + kHour)));
  EXPECT_EQ(pnl.to_json()["by_strategy"]["a"]["tca"]["samples"]["cancels_sent"], 0);
}

TEST(TcaTest, StrategiesAndTheDeskAddUp) {
  PnlAttribution pnl(pnl_options(), kDayStart);
  EXPECT_DONE(pnl.on_fill(attributed("a", Side::buy, "1", "10002", "10000", "2")));
  EXPECT_DONE(pnl.on_fill(attributed("b", Side::sell, "3", "9999", "10000", "3")));
  EXPECT_DONE(pnl.on_order_outcome({"a", "BINANCE", true, false, true, kDayStart + kHour}));
  EXPECT_DONE(pnl.on_order_outcome({"b", "OKX", false, true, false, kDayStart + kHour}));
  const auto desk = pnl.desk_total();
  ASSERT_TRUE(desk.ok());
  EXPECT_DOUBLE_EQ(desk->tca.rates().taker_impact_bps, 1.25);
  EXPECT_DOUBLE_EQ(desk->tca.rates().reject_rate, 0.5);
  EXPECT_DOUBLE_EQ(desk->tca.rates().maker_fill_rate, 1.0);
  EXPECT_DOUBLE_EQ(pnl.find("a")->total.tca.rates().taker_impact_bps, 2.0);
  EXPECT_DOUBLE_EQ(pnl.find("b")->total.tca.rates().reject_rate, 1.0);
}

}  // namespace
}  // namespace propbot::ledger
