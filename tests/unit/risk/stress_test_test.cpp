// Stress-tested equity against hand computations on a fixed portfolio: every scenario's
// loss, the worst one, the breach strictly over the limit, which symbols and venues are
// blocked, deterministic ties, skipped legs and the JSON shape.
#include "core/risk/stress_test.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace propbot::risk {
namespace {

StressLeg leg(std::uint64_t position_id, std::string symbol, std::string venue, double qty, double mark) {
  return StressLeg{position_id, "arb", std::move(symbol), std::move(venue), qty, mark};
}

// Notionals: 20000 + 20050 + 10000 + 10050 + 5000 = 65100.
//   binance: 20000 (BTC, pos 1) + 5000 (SOL, alone) = 25000
//   okx:     20050 (BTC, pos 1) + 10000 (ETH, pos 2) = 30050
//   bybit:   10050 (ETH, pos 2)
std::vector<StressLeg> portfolio() {
  return {leg(1, "BTC-USDT", "binance", 0.5, 40000), leg(1, "BTC-USDT", "okx", -0.5, 40100),
          leg(2, "ETH-USDT", "okx", 5, 2000), leg(2, "ETH-USDT", "bybit", -5, 2010),
          leg(0, "SOL-USDT", "binance", 40, 125)};
}

class StressTest : public ::testing::Test {
 protected:
  StressShocks shocks;  // defaults: gap 300, venue lost 500, funding 50, divergence 100
};

TEST_F(StressTest, EveryScenarioEqualsTheHandComputation) {
  const StressReport report = run_stress(portfolio(), 100000, shocks, 0);
  ASSERT_EQ(report.scenarios.size(), 8u);
  const auto expect = [&](std::size_t i, StressScenario scenario, const char* venue, double loss) {
    SCOPED_TRACE(i);
    EXPECT_EQ(report.scenarios[i].scenario, scenario);
    EXPECT_EQ(report.scenarios[i].venue, venue);
    EXPECT_DOUBLE_EQ(report.scenarios[i].loss_usdt, loss);
  };
  expect(0, StressScenario::adverse_gap, "", 65100 * 0.03);
  // binance strands pos 1 (both BTC legs) and the lone SOL leg: 45050 × 5 %.
  expect(1, StressScenario::venue_lost, "binance", 2252.5);
  // bybit strands pos 2 (both ETH legs): 20050 × 5 %.
  expect(2, StressScenario::venue_lost, "bybit", 1002.5);
  // okx strands pos 1 and pos 2: 60100 × 5 %.
  expect(3, StressScenario::venue_lost, "okx", 3005);
  expect(4, StressScenario::funding_spike, "", 65100 * 0.005);
  expect(5, StressScenario::mark_index_divergence, "binance", 250);
  expect(6, StressScenario::mark_index_divergence, "bybit", 100.5);
  expect(7, StressScenario::mark_index_divergence, "okx", 300.5);

  ASSERT_TRUE(report.worst_index.has_value());
  EXPECT_EQ(*report.worst_index, 3u);
  EXPECT_DOUBLE_EQ(report.worst_loss_usdt, 3005);
  EXPECT_DOUBLE_EQ(report.stress_tested_equity_usdt, 100000 - 3005);
  EXPECT_DOUBLE_EQ(report.equity_usdt, 100000);
  EXPECT_FALSE(report.breached);  // limit off
  EXPECT_TRUE(report.blocked_symbols.empty());
  EXPECT_TRUE(report.blocked_venues.empty());
  EXPECT_EQ(report.skipped_legs, 0u);
}

TEST_F(StressTest, DriversArePerSymbolAndVenueLargestFirst) {
  const StressReport report = run_stress(portfolio(), 100000, shocks, 0);
  const std::vector<StressDriver>& drivers = report.scenarios[3].drivers;  // venue_lost okx
  ASSERT_EQ(drivers.size(), 4u);
  EXPECT_EQ(drivers[0].symbol, "BTC-USDT");
  EXPECT_EQ(drivers[0].venue, "okx");
  EXPECT_DOUBLE_EQ(drivers[0].loss_usdt, 1002.5);
  EXPECT_EQ(drivers[1].venue, "binance");
  EXPECT_DOUBLE_EQ(drivers[1].loss_usdt, 1000);
  EXPECT_EQ(drivers[2].symbol, "ETH-USDT");
  EXPECT_EQ(drivers[2].venue, "bybit");
  EXPECT_DOUBLE_EQ(drivers[2].loss_usdt, 502.5);
  EXPECT_EQ(drivers[3].venue, "okx");
  EXPECT_DOUBLE_EQ(drivers[3].loss_usdt, 500);
}

TEST_F(StressTest, LegsOfTheSameSymbolAndVenueAddUpInOneDriver) {
  const StressReport report =
      run_stress({leg(1, "BTC-USDT", "okx", 0.1, 50000), leg(2, "BTC-USDT", "okx", -0.2, 50000)}, 0, shocks, 0);
  const ScenarioResult& gap = report.scenarios[0];
  ASSERT_EQ(gap.drivers.size(), 1u);
  EXPECT_DOUBLE_EQ(gap.drivers[0].loss_usdt, 15000 * 0.03);  // long and short both lose
  EXPECT_DOUBLE_EQ(gap.loss_usdt, 450);
}

TEST_F(StressTest, BreachesOnlyStrictlyOverTheLimit) {
  EXPECT_FALSE(run_stress(portfolio(), 100000, shocks, 3005).breached);
  EXPECT_FALSE(run_stress(portfolio(), 100000, shocks, 3005.01).breached);
  const StressReport over = run_stress(portfolio(), 100000, shocks, 3004.99);
  EXPECT_TRUE(over.breached);
  EXPECT_DOUBLE_EQ(over.limit_usdt, 3004.99);
}

TEST_F(StressTest, BlocksTheLargestDriversUntilTheRestFitsUnderTheLimit) {
  // 3005 − 1002.5 (BTC okx) = 2002.5 > 2000, − 1000 (BTC binance) = 1002.5 ≤ 2000.
  const StressReport two = run_stress(portfolio(), 100000, shocks, 2000);
  ASSERT_TRUE(two.breached);
  EXPECT_EQ(two.blocked_symbols, (std::vector<std::string>{"BTC-USDT"}));
  EXPECT_EQ(two.blocked_venues, (std::vector<std::string>{"binance", "okx"}));

  // 3005 − 1002.5 = 2002.5 ≤ 2500: one driver is enough.
  const StressReport one = run_stress(portfolio(), 100000, shocks, 2500);
  ASSERT_TRUE(one.breached);
  EXPECT_EQ(one.blocked_symbols, (std::vector<std::string>{"BTC-USDT"}));
  EXPECT_EQ(one.blocked_venues, (std::vector<std::string>{"okx"}));

  // 3005 − 1002.5 = 2002.5, exactly the limit: the rest fits, stop there.
  const StressReport exact = run_stress(portfolio(), 100000, shocks, 2002.5);
  EXPECT_EQ(exact.blocked_venues, (std::vector<std::string>{"okx"}));

  // 3005 − 1002.5 − 1000 − 502.5 = 500 ≤ 600: three drivers, two symbols, three venues.
  const StressReport three = run_stress(portfolio(), 100000, shocks, 600);
  EXPECT_EQ(three.blocked_symbols, (std::vector<std::string>{"BTC-USDT", "ETH-USDT"}));
  EXPECT_EQ(three.blocked_venues, (std::vector<std::string>{"binance", "bybit", "okx"}));
}

TEST_F(StressTest, TiesAreBrokenBySymbolThenVenue) {
  shocks = StressShocks{100, 0, 100, 0};  // adverse_gap and funding_spike lose the same
  const std::vector<StressLeg> legs = {leg(0, "ETH-USDT", "binance", 0.5, 2000), leg(0, "BTC-USDT", "okx", 0.25, 4000)};
  const StressReport report = run_stress(legs, 0, shocks, 15);
  ASSERT_EQ(report.scenarios.size(), 2u);
  EXPECT_EQ(*report.worst_index, 0u);  // the first of the equal scenarios
  const std::vector<StressDriver>& drivers = report.scenarios[0].drivers;
  ASSERT_EQ(drivers.size(), 2u);
  EXPECT_EQ(drivers[0].symbol, "BTC-USDT");
  EXPECT_EQ(drivers[1].symbol, "ETH-USDT");
  // 20 − 10 = 10 ≤ 15: only the first of the tied drivers is blocked.
  EXPECT_EQ(report.blocked_symbols, (std::vector<std::string>{"BTC-USDT"}));
  EXPECT_EQ(report.blocked_venues, (std::vector<std::string>{"okx"}));
}

TEST_F(StressTest, ALegWithoutAPositionIsStrandedAlone) {
  shocks = StressShocks{0, 500, 0, 0};
  const StressReport report =
      run_stress({leg(0, "BTC-USDT", "binance", 1, 1000), leg(0, "BTC-USDT", "okx", -1, 1000)}, 0, shocks, 0);
  ASSERT_EQ(report.scenarios.size(), 2u);
  EXPECT_DOUBLE_EQ(report.scenarios[0].loss_usdt, 50);
  EXPECT_DOUBLE_EQ(report.scenarios[1].loss_usdt, 50);
}

TEST_F(StressTest, AZeroShockSwitchesItsScenarioOff) {
  shocks = StressShocks{0, 0, 50, 0};
  const StressReport report = run_stress(portfolio(), 100000, shocks, 0);
  ASSERT_EQ(report.scenarios.size(), 1u);
  EXPECT_EQ(report.scenarios[0].scenario, StressScenario::funding_spike);
  EXPECT_DOUBLE_EQ(report.worst_loss_usdt, 325.5);

  shocks = StressShocks{-5, std::numeric_limits<double>::quiet_NaN(), 0, 0};  // nonsense counts as off
  EXPECT_TRUE(run_stress(portfolio(), 100000, shocks, 0).scenarios.empty());
}

TEST_F(StressTest, AnEmptyPortfolioLosesNothingAndNeverBreaches) {
  const StressReport report = run_stress({}, 5000, shocks, 1);
  ASSERT_EQ(report.scenarios.size(), 2u);  // no venue, so no venue-scoped scenario
  for (const ScenarioResult& result : report.scenarios) {
    EXPECT_EQ(result.loss_usdt, 0);
    EXPECT_TRUE(result.drivers.empty());
  }
  EXPECT_EQ(report.worst_loss_usdt, 0);
  EXPECT_EQ(report.stress_tested_equity_usdt, 5000);
  EXPECT_FALSE(report.breached);
}

TEST_F(StressTest, LegsWithoutAUsableMarkAreSkippedAndCounted) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<StressLeg> legs = {leg(1, "A-USDT", "x", 1, 0),   leg(1, "A-USDT", "x", 1, -3),
                                       leg(1, "A-USDT", "x", 1, nan), leg(1, "A-USDT", "x", 1, inf),
                                       leg(1, "A-USDT", "x", nan, 10), leg(1, "B-USDT", "y", 2, 100)};
  const StressReport report = run_stress(legs, 0, shocks, 0);
  EXPECT_EQ(report.skipped_legs, 5u);
  EXPECT_DOUBLE_EQ(report.scenarios[0].loss_usdt, 6);  // 200 × 3 %
  for (const ScenarioResult& result : report.scenarios) EXPECT_NE(result.venue, "x");
}

