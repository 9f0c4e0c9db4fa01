// RiskGovernor freezing and degrading strategies: a broken budget freezes only that
// strategy (P1), unfreeze / reset; latched breaker trips degrade the named strategies and
// block their route; what survives a restart (durable_state / restore).
#include "tests/unit/risk/risk_governor_test_support.hpp"

namespace propbot::risk {
namespace {

using namespace governor_testing;

// ---- budgets and freeze

class BudgetTest : public RiskGovernorTest {
 protected:
  BudgetTest() {
    strategies_[0].budget.daily_loss_usdt = 50;
    configure();
  }
};

TEST_F(BudgetTest, ABrokenBudgetFreezesOnlyThatStrategyWithOneP1Event) {
  governor_.on_realized("arb", -60, at(0, 10h));
  auto events = evaluate(PortfolioInput{}, at(0, 10h));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::strategy_degraded);
  EXPECT_FALSE(events[0].severity);  // P1 by the code's policy
  EXPECT_EQ(events[0].component, "strategy:arb");
  EXPECT_TRUE(contains(events[0].summary, "daily_loss_budget: 60 > 50")) << events[0].summary;
  EXPECT_TRUE(governor_.frozen("arb"));
  EXPECT_FALSE(governor_.frozen("basis"));
  EXPECT_TRUE(evaluate(PortfolioInput{}, at(0, 10h + 1s)).empty());  // once

  auto refused = governor_.check(entry("arb", "BTC-USDT", "OKX", 100), false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::strategy_frozen);
  EXPECT_TRUE(contains(refused->detail, "daily_loss_budget")) << refused->detail;
  EXPECT_FALSE(governor_.check(closing(entry("arb", "BTC-USDT", "OKX", 100)), false));
  EXPECT_FALSE(governor_.check(entry("basis", "BTC-USDT", "OKX", 100), false));
}

TEST_F(BudgetTest, UnfreezeClearsItAndOnlyAWorseBreachRefreezes) {
  governor_.on_realized("arb", -60, at(0, 10h));
  ASSERT_EQ(evaluate(PortfolioInput{}, at(0, 10h)).size(), 1u);

  auto cleared = governor_.unfreeze("arb", at(0, 11h));
  ASSERT_TRUE(cleared.ok());
  ASSERT_EQ((*cleared)["cleared"].size(), 1u);
  EXPECT_EQ((*cleared)["cleared"][0]["strategy"], "arb");
  EXPECT_EQ((*cleared)["cleared"][0]["was_frozen"], true);
  EXPECT_FALSE(governor_.frozen("arb"));
  EXPECT_FALSE(governor_.check(entry("arb", "BTC-USDT", "OKX", 100), false));

  EXPECT_TRUE(evaluate(PortfolioInput{}, at(0, 11h + 1s)).empty());  // the same breach value: waived
  EXPECT_FALSE(governor_.frozen("arb"));

  governor_.on_realized("arb", -1, at(0, 12h));  // worse: 61 > 60
  auto events = evaluate(PortfolioInput{}, at(0, 12h));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::strategy_degraded);
  EXPECT_TRUE(governor_.frozen("arb"));
}

TEST_F(BudgetTest, UnfreezeOfAnUnknownStrategyIsNotFound) {
  auto result = governor_.unfreeze("nobody", at(0, 10h));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::not_found);
}

TEST_F(BudgetTest, ResetBudgetRestartsTheDayOfOneOrAllAndRefusesAnUnknownName) {
  governor_.on_realized("arb", -60, at(0, 10h));
  auto one = governor_.reset_budget("arb", at(0, 10h + 1s));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<std::string>{"arb"});
  EXPECT_TRUE(evaluate(PortfolioInput{}, at(0, 10h + 2s)).empty());  // the loss was reset before it froze
  EXPECT_FALSE(governor_.frozen("arb"));

  auto all = governor_.reset_budget("all", at(0, 11h));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"arb", "basis", "quoting"}));

  auto unknown = governor_.reset_budget("nobody", at(0, 11h));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
}

