#include "scripting/policy_pipeline.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

const std::string kPolicies = std::string(PROPBOT_SOURCE_DIR) + "/policies";

RegimeFeatures calm() {
  return {.realised_vol_bps = 5, .spread_std_bps = 0.5, .depth_usdt = 1'000'000, .funding_rate = 0.0001,
          .basis_bps = 3, .trend_bps = 2};
}

// Copies the shipped policies into a temp dir so a test can replace one script.
class PolicyPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/propbot-policy-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    for (const char* f : {"regime.lua", "policy_matrix.lua", "sizing.lua", "circuit_breakers.lua"}) {
      fs::copy_file(kPolicies + "/" + f, fs::path(dir_) / f);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  void replace(const std::string& file, const std::string& source) {
    std::ofstream(fs::path(dir_) / file, std::ios::trunc) << source;
  }

  std::unique_ptr<PolicyPipeline> load(int max_faults = 3) {
    PolicyPipelineSpec spec;
    spec.directory = dir_;
    spec.caps = {.max_position_notional_usdt = 5'000, .max_total_notional_usdt = 20'000};
    spec.max_consecutive_faults = max_faults;
    SandboxLimits limits;
    limits.instruction_budget = 100'000;
    auto loaded = PolicyPipeline::load(spec, limits, clock_);
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().describe());
    return loaded.ok() ? std::move(*loaded) : nullptr;
  }

  SimClock clock_;
  std::string dir_;
};

// ---- regime ---------------------------------------------------------------------

TEST_F(PolicyPipelineTest, EveryRegimeIsReachableFromCraftedFeatures) {
  auto p = load();
  ASSERT_NE(p, nullptr);
  auto f = calm();
  auto v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::range);
  EXPECT_GT(v.confidence, 0.9);

  f = calm();
  f.trend_bps = -80;
  v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::trend);
  EXPECT_DOUBLE_EQ(v.confidence, 1.0);

  f = calm();
  f.realised_vol_bps = 70;
  v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::volatile_market);

  f = calm();
  f.basis_bps = 150;  // a basis dislocation alone reads as volatile, at lower confidence
  v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::volatile_market);
  EXPECT_NEAR(v.confidence, 0.75, 1e-9);

  f = calm();
  f.depth_usdt = 20'000;
  f.realised_vol_bps = 70;  // a shock wins the tie against volatility
  v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::liquidity_shock);

  f = calm();
  f.spread_std_bps = 10;
  v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::liquidity_shock);
  EXPECT_FALSE(v.fallback);
  EXPECT_EQ(p->stats().faults, 0u);
}

TEST_F(PolicyPipelineTest, ConfidenceFallsBetweenRegimes) {
  auto p = load();
  auto f = calm();
  f.trend_bps = 30;  // 3/7 of the way up the trend ramp: range still wins, less sure
  const auto v = p->classify(f);
  EXPECT_EQ(v.regime, Regime::range);
  EXPECT_NEAR(v.confidence, 1 - 15.0 / 35.0, 1e-9);
}

// ---- policy ---------------------------------------------------------------------

TEST_F(PolicyPipelineTest, PolicyRowPerRegimeAtFullConfidence) {
  auto p = load();
  const auto range = p->policy({Regime::range, 1.0, false});
  EXPECT_DOUBLE_EQ(range.min_edge_bps, 8);
  EXPECT_DOUBLE_EQ(range.max_impact_bps, 5);
  EXPECT_TRUE(range.allow_taker);
  EXPECT_FALSE(range.maker_only);
  EXPECT_EQ(range.time_guard_ms, 1500);
  const auto trend = p->policy({Regime::trend, 1.0, false});
  EXPECT_DOUBLE_EQ(trend.min_edge_bps, 12);
  EXPECT_TRUE(trend.allow_taker);
  const auto vol = p->policy({Regime::volatile_market, 1.0, false});
  EXPECT_DOUBLE_EQ(vol.min_edge_bps, 25);
  EXPECT_FALSE(vol.allow_taker);
  EXPECT_TRUE(vol.maker_only);
  const auto shock = p->policy({Regime::liquidity_shock, 1.0, false});
  EXPECT_DOUBLE_EQ(shock.min_edge_bps, 60);
  EXPECT_DOUBLE_EQ(shock.max_impact_bps, 1);
  EXPECT_EQ(shock.time_guard_ms, 250);
  EXPECT_FALSE(shock.fallback);
}

