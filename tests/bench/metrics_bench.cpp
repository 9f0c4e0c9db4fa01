// GET /metrics' render cost (issue 16 item 3): the exposition built from a snapshot the
// size of the paper desk (2 venues × 2 symbols, 2 strategies, a few skips) and from the
// bounded worst case (2 venues × 20 symbols, 64 strategies × 20 risk reasons). The
// route adds the control plane's incident query (SQLite) on top; see docs/PERFORMANCE.md.
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "core/api/routes/metrics_families.hpp"

namespace {

using namespace propbot;

engine::EngineSnapshot desk_snapshot(int symbols, int strategies, int reasons) {
  engine::EngineSnapshot snap;
  snap.book_events = 123456;
  for (const char* venue : {"BINANCE", "OKX"}) {
    for (int s = 0; s < symbols; ++s) {
      engine::BookView book;
      book.venue = venue;
      book.symbol = "SYM" + std::to_string(s) + "-USDT";
      book.valid = true;
      book.age_ms = 12;
      book.updates = 9000;
      snap.books.push_back(book);
    }
  }
  nlohmann::json skips = nlohmann::json::object();
  for (int i = 0; i < strategies; ++i) {
    engine::StrategyView strategy;
    strategy.name = "strategy_" + std::to_string(i);
    strategy.state = "active";
    strategy.calls = 5000;
    snap.strategies.push_back(strategy);
    for (int r = 0; r < reasons; ++r) skips[strategy.name]["reason_" + std::to_string(r)] = r + 1;
  }
  auto view = std::make_shared<exec::ExecutionView>();
  view->counters.orders_sent = 40;
  view->counters.skipped["pair_busy"] = 3;
  view->open_orders_per_venue = {{"BINANCE", 1}, {"OKX", 0}};
  view->hedge_latency_p95_ms = 4.2;
  snap.execution = view;
  snap.risk = std::make_shared<const nlohmann::json>(nlohmann::json{
      {"risk_snapshot",
       {{"skips_by_strategy", skips},
        {"pnl", {{"realized_today_usdt", 1.5}, {"realized_month_usdt", -3}, {"unrealized_usdt", 0.25}}}}}});
  return snap;
}

void render(benchmark::State& state, const engine::EngineSnapshot& snap) {
  api::BucketHistogram times({0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1});
  api::IncidentFigures incidents;
  std::size_t bytes = 0;
  for (auto _ : state) {
    api::MetricsText text;
    api::add_metric_families(text, {&snap, incidents, &times});
    std::string body = text.text();
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_MetricsRenderPaperDesk(benchmark::State& state) { render(state, desk_snapshot(2, 2, 3)); }
void BM_MetricsRenderBoundedWorstCase(benchmark::State& state) { render(state, desk_snapshot(20, 64, 20)); }

BENCHMARK(BM_MetricsRenderPaperDesk)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MetricsRenderBoundedWorstCase)->Unit(benchmark::kMicrosecond);

}  // namespace