TEST_F(BudgetTest, ABudgetLimitRefusesAnEntryWithStrategyBudget) {
  strategies_[1].budget.max_notional_usdt = 4000;
  configure();
  evaluate(fixed_portfolio(), at(0, 10h));  // basis holds 3000
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "OKX", 1000), false));
  auto refused = governor_.check(entry("basis", "ETH-USDT", "OKX", 1000.5), false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::strategy_budget);
  EXPECT_TRUE(contains(refused->detail, "4000.5 > 4000")) << refused->detail;
}

TEST_F(BudgetTest, EntriesAdmittedSinceTheLastEvaluationCountTowardTheNotionalBudget) {
  strategies_[1].budget.max_notional_usdt = 2500;
  configure();
  evaluate(PortfolioInput{}, at(0, 10h));
  const TradeCheck trade = entry("basis", "ETH-USDT", "OKX", 1000);
  ASSERT_FALSE(governor_.check(trade, false));
  governor_.admitted(trade);
  ASSERT_FALSE(governor_.check(trade, false));
  governor_.admitted(trade);
  auto refused = governor_.check(trade, false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::strategy_budget);
}

TEST_F(BudgetTest, EntriesAdmittedSinceTheLastEvaluationCountTowardThePositionsBudget) {
  strategies_[1].budget.max_open_positions = 1;
  configure();
  evaluate(PortfolioInput{}, at(0, 10h));
  const TradeCheck trade = entry("basis", "ETH-USDT", "OKX", 1000);
  ASSERT_FALSE(governor_.check(trade, false));
  governor_.admitted(trade);
  auto refused = governor_.check(trade, false);  // a second position would break the budget
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::strategy_budget);
}


// ---- circuit breakers


TEST_F(RiskGovernorTest, ADegradeTripDegradesTheListedStrategiesOnceWhileLatched) {
  auto events = governor_.on_breakers({trip("spread_vol", TripAction::degrade, Severity::P1, {"arb"})}, at(0, 10h));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::circuit_breaker_triggered);
  EXPECT_EQ(events[0].component, "risk_governor");
  EXPECT_FALSE(events[0].severity);
  EXPECT_FALSE(events[0].safe_mode_on);
  EXPECT_TRUE(contains(events[0].summary, "spread_vol")) << events[0].summary;
  EXPECT_TRUE(contains(events[0].summary, "degraded: arb")) << events[0].summary;
  EXPECT_TRUE(governor_.degraded("arb"));
  EXPECT_FALSE(governor_.degraded("basis"));

  auto refused = governor_.check(entry("arb", "ETH-USDT", "BINANCE", 100), false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::circuit_breaker);
  EXPECT_FALSE(governor_.check(closing(entry("arb", "ETH-USDT", "BINANCE", 100)), false));
  // The tripped route takes no new entry from anyone; elsewhere the others trade.
  auto on_route = governor_.check(entry("basis", "BTC-USDT", "BINANCE", 100), false);
  ASSERT_TRUE(on_route);
  EXPECT_EQ(on_route->reason, RiskReason::circuit_breaker);
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "BINANCE", 100), false));

  EXPECT_TRUE(
      governor_.on_breakers({trip("spread_vol", TripAction::degrade, Severity::P1, {"arb"})}, at(0, 10h + 1s)).empty());
  // Not a timer: it stays degraded until an unfreeze.
  evaluate(PortfolioInput{}, at(3, 0ns));
  EXPECT_TRUE(governor_.degraded("arb"));
  ASSERT_TRUE(governor_.unfreeze("arb", at(3, 1h)).ok());
  EXPECT_FALSE(governor_.degraded("arb"));
  EXPECT_FALSE(governor_.check(entry("arb", "ETH-USDT", "BINANCE", 100), false));
}

