// RiskGovernor on a fixed portfolio: the used figure of every cap by hand, a cap breach
// reported once per episode, the daily loss cap over a simulated clock (re-armed at
// 00:00 UTC), stress blocks equal to a hand computation, raise_limit (raise only), safe
// mode, admitted entries counting before the next evaluation, skip counters and the JSON
// views. Freezing and degrading: risk_governor_freeze_test.cpp.
#include <cmath>
#include <limits>

#include "tests/unit/risk/risk_governor_test_support.hpp"

namespace propbot::risk {
namespace {

using namespace governor_testing;

// ---- caps on open positions

TEST_F(RiskGovernorTest, TheUsedFigureOfEachCapOnTheFixedPortfolioIsTheHandFigure) {
  EXPECT_TRUE(evaluate(fixed_portfolio(), at(0, 10h)).empty());
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_total_notional), 13000);
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_open_positions), 2);
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_notional_per_position), 5000);
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_exposure_per_symbol), 10000);  // BTC-USDT, both legs
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_exposure_per_venue), 8000);    // BINANCE 5000 + 3000
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_leverage), 2);                 // BINANCE 8000 / 4000
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::max_unrealized_loss), 50);         // −20 + 10 − 40
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::daily_loss_cap), 50);
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::monthly_loss_cap), 50);
  EXPECT_DOUBLE_EQ(governor_.unrealized_usdt(), -50);
  EXPECT_EQ(governor_.exposure().open_positions, 2);
  EXPECT_DOUBLE_EQ(governor_.exposure().by_symbol.at("ETH-USDT"), 3000);
  EXPECT_DOUBLE_EQ(governor_.exposure().by_venue.at("OKX"), 5000);
}

TEST_F(RiskGovernorTest, ConfigureTakesEveryCapFromTheRiskConfig) {
  risk_.max_total_notional_usdt = 1;
  risk_.max_open_positions = 2;
  risk_.max_notional_per_position_usdt = 3;
  risk_.max_exposure_per_symbol_usdt = 4;
  risk_.max_exposure_per_venue_usdt = 5;
  risk_.max_leverage_per_venue = 6;
  risk_.daily_loss_cap_usdt = 7;
  risk_.monthly_loss_cap_usdt = 8;
  risk_.max_unrealized_loss_usdt = 9;
  configure();
  double expected = 1;
  for (Cap cap : kAllCaps) EXPECT_EQ(governor_.cap_limit(cap), expected++) << to_string(cap);
}

struct CapRow {
  Cap cap;
  double limit;  // = the fixed portfolio's figure: at the limit, no breach
};