TEST_F(PolicyPipelineTest, PolicyGetsMoreConservativeAsConfidenceDrops) {
  auto p = load();
  const auto sure = p->policy({Regime::range, 1.0, false});
  const auto half = p->policy({Regime::range, 0.5, false});
  const auto none = p->policy({Regime::range, 0.0, false});
  EXPECT_LT(sure.min_edge_bps, half.min_edge_bps);
  EXPECT_LT(half.min_edge_bps, none.min_edge_bps);
  EXPECT_GT(sure.max_impact_bps, half.max_impact_bps);
  EXPECT_TRUE(sure.allow_taker);
  EXPECT_FALSE(half.allow_taker);  // below the taker confidence floor
  EXPECT_TRUE(half.maker_only);
  EXPECT_DOUBLE_EQ(none.min_edge_bps, 60);  // the most conservative row
}

// ---- sizing ---------------------------------------------------------------------

TEST_F(PolicyPipelineTest, SizingScalesWithRegimeAndRiskLevel) {
  auto p = load();
  const auto f = calm();
  const RegimeVerdict range{Regime::range, 1.0, false};
  SizingRequest r{.intent_notional_usdt = 1'000, .risk_level = 100, .vol_baseline_bps = 10};
  EXPECT_DOUBLE_EQ(p->size(r, range, f).notional_usdt, 1'000);
  r.risk_level = 50;
  EXPECT_DOUBLE_EQ(p->size(r, range, f).notional_usdt, 500);
  r.risk_level = 0;
  EXPECT_DOUBLE_EQ(p->size(r, range, f).notional_usdt, 0);
  r.risk_level = 100;
  EXPECT_DOUBLE_EQ(p->size(r, {Regime::trend, 1.0, false}, f).notional_usdt, 700);
  EXPECT_DOUBLE_EQ(p->size(r, {Regime::liquidity_shock, 1.0, false}, f).notional_usdt, 0);
  EXPECT_DOUBLE_EQ(p->size(r, {Regime::range, 0.0, false}, f).notional_usdt, 500);
}

TEST_F(PolicyPipelineTest, SizingDeRisksOnAVolatilitySpikeAndOnDrift) {
  auto p = load();
  const RegimeVerdict range{Regime::range, 1.0, false};
  const SizingRequest r{.intent_notional_usdt = 1'000, .risk_level = 100, .vol_baseline_bps = 10};
  auto f = calm();
  const double normal = p->size(r, range, f).notional_usdt;
  f.realised_vol_bps = 30;  // 3x the baseline: 2x the 1.5 spike ratio → a quarter
  const double spike = p->size(r, range, f).notional_usdt;
  EXPECT_DOUBLE_EQ(spike, normal / 4);
  f = calm();
  f.trend_bps = 90;
  EXPECT_DOUBLE_EQ(p->size(r, range, f).notional_usdt, normal / 2);
}

TEST_F(PolicyPipelineTest, ShippedSizingRespectsTheCapsItself) {
  auto p = load();
  const SizingRequest r{.intent_notional_usdt = 50'000, .risk_level = 100, .vol_baseline_bps = 10,
                        .position_notional_usdt = 1'000, .open_notional_usdt = 0};
  const auto s = p->size(r, {Regime::range, 1.0, false}, calm());
  EXPECT_DOUBLE_EQ(s.notional_usdt, 4'000);  // max position 5000 minus 1000 open
  EXPECT_FALSE(s.clamped);
  const SizingRequest full{.intent_notional_usdt = 1'000, .risk_level = 100, .open_notional_usdt = 20'000};
  EXPECT_DOUBLE_EQ(p->size(full, {Regime::range, 1.0, false}, calm()).notional_usdt, 0);
}

TEST_F(PolicyPipelineTest, HostClampsAScriptThatIgnoresTheCaps) {
  replace("sizing.lua", "return { size = function(intent, regime, risk, caps) return 1e12 end }\n");
  auto p = load();
  SizingRequest r{.intent_notional_usdt = 1'000, .risk_level = 100, .open_notional_usdt = 17'000};
  auto s = p->size(r, {Regime::range, 1.0, false}, calm());
  EXPECT_DOUBLE_EQ(s.notional_usdt, 3'000);  // total cap 20000 - 17000 open
  EXPECT_TRUE(s.clamped);
  r.open_notional_usdt = 0;
  s = p->size(r, {Regime::range, 1.0, false}, calm());
  EXPECT_DOUBLE_EQ(s.notional_usdt, 5'000);  // per-position cap
  EXPECT_EQ(p->stats().clamped_sizes, 2u);
  EXPECT_EQ(p->stats().faults, 0u);
}

TEST_F(PolicyPipelineTest, DecideRunsTheWholeChain) {
  auto p = load();
  auto f = calm();
  f.realised_vol_bps = 70;
  const auto d = p->decide(f, {.intent_notional_usdt = 1'000, .risk_level = 100, .vol_baseline_bps = 10});
  EXPECT_EQ(d.regime.regime, Regime::volatile_market);
  EXPECT_FALSE(d.policy.allow_taker);
  EXPECT_GT(d.size.notional_usdt, 0);
  EXPECT_LT(d.size.notional_usdt, 350 * 0.1);  // volatile multiplier, then a big spike cut
}

// ---- circuit breakers -----------------------------------------------------------

TEST_F(PolicyPipelineTest, QuietMetricsFireNoBreaker) {
  auto p = load();
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({.drawdown_usdt = 100, .reject_rate = 0.01, .cancel_fail_rate = 0, .hedge_latency_ms_p99 = 40,
                        .ws_gap_ms = 200, .consecutive_losses = 2},
                       out);
  EXPECT_TRUE(out.empty());
}

TEST_F(PolicyPipelineTest, EachBreakerFiresOnItsMetricAlone) {
  auto p = load();
  struct Case {
    BreakerMetrics metrics;
    const char* rule;
    BreakerAction action;
    Severity severity;
  };
  const Case cases[] = {
      {{.drawdown_usdt = 1'200}, "drawdown_hold", BreakerAction::hold, Severity::P0},
      {{.drawdown_usdt = 500}, "drawdown_degrade", BreakerAction::degrade, Severity::P1},
      {{.reject_rate = 0.3}, "reject_rate_high", BreakerAction::pause_strategy, Severity::P1},
      {{.cancel_fail_rate = 0.15}, "cancel_fail_rate_high", BreakerAction::degrade, Severity::P1},
      {{.hedge_latency_ms_p99 = 400}, "hedge_latency_slow", BreakerAction::degrade, Severity::P1},
      {{.ws_gap_ms = 9'000}, "ws_gap_long", BreakerAction::pause_strategy, Severity::P1},
      {{.consecutive_losses = 6}, "loss_streak", BreakerAction::pause_strategy, Severity::P1},
  };
  std::vector<BreakerVerdict> out;
  for (const auto& c : cases) {
    p->evaluate_breakers(c.metrics, out);
    ASSERT_EQ(out.size(), 1u) << c.rule;
    EXPECT_EQ(out[0].rule, c.rule);
    EXPECT_EQ(out[0].action, c.action) << c.rule;
    EXPECT_EQ(out[0].severity, c.severity) << c.rule;
    EXPECT_FALSE(out[0].reason.empty());
  }
  p->evaluate_breakers({.drawdown_usdt = 2'000, .reject_rate = 0.5, .ws_gap_ms = 10'000}, out);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(p->stats().faults, 0u);
}

BreakerMetrics quiet_route() {
  BreakerMetrics m;
  m.scope = BreakerScope::route;
  m.symbol = "BTC-USDT";
  m.venues = "BINANCE/OKX";
  // What a calm paper market reads (breaker_inputs_test's calm run stays below these).
  m.book_staleness_ms = 300;
  m.spread_std_bps = 15;
  m.volatility_bps = 30;
  m.ws_gap_ms_p95 = 150;
  m.mark_index_divergence_bps = 25;
  m.mark_last_divergence_bps = 3;
  m.funding_rate_abs_bps = 2;
  m.basis_bps = 25;
  return m;
}

TEST_F(PolicyPipelineTest, EachRouteRuleFiresOnItsMetricAloneTaggedWithTheRoute) {
  auto p = load();
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers(quiet_route(), out);
  EXPECT_TRUE(out.empty()) << out.front().rule;
  struct Case {
    double BreakerMetrics::*field;
    double value;
    const char* rule;
    BreakerAction action;
  };
  const Case cases[] = {
      {&BreakerMetrics::spread_std_bps, 40, "route_spread_std_high", BreakerAction::degrade},
      {&BreakerMetrics::volatility_bps, 100, "route_volatility_spike", BreakerAction::degrade},
      {&BreakerMetrics::ws_gap_ms_p95, 2'000, "route_ws_gap_p95_high", BreakerAction::degrade},
      {&BreakerMetrics::book_staleness_ms, 5'000, "route_book_stale", BreakerAction::pause_symbol},
      {&BreakerMetrics::crossed_books, 1, "route_crossed_book", BreakerAction::pause_symbol},
      {&BreakerMetrics::mark_index_divergence_bps, 150, "route_mark_index_divergence", BreakerAction::degrade},
      {&BreakerMetrics::mark_last_divergence_bps, 150, "route_mark_last_divergence", BreakerAction::degrade},
      {&BreakerMetrics::funding_rate_abs_bps, 30, "route_funding_extreme", BreakerAction::degrade},
      {&BreakerMetrics::basis_bps, 200, "route_basis_extreme", BreakerAction::degrade},
  };
  for (const auto& c : cases) {
    BreakerMetrics m = quiet_route();
    m.*c.field = c.value * 0.99;
    p->evaluate_breakers(m, out);
    EXPECT_TRUE(out.empty()) << c.rule << " fired just under its threshold";
    m.*c.field = c.value;
    p->evaluate_breakers(m, out);
    ASSERT_EQ(out.size(), 1u) << c.rule;
    EXPECT_EQ(out[0].rule, c.rule);
    EXPECT_EQ(out[0].action, c.action) << c.rule;
    EXPECT_EQ(out[0].severity, Severity::P1) << c.rule;
    EXPECT_EQ(out[0].scope, BreakerScope::route) << c.rule;
    EXPECT_EQ(out[0].symbol, "BTC-USDT") << c.rule;
    EXPECT_EQ(out[0].venues, "BINANCE/OKX") << c.rule;
    EXPECT_NE(out[0].reason.find("BTC-USDT BINANCE/OKX"), std::string::npos) << out[0].reason;
    // A route rule never fires on the global scope's numbers.
    BreakerMetrics global;
    global.*c.field = c.value;
    p->evaluate_breakers(global, out);
    EXPECT_TRUE(out.empty()) << c.rule << " fired on the global scope";
  }
  EXPECT_EQ(p->stats().faults, 0u);
}

TEST_F(PolicyPipelineTest, GlobalRulesIgnoreRoutesAndADepegHoldsTheDesk) {
  auto p = load();
  std::vector<BreakerVerdict> out;
  BreakerMetrics route = quiet_route();
  route.drawdown_usdt = 2'000;
  route.reject_rate = 0.5;
  route.ws_gap_ms = 10'000;
  route.depeg_bps = 500;
  p->evaluate_breakers(route, out);
  EXPECT_TRUE(out.empty()) << out.front().rule;
  p->evaluate_breakers({.depeg_bps = 99}, out);
  EXPECT_TRUE(out.empty());
  p->evaluate_breakers({.depeg_bps = 100}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "stablecoin_depeg");
  EXPECT_EQ(out[0].action, BreakerAction::hold);
  EXPECT_EQ(out[0].severity, Severity::P0);
  EXPECT_EQ(out[0].scope, BreakerScope::global);
}

TEST_F(PolicyPipelineTest, TheScriptSeesEveryFieldOfTheSnapshot) {
  replace("circuit_breakers.lua",
          "return { evaluate = function(m)\n"
          "  local n = 0\n"
          "  for _, k in ipairs({'drawdown_usdt', 'reject_rate', 'cancel_fail_rate', 'hedge_latency_ms_p95',\n"
          "      'hedge_latency_ms_p99', 'ws_gap_ms', 'consecutive_losses', 'loss_today_usdt', 'book_staleness_ms',\n"
          "      'spread_std_bps', 'volatility_bps', 'ws_gap_ms_p95', 'crossed_books', 'mark_index_divergence_bps',\n"
          "      'mark_last_divergence_bps', 'funding_rate_abs_bps', 'basis_bps', 'depeg_bps'}) do n = n + m[k] end\n"
          "  return {{rule = m.scope .. '|' .. m.symbol .. '|' .. m.venues, action = 'degrade', severity = 'P2',\n"
          "           reason = tostring(n)}} end }\n");
  auto p = load();
  BreakerMetrics m;
  m.scope = BreakerScope::route;
  m.symbol = "ETH-USDT";
  m.venues = "A/B";
  double expected = 0, next = 1;
  for (double* field : {&m.drawdown_usdt, &m.reject_rate, &m.cancel_fail_rate, &m.hedge_latency_ms_p95,
                        &m.hedge_latency_ms_p99, &m.ws_gap_ms, &m.consecutive_losses, &m.loss_today_usdt,
                        &m.book_staleness_ms, &m.spread_std_bps, &m.volatility_bps, &m.ws_gap_ms_p95,
                        &m.crossed_books, &m.mark_index_divergence_bps, &m.mark_last_divergence_bps,
                        &m.funding_rate_abs_bps, &m.basis_bps, &m.depeg_bps}) {
    *field = next;  // 1, 2, 4, …: the sum proves each field arrived once
    expected += next;
    next *= 2;
  }
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers(m, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "route|ETH-USDT|A/B");
  EXPECT_EQ(out[0].reason, std::to_string(static_cast<long long>(expected)));
  // A non-finite value in any new field is caught like the old ones.
  m.basis_bps = std::nan("");
  p->evaluate_breakers(m, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].rule, "breaker_metrics_invalid");
  EXPECT_EQ(out[0].scope, BreakerScope::route);
  EXPECT_EQ(out[0].symbol, "ETH-USDT");
}

TEST_F(PolicyPipelineTest, ARuleThatRaisesStillReportsAndTheOthersRun) {
  std::ifstream in(kPolicies + "/circuit_breakers.lua");
  std::stringstream src;
  src << in.rdbuf();
  std::string s = src.str();
  const std::string marker = "M.rules = {\n";
  s.replace(s.find(marker), marker.size(),
            marker + "  {name = \"broken\", action = \"hold\", severity = \"P0\", when = function(m) return m.nope.x end},\n");
  replace("circuit_breakers.lua", s);
  auto p = load();
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({.reject_rate = 0.3}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule, "broken");
  EXPECT_EQ(out[0].action, BreakerAction::degrade);
  EXPECT_NE(out[0].reason.find("circuit_breakers.lua"), std::string::npos) << out[0].reason;
  EXPECT_EQ(out[1].rule, "reject_rate_high");
}

TEST_F(PolicyPipelineTest, AMalformedVerdictIsKeptAsHold) {
  replace("circuit_breakers.lua",
          "return { evaluate = function(m) return {\n"
          "  {rule = 'typo', action = 'pasue', severity = 'P2', reason = 'x'},\n"
          "  {rule = 'fine', action = 'degrade', severity = 'P2', reason = 'y'} } end }\n");
  auto p = load();
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule, "typo");
  EXPECT_EQ(out[0].action, BreakerAction::hold);
  EXPECT_EQ(out[1].action, BreakerAction::degrade);
  EXPECT_EQ(out[1].severity, Severity::P2);
  EXPECT_EQ(p->stats().invalid_outputs, 1u);
  ASSERT_TRUE(p->stats().last_fault.has_value());
  EXPECT_EQ(p->stats().last_fault->file, "policies/circuit_breakers.lua");
}

TEST_F(PolicyPipelineTest, AFailingBreakerScriptYieldsAFaultVerdict) {
  replace("circuit_breakers.lua", "return { evaluate = function(m)\n  error('boom')\nend }\n");
  auto p = load();
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "policy_script_fault");
  EXPECT_NE(out[0].reason.find("policies/circuit_breakers.lua:2"), std::string::npos) << out[0].reason;
  EXPECT_EQ(p->stats().faults, 1u);
}

// ---- faults and fallbacks -------------------------------------------------------

TEST_F(PolicyPipelineTest, ARegimeScriptErrorFallsBackWithFileAndLine) {
  replace("regime.lua", "local M = {}\nfunction M.classify(f)\n  return f.nope.x\nend\nreturn M\n");
  auto p = load();
  const auto v = p->classify(calm());
  EXPECT_TRUE(v.fallback);
  EXPECT_EQ(v.regime, Regime::volatile_market);
  EXPECT_DOUBLE_EQ(v.confidence, 0);
  ASSERT_TRUE(p->stats().last_fault.has_value());
  EXPECT_EQ(p->stats().last_fault->where(), "policies/regime.lua:3");
  EXPECT_EQ(p->stats().faults, 1u);
}

TEST_F(PolicyPipelineTest, GarbageFromClassifyIsRefused) {
  const char* bodies[] = {
      "return {regime = 'sideways', confidence = 0.5}",
      "return {regime = 'range', confidence = 1.5}",
      "return {regime = 'range', confidence = -0.1}",
      "return {regime = 'range', confidence = 0/0}",
      "return {regime = 'range'}",
      "return 'range'",
      "return nil",
  };
  int n = 0;
  for (const char* body : bodies) {
    replace("regime.lua", std::string("local M = {}\nfunction M.classify(f)\n  ") + body + "\nend\nreturn M\n");
    auto p = load();
    const auto v = p->classify(calm());
    EXPECT_TRUE(v.fallback) << body;
    EXPECT_EQ(v.regime, Regime::volatile_market) << body;
    EXPECT_DOUBLE_EQ(v.confidence, 0) << body;
    EXPECT_EQ(p->stats().invalid_outputs, 1u) << body;
    ASSERT_TRUE(p->stats().last_fault.has_value());
    EXPECT_EQ(p->stats().last_fault->where(), "policies/regime.lua:2") << body;  // where classify is defined
    ++n;
  }
  EXPECT_EQ(n, 7);
}

TEST_F(PolicyPipelineTest, GarbageFromPolicyGivesTheMostConservativeRow) {
  const char* rows[] = {
      "{min_edge_bps = -1, max_impact_bps = 1, allow_taker = false, maker_only = true, time_guard_ms = 100}",
      "{min_edge_bps = 1, max_impact_bps = 1, allow_taker = true, maker_only = true, time_guard_ms = 100}",
      "{min_edge_bps = 1, max_impact_bps = 1, allow_taker = 'yes', maker_only = false, time_guard_ms = 100}",
      "{min_edge_bps = 1, max_impact_bps = 1/0, allow_taker = false, maker_only = true, time_guard_ms = 100}",
      "{min_edge_bps = 1, max_impact_bps = 1, allow_taker = false, maker_only = true}",
  };
  for (const char* row : rows) {
    replace("policy_matrix.lua", std::string("return { policy = function(r, c) return ") + row + " end }\n");
    auto p = load();
    const auto got = p->policy({Regime::range, 1.0, false});
    EXPECT_TRUE(got.fallback) << row;
    EXPECT_DOUBLE_EQ(got.min_edge_bps, 100) << row;
    EXPECT_FALSE(got.allow_taker) << row;
    EXPECT_TRUE(got.maker_only) << row;
    EXPECT_EQ(p->stats().invalid_outputs, 1u) << row;
  }
}

TEST_F(PolicyPipelineTest, GarbageFromSizingGivesZero) {
  for (const char* value : {"-5", "0/0", "'lots'", "nil"}) {
    replace("sizing.lua", std::string("return { size = function() return ") + value + " end }\n");
    auto p = load();
    const auto s = p->size({.intent_notional_usdt = 1'000, .risk_level = 100}, {Regime::range, 1.0, false}, calm());
    EXPECT_TRUE(s.fallback) << value;
    EXPECT_DOUBLE_EQ(s.notional_usdt, 0) << value;
    EXPECT_EQ(p->stats().faults, 1u) << value;
  }
}

TEST_F(PolicyPipelineTest, ALoopingScriptIsStoppedAndTheHostKeepsWorking) {
  replace("regime.lua",
          "local M = {}\nfunction M.classify(f)\n  if f.depth_usdt < 0 then while true do end end\n"
          "  return {regime = 'range', confidence = 1}\nend\nreturn M\n");
  auto p = load();
  auto f = calm();
  f.depth_usdt = -1;
  const auto v = p->classify(f);
  EXPECT_TRUE(v.fallback);
  ASSERT_TRUE(p->stats().last_fault.has_value());
  EXPECT_TRUE(p->stats().last_fault->budget_exceeded);
  const auto ok = p->classify(calm());
  EXPECT_FALSE(ok.fallback);
  EXPECT_EQ(ok.regime, Regime::range);
  EXPECT_EQ(p->stats().consecutive_faults, 0u);
  // The other scripts in the same state are unaffected.
  EXPECT_FALSE(p->policy(ok).fallback);
}

TEST_F(PolicyPipelineTest, ConsecutiveFaultsDegradeThePipelineUntilReset) {
  replace("regime.lua", "return { classify = function(f) if f.depth_usdt < 0 then error('bad') end "
                        "return {regime = 'trend', confidence = 1} end }\n");
  auto p = load(3);
  auto bad = calm();
  bad.depth_usdt = -1;
  for (int i = 0; i < 2; ++i) {
    // A healthy policy/sizing call between the faults does not clear the regime
    // script's run of faults.
    (void)p->decide(bad, {.intent_notional_usdt = 100, .risk_level = 100});
    EXPECT_FALSE(p->degraded());
  }
  (void)p->classify(bad);
  EXPECT_TRUE(p->degraded());
  const auto calls = p->stats().calls;
  const auto d = p->decide(calm(), {.intent_notional_usdt = 100, .risk_level = 100});
  EXPECT_TRUE(d.regime.fallback);
  EXPECT_TRUE(d.policy.fallback);
  EXPECT_TRUE(d.size.fallback);
  EXPECT_DOUBLE_EQ(d.size.notional_usdt, 0);
  EXPECT_EQ(p->stats().calls, calls);  // degraded: no script was called
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "policy_pipeline_degraded");
  p->reset();
  EXPECT_FALSE(p->degraded());
  EXPECT_EQ(p->classify(calm()).regime, Regime::trend);
}

TEST_F(PolicyPipelineTest, NonFiniteInputsAreRefusedWithoutBlamingTheScripts) {
  auto p = load(1);
  auto f = calm();
  f.realised_vol_bps = std::nan("");
  const auto d = p->decide(f, {.intent_notional_usdt = 100, .risk_level = 100});
  EXPECT_TRUE(d.regime.fallback);
  EXPECT_TRUE(d.size.fallback);  // an unknown market is not sized
  EXPECT_DOUBLE_EQ(d.size.notional_usdt, 0);
  const auto s = p->size({.intent_notional_usdt = INFINITY, .risk_level = 100}, {Regime::range, 1.0, false}, calm());
  EXPECT_TRUE(s.fallback);
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({.drawdown_usdt = std::nan(""), .reject_rate = 0.5}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule, "breaker_metrics_invalid");
  EXPECT_EQ(out[1].rule, "reject_rate_high");
  EXPECT_EQ(p->stats().invalid_inputs, 3u);
  EXPECT_EQ(p->stats().faults, 0u);
  EXPECT_FALSE(p->degraded());
}

TEST_F(PolicyPipelineTest, HostileMetatablesCannotRaiseOutsideTheSandbox) {
  // A result whose __index raises, and an argument table the script booby-traps for
  // the host's next write: both would abort the process if the host used lua_getfield /
  // lua_setfield outside lua_pcall.
  replace("regime.lua",
          "return { classify = function(f)\n"
          "  f.depth_usdt = nil\n"
          "  setmetatable(f, {__newindex = function() error('trap') end, __index = function() error('trap') end})\n"
          "  return setmetatable({}, {__index = function() error('trap') end}) end }\n");
  auto p = load();
  EXPECT_TRUE(p->classify(calm()).fallback);
  EXPECT_TRUE(p->classify(calm()).fallback);
  EXPECT_EQ(p->stats().invalid_outputs, 2u);
}

TEST_F(PolicyPipelineTest, PolicyScriptsAreSandboxed) {
  replace("regime.lua", "local M = {}\nfunction M.classify(f)\n  io.open('/etc/passwd')\nend\nreturn M\n");
  auto p = load();
  EXPECT_TRUE(p->classify(calm()).fallback);
  EXPECT_EQ(p->stats().last_fault->where(), "policies/regime.lua:3");
}

TEST_F(PolicyPipelineTest, LoadErrorsNameTheScript) {
  PolicyPipelineSpec spec;
  spec.directory = dir_;
  replace("sizing.lua", "return { sise = function() return 0 end }\n");
  auto missing = PolicyPipeline::load(spec, {}, clock_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("policies/sizing.lua"), std::string::npos);
  EXPECT_NE(missing.error().message.find("'size'"), std::string::npos);
  replace("sizing.lua", "return {\n  size = function( end }\n");
  auto syntax = PolicyPipeline::load(spec, {}, clock_);
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message.find("policies/sizing.lua:2"), std::string::npos) << syntax.error().message;
  fs::remove(fs::path(dir_) / "sizing.lua");
  auto absent = PolicyPipeline::load(spec, {}, clock_);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code, Errc::not_found);
}

TEST_F(PolicyPipelineTest, ArgumentTablesAreReusedBetweenCalls) {
  // The script sees the same features and metrics tables on every call, with fresh
  // values: no table is built per call on the hot path.
  replace("regime.lua",
          "local last\nreturn { classify = function(f)\n"
          "  local same = (f == last)\n  last = f\n"
          "  return {regime = same and 'trend' or 'range', confidence = f.trend_bps / 100} end }\n");
  replace("circuit_breakers.lua",
          "local last\nreturn { evaluate = function(m)\n"
          "  local same = (m == last)\n  last = m\n"
          "  return {{rule = tostring(same), action = 'degrade', severity = 'P2', reason = tostring(m.ws_gap_ms)}} end }\n");
  auto p = load();
  auto f = calm();
  f.trend_bps = 10;
  EXPECT_EQ(p->classify(f).regime, Regime::range);
  f.trend_bps = 20;
  const auto second = p->classify(f);
  EXPECT_EQ(second.regime, Regime::trend);
  EXPECT_DOUBLE_EQ(second.confidence, 0.2);
  std::vector<BreakerVerdict> out;
  p->evaluate_breakers({.ws_gap_ms = 1}, out);
  p->evaluate_breakers({.ws_gap_ms = 2}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "true");
  EXPECT_EQ(out[0].reason, "2");
}

// ---- Lua-side unit tests: the scripts asserted from Lua ---------------------------

class PolicyLuaSideTest : public ::testing::Test {
 protected:
  // Loads policies/<file> in a fresh sandbox as the global `M`, then runs `test`.
  void run_lua(const std::string& file, const std::string& test) {
    LuaSandbox sandbox({}, clock_);
    std::ifstream in(kPolicies + "/" + file);
    std::stringstream src;
    src << in.rdbuf();
    ScriptFault fault;
    ASSERT_TRUE(sandbox.load_module(src.str(), "policies/" + file, &fault).ok()) << fault.message;
    lua_setfield(sandbox.state(), LUA_GLOBALSINDEX, "M");
    const bool ok = sandbox.load_module(test, "lua_test/" + file, &fault).ok();
    EXPECT_TRUE(ok) << fault.message;
  }
  SimClock clock_;
};

TEST_F(PolicyLuaSideTest, RegimeScriptAssertions) {
  ASSERT_NO_FATAL_FAILURE(run_lua("regime.lua", R"(
    local base = {realised_vol_bps = 5, spread_std_bps = 0.5, depth_usdt = 1e6,
                  funding_rate = 0, basis_bps = 0, trend_bps = 0}
    local function with(k, v) local f = {} for a, b in pairs(base) do f[a] = b end f[k] = v return f end
    assert(M.classify(base).regime == "range")
    assert(M.classify(with("trend_bps", 60)).regime == "trend")
    assert(M.classify(with("funding_rate", -0.01)).regime == "volatile")
    assert(M.classify(with("depth_usdt", 1)).regime == "liquidity_shock")
    for vol = 0, 200, 5 do
      local v = M.classify(with("realised_vol_bps", vol))
      assert(v.confidence >= 0 and v.confidence <= 1, "confidence out of range at vol " .. vol)
    end
  )"));
}

TEST_F(PolicyLuaSideTest, PolicyMatrixIsMonotoneInConfidence) {
  ASSERT_NO_FATAL_FAILURE(run_lua("policy_matrix.lua", R"(
    for _, regime in ipairs({"range", "trend", "volatile", "liquidity_shock"}) do
      local last_edge = -1
      for c = 1, 0, -0.1 do
        local row = M.policy(regime, c)
        assert(row.min_edge_bps >= last_edge, regime .. ": edge fell as confidence dropped")
        assert(not (row.maker_only and row.allow_taker), regime .. ": maker_only with taker")
        assert(row.time_guard_ms > 0)
        last_edge = row.min_edge_bps
      end
    end
    assert(not pcall(M.policy, "sideways", 1), "an unknown regime must raise")
  )"));
}

TEST_F(PolicyLuaSideTest, SizingNeverExceedsHeadroom) {
  ASSERT_NO_FATAL_FAILURE(run_lua("sizing.lua", R"(
    for _, regime in ipairs({"range", "trend", "volatile", "liquidity_shock"}) do
      for risk = 0, 100, 10 do
        for _, headroom in ipairs({0, 10, 1e6}) do
          local s = M.size({notional_usdt = 5000},
                           {regime = regime, confidence = 0.7, realised_vol_bps = 15,
                            vol_baseline_bps = 10, trend_bps = 0},
                           risk, {headroom_usdt = headroom})
          assert(s >= 0 and s <= headroom, "size " .. s .. " outside [0, " .. headroom .. "]")
        end
      end
    end
  )"));
}

}  // namespace
}  // namespace propbot::scripting
