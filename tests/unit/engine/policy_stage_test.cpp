// PolicyStage: the engine's regime → policy → sizing step on the shipped policies —
// no verdict before features exist, the entry threshold from the policy matrix, the
// size clamped to the C++ caps whatever the scripts say, safe_mode halving the risk
// level, and the caps alone when the bundle has no policies.
#include "core/engine/policy_stage.hpp"

#include <gtest/gtest.h>

namespace propbot::engine {
namespace {

md::OrderBook calm_book(const std::string& venue, double mid, MonoTime at, std::uint64_t sequence) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = "BTC-USDT";
  spec.tick_size = 0.1;
  spec.lot_size = 0.001;
  md::OrderBook book(spec);
  const auto bid = static_cast<std::int64_t>(mid * 10) - 1;
  std::vector<md::BookLevel> bids, asks;
  for (int i = 0; i < 10; ++i) {
    bids.push_back({bid - i, 5'000});  // 5 BTC a level: a deep book
    asks.push_back({bid + 2 + i, 5'000});
  }
  book.apply_snapshot(bids, asks, sequence, at);
  return book;
}

Intent pair(double net_spread_bps, double notional) {
  Intent intent;
  intent.strategy = "arb";
  intent.symbol = "BTC-USDT";
  intent.long_venue = "A";
  intent.short_venue = "B";
  intent.notional_usdt = *intent_decimal(notional);
  intent.net_spread_bps = net_spread_bps;
  return intent;
}

class PolicyStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bundle = bundle::read_bundle(PROPBOT_SOURCE_DIR);
    ASSERT_TRUE(bundle.ok()) << bundle.error().describe();
    bundle_ = *bundle;
    config_.risk.max_notional_per_position_usdt = 5'000;
    config_.risk.max_total_notional_usdt = 50'000;
    config_.scripting.risk_level = 100;
    auto loaded = PolicyStage::build(config_, &bundle_, clock_);
    ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
    ASSERT_NE(loaded->pipeline, nullptr);
    stage_.install(std::move(*loaded));
  }
  // A quiet market on both venues for `seconds`.
  void feed_calm(int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      clock_.advance(std::chrono::milliseconds(100));
      const double wiggle = (i % 2 == 0) ? 0.0 : 0.1;
      stage_.on_book(calm_book("A", 60'000 + wiggle, clock_.now(), i + 1), clock_.now());
      stage_.on_book(calm_book("B", 60'000.5 + wiggle, clock_.now(), i + 1), clock_.now());
    }
  }

  SimClock clock_;
  bundle::Bundle bundle_;
  config::Config config_;
  PolicyStage stage_;
};

TEST_F(PolicyStageTest, NoVerdictBeforeBothLegsHaveFeatures) {
  EXPECT_EQ(stage_.assess(pair(50, 1'000), config_, false, clock_.now()).verdict, PolicyVerdict::warming_up);
  stage_.on_book(calm_book("A", 60'000, clock_.now(), 1), clock_.now());
  EXPECT_EQ(stage_.assess(pair(50, 1'000), config_, false, clock_.now()).verdict, PolicyVerdict::warming_up)
      << "the short leg has no features yet";
}

TEST_F(PolicyStageTest, TheMatrixSetsTheEntryThresholdAndSizingIsClampedToTheCaps) {
  feed_calm(10);
  const PolicyOutcome wide = stage_.assess(pair(80, 1'000), config_, false, clock_.now());
  EXPECT_EQ(wide.verdict, PolicyVerdict::ok) << wide.regime;
  EXPECT_EQ(wide.regime, "range");
  EXPECT_GT(wide.min_edge_bps, 0);
  EXPECT_GT(wide.sized_notional_usdt, 0);
  EXPECT_LE(wide.sized_notional_usdt, 1'000);

  const PolicyOutcome thin = stage_.assess(pair(wide.min_edge_bps - 1, 1'000), config_, false, clock_.now());
  EXPECT_EQ(thin.verdict, PolicyVerdict::below_min_edge);

  const PolicyOutcome huge = stage_.assess(pair(80, 1'000'000), config_, false, clock_.now());
  EXPECT_GT(huge.sized_notional_usdt, 0);
  EXPECT_LE(huge.sized_notional_usdt, 5'000) << "never above risk.max_notional_per_position_usdt";

  const PolicyOutcome safe = stage_.assess(pair(80, 1'000), config_, true, clock_.now());
  EXPECT_LT(safe.sized_notional_usdt, wide.sized_notional_usdt) << "safe_mode halves the risk level";
}

TEST_F(PolicyStageTest, WithoutPoliciesTheCapsAloneSizeTheIntent) {
  PolicyStage bare;
  auto files = bundle_.files();
  std::erase_if(files, [](const auto& item) { return item.first.rfind("policies/", 0) == 0; });
  auto no_policies = bundle::Bundle::from_files(files);
  ASSERT_TRUE(no_policies.ok());
  auto loaded = PolicyStage::build(config_, &*no_policies, clock_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->pipeline, nullptr);
  bare.install(std::move(*loaded));
  const PolicyOutcome outcome = bare.assess(pair(1, 9'000), config_, false, clock_.now());
  EXPECT_EQ(outcome.verdict, PolicyVerdict::no_policies);
  EXPECT_EQ(outcome.sized_notional_usdt, 5'000);
  EXPECT_TRUE(outcome.clamped);

  // A bundle with only some of the four scripts is refused, naming the missing one.
  files.emplace("policies/regime.lua", *bundle_.find("policies/regime.lua"));
  auto partial = bundle::Bundle::from_files(files);
  ASSERT_TRUE(partial.ok());
  auto refused = PolicyStage::build(config_, &*partial, clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("policies/policy_matrix.lua"), std::string::npos) << refused.error().message;
}

TEST_F(PolicyStageTest, BreakersDoNotFireOnAHealthyDeskAndFireOnAStaleFeed) {
  stage_.evaluate_breakers({scripting::BreakerMetrics{}});
  EXPECT_TRUE(stage_.breaker_verdicts().empty());
  scripting::BreakerMetrics stale;
  stale.ws_gap_ms = 120'000;
  stage_.evaluate_breakers({stale});
  EXPECT_FALSE(stage_.breaker_verdicts().empty()) << "a two-minute feed gap must trip a rule";
}

TEST_F(PolicyStageTest, BreakersRunOncePerScopeAndTagEachVerdictWithItsRoute) {
  scripting::BreakerMetrics global;  // quiet desk
  scripting::BreakerMetrics calm_route;
  calm_route.scope = scripting::BreakerScope::route;
  calm_route.symbol = "ETH-USDT";
  calm_route.venues = "BINANCE/OKX";
  scripting::BreakerMetrics crossed = calm_route;
  crossed.symbol = "BTC-USDT";
  crossed.crossed_books = 1;
  crossed.drawdown_usdt = 5'000;  // a desk figure on a route: the global rules ignore it
  stage_.evaluate_breakers({global, calm_route, crossed});
  ASSERT_EQ(stage_.breaker_verdicts().size(), 1u);
  const scripting::BreakerVerdict& verdict = stage_.breaker_verdicts()[0];
  EXPECT_EQ(verdict.rule, "route_crossed_book");
  EXPECT_EQ(verdict.action, scripting::BreakerAction::pause_symbol);
  EXPECT_EQ(verdict.severity, Severity::P1);
  EXPECT_EQ(verdict.scope, scripting::BreakerScope::route);
  EXPECT_EQ(verdict.symbol, "BTC-USDT");
  EXPECT_EQ(verdict.venues, "BINANCE/OKX");
  EXPECT_NE(verdict.reason.find("BTC-USDT BINANCE/OKX"), std::string::npos) << verdict.reason;

  // Both scopes firing: the verdicts come in the snapshots' order.
  global.drawdown_usdt = 1'500;
  stage_.evaluate_breakers({global, calm_route, crossed});
  ASSERT_EQ(stage_.breaker_verdicts().size(), 2u);
  EXPECT_EQ(stage_.breaker_verdicts()[0].rule, "drawdown_hold");
  EXPECT_EQ(stage_.breaker_verdicts()[0].scope, scripting::BreakerScope::global);
  EXPECT_TRUE(stage_.breaker_verdicts()[0].symbol.empty());
  EXPECT_EQ(stage_.breaker_verdicts()[1].rule, "route_crossed_book");
}

}  // namespace
}  // namespace propbot::engine
