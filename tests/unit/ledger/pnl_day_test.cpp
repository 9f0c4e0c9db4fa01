// The PnL's day: the UTC day and its text form, the roll at 00:00 UTC (today's figures
// restart, the closed day's report is kept, late events count in the totals only),
// the day's drawdown peak-to-trough, the equity curve's bound and the reports' bound.
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

TEST(UtcDayTest, DaysFloorAndPrintAsDates) {
  EXPECT_EQ(to_string(utc_day_of(kDayStart)), "2024-10-04");
  EXPECT_EQ(to_string(utc_day_of(kDayStart - 1)), "2024-10-03");
  EXPECT_EQ(to_string(utc_day_of(kDayStart + kMsPerDay - 1)), "2024-10-04");
  EXPECT_EQ(to_string(utc_day_of(-1)), "1969-12-31");
  EXPECT_EQ(utc_day_of(kDayStart).start_ms(), kDayStart);
  EXPECT_EQ(*parse_utc_day("2024-10-04"), utc_day_of(kDayStart));
  EXPECT_EQ(*parse_utc_day("1969-12-31"), utc_day_of(-1));
  for (const char* bad : {"", "2024-13-01", "2024-02-30", "2024/10/04", "24-10-04", "2024-10-4x"}) {
    const auto parsed = parse_utc_day(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, Errc::parse_error);
  }
}

TEST(DayDrawdownTest, TracksTheLargestFallFromARunningPeak) {
  DayDrawdown drawdown;
  for (const char* equity : {"50", "-30", "100", "-10", "40"}) EXPECT_DONE(drawdown.sample(dec(equity)));
  EXPECT_EQ(drawdown.peak(), dec("100"));
  EXPECT_EQ(drawdown.max_drawdown(), dec("110"));  // 100 → −10
  EXPECT_DOUBLE_EQ(drawdown.bps_of(dec("10000")), 110.0);
  EXPECT_DOUBLE_EQ(drawdown.bps_of(dec("0")), 0.0) << "no capital: no bps";
  drawdown.reset();
  EXPECT_FALSE(drawdown.sampled());
  EXPECT_EQ(drawdown.max_drawdown(), dec("0"));
}

class PnlDayTest : public ::testing::Test {
 protected:
  PnlDayTest() : pnl(pnl_options(), kDayStart) {}

  AttributedFill closing_fill(std::string_view realized, std::string_view fee, std::int64_t ts_ms) {
    AttributedFill fill = attributed("alpha", Side::sell, "1", "100", "100", fee, false, ts_ms);
    fill.realized_price_pnl = dec(realized);
    return fill;
  }

  PnlAttribution pnl;
};

TEST_F(PnlDayTest, TheDayRollsAtMidnightUtcAndKeepsTheClosedDaysReport) {
  // Day 1: realised 10 − fee 1 + funding 2 = 11.
  EXPECT_DONE(pnl.on_fill(closing_fill("10", "1", kDayStart + kHour)));
  EXPECT_DONE(pnl.on_funding({"alpha", "BINANCE", "BTC-USDT", "USDT", dec("2"), kDayStart + 8 * kHour}));
  EXPECT_DONE(pnl.set_unrealized("alpha", dec("3")));
  EXPECT_DONE(pnl.on_order_outcome({"alpha", "BINANCE", true, false, true, kDayStart + kHour}));
  EXPECT_EQ(*pnl.desk_today()->buckets.realized_usdt(), dec("11"));

  // Day 2's first fill rolls the day first: realised 5 − fee 0.5 = 4.5 today.
  EXPECT_DONE(pnl.on_fill(closing_fill("5", "0.5", kDayStart + kMsPerDay + kHour)));
  EXPECT_EQ(to_string(pnl.today()), "2024-10-05");
  EXPECT_EQ(*pnl.desk_today()->buckets.realized_usdt(), dec("4.5"));
  EXPECT_EQ(*pnl.desk_total()->buckets.realized_usdt(), dec("15.5"));
  EXPECT_EQ(pnl.desk_today()->buckets.unrealized_price_pnl, dec("3")) << "unrealised is a figure now";
  EXPECT_EQ(pnl.desk_today()->tca.orders, 0);
  EXPECT_EQ(pnl.desk_total()->tca.orders, 1);

  // A late fill stamped on day 1: in the totals only.
  EXPECT_DONE(pnl.on_fill(closing_fill("7", "0", kDayStart + 23 * kHour)));
  EXPECT_EQ(*pnl.desk_today()->buckets.realized_usdt(), dec("4.5"));
  EXPECT_EQ(*pnl.desk_total()->buckets.realized_usdt(), dec("22.5"));

  const auto closed = pnl.daily_report_json("2024-10-04");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ((*closed)["date"], "2024-10-04");
  EXPECT_EQ((*closed)["closed"], true);
  EXPECT_EQ((*closed)["trades"], 1);
  EXPECT_EQ((*closed)["realized_usdt"], 11);
  EXPECT_EQ((*closed)["unrealized_usdt"], 3);
  EXPECT_EQ((*closed)["total_pnl_usdt"], 14);
  EXPECT_EQ((*closed)["attribution"]["pnl_from_funding"], 2);
  EXPECT_EQ((*closed)["tca"]["maker_fill_rate"], 1.0);
  EXPECT_EQ((*closed)["by_strategy"]["alpha"]["realized_usdt"], 11);

  const auto running = pnl.daily_report_json("");
  ASSERT_TRUE(running.ok());
  EXPECT_EQ((*running)["date"], "2024-10-05");
  EXPECT_EQ((*running)["closed"], false);
  EXPECT_EQ((*running)["realized_usdt"], 4.5);
  EXPECT_EQ(*pnl.daily_report_json("2024-10-05"), *running);

  const auto missing = pnl.daily_report_json("2024-10-01");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  const auto bad = pnl.daily_report_json("yesterday");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::parse_error);
}