TEST_F(RiskGovernorTest, EachCapAtItsFigurePassesAndJustUnderItBreachesOnceWithOneEvent) {
  const std::vector<CapRow> rows = {{Cap::max_total_notional, 13000},    {Cap::max_open_positions, 2},
                                    {Cap::max_notional_per_position, 5000}, {Cap::max_exposure_per_symbol, 10000},
                                    {Cap::max_exposure_per_venue, 8000},  {Cap::max_leverage, 2},
                                    {Cap::daily_loss_cap, 50},            {Cap::monthly_loss_cap, 50},
                                    {Cap::max_unrealized_loss, 50}};
  for (const CapRow& row : rows) {
    RiskGovernor governor{at(0, 9h)};
    config::RiskConfig risk = risk_;
    auto set = [&](double limit) {
      switch (row.cap) {
        case Cap::max_total_notional: risk.max_total_notional_usdt = limit; break;
        case Cap::max_open_positions: risk.max_open_positions = static_cast<int>(limit); break;
        case Cap::max_notional_per_position: risk.max_notional_per_position_usdt = limit; break;
        case Cap::max_exposure_per_symbol: risk.max_exposure_per_symbol_usdt = limit; break;
        case Cap::max_exposure_per_venue: risk.max_exposure_per_venue_usdt = limit; break;
        case Cap::max_leverage: risk.max_leverage_per_venue = limit; break;
        case Cap::daily_loss_cap: risk.daily_loss_cap_usdt = limit; break;
        case Cap::monthly_loss_cap: risk.monthly_loss_cap_usdt = limit; break;
        case Cap::max_unrealized_loss: risk.max_unrealized_loss_usdt = limit; break;
      }
      governor.configure(risk, strategies_, at(0, 9h));
    };
    set(row.limit);
    EXPECT_TRUE(governor.evaluate(fixed_portfolio(), at(0, 10h)).empty()) << to_string(row.cap);
    // Just under the figure (integer caps: one less).
    const double under = row.cap == Cap::max_open_positions ? row.limit - 1
                         : row.cap == Cap::max_leverage     ? row.limit - 0.01
                                                            : row.limit - 0.5;
    set(under);
    auto events = governor.evaluate(fixed_portfolio(), at(0, 10h + 1s));
    ASSERT_EQ(events.size(), 1u) << to_string(row.cap);
    const RiskEvent& event = events[0];
    EXPECT_EQ(event.code,
              row.cap == Cap::daily_loss_cap ? IncidentCode::daily_loss_cap_breached : IncidentCode::risk_cap_breached);
    EXPECT_EQ(event.component, "risk_governor");
    EXPECT_TRUE(contains(event.summary, std::string(to_string(row.cap)))) << event.summary;
    char value[32], limit[32];
    std::snprintf(value, sizeof value, "%.10g", row.limit);
    std::snprintf(limit, sizeof limit, "%.10g", under);
    EXPECT_TRUE(contains(event.summary, std::string(value) + " > " + limit)) << event.summary;
    EXPECT_TRUE(governor.evaluate(fixed_portfolio(), at(0, 10h + 2s)).empty()) << to_string(row.cap);
    // A limit of 0 is off: no event, and the breach is over (it re-arms).
    set(0);
    EXPECT_TRUE(governor.evaluate(fixed_portfolio(), at(0, 10h + 3s)).empty()) << to_string(row.cap);
    set(under);
    EXPECT_EQ(governor.evaluate(fixed_portfolio(), at(0, 10h + 4s)).size(), 1u) << to_string(row.cap);
  }
}

TEST_F(RiskGovernorTest, ABreachIsReportedOncePerEpisodeAndAgainAfterItWentBackUnder) {
  risk_.max_total_notional_usdt = 13000;
  configure();
  PortfolioInput over = fixed_portfolio();
  over.legs.push_back({3, "basis", "ETH-USDT", "OKX", -0.5, 3000, 0});  // +1500
  EXPECT_TRUE(evaluate(fixed_portfolio(), at(0, 10h)).empty());
  auto events = evaluate(over, at(0, 10h + 1s));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::risk_cap_breached);
  EXPECT_FALSE(events[0].severity);  // P0 by the code's policy
  EXPECT_EQ(events[0].summary, "risk cap max_total_notional breached: 14500 > 13000 USDT (risk.max_total_notional_usdt)");
  EXPECT_TRUE(evaluate(over, at(0, 10h + 2s)).empty());
  EXPECT_TRUE(evaluate(fixed_portfolio(), at(0, 10h + 3s)).empty());
  EXPECT_EQ(evaluate(over, at(0, 10h + 4s)).size(), 1u);
}

TEST_F(RiskGovernorTest, ThePerSymbolPerVenueAndLeverageBreachesNameWhere) {
  risk_.max_exposure_per_symbol_usdt = 9000;
  risk_.max_exposure_per_venue_usdt = 7000;
  risk_.max_leverage_per_venue = 1.5;
  configure();
  auto events = evaluate(fixed_portfolio(), at(0, 10h));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(contains(events[0].summary, "max_exposure_per_symbol breached on BTC-USDT: 10000 > 9000")) << events[0].summary;
  EXPECT_TRUE(contains(events[1].summary, "max_exposure_per_venue breached on BINANCE: 8000 > 7000")) << events[1].summary;
  EXPECT_TRUE(contains(events[2].summary, "max_leverage breached on BINANCE: 2 > 1.5 x")) << events[2].summary;
}