TEST_F(RiskGovernorTest, APauseSymbolTripBlocksEntriesOnThatSymbolAndRouteForEveryStrategy) {
  auto events = governor_.on_breakers(
      {trip("crossed_book", TripAction::pause_symbol, Severity::P1, {}, "ETH-USDT", "BINANCE/OKX")}, at(0, 10h));
  ASSERT_EQ(events.size(), 1u);
  for (const char* name : {"arb", "basis"}) {
    auto refused = governor_.check(entry(name, "ETH-USDT", "OKX", 100), false);
    ASSERT_TRUE(refused) << name;
    EXPECT_EQ(refused->reason, RiskReason::circuit_breaker);
    EXPECT_FALSE(governor_.degraded(name));
  }
  EXPECT_FALSE(governor_.check(entry("arb", "BTC-USDT", "OKX", 100), false));     // another symbol
  EXPECT_FALSE(governor_.check(entry("arb", "ETH-USDT", "BYBIT", 100), false));   // another venue
  EXPECT_FALSE(governor_.check(closing(entry("arb", "ETH-USDT", "OKX", 100)), false));
}

TEST_F(RiskGovernorTest, APauseSymbolTripMatchesVenueIdsWholeNotAsSubstrings) {
  governor_.on_breakers({trip("crossed_book", TripAction::pause_symbol, Severity::P1, {}, "ETH-USDT", "BINANCE2/OKX")},
                        at(0, 10h));
  ASSERT_TRUE(governor_.check(entry("arb", "ETH-USDT", "BINANCE2", 100), false));
  EXPECT_FALSE(governor_.check(entry("arb", "ETH-USDT", "BINANCE", 100), false));
  EXPECT_FALSE(governor_.check(entry("arb", "ETH-USDT", "OK", 100), false));
}

TEST_F(RiskGovernorTest, AP2TripDoesNothing) {
  EXPECT_TRUE(governor_.on_breakers({trip("ws_gap", TripAction::degrade, Severity::P2, {"arb"}),
                                     trip("crossed", TripAction::pause_symbol, Severity::P2, {})},
                                    at(0, 10h))
                  .empty());
  EXPECT_FALSE(governor_.degraded("arb"));
  EXPECT_FALSE(governor_.check(entry("basis", "BTC-USDT", "OKX", 100), false));
  EXPECT_TRUE(governor_.risk_snapshot(nlohmann::json::object())["breakers"].empty());
  EXPECT_TRUE(governor_.autopilot_blockers().empty());
}

TEST_F(RiskGovernorTest, HoldIsP0AndSafeModeAsksForSafeMode) {
  auto events = governor_.on_breakers({trip("drawdown", TripAction::hold, Severity::P1, {}, ""),
                                       trip("depeg", TripAction::safe_mode, Severity::P1, {}, "")},
                                      at(0, 10h));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[0].severity);
  EXPECT_EQ(*events[0].severity, Severity::P0);
  EXPECT_FALSE(events[0].safe_mode_on);
  EXPECT_TRUE(events[1].safe_mode_on);
  EXPECT_FALSE(events[1].severity);
}

TEST_F(RiskGovernorTest, UnfreezeAllReleasesEveryTripAndTheyReportAgainWhenTheyFireAgain) {
  const std::vector<TripInput> firing = {
      trip("spread_vol", TripAction::degrade, Severity::P1, {"arb", "basis"}),
      trip("crossed_book", TripAction::pause_symbol, Severity::P1, {}, "ETH-USDT", "BINANCE/OKX")};
  ASSERT_EQ(governor_.on_breakers(firing, at(0, 10h)).size(), 2u);
  auto released = governor_.unfreeze("all", at(0, 11h));
  ASSERT_TRUE(released.ok());
  EXPECT_EQ((*released)["trips_released"].size(), 2u);
  EXPECT_EQ((*released)["cleared"].size(), 2u);
  EXPECT_FALSE(governor_.degraded("arb"));
  EXPECT_FALSE(governor_.degraded("basis"));
  EXPECT_FALSE(governor_.check(entry("quoting", "ETH-USDT", "OKX", 100), false));
  EXPECT_TRUE(governor_.risk_snapshot(nlohmann::json::object())["breakers"].empty());
  EXPECT_EQ(governor_.on_breakers(firing, at(0, 12h)).size(), 2u);
}

