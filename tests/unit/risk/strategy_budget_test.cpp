// One strategy's budget: the daily reset exactly at 00:00 UTC and by an operator, the
// 7-day window, drawdown on a hand sequence, the failure streak, and every limit at,
// just under and just over its value (at the limit is not a breach; 0 is off).
#include "core/risk/strategy_budget.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

namespace propbot::risk {
namespace {

using namespace std::chrono_literals;

// 2026-12-07 + the given day offset and time of day, UTC.
UtcTime at(int day, std::chrono::milliseconds time_of_day) {
  const std::chrono::sys_days date{std::chrono::year{2026} / 12 / 7};
  return UtcTime{date.time_since_epoch()} + std::chrono::days{day} + time_of_day;
}

class StrategyBudgetTest : public ::testing::Test {
 protected:
  StrategyBudget budget_{"basis", StrategyBudgetLimits{}, at(0, 10h)};
};

TEST_F(StrategyBudgetTest, TheDayRestartsExactlyAtMidnightUtc) {
  budget_.on_realized(-50, at(0, 11h));
  EXPECT_FALSE(budget_.roll(at(0, 23h + 59min + 59s + 999ms)));
  EXPECT_EQ(budget_.realized_today_usdt(), -50);

  EXPECT_TRUE(budget_.roll(at(1, 0ms)));
  EXPECT_EQ(budget_.realized_today_usdt(), 0);
  EXPECT_EQ(budget_.last_reset(), at(1, 0ms));
  EXPECT_EQ(budget_.realized_7d_usdt(), -50);
  EXPECT_EQ(budget_.realized_total_usdt(), -50);
  EXPECT_FALSE(budget_.roll(at(1, 5h)));  // once a day
}

TEST_F(StrategyBudgetTest, AFillOnANewDayStartsThatDayFirst) {
  budget_.on_realized(-10, at(0, 23h));
  budget_.on_realized(-5, at(1, 30min));  // nobody called roll() in between
  EXPECT_EQ(budget_.realized_today_usdt(), -5);
  EXPECT_EQ(budget_.last_reset(), at(1, 0ms));
  EXPECT_EQ(budget_.realized_total_usdt(), -15);
}

TEST_F(StrategyBudgetTest, AnOperatorResetCountsTheDayFromThatMoment) {
  budget_.on_realized(-30, at(0, 11h));
  budget_.reset(at(0, 14h));
  EXPECT_EQ(budget_.realized_today_usdt(), 0);
  EXPECT_EQ(budget_.last_reset(), at(0, 14h));
  budget_.on_realized(-20, at(0, 15h));
  budget_.on_realized(-7, at(0, 13h + 59min));  // a late fill from before the reset
  EXPECT_EQ(budget_.realized_today_usdt(), -20);
  EXPECT_EQ(budget_.realized_7d_usdt(), -57);  // the calendar day keeps everything
  EXPECT_EQ(budget_.realized_total_usdt(), -57);
  EXPECT_EQ(budget_.budget_json()["daily_loss"]["last_reset_ts_utc"], "2026-12-07T14:00:00.000Z");

  EXPECT_TRUE(budget_.roll(at(1, 0ms)));  // the midnight reset still comes
  EXPECT_EQ(budget_.budget_json()["daily_loss"]["last_reset_ts_utc"], "2026-12-08T00:00:00.000Z");
}

TEST_F(StrategyBudgetTest, TheSevenDayWindowDropsTheEighthDay) {
  for (int day = 0; day < 8; ++day) budget_.on_realized(day + 1, at(day, 12h));  // 1..8
  EXPECT_EQ(budget_.realized_7d_usdt(), 2 + 3 + 4 + 5 + 6 + 7 + 8);
  EXPECT_EQ(budget_.realized_total_usdt(), 36);
  budget_.roll(at(8, 0ms));
  EXPECT_EQ(budget_.realized_7d_usdt(), 3 + 4 + 5 + 6 + 7 + 8);
  budget_.roll(at(20, 0ms));
  EXPECT_EQ(budget_.realized_7d_usdt(), 0);
  EXPECT_EQ(budget_.realized_total_usdt(), 36);
}

TEST_F(StrategyBudgetTest, AFillOlderThanTheRingCountsInTheTotalOnly) {
  budget_.on_realized(4, at(9, 12h));
  budget_.on_realized(100, at(1, 12h));  // eight days older than the latest day
  budget_.on_realized(10, at(3, 12h));   // six days older: inside the window
  EXPECT_EQ(budget_.realized_7d_usdt(), 14);
  EXPECT_EQ(budget_.realized_total_usdt(), 114);
}

TEST_F(StrategyBudgetTest, DrawdownFollowsTheEquityCurveSampledAtEachEvaluation) {
  const UtcTime now = at(0, 12h);
  budget_.on_open(-25, 100, 1, now);  // equity −25 under the starting peak 0
  EXPECT_EQ(budget_.drawdown_usdt(), 25);
  budget_.on_open(100, 100, 1, now);  // peak 100
  EXPECT_EQ(budget_.drawdown_usdt(), 0);
  EXPECT_EQ(budget_.max_drawdown_usdt(), 25);
  budget_.on_open(40, 100, 1, now);
  EXPECT_EQ(budget_.drawdown_usdt(), 60);
  EXPECT_EQ(budget_.max_drawdown_usdt(), 60);
  budget_.on_realized(50, now);  // closed: 50 realised, nothing open
  budget_.on_open(0, 0, 0, now);
  EXPECT_EQ(budget_.drawdown_usdt(), 50);
  EXPECT_EQ(budget_.max_drawdown_usdt(), 60);
  budget_.on_open(80, 100, 1, now);  // equity 130: new peak
  EXPECT_EQ(budget_.drawdown_usdt(), 0);
  budget_.on_open(-20, 100, 1, now);  // equity 30
  EXPECT_EQ(budget_.drawdown_usdt(), 100);
  EXPECT_EQ(budget_.max_drawdown_usdt(), 100);
  EXPECT_EQ(budget_.pnl_json()["max_drawdown_usdt"], 100.0);
}

TEST_F(StrategyBudgetTest, ASuccessEndsTheFailureStreak) {
  budget_.on_trade_result(true);
  budget_.on_trade_result(true);
  budget_.on_trade_result(true);
  EXPECT_EQ(budget_.consecutive_failures(), 3);
  budget_.on_trade_result(false);
  EXPECT_EQ(budget_.consecutive_failures(), 0);
  budget_.on_trade_result(true);
  EXPECT_EQ(budget_.consecutive_failures(), 1);
}

TEST_F(StrategyBudgetTest, UsedTodayIsTodaysRealisedPlusUnrealisedLoss) {
  budget_.set_limits(StrategyBudgetLimits{.daily_loss_usdt = 100});
  budget_.on_realized(50, at(0, 11h));
  budget_.on_open(-120, 500, 1, at(0, 11h));
  EXPECT_EQ(budget_.used_today_usdt(), 70);
  EXPECT_EQ(budget_.remaining_usdt(), 30);
  budget_.on_open(30, 500, 1, at(0, 11h));
  EXPECT_EQ(budget_.used_today_usdt(), 0);  // a gain is not negative usage
  EXPECT_EQ(budget_.remaining_usdt(), 100);
  budget_.on_open(-200, 500, 1, at(0, 11h));
  EXPECT_EQ(budget_.remaining_usdt(), 0);  // never negative
}

// A breach is strictly over the limit: figure → expected kind.
struct BreachCase {
  const char* name;
  StrategyBudgetLimits limits;
  double realized;
  double unrealized;
  double open_notional;
  int open_positions;
  int failures;
  BudgetBreach expected;
  double value;
};

TEST_F(StrategyBudgetTest, EachLimitBreachesOnlyStrictlyOverIt) {
  const BreachCase cases[] = {
      {"daily loss under", {.daily_loss_usdt = 100}, -60, -39.99, 0, 0, 0, BudgetBreach::none, 0},
      {"daily loss at", {.daily_loss_usdt = 100}, -60, -40, 0, 0, 0, BudgetBreach::none, 0},
      {"daily loss over", {.daily_loss_usdt = 100}, -60, -40.5, 0, 0, 0, BudgetBreach::daily_loss, 100.5},
      {"drawdown under", {.max_drawdown_usdt = 50}, 0, -49.99, 0, 0, 0, BudgetBreach::none, 0},
      {"drawdown at", {.max_drawdown_usdt = 50}, 0, -50, 0, 0, 0, BudgetBreach::none, 0},
      {"drawdown over", {.max_drawdown_usdt = 50}, 0, -50.5, 0, 0, 0, BudgetBreach::drawdown, 50.5},
      {"failures under", {.max_consecutive_failures = 3}, 0, 0, 0, 0, 2, BudgetBreach::none, 0},
      {"failures at", {.max_consecutive_failures = 3}, 0, 0, 0, 0, 3, BudgetBreach::none, 0},
      {"failures over", {.max_consecutive_failures = 3}, 0, 0, 0, 0, 4, BudgetBreach::consecutive_failures, 4},
      {"notional under", {.max_notional_usdt = 1000}, 0, 0, 999.99, 0, 0, BudgetBreach::none, 0},
      {"notional at", {.max_notional_usdt = 1000}, 0, 0, 1000, 0, 0, BudgetBreach::none, 0},
      {"notional over", {.max_notional_usdt = 1000}, 0, 0, 1000.5, 0, 0, BudgetBreach::notional, 1000.5},
      {"positions under", {.max_open_positions = 2}, 0, 0, 0, 1, 0, BudgetBreach::none, 0},
      {"positions at", {.max_open_positions = 2}, 0, 0, 0, 2, 0, BudgetBreach::none, 0},
      {"positions over", {.max_open_positions = 2}, 0, 0, 0, 3, 0, BudgetBreach::open_positions, 3},
      {"all off", {}, -1e9, -1e9, 1e12, 100000, 1000, BudgetBreach::none, 0},
  };
  for (const BreachCase& c : cases) {
    SCOPED_TRACE(c.name);
    StrategyBudget budget("basis", c.limits, at(0, 10h));
    budget.on_realized(c.realized, at(0, 11h));
    budget.on_open(c.unrealized, c.open_notional, c.open_positions, at(0, 11h));
    for (int i = 0; i < c.failures; ++i) budget.on_trade_result(true);
    const StrategyBudget::Breach breach = budget.breach();
    EXPECT_EQ(breach.kind, c.expected);
    if (c.expected != BudgetBreach::none) {
      EXPECT_DOUBLE_EQ(breach.value, c.value);
      EXPECT_GT(breach.limit, 0);
    }
  }
}

TEST_F(StrategyBudgetTest, TheDailyLossIsReportedFirstWhenSeveralLimitsBreach) {
  budget_.set_limits(StrategyBudgetLimits{.max_open_positions = 1, .daily_loss_usdt = 10, .max_drawdown_usdt = 5});
  budget_.on_open(-20, 100, 3, at(0, 11h));
  EXPECT_EQ(budget_.breach().kind, BudgetBreach::daily_loss);
  EXPECT_EQ(budget_.breach().limit, 10);
  budget_.reset(at(0, 12h));  // the day restarts; unrealised still counts
  EXPECT_EQ(budget_.breach().kind, BudgetBreach::daily_loss);
  budget_.on_open(-8, 100, 3, at(0, 12h));
  EXPECT_EQ(budget_.breach().kind, BudgetBreach::drawdown);
}

TEST_F(StrategyBudgetTest, AdmitsOnePositionMoreOnlyWithinNotionalAndCount) {
  budget_.set_limits(StrategyBudgetLimits{.max_notional_usdt = 1000, .max_open_positions = 2});
  budget_.on_open(0, 900, 1, at(0, 11h));
  EXPECT_EQ(budget_.admits(100).kind, BudgetBreach::none);
  EXPECT_EQ(budget_.admits(99.99).kind, BudgetBreach::none);
  const StrategyBudget::Breach too_big = budget_.admits(100.5);
  EXPECT_EQ(too_big.kind, BudgetBreach::notional);
  EXPECT_DOUBLE_EQ(too_big.value, 1000.5);
  EXPECT_EQ(too_big.limit, 1000);

  budget_.on_open(0, 500, 2, at(0, 11h));  // 2 + 1 > 2
  const StrategyBudget::Breach one_too_many = budget_.admits(10);
  EXPECT_EQ(one_too_many.kind, BudgetBreach::open_positions);
  EXPECT_EQ(one_too_many.value, 3);
  EXPECT_EQ(one_too_many.limit, 2);

  EXPECT_EQ(budget_.admits(std::numeric_limits<double>::quiet_NaN()).kind, BudgetBreach::notional);
  EXPECT_EQ(budget_.admits(-1).kind, BudgetBreach::notional);
}

TEST_F(StrategyBudgetTest, LimitsOfZeroAreOff) {
  budget_.on_open(-1e6, 1e9, 5000, at(0, 11h));
  EXPECT_EQ(budget_.breach().kind, BudgetBreach::none);
  EXPECT_EQ(budget_.admits(1e9).kind, BudgetBreach::none);
  EXPECT_EQ(budget_.remaining_usdt(), 0);  // an off daily budget reports 0
  budget_.set_limits(StrategyBudgetLimits{.max_notional_usdt = -5, .daily_loss_usdt = std::nan("")});
  EXPECT_EQ(budget_.limits().max_notional_usdt, 0);
  EXPECT_EQ(budget_.limits().daily_loss_usdt, 0);
  EXPECT_EQ(budget_.breach().kind, BudgetBreach::none);
}

TEST_F(StrategyBudgetTest, NonFiniteInputsAreIgnoredAndCounted) {
  budget_.on_realized(-10, at(0, 11h));
  budget_.on_open(-5, 100, 1, at(0, 11h));
  budget_.on_realized(std::numeric_limits<double>::quiet_NaN(), at(0, 11h));
  budget_.on_open(std::numeric_limits<double>::infinity(), 100, 1, at(0, 11h));
  budget_.on_open(0, -100, 1, at(0, 11h));
  EXPECT_EQ(budget_.ignored_inputs(), 3u);
  EXPECT_EQ(budget_.realized_today_usdt(), -10);
  EXPECT_EQ(budget_.unrealized_usdt(), -5);
  EXPECT_EQ(budget_.used_today_usdt(), 15);
}

TEST_F(StrategyBudgetTest, BreachNamesAreStable) {
  EXPECT_EQ(to_string(BudgetBreach::none), "none");
  EXPECT_EQ(to_string(BudgetBreach::notional), "max_notional_usdt");
  EXPECT_EQ(to_string(BudgetBreach::open_positions), "max_open_positions");
  EXPECT_EQ(to_string(BudgetBreach::daily_loss), "daily_loss_budget");
  EXPECT_EQ(to_string(BudgetBreach::drawdown), "max_drawdown");
  EXPECT_EQ(to_string(BudgetBreach::consecutive_failures), "consecutive_failures");
}

TEST_F(StrategyBudgetTest, JsonViewsCarryTheBudgetAndThePnl) {
  budget_.set_limits(StrategyBudgetLimits{1000, 3, 200, 150, 4});
  budget_.on_realized(-30, at(0, 11h));
  budget_.on_open(-20, 600, 2, at(0, 11h));
  budget_.on_trade_result(true);
  EXPECT_EQ(budget_.budget_json(), nlohmann::json::parse(R"({
    "max_notional_usdt": 1000.0, "max_open_positions": 3,
    "open_notional_usdt": 600.0, "open_positions": 2,
    "daily_loss": {"limit_usdt": 200.0, "used_today_usdt": 50.0, "remaining_usdt": 150.0,
                   "last_reset_ts_utc": "2026-12-07T10:00:00.000Z"},
    "max_drawdown_usdt": 150.0, "max_consecutive_failures": 4})"));
  EXPECT_EQ(budget_.pnl_json(), nlohmann::json::parse(R"({
    "realized_today_usdt": -30.0, "realized_7d_usdt": -30.0, "realized_total_usdt": -30.0,
    "unrealized_usdt": -20.0, "drawdown_usdt": 50.0, "max_drawdown_usdt": 50.0,
    "consecutive_failures": 1})"));
}

}  // namespace
}  // namespace propbot::risk