// ---- daily loss with the simulated clock

TEST_F(RiskGovernorTest, DailyLossCapBreachesOnRealisedLossesAndReArmsAtMidnightUtc) {
  risk_.daily_loss_cap_usdt = 100;
  configure();
  const PortfolioInput flat;
  governor_.on_realized("arb", -60, at(0, 10h));
  EXPECT_TRUE(evaluate(flat, at(0, 10h)).empty());
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::daily_loss_cap), 60);
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "OKX", 100), false));

  governor_.on_realized("basis", -50, at(0, 12h));
  auto events = evaluate(flat, at(0, 12h));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::daily_loss_cap_breached);
  EXPECT_EQ(events[0].component, "risk_governor");
  EXPECT_TRUE(contains(events[0].summary, "daily_loss_cap breached: 110 > 100 USDT")) << events[0].summary;
  EXPECT_DOUBLE_EQ(governor_.realized_today_usdt(), -110);

  auto refused = governor_.check(entry("basis", "ETH-USDT", "OKX", 100), false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::daily_loss_cap);
  EXPECT_FALSE(governor_.check(closing(entry("basis", "ETH-USDT", "OKX", 100)), false));
  EXPECT_TRUE(evaluate(flat, at(0, 23h + 59min + 59s + 999ms)).empty());  // latched, still the same day
  EXPECT_TRUE(governor_.check(entry("basis", "ETH-USDT", "OKX", 100), false));

  // 00:00:00.000 UTC the next day: the day restarts and the cap re-arms.
  EXPECT_TRUE(evaluate(flat, at(1, 0ns)).empty());
  EXPECT_EQ(governor_.realized_today_usdt(), 0);
  EXPECT_EQ(governor_.cap_used(Cap::daily_loss_cap), 0);
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "OKX", 100), false));
  governor_.on_realized("arb", -101, at(1, 1h));
  events = evaluate(flat, at(1, 1h));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::daily_loss_cap_breached);
}

TEST_F(RiskGovernorTest, ALossOnTheNewDayStartsTheDayEvenWithoutAnEvaluation) {
  governor_.on_realized("arb", -70, at(0, 23h));
  governor_.on_realized("arb", -5, at(1, 10min));
  EXPECT_DOUBLE_EQ(governor_.realized_today_usdt(), -5);
  governor_.on_realized("arb", -3, at(0, 23h + 30min));  // late: yesterday's
  EXPECT_DOUBLE_EQ(governor_.realized_today_usdt(), -5);
}

TEST_F(RiskGovernorTest, TheMonthlyFigureKeepsTheMonthAcrossDays) {
  risk_.monthly_loss_cap_usdt = 100;
  configure();
  governor_.on_realized("arb", -60, at(0, 10h));
  governor_.on_realized("arb", -50, at(1, 10h));
  auto events = evaluate(PortfolioInput{}, at(1, 10h));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(contains(events[0].summary, "monthly_loss_cap breached: 110 > 100")) << events[0].summary;
  EXPECT_DOUBLE_EQ(governor_.cap_used(Cap::daily_loss_cap), 50);
  // 2027-01-01 00:00 UTC (day 25): a new month.
  EXPECT_TRUE(evaluate(PortfolioInput{}, at(25, 0ns)).empty());
  EXPECT_EQ(governor_.cap_used(Cap::monthly_loss_cap), 0);
}

// ---- stress

