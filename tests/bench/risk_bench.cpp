// The risk governor's costs (issue 13): what the pre-trade check adds to every intent
// (it sits on md_to_order_us, SPEC S-13), and what the per-tick evaluation and the API
// views cost the engine thread. Run: ./build/tests/bench/propbot_risk_bench
// (docs/PERFORMANCE.md, "Risk governor").
//
// BM_PreTradeCheck/<open_positions>: one iteration = one RiskGovernor::check() of a
//   hedged pair that passes every guard (all caps, price band, order notional, edge and
//   liquidity configured), with that many positions open: the admitted path, the one
//   on md_to_order_us.
// BM_PreTradeRefused: one iteration = a check refused by the last cap in the order
//   (max_leverage), so it walks every check and builds the refusal text.
// BM_RiskEvaluate/<open_positions>: one iteration = evaluate() over that many hedged
//   positions (two legs each): caps at mark, budgets, the stress test.
// BM_RiskViews/<open_positions>: risk_snapshot + strategy_status + capital JSON.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/risk/risk_governor.hpp"

namespace {

using namespace propbot;
using namespace propbot::risk;

config::RiskConfig risk_config() {
  config::RiskConfig risk;
  risk.max_total_notional_usdt = 1e9;
  risk.max_open_positions = 100000;
  risk.max_notional_per_position_usdt = 1e7;
  risk.max_exposure_per_symbol_usdt = 1e9;
  risk.max_exposure_per_venue_usdt = 1e9;
  risk.max_leverage_per_venue = 100;
  risk.daily_loss_cap_usdt = 1e6;
  risk.monthly_loss_cap_usdt = 1e7;
  risk.max_unrealized_loss_usdt = 1e6;
  risk.price_band_bps = 100;
  risk.min_order_notional_usdt = 10;
  risk.max_order_notional_usdt = 1e6;
  risk.min_net_edge_bps = 1;
  risk.liquidity_depth_multiple = 2;
  risk.stress_limit_usdt = 1e9;
  return risk;
}

std::vector<config::StrategyConfig> strategies() {
  std::vector<config::StrategyConfig> out(2);
  out[0].name = "cross_exchange_arb";
  out[0].budget.max_notional_usdt = 1e9;
  out[0].budget.daily_loss_usdt = 1e6;
  out[1].name = "funding_basis";
  return out;
}

PortfolioInput portfolio(int positions) {
  PortfolioInput input;
  const char* symbols[] = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
  for (int i = 0; i < positions; ++i) {
    const std::string symbol = symbols[i % 3];
    input.legs.push_back({static_cast<std::uint64_t>(i + 1), "cross_exchange_arb", symbol, "BINANCE", 0.01, 60000, -1});
    input.legs.push_back({static_cast<std::uint64_t>(i + 1), "cross_exchange_arb", symbol, "OKX", -0.01, 60010, 0.5});
  }
  input.venue_equity = {{"BINANCE", 1e7}, {"OKX", 1e7}};
  return input;
}

TradeCheck pair() {
  TradeCheck trade;
  trade.strategy = "cross_exchange_arb";
  trade.symbol = "BTC-USDT";
  trade.hedged = true;
  trade.net_edge_bps = 6;
  trade.leg_count = 2;
  trade.legs[0] = {"BINANCE", 60000, 1000, 59999, 5000};
  trade.legs[1] = {"OKX", 60040, 1000, 60041, 5000};
  return trade;
}

const UtcTime kNow = UtcTime{std::chrono::hours(24 * 20430 + 10)};

void BM_PreTradeCheck(benchmark::State& state) {
  RiskGovernor governor(kNow);
  governor.configure(risk_config(), strategies(), kNow);
  governor.evaluate(portfolio(static_cast<int>(state.range(0))), kNow);
  const TradeCheck trade = pair();
  for (auto _ : state) {
    auto refused = governor.check(trade, false);
    benchmark::DoNotOptimize(refused);
    if (refused) state.SkipWithError(refused->detail.c_str());
  }
}
BENCHMARK(BM_PreTradeCheck)->Arg(0)->Arg(20)->Arg(200);

void BM_PreTradeRefused(benchmark::State& state) {
  config::RiskConfig risk = risk_config();
  risk.max_leverage_per_venue = 0.0001;
  RiskGovernor governor(kNow);
  governor.configure(risk, strategies(), kNow);
  governor.evaluate(portfolio(20), kNow);
  const TradeCheck trade = pair();
  for (auto _ : state) {
    auto refused = governor.check(trade, false);
    benchmark::DoNotOptimize(refused);
  }
}
BENCHMARK(BM_PreTradeRefused);

void BM_RiskEvaluate(benchmark::State& state) {
  RiskGovernor governor(kNow);
  governor.configure(risk_config(), strategies(), kNow);
  const PortfolioInput input = portfolio(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto events = governor.evaluate(input, kNow);
    benchmark::DoNotOptimize(events);
  }
}
BENCHMARK(BM_RiskEvaluate)->Arg(0)->Arg(20)->Arg(200);

void BM_RiskViews(benchmark::State& state) {
  RiskGovernor governor(kNow);
  governor.configure(risk_config(), strategies(), kNow);
  governor.evaluate(portfolio(static_cast<int>(state.range(0))), kNow);
  std::vector<StrategyFacts> facts(2);
  facts[0].name = "cross_exchange_arb";
  facts[1].name = "funding_basis";
  const nlohmann::json skew = {{"BINANCE", 1.5}, {"OKX", -2.0}};
  for (auto _ : state) {
    nlohmann::json views = {{"risk_snapshot", governor.risk_snapshot(skew)},
                            {"strategy_status", governor.strategy_status(facts)},
                            {"capital", governor.capital()}};
    benchmark::DoNotOptimize(views);
  }
}
BENCHMARK(BM_RiskViews)->Arg(20)->Arg(200);

}  // namespace
