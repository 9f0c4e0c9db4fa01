// hot_config: which keys a hot reload may not change, and which changes loosen limits.
#include "core/engine/hot_config.hpp"

#include <gtest/gtest.h>

namespace propbot::engine {
namespace {

config::Config base() {
  config::Config c;
  c.api.port = 8000;
  c.symbols = {"BTC-USDT"};
  c.venues = {{"BINANCE", "binance"}, {"OKX", "okx"}};
  c.risk.max_total_notional_usdt = 50'000;
  c.risk.max_notional_per_position_usdt = 5'000;
  c.risk.daily_loss_cap_usdt = 1'000;
  c.risk.max_orders_per_min = 300;
  c.scripting.risk_level = 50;
  return c;
}

std::vector<std::string> keys(const std::vector<ConfigChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.key);
  return out;
}

// The merge the swap installs and the restart-only check agree: every hot key is taken
// over by with_hot_part() and never reported; a restart-only key keeps its running value
// and is reported. A key in one list only would show up here.
TEST(HotConfigTest, TheSwapsMergeAndTheRestartCheckAgreeKeyByKey) {
  const config::Config running = base();
  config::Config next = running;
  next.strategies.push_back({"x", "strategies/x.lua", true, {{"k", 1}}});
  next.risk.max_total_notional_usdt = 10'000;
  next.risk.max_open_positions = 3;
  next.risk.clock_skew_hold_ms = 250;
  next.scripting.instruction_budget = 5'000;
  next.scripting.memory_limit_mb = 32;
  next.scripting.max_consecutive_errors = 9;
  next.scripting.max_faults_per_window = 7;
  next.scripting.fault_window_s = 30;
  next.scripting.risk_level = 20;
  next.engine.opportunity_ttl_ms = 900;
  next.venues[0].maker_fee_bps = 1.5;
  next.venues[1].taker_fee_bps = 6.5;
  EXPECT_TRUE(restart_only_changes(running, next).empty());
  const config::Config merged = with_hot_part(running, next);
  EXPECT_EQ(merged.strategies.size(), 1u);
  EXPECT_EQ(merged.risk.max_total_notional_usdt, 10'000);
  EXPECT_EQ(merged.risk.max_open_positions, 3);
  EXPECT_EQ(merged.risk.clock_skew_hold_ms, 250);
  EXPECT_EQ(merged.scripting.instruction_budget, 5'000);
  EXPECT_EQ(merged.scripting.memory_limit_mb, 32);
  EXPECT_EQ(merged.scripting.max_consecutive_errors, 9);
  EXPECT_EQ(merged.scripting.max_faults_per_window, 7);
  EXPECT_EQ(merged.scripting.fault_window_s, 30);
  EXPECT_EQ(merged.scripting.risk_level, 20);
  EXPECT_EQ(merged.engine.opportunity_ttl_ms, 900);
  EXPECT_EQ(merged.venues[0].maker_fee_bps, 1.5);
  EXPECT_EQ(merged.venues[1].taker_fee_bps, 6.5);
  EXPECT_EQ(keys(hot_differences(running, next)),
            (std::vector<std::string>{"risk.max_total_notional_usdt", "risk.max_open_positions",
                                      "risk.clock_skew_hold_ms", "scripting.instruction_budget",
                                      "scripting.memory_limit_mb", "scripting.max_consecutive_errors",
                                      "scripting.max_faults_per_window", "scripting.fault_window_s",
                                      "scripting.risk_level", "engine.opportunity_ttl_ms"}));

  config::Config restart = running;
  restart.api.port = 8001;
  restart.engine.snapshot_interval_ms = 50;
  restart.sim.tick_ms = 7;
  restart.market_history.interval_s = 60;
  const config::Config kept = with_hot_part(running, restart);
  EXPECT_EQ(kept.api.port, 8000) << "a restart-only key is never swapped in";
  EXPECT_EQ(kept.engine.snapshot_interval_ms, running.engine.snapshot_interval_ms);
  EXPECT_EQ(kept.sim.tick_ms, running.sim.tick_ms);
  EXPECT_EQ(keys(restart_only_changes(running, restart)),
            (std::vector<std::string>{"api.port", "sim.tick_ms", "engine.snapshot_interval_ms",
                                      "market_history.interval_s"}));
  EXPECT_EQ(kept.market_history.interval_s, running.market_history.interval_s);
}

TEST(HotConfigTest, StrategiesRiskAndScriptingAreHotEverythingElseNeedsARestart) {
  const config::Config running = base();
  config::Config next = running;
  next.strategies.push_back({"x", "strategies/x.lua", true, {{"k", 1}}});
  next.risk.max_total_notional_usdt = 10'000;
  next.scripting.instruction_budget = 5'000;
  next.engine.opportunity_ttl_ms = 900;
  EXPECT_TRUE(restart_only_changes(running, next).empty());

  next.api.port = 8001;
  next.venues[1].kind = "sim";
  next.sim.seed = 7;
  next.safe_mode = false;
  const auto changes = restart_only_changes(running, next);
  EXPECT_EQ(keys(changes), (std::vector<std::string>{"api.port", "venues", "sim.seed", "safe_mode"}));
  EXPECT_EQ(changes[0].before, "8000");
  EXPECT_EQ(changes[0].after, "8001");
  EXPECT_EQ(changes[1].after, "[BINANCE:binance, OKX:sim]");
}

TEST(HotConfigTest, WhereAVenueConnectsNeedsARestart) {
  const config::Config running = base();
  for (auto change : {+[](config::VenueConfig& v) { v.rest_url = "https://www.okx.com"; },
                      +[](config::VenueConfig& v) { v.ws_url = "wss://ws.okx.com:8443/ws/v5/public"; },
                      +[](config::VenueConfig& v) { v.ws_private_url = "wss://ws.okx.com:8443/ws/v5/private"; },
                      +[](config::VenueConfig& v) { v.demo = true; }}) {
    config::Config next = running;
    change(next.venues[1]);
    EXPECT_EQ(keys(restart_only_changes(running, next)), (std::vector<std::string>{"venues"}));
    EXPECT_EQ(with_hot_part(running, next).venues[1].rest_url, running.venues[1].rest_url);
  }
  config::Config next = running;
  next.venues[1].rest_url = "https://www.okx.com";
  EXPECT_EQ(restart_only_changes(running, next).at(0).after, "[BINANCE:binance, OKX:okx@https://www.okx.com]");
}

TEST(HotConfigTest, RaisingOrSwitchingOffACapLoosensTighteningDoesNot) {
  const config::Config running = base();
  config::Config tighter = running;
  tighter.risk.max_total_notional_usdt = 40'000;
  tighter.risk.daily_loss_cap_usdt = 500;
  tighter.scripting.risk_level = 20;
  EXPECT_TRUE(loosened_limits(running, tighter).empty());

  config::Config looser = running;
  looser.risk.max_total_notional_usdt = 60'000;
  looser.risk.daily_loss_cap_usdt = 0;  // guard off
  looser.risk.max_orders_per_min = 301;
  looser.scripting.risk_level = 80;
  const auto loosened = loosened_limits(running, looser);
  EXPECT_EQ(keys(loosened), (std::vector<std::string>{"risk.max_total_notional_usdt", "risk.daily_loss_cap_usdt",
                                                      "risk.max_orders_per_min", "scripting.risk_level"}));
  EXPECT_EQ(loosened[1].before, "1000");
  EXPECT_EQ(loosened[1].after, "0");
}

TEST(HotConfigTest, LoweringAStricterWhenLargerGuardRemovingAWindowOrRaisingABudgetLoosens) {
  config::Config running = base();
  running.risk.min_net_edge_bps = 3;
  running.risk.stress_gap_bps = 300;
  running.risk.maintenance.push_back({"BINANCE", UtcTime{std::chrono::hours(1)}, UtcTime{std::chrono::hours(2)}});
  config::StrategyConfig strategy;
  strategy.name = "arb";
  strategy.budget.daily_loss_usdt = 100;
  strategy.budget.max_open_positions = 2;
  running.strategies = {strategy};

  config::Config tighter = running;
  tighter.risk.min_net_edge_bps = 5;
  tighter.risk.stress_gap_bps = 400;
  tighter.strategies[0].budget.daily_loss_usdt = 50;
  tighter.risk.maintenance.push_back({"OKX", UtcTime{std::chrono::hours(3)}, UtcTime{std::chrono::hours(4)}});
  EXPECT_TRUE(loosened_limits(running, tighter).empty());

  config::Config looser = running;
  looser.risk.min_net_edge_bps = 1;
  looser.risk.stress_gap_bps = 0;
  looser.risk.stress_hard_block_autopilot = false;
  looser.risk.maintenance.clear();
  looser.strategies[0].budget.daily_loss_usdt = 200;
  looser.strategies[0].budget.max_open_positions = 0;  // off
  EXPECT_EQ(keys(loosened_limits(running, looser)),
            (std::vector<std::string>{"risk.min_net_edge_bps", "risk.stress_gap_bps", "risk.stress_hard_block_autopilot",
                                      "risk.maintenance", "strategies.arb.budget.max_open_positions",
                                      "strategies.arb.budget.daily_loss_usdt"}));
}

TEST(HotConfigTest, HotDifferencesNameEveryHotKeyThatDiffers) {
  const config::Config a = base();
  config::Config b = a;
  EXPECT_TRUE(hot_differences(a, b).empty());
  b.risk.max_total_notional_usdt = 40'000;
  b.scripting.risk_level = 10;
  b.api.port = 9000;  // not a hot key
  EXPECT_EQ(keys(hot_differences(a, b)), (std::vector<std::string>{"risk.max_total_notional_usdt", "scripting.risk_level"}));
}

}  // namespace
}  // namespace propbot::engine