TEST_F(RiskGovernorTest, StressFiguresEqualTheHandComputationAndBlockTheDrivers) {
  risk_.stress_limit_usdt = 400;
  configure();
  auto events = evaluate(fixed_portfolio(), at(0, 10h));
  const StressReport& s = governor_.stress();
  // equity = wallets 9000 + unrealised −50.
  EXPECT_DOUBLE_EQ(s.equity_usdt, 8950);
  // adverse_gap 13000 × 3% = 390; venue_lost(BINANCE): both positions, 13000 × 5% = 650;
  // venue_lost(OKX): position 1, 10000 × 5% = 500; funding 13000 × 0.5% = 65;
  // divergence(BINANCE) 8000 × 1% = 80, divergence(OKX) 5000 × 1% = 50.
  ASSERT_EQ(s.scenarios.size(), 6u);
  const std::vector<std::pair<StressScenario, double>> expected = {
      {StressScenario::adverse_gap, 390}, {StressScenario::venue_lost, 650},
      {StressScenario::venue_lost, 500},  {StressScenario::funding_spike, 65},
      {StressScenario::mark_index_divergence, 80}, {StressScenario::mark_index_divergence, 50}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s.scenarios[i].scenario, expected[i].first) << i;
    EXPECT_NEAR(s.scenarios[i].loss_usdt, expected[i].second, 1e-9) << i;
  }
  EXPECT_NEAR(s.worst_loss_usdt, 650, 1e-9);
  EXPECT_NEAR(s.stress_tested_equity_usdt, 8300, 1e-9);
  EXPECT_TRUE(s.breached);
  // venue_lost(BINANCE) drivers: BTC/BINANCE 250, BTC/OKX 250, ETH/BINANCE 150; taking
  // BTC/BINANCE leaves 400 ≤ 400.
  EXPECT_EQ(s.blocked_symbols, std::vector<std::string>{"BTC-USDT"});
  EXPECT_EQ(s.blocked_venues, std::vector<std::string>{"BINANCE"});

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, IncidentCode::stress_limit_warning);
  EXPECT_TRUE(contains(events[0].summary, "stress loss 650 > stress_limit 400")) << events[0].summary;
  EXPECT_TRUE(evaluate(fixed_portfolio(), at(0, 10h + 1s)).empty());  // once per episode

  auto refused = governor_.check(entry("basis", "BTC-USDT", "OKX", 100), false);  // the symbol
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::stress_limit);
  EXPECT_TRUE(contains(refused->detail, "650 > 400")) << refused->detail;
  refused = governor_.check(entry("basis", "ETH-USDT", "BINANCE", 100), false);  // the venue
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::stress_limit);
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "OKX", 100), false));
  EXPECT_FALSE(governor_.check(closing(entry("basis", "BTC-USDT", "BINANCE", 100)), false));

  // At the limit: no breach, nothing blocked.
  risk_.stress_limit_usdt = 650;
  configure();
  EXPECT_TRUE(evaluate(fixed_portfolio(), at(0, 10h + 2s)).empty());
  EXPECT_FALSE(governor_.stress().breached);
  EXPECT_FALSE(governor_.check(entry("basis", "BTC-USDT", "BINANCE", 100), false));
}

// ---- raise_limit

TEST_F(RiskGovernorTest, RaiseLimitAcceptsOnlyARaiseAndTheRaisedCapApplies) {
  risk_.max_total_notional_usdt = 14000;
  configure();
  evaluate(fixed_portfolio(), at(0, 10h));  // 13000 open
  auto refused = governor_.check(entry("basis", "ETH-USDT", "OKX", 1500), false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::max_total_notional);

  for (double bad : {14000.0, 13999.0, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(), -1.0}) {
    auto result = governor_.raise_limit(Cap::max_total_notional, bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code, Errc::invalid_argument) << bad;
    EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 14000);
  }
  auto raised = governor_.raise_limit(Cap::max_total_notional, 15000);
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ((*raised)["from"], 14000);
  EXPECT_EQ((*raised)["to"], 15000);
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 15000);
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "OKX", 1500), false));
  EXPECT_FALSE(governor_.check(entry("basis", "ETH-USDT", "OKX", 2000), false));  // exactly 15000
  EXPECT_TRUE(governor_.check(entry("basis", "ETH-USDT", "OKX", 2000.5), false));

  // A cap that is off cannot be raised.
  auto off = governor_.raise_limit(Cap::max_leverage, 5);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code, Errc::invalid_argument);
}