TEST_F(RiskGovernorTest, UnfreezingOneStrategyKeepsAPauseSymbolTrip) {
  governor_.on_breakers({trip("spread_vol", TripAction::degrade, Severity::P1, {"arb"}),
                         trip("crossed_book", TripAction::pause_symbol, Severity::P1, {}, "ETH-USDT", "")},
                        at(0, 10h));
  auto result = governor_.unfreeze("arb", at(0, 11h));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((*result)["trips_released"], nlohmann::json::array({"spread_vol BTC-USDT BINANCE/OKX"}));
  auto refused = governor_.check(entry("arb", "ETH-USDT", "OKX", 100), false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::circuit_breaker);
}


// ---- durable state: what a restart must not forget

TEST_F(RiskGovernorTest, TheDurableStateRestoresFrozenDegradedTripsRaisesAndResets) {
  risk_.max_total_notional_usdt = 1000;
  strategies_[0].budget.daily_loss_usdt = 10;
  configure();
  const std::uint64_t start = governor_.durable_version();
  governor_.on_realized("arb", -25, at(0, 10h));
  ASSERT_EQ(evaluate(PortfolioInput{}, at(0, 10h)).size(), 1u);  // arb frozen by its budget
  ASSERT_FALSE(governor_.on_breakers({TripInput{"route_spread_std_high", TripAction::degrade, Severity::P1, "std 41",
                                                "BTC-USDT", "BINANCE/OKX", {"basis"}}},
                                     at(0, 10h))
                   .empty());
  ASSERT_TRUE(governor_.raise_limit(Cap::max_total_notional, 1500));
  ASSERT_TRUE(governor_.reset_budget("quoting", at(0, 11h)));
  EXPECT_GT(governor_.durable_version(), start);
  const nlohmann::json state = governor_.durable_state();
  // Canonical JSON only: no floats anywhere.
  std::function<bool(const nlohmann::json&)> has_float = [&](const nlohmann::json& value) {
    if (value.is_number_float()) return true;
    for (const auto& item : value) {
      if (item.is_structured() ? has_float(item) : item.is_number_float()) return true;
    }
    return false;
  };
  EXPECT_FALSE(has_float(state)) << state.dump();

  RiskGovernor restarted(at(0, 12h));
  restarted.configure(risk_, strategies_, at(0, 12h));
  restarted.restore(state);
  EXPECT_TRUE(restarted.frozen("arb"));
  EXPECT_TRUE(restarted.degraded("basis"));
  EXPECT_EQ(restarted.cap_limit(Cap::max_total_notional), 1500);
  auto refused = restarted.check(entry("quoting", "BTC-USDT", "OKX", 10), false);
  ASSERT_TRUE(refused);  // the restored route trip blocks everyone there
  EXPECT_EQ(refused->reason, RiskReason::circuit_breaker);
  const nlohmann::json snapshot = restarted.risk_snapshot(nlohmann::json::object());
  ASSERT_EQ(snapshot["breakers"].size(), 1u);
  EXPECT_EQ(snapshot["breakers"][0]["rule"], "route_spread_std_high");
  EXPECT_EQ(snapshot["breakers"][0]["strategies"], nlohmann::json::array({"basis"}));
  const nlohmann::json budgets = restarted.strategy_budget();
  for (const auto& row : budgets["budgets"]) {
    if (row["strategy"] == "quoting") {
      EXPECT_EQ(row["daily_loss"]["last_reset_ts_utc"], format_iso8601_ms(at(0, 11h))) << row.dump();
    }
  }
  // Unfreezing the restored ones works as before; a garbage state restores nothing.
  ASSERT_TRUE(restarted.unfreeze("all", at(0, 13h)));
  EXPECT_FALSE(restarted.frozen("arb"));
  RiskGovernor fresh(at(0, 12h));
  fresh.configure(risk_, strategies_, at(0, 12h));
  fresh.restore(nlohmann::json{{"strategies", 5}, {"trips", {{{"rule", ""}}}}, {"raised", {{"nope", "1"}}}});
  EXPECT_FALSE(fresh.frozen("arb"));
  EXPECT_TRUE(fresh.risk_snapshot(nlohmann::json::object())["breakers"].empty());
  EXPECT_EQ(fresh.cap_limit(Cap::max_total_notional), 1000);
}

}  // namespace
}  // namespace propbot::risk