TEST_F(PnlDayTest, AdvanceRollsAnIdleDayAndRollDayRefusesToGoBack) {
  EXPECT_DONE(pnl.on_fill(closing_fill("10", "0", kDayStart + kHour)));
  EXPECT_DONE(pnl.advance(kDayStart + kMsPerDay - 1));
  EXPECT_EQ(pnl.today(), utc_day_of(kDayStart));
  EXPECT_DONE(pnl.advance(kDayStart + kMsPerDay));
  EXPECT_EQ(pnl.today(), utc_day_of(kDayStart + kMsPerDay));
  EXPECT_EQ(*pnl.desk_today()->buckets.realized_usdt(), dec("0"));
  EXPECT_EQ(pnl.to_json()["realized_today_usdt"], 0);
  EXPECT_EQ(pnl.to_json()["realized_total_usdt"], 10);
  EXPECT_EQ(pnl.daily_reports().size(), 1u);

  const Status back = pnl.roll_day(utc_day_of(kDayStart));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, Errc::conflict);
  const Status same = pnl.roll_day(pnl.today());
  ASSERT_FALSE(same.ok());
  EXPECT_DONE(pnl.roll_day(UtcDay{pnl.today().days_since_epoch + 3}));
  EXPECT_EQ(pnl.daily_reports().size(), 2u) << "the skipped days get no report";
}