TEST_F(RiskGovernorTest, ARaiseSurvivesAReloadOnlyWhileAboveTheConfiguredCap) {
  risk_.max_total_notional_usdt = 14000;
  configure();
  ASSERT_TRUE(governor_.raise_limit(Cap::max_total_notional, 15000).ok());
  configure();
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 15000);
  risk_.max_total_notional_usdt = 16000;
  configure();
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 16000);
  risk_.max_total_notional_usdt = 14000;
  configure();
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 14000);
}

// ---- safe mode

TEST_F(RiskGovernorTest, SafeModeScalesSizesAndAdmitsOnlyPostOnlySinglesAndPausesWhoAskedTo) {
  risk_.safe_mode_size_factor = 0.25;
  configure();
  EXPECT_EQ(governor_.size_factor("arb", true), 0.25);
  EXPECT_EQ(governor_.size_factor("arb", false), 1.0);

  TradeCheck taker = entry("arb", "BTC-USDT", "OKX", 100);
  auto refused = governor_.check(taker, true);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::safe_mode);
  EXPECT_FALSE(governor_.check(taker, false));
  TradeCheck maker = taker;
  maker.post_only = true;
  EXPECT_FALSE(governor_.check(maker, true));
  EXPECT_FALSE(governor_.check(closing(taker), true));

  TradeCheck pair = taker;  // a hedged pair's leg A takes: no entry in safe mode, its close goes
  pair.hedged = true;
  pair.leg_count = 2;
  pair.legs[1] = pair.legs[0];
  pair.legs[1].venue = "BINANCE";
  refused = governor_.check(pair, true);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::safe_mode);
  EXPECT_FALSE(governor_.check(closing(pair), true));

  TradeCheck paused = maker;
  paused.strategy = "quoting";  // safe_mode: pause
  refused = governor_.check(paused, true);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::safe_mode);
  EXPECT_FALSE(governor_.check(paused, false));
}

// ---- admitted entries count before the next evaluation

TEST_F(RiskGovernorTest, TwoEntriesAdmittedBackToBackCountTowardTheTotalUntilTheNextEvaluation) {
  risk_.max_total_notional_usdt = 2500;
  risk_.max_open_positions = 5;
  configure();
  evaluate(PortfolioInput{}, at(0, 10h));
  const TradeCheck trade = entry("arb", "BTC-USDT", "OKX", 1000);
  ASSERT_FALSE(governor_.check(trade, false));
  governor_.admitted(trade);
  ASSERT_FALSE(governor_.check(trade, false));
  governor_.admitted(trade);
  EXPECT_DOUBLE_EQ(governor_.exposure().total_notional_usdt, 2000);
  EXPECT_EQ(governor_.exposure().open_positions, 2);
  EXPECT_DOUBLE_EQ(governor_.exposure().by_symbol.at("BTC-USDT"), 2000);
  EXPECT_DOUBLE_EQ(governor_.exposure().by_venue.at("OKX"), 2000);
  auto refused = governor_.check(trade, false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::max_total_notional);
  EXPECT_TRUE(contains(refused->detail, "3000 > 2500")) << refused->detail;

  evaluate(PortfolioInput{}, at(0, 10h + 1s));  // the orders did not fill: nothing open
  EXPECT_FALSE(governor_.check(trade, false));
}

// ---- skip counters and the views