TEST_F(StressTest, ANonPositiveOrNonFiniteLimitIsOff) {
  EXPECT_FALSE(run_stress(portfolio(), 100000, shocks, -1).breached);
  EXPECT_FALSE(run_stress(portfolio(), 100000, shocks, std::numeric_limits<double>::quiet_NaN()).breached);
}

TEST_F(StressTest, ScenarioNamesAreStable) {
  EXPECT_EQ(to_string(StressScenario::adverse_gap), "adverse_gap");
  EXPECT_EQ(to_string(StressScenario::venue_lost), "venue_lost");
  EXPECT_EQ(to_string(StressScenario::funding_spike), "funding_spike");
  EXPECT_EQ(to_string(StressScenario::mark_index_divergence), "mark_index_divergence");
}

TEST_F(StressTest, JsonCarriesTheFiguresScenariosAndBlockedList) {
  const nlohmann::json json = to_json(run_stress(portfolio(), 100000, shocks, 2000));
  EXPECT_DOUBLE_EQ(json.at("equity").get<double>(), 100000);
  EXPECT_DOUBLE_EQ(json.at("stress_tested_equity").get<double>(), 96995);
  EXPECT_DOUBLE_EQ(json.at("worst_loss").get<double>(), 3005);
  EXPECT_DOUBLE_EQ(json.at("limit").get<double>(), 2000);
  EXPECT_TRUE(json.at("breached").get<bool>());
  EXPECT_EQ(json.at("skipped_legs"), 0);
  EXPECT_EQ(json.at("worst"), (nlohmann::json{{"scenario", "venue_lost"}, {"venue", "okx"}}));
  const nlohmann::json& scenarios = json.at("shocks");
  ASSERT_EQ(scenarios.size(), 8u);
  EXPECT_EQ(scenarios[0].at("scenario"), "adverse_gap");
  EXPECT_FALSE(scenarios[0].contains("venue"));
  EXPECT_EQ(scenarios[3].at("venue"), "okx");
  EXPECT_DOUBLE_EQ(scenarios[3].at("loss").get<double>(), 3005);
  EXPECT_EQ(scenarios[3].at("drivers")[0],
            (nlohmann::json{{"symbol", "BTC-USDT"}, {"venue", "okx"}, {"loss", 1002.5}}));
  EXPECT_EQ(json.at("blocked"), nlohmann::json::parse(R"([{"symbol":"BTC-USDT"},{"venue":"binance"},{"venue":"okx"}])"));

  const nlohmann::json empty = to_json(run_stress({}, 0, StressShocks{0, 0, 0, 0}, 0));
  EXPECT_TRUE(empty.at("worst").is_null());
  EXPECT_TRUE(empty.at("shocks").empty());
  EXPECT_TRUE(empty.at("blocked").empty());
}

}  // namespace
}  // namespace propbot::risk