TEST_F(PnlDayTest, TheDaysDrawdownIsPeakToTroughOfRealisedTodayPlusUnrealisedAndResetsWithTheDay) {
  std::int64_t now = kDayStart + kHour;
  EXPECT_DONE(pnl.set_unrealized("alpha", dec("50")));
  EXPECT_DONE(pnl.sample(now += 60'000));  // 50: the peak
  EXPECT_DONE(pnl.set_unrealized("alpha", dec("-30")));
  EXPECT_DONE(pnl.sample(now += 60'000));  // −30: 80 down
  // A closing fill moves 20 into realised (− 1 fee): 19 + unrealised 81 = 100, new peak.
  EXPECT_DONE(pnl.on_fill(closing_fill("20", "1", now)));
  EXPECT_DONE(pnl.set_unrealized("alpha", dec("81")));
  EXPECT_DONE(pnl.sample(now += 60'000));
  EXPECT_DONE(pnl.set_unrealized("alpha", dec("-29")));
  EXPECT_DONE(pnl.sample(now += 60'000));  // 19 − 29 = −10: 110 down from 100
  EXPECT_EQ(pnl.desk_day_drawdown().max_drawdown(), dec("110"));
  // 110 USDT of a 10,000 USDT capital = 110 bps, for the desk and for alpha alone.
  EXPECT_DOUBLE_EQ(pnl.max_day_drawdown_bps(), 110.0);
  EXPECT_EQ(pnl.to_json()["max_day_drawdown_bps"], 110.0);
  EXPECT_EQ(pnl.to_json()["by_strategy"]["alpha"]["max_day_drawdown_bps"], 110.0);

  // A second strategy's gain offsets the desk's fall but not alpha's.
  EXPECT_DONE(pnl.set_unrealized("beta", dec("500")));
  EXPECT_DONE(pnl.sample(now += 60'000));
  EXPECT_EQ(pnl.desk_day_drawdown().peak(), dec("490"));

  // The next day opens at its unrealised figure with no drawdown.
  EXPECT_DONE(pnl.sample(kDayStart + kMsPerDay));
  EXPECT_EQ(pnl.desk_day_drawdown().max_drawdown(), dec("0"));
  EXPECT_EQ(pnl.desk_day_drawdown().peak(), dec("471"));  // −29 + 500
  EXPECT_EQ(pnl.to_json()["max_day_drawdown_bps"], 0.0);
  const auto closed = pnl.daily_report_json("2024-10-04");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ((*closed)["by_strategy"]["alpha"]["max_day_drawdown_bps"], 110.0);
}

TEST_F(PnlDayTest, TheEquityCurveIsOnePointPerIntervalInABoundedRing) {
  PnlAttributionOptions options = pnl_options();
  options.history_capacity = 3;
  options.history_interval_ms = 60'000;
  PnlAttribution bounded(options, kDayStart);
  const std::int64_t t0 = kDayStart + kHour;
  EXPECT_DONE(bounded.sample(t0));
  EXPECT_DONE(bounded.sample(t0 + 30'000));  // too soon: no point
  EXPECT_EQ(bounded.history().size(), 1u);
  AttributedFill fill = attributed("alpha", Side::sell, "1", "100", std::nullopt, "0.25", false, t0 + 59'000);
  fill.realized_price_pnl = dec("4");
  EXPECT_DONE(bounded.on_fill(fill));
  EXPECT_DONE(bounded.set_unrealized("alpha", dec("-1.5")));
  EXPECT_DONE(bounded.sample(t0 + 60'000));
  EXPECT_DONE(bounded.sample(t0 + 120'000));
  EXPECT_DONE(bounded.sample(t0 + 180'000));
  EXPECT_EQ(bounded.history().size(), 3u) << "the bound evicts the oldest";
  EXPECT_EQ(bounded.history().points().front().ts_ms, t0 + 60'000);
  const PnlPoint& last = bounded.history().points().back();
  EXPECT_EQ(last.realized_today_usdt, dec("3.75"));
  EXPECT_EQ(last.realized_total_usdt, dec("3.75"));
  EXPECT_EQ(last.unrealized_usdt, dec("-1.5"));
  EXPECT_EQ(last.total_pnl_usdt, dec("2.25"));

  const nlohmann::json view = bounded.history_json(2);
  ASSERT_EQ(view["points"].size(), 2u);
  EXPECT_EQ(view["capacity"], 3);
  EXPECT_EQ(view["points"][1]["ts"], "2024-10-04T01:03:00.000Z");
  EXPECT_EQ(view["points"][1]["total_pnl_usdt"], 2.25);
  EXPECT_EQ(bounded.history_json(0)["points"].size(), 3u);
  EXPECT_EQ(PnlHistory().capacity(), 10'080u);
}

TEST_F(PnlDayTest, DailyReportsKeepTheLastNDays) {
  PnlAttributionOptions options = pnl_options();
  options.max_daily_reports = 2;
  PnlAttribution bounded(options, kDayStart);
  for (int day = 1; day <= 4; ++day) EXPECT_DONE(bounded.advance(kDayStart + day * kMsPerDay));
  EXPECT_EQ(bounded.daily_reports().size(), 2u);
  EXPECT_FALSE(bounded.daily_report_json("2024-10-05").ok()) << "evicted";
  EXPECT_TRUE(bounded.daily_report_json("2024-10-06").ok());
  EXPECT_TRUE(bounded.daily_report_json("2024-10-07").ok());
  EXPECT_EQ(DailyReports().capacity(), 90u);
}

}  // namespace
}  // namespace propbot::ledger