TEST_F(RiskGovernorTest, RefusalsAreCountedPerReasonAndStrategy) {
  risk_.safe_mode_size_factor = 0.5;
  configure();
  governor_.check(entry("arb", "BTC-USDT", "OKX", 100), true);
  governor_.check(entry("arb", "BTC-USDT", "OKX", 100), true);
  governor_.check(entry("basis", "BTC-USDT", "OKX", 100), true);
  governor_.check(entry("basis", "BTC-USDT", "OKX", 100), false);           // passes: not counted
  governor_.check(closing(entry("basis", "BTC-USDT", "OKX", 100)), true);  // a close: not counted
  EXPECT_EQ(governor_.skips(RiskReason::safe_mode, "arb"), 2u);
  EXPECT_EQ(governor_.skips(RiskReason::safe_mode, "basis"), 1u);
  EXPECT_EQ(governor_.skips(RiskReason::max_total_notional, "arb"), 0u);
  const auto snapshot = governor_.risk_snapshot(nlohmann::json::object());
  EXPECT_EQ(snapshot["skips"], (nlohmann::json{{"safe_mode", 3}}));
  EXPECT_EQ(snapshot["skips_by_strategy"]["arb"]["safe_mode"], 2);
  EXPECT_EQ(snapshot["skips_by_strategy"]["basis"]["safe_mode"], 1);
}

TEST_F(RiskGovernorTest, TheRiskSnapshotHasTheDocumentedShape) {
  risk_.max_total_notional_usdt = 20000;
  risk_.max_open_positions = 1;
  risk_.stress_limit_usdt = 400;
  configure();
  evaluate(fixed_portfolio(), at(0, 10h));
  governor_.on_breakers({trip("spread_vol", TripAction::degrade, Severity::P1, {"arb"})}, at(0, 10h));
  const nlohmann::json skew = {{"BINANCE", 12}, {"OKX", -3}};
  const auto snapshot = governor_.risk_snapshot(skew);

  ASSERT_EQ(snapshot["caps"].size(), kCapCount);
  for (std::size_t i = 0; i < kCapCount; ++i) {
    const auto& row = snapshot["caps"][i];
    EXPECT_EQ(row["name"], std::string(to_string(kAllCaps[i])));
    for (const char* key : {"limit", "used", "headroom", "breached"}) EXPECT_TRUE(row.contains(key)) << key;
  }
  const auto& total = snapshot["caps"][0];
  EXPECT_EQ(total["limit"], 20000);
  EXPECT_EQ(total["used"], 13000);
  EXPECT_EQ(total["headroom"], 7000);
  EXPECT_EQ(total["breached"], false);
  const auto& positions = snapshot["caps"][1];
  EXPECT_EQ(positions["used"], 2);
  EXPECT_EQ(positions["headroom"], 0);
  EXPECT_EQ(positions["breached"], true);
  EXPECT_TRUE(snapshot["caps"][2]["headroom"].is_null());  // off: no headroom

  const auto& stress = snapshot["stress"];
  EXPECT_EQ(stress["equity"], 8950);
  EXPECT_EQ(stress["stress_tested_equity"], 8300);
  EXPECT_EQ(stress["limit"], 400);
  EXPECT_EQ(stress["shocks"].size(), 6u);
  EXPECT_EQ(stress["blocked"], (nlohmann::json::array({{{"symbol", "BTC-USDT"}}, {{"venue", "BINANCE"}}})));

  ASSERT_EQ(snapshot["breakers"].size(), 1u);
  const auto& breaker = snapshot["breakers"][0];
  EXPECT_EQ(breaker["rule"], "spread_vol");
  EXPECT_EQ(breaker["state"], "tripped");
  EXPECT_EQ(breaker["since"], "2026-12-07T10:00:00.000Z");
  EXPECT_EQ(breaker["reason"], "spread std 41 bps > 20");
  EXPECT_EQ(snapshot["clock_skew_ms"], skew);
  EXPECT_TRUE(snapshot["skips"].is_object());
}

