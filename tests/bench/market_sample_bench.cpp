// The market-history sample's cost on the engine thread (issue 14 item 6): one
// MarketSampler::build over V venues × S symbols of valid books with funding — what
// Engine::Loop::sample_market adds to a snapshot tick once per market_history.interval_s.
// Run: ./build/tests/bench/propbot_market_sample_bench (docs/PERFORMANCE.md, "Capture
// and market history").
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/engine/market_sampler.hpp"
#include "tests/unit/engine/test_books.hpp"

namespace {

using namespace propbot;
using namespace propbot::engine;

void BM_MarketSampleBuild(benchmark::State& state) {
  const auto venue_count = static_cast<int>(state.range(0));
  const auto symbol_count = static_cast<int>(state.range(1));
  std::vector<std::string> venues, symbols;
  for (int v = 0; v < venue_count; ++v) venues.push_back("VENUE" + std::to_string(v));
  for (int s = 0; s < symbol_count; ++s) symbols.push_back("SYM" + std::to_string(s) + "-USDT");
  BookBoard books;
  BreakerInputs inputs;
  const MonoTime start = MonoTime{} + std::chrono::hours(1);
  for (int round = 0; round < 3; ++round) {
    for (int v = 0; v < venue_count; ++v) {
      for (int s = 0; s < symbol_count; ++s) {
        const MonoTime at = start + std::chrono::milliseconds(100 * round);
        inputs.on_book(books.on_book(testing::book_around(venues[v], symbols[s], 100.0 + v * 0.05 + s, at, 20)), at);
        venues::FundingInfo funding;
        funding.symbol = symbols[s];
        funding.mark_price = *Decimal::parse("100.5");
        funding.index_price = *Decimal::parse("100.4");
        funding.funding_rate = *Decimal::parse("0.0001");
        books.on_funding(venues[v], funding);
      }
    }
  }
  PolicyStage stage;
  std::vector<scripting::BreakerMetrics> metrics;
  inputs.collect(books, stage, {}, venues, symbols, start + std::chrono::seconds(1), metrics);
  const std::vector<scripting::BreakerVerdict> verdicts;
  MarketSampler sampler;
  const MarketSampleInputs sample_inputs{books, inputs, venues, symbols, 12.5, verdicts};
  for (auto _ : state) {
    benchmark::DoNotOptimize(sampler.build(UtcTime{}, sample_inputs, 30));
  }
}
BENCHMARK(BM_MarketSampleBuild)->Args({2, 2})->Args({3, 20})->Unit(benchmark::kMicrosecond);

}  // namespace
