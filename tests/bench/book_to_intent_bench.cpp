// The book → sized intent part of SPEC S-13 `md_to_order_us`: one
// Binance depth-diff frame (10 levels, real format, tests/bench/binance_frames.hpp)
// parsed and applied to a 1000-level book by BinanceBookSync → the book observation
// recorded in a FeatureTracker (what core/engine PolicyStage does per book) →
// cross_exchange_arb.on_book through StrategyRunner (interpreter, count hook armed —
// the shipped mode) → for each proposed intent, the features of both legs (the worse
// of the two) and PolicyPipeline::decide (classify → policy → size, the shipped
// policies/*.lua) → a sized intent (tests/bench/book_to_intent_path.hpp). The rest of
// the path — executor, journal, signing — is md_to_order_bench.cpp.
//
// The other venue (SIM-A) is a static book 40 bps below, so the strategy proposes on
// every frame (intents_per_event ≈ 1): the measured path is the full one.
// Figures: the usual mean per event, plus p50/p90/p99/p99.9 of the per-event latency
// measured with steady_clock around each event (the two clock reads, ~40 ns, are
// inside the samples), against S-13's p50 ≤ 5 µs / p99 ≤ 25 µs for the whole path.
// Every 1024 frames the diff chain restarts from its snapshot: outside the timing and
// the samples.
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "tests/bench/book_to_intent_path.hpp"

namespace {

using namespace propbot;

void BM_BookToIntent(benchmark::State& state) {
  SimClock clock;
  const MonoTime now = clock.now();
  auto loaded = bench::BookToIntentPath::load(clock, 1'000);
  if (!loaded) {
    state.SkipWithError(loaded.error().message.c_str());
    return;
  }
  bench::BookToIntentPath& path = **loaded;
  const std::size_t frames = bench::BinanceFrames::get().frames.size();
  std::vector<double> samples;
  samples.reserve(1 << 20);
  std::size_t frame = 0;
  std::int64_t events = 0, proposed = 0, sized = 0, not_applied = 0;
  double sized_notional = 0;

  for (auto _ : state) {
    if (frame == 0) {  // the chain restarts from its snapshot, outside the timing
      state.PauseTiming();
      if (!path.restart(now)) {
        state.SkipWithError("snapshot not applied");
        break;
      }
      state.ResumeTiming();
    }
    const auto started = std::chrono::steady_clock::now();
    const bool applied = path.apply(frame, now);
    frame = (frame + 1) % frames;
    if (!applied) {
      ++not_applied;
      continue;
    }
    const std::vector<Intent>& intents = path.propose();
    for (const Intent& intent : intents) {
      scripting::PolicyDecision decision;
      if (!path.size(intent, now, decision)) continue;
      sized += decision.size.notional_usdt > 0;
      sized_notional += decision.size.notional_usdt;
    }
    const auto took = std::chrono::steady_clock::now() - started;
    samples.push_back(std::chrono::duration<double, std::nano>(took).count());
    ++events;
    proposed += static_cast<std::int64_t>(intents.size());
  }
  benchmark::DoNotOptimize(sized_notional);
  if (not_applied != 0) state.SkipWithError("a frame was not applied");
  if (path.faulted()) state.SkipWithError("a script faulted");
  std::sort(samples.begin(), samples.end());
  state.counters["p50_ns"] = bench::percentile(samples, 0.50);
  state.counters["p90_ns"] = bench::percentile(samples, 0.90);
  state.counters["p99_ns"] = bench::percentile(samples, 0.99);
  state.counters["p999_ns"] = bench::percentile(samples, 0.999);
  state.counters["intents_per_event"] = events > 0 ? static_cast<double>(proposed) / static_cast<double>(events) : 0;
  state.counters["sized_per_intent"] = proposed > 0 ? static_cast<double>(sized) / static_cast<double>(proposed) : 0;
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_BookToIntent);

}  // namespace