TEST_F(RiskGovernorTest, StrategyStatusReadsRunningDegradedFrozenStopped) {
  strategies_[0].budget.daily_loss_usdt = 10;
  configure();
  governor_.on_realized("arb", -20, at(0, 10h));
  evaluate(PortfolioInput{}, at(0, 10h));
  governor_.on_breakers({trip("spread_vol", TripAction::degrade, Severity::P1, {"basis"})}, at(0, 10h));
  const std::vector<StrategyFacts> facts = {
      {"arb", true, false, ""}, {"basis", true, false, ""}, {"quoting", false, false, ""},
      {"scripted", true, true, "lua error"}, {"fresh", true, false, ""}};
  const auto status = governor_.strategy_status(facts)["strategies"];
  ASSERT_EQ(status.size(), 5u);
  EXPECT_EQ(status[0]["state"], "frozen");
  EXPECT_TRUE(contains(status[0]["reason"].get<std::string>(), "daily_loss_budget")) << status[0]["reason"];
  EXPECT_EQ(status[1]["state"], "degraded");
  EXPECT_TRUE(contains(status[1]["reason"].get<std::string>(), "spread_vol")) << status[1]["reason"];
  EXPECT_EQ(status[2]["state"], "stopped");
  EXPECT_EQ(status[3]["state"], "frozen");
  EXPECT_EQ(status[4]["state"], "running");
  EXPECT_TRUE(status[0]["budget"].is_object());
  EXPECT_TRUE(status[4]["budget"].is_null());
}

TEST_F(RiskGovernorTest, AutopilotBlockersNameTheirSource) {
  EXPECT_TRUE(governor_.autopilot_blockers().empty());
  risk_.max_open_positions = 1;
  risk_.stress_limit_usdt = 400;
  configure();
  evaluate(fixed_portfolio(), at(0, 10h));
  governor_.on_breakers({trip("spread_vol", TripAction::degrade, Severity::P1, {"arb"})}, at(0, 10h));
  const auto blockers = governor_.autopilot_blockers();
  auto has = [&](const std::string& prefix) {
    for (const auto& b : blockers) {
      if (b.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("blocked_by_risk: max_open_positions breached (2 > 1)"));
  EXPECT_TRUE(has("blocked_by_circuit_breaker: spread_vol"));
  EXPECT_TRUE(has("blocked_by_stress: stress loss 650 > 400"));
  EXPECT_EQ(blockers.size(), 3u);

  risk_.stress_hard_block_autopilot = false;
  configure();
  EXPECT_EQ(governor_.autopilot_blockers().size(), 2u);
}

TEST_F(RiskGovernorTest, TheDesksDrawdownIsFromTodaysPeakAndRestartsAtMidnight) {
  configure();
  governor_.on_realized("arb", 40, at(0, 10h));
  evaluate(PortfolioInput{}, at(0, 10h));
  EXPECT_EQ(governor_.desk_drawdown_usdt(), 0);
  governor_.on_realized("arb", -70, at(0, 11h));  // from +40 down to -30
  evaluate(PortfolioInput{}, at(0, 11h));
  EXPECT_DOUBLE_EQ(governor_.desk_drawdown_usdt(), 70);
  evaluate(PortfolioInput{}, at(1, 0ns));
  EXPECT_EQ(governor_.desk_drawdown_usdt(), 0);
  governor_.on_trade_result("basis", true);
  governor_.on_trade_result("basis", true);
  governor_.on_trade_result("arb", true);
  EXPECT_EQ(governor_.consecutive_failures(), 2);
}



TEST_F(RiskGovernorTest, AConfigThatChangesARaisedCapReplacesTheRaise) {
  risk_.max_total_notional_usdt = 1000;
  configure();
  ASSERT_TRUE(governor_.raise_limit(Cap::max_total_notional, 1500));
  configure();  // the same config again: the raise stands
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 1500);
  risk_.max_total_notional_usdt = 800;  // an operator tightens it by config
  configure();
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 800);
  risk_.max_total_notional_usdt = 1000;  // and back: the old raise does not return
  configure();
  EXPECT_EQ(governor_.cap_limit(Cap::max_total_notional), 1000);
}

}  // namespace
}  // namespace propbot::risk
