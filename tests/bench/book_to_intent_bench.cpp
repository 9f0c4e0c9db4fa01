// The book → intent path of SPEC S-13 `md_to_order_us`, as far as it exists: one
// Binance depth-diff frame (10 levels, real format, tests/bench/binance_frames.hpp)
// parsed and applied to a 1000-level book by BinanceBookSync → the book observation
// recorded in a FeatureTracker (what core/app PolicyStage does per book) →
// cross_exchange_arb.on_book through StrategyRunner (interpreter, count hook armed —
// the shipped mode) → for each proposed intent, the features of both legs (the worse
// of the two) and PolicyPipeline::decide (classify → policy → size, the shipped
// policies/*.lua) → a sized intent. Not included: risk, control, signing (S-13 counts
// them; they have no hot-path code yet).
//
// The other venue (SIM-A) is a static book 40 bps below, so the strategy proposes on
// every frame (intents_per_event ≈ 1): the measured path is the full one.
// Figures: the usual mean per event, plus p50/p90/p99/p99.9 of the per-event latency
// measured with steady_clock around each event (the two clock reads, ~40 ns, are
// inside the samples), against S-13's p50 ≤ 5 µs / p99 ≤ 25 µs for the whole path.
// Every 1024 frames the diff chain restarts from its snapshot: outside the timing and
// the samples.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/md/binance_book_sync.hpp"
#include "scripting/policy_pipeline.hpp"
#include "scripting/regime_features.hpp"
#include "scripting/strategy_runner.hpp"
#include "tests/bench/binance_frames.hpp"
#include "tests/bench/lua_bench_support.hpp"

namespace {

using namespace propbot;
namespace mdt = propbot::md::testing;

class BinanceAndStatic : public scripting::MarketView {
 public:
  BinanceAndStatic(const md::OrderBook& binance, const md::OrderBook& other) : binance_(binance), other_(other) {}
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    if (symbol != "BTC-USDT") return nullptr;
    if (venue == "BINANCE") return binance_.valid() ? &binance_ : nullptr;
    if (venue == "SIM-A") return &other_;
    return nullptr;
  }
  const std::vector<std::string>& venue_ids() const override { return ids_; }

 private:
  const md::OrderBook& binance_;
  const md::OrderBook& other_;
  std::vector<std::string> ids_{"SIM-A", "BINANCE"};
};

md::OrderBook static_book(MonoTime now) {
  md::OrderBook book({"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
  std::vector<md::BookLevel> bids, asks;
  for (int i = 0; i < 50; ++i) {  // 96 610.0 / 96 610.1: ~40 bps under Binance's 97 000
    bids.push_back({966'100 - i, 1'000});
    asks.push_back({966'101 + i, 1'000});
  }
  book.apply_snapshot(bids, asks, 1, now);
  return book;
}

double top_depth_usdt(const md::OrderBook& book) {
  const md::InstrumentSpec& spec = book.spec();
  double total = 0;
  for (const auto side : {book.bids(), book.asks()}) {
    const std::size_t n = std::min<std::size_t>(side.size(), 10);
    for (std::size_t i = 0; i < n; ++i) total += spec.price_of(side[i].price_ticks) * spec.qty_of(side[i].qty_lots);
  }
  return total;
}

void record(scripting::FeatureTracker& tracker, scripting::FeatureTracker::SeriesId id, const md::OrderBook& book,
            MonoTime now) {
  const auto mid = book.mid_price();
  const auto spread = book.spread_bps();
  if (mid && spread) tracker.record(id, now, *mid, *spread, top_depth_usdt(book));
}

scripting::RegimeFeatures worse(const scripting::RegimeFeatures& a, const scripting::RegimeFeatures& b) {
  scripting::RegimeFeatures out = a;
  out.realised_vol_bps = std::max(a.realised_vol_bps, b.realised_vol_bps);
  out.spread_std_bps = std::max(a.spread_std_bps, b.spread_std_bps);
  out.depth_usdt = std::min(a.depth_usdt, b.depth_usdt);
  return out;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

void BM_BookToIntent(benchmark::State& state) {
  const auto& fixture = bench::BinanceFrames::get();
  SimClock clock;
  const MonoTime now = clock.now();
  md::BinanceBookSync sync(mdt::binance_spec(), mdt::binance_grid());
  const md::OrderBook other = static_book(now);
  BinanceAndStatic market(sync.book(), other);

  const scripting::StrategySpec spec = bench::shipped_strategy("cross_exchange_arb");
  auto runner = scripting::StrategyRunner::load(spec, {}, clock, market, 5);
  if (!runner) {
    state.SkipWithError(runner.error().message.c_str());
    return;
  }
  scripting::PolicyPipelineSpec policy_spec;
  policy_spec.directory = std::string(PROPBOT_SOURCE_DIR) + "/policies";
  policy_spec.caps = {.max_position_notional_usdt = 5'000, .max_total_notional_usdt = 20'000};
  auto pipeline = scripting::PolicyPipeline::load(policy_spec, {}, clock);
  if (!pipeline) {
    state.SkipWithError(pipeline.error().message.c_str());
    return;
  }
  scripting::FeatureTracker tracker;
  const auto binance_series = tracker.series("BINANCE", "BTC-USDT");
  const auto other_series = tracker.series("SIM-A", "BTC-USDT");
  record(tracker, other_series, other, now);

  const scripting::BookEvent event{"BINANCE", "BTC-USDT"};
  std::vector<Intent> intents;
  intents.reserve(8);
  std::vector<double> samples;
  samples.reserve(1 << 20);
  std::size_t frame = 0;
  std::int64_t events = 0, proposed = 0, sized = 0, not_applied = 0;
  double sized_notional = 0;

  for (auto _ : state) {
    if (frame == 0) {  // the chain restarts from its snapshot, outside the timing
      state.PauseTiming();
      if (sync.on_snapshot_frame(fixture.snapshot, now).result != md::SyncResult::applied) {
        state.SkipWithError("snapshot not applied");
        break;
      }
      state.ResumeTiming();
    }
    const auto started = std::chrono::steady_clock::now();
    const auto outcome = sync.on_update_frame(fixture.frames[frame], now);
    frame = (frame + 1) % fixture.frames.size();
    if (outcome.result != md::SyncResult::applied) {
      ++not_applied;
      continue;
    }
    record(tracker, binance_series, sync.book(), now);
    intents.clear();
    (*runner)->on_book(event, intents);
    for (const Intent& intent : intents) {
      scripting::RegimeFeatures a, b;
      if (!tracker.features(binance_series, now, a) || !tracker.features(other_series, now, b)) continue;
      const scripting::SizingRequest request{.intent_notional_usdt = intent.notional_usdt.to_double(), .risk_level = 70};
      const scripting::PolicyDecision decision = (*pipeline)->decide(worse(a, b), request);
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
  if ((*runner)->stats().faults != 0 || (*pipeline)->stats().faults != 0) state.SkipWithError("a script faulted");
  std::sort(samples.begin(), samples.end());
  state.counters["p50_ns"] = percentile(samples, 0.50);
  state.counters["p90_ns"] = percentile(samples, 0.90);
  state.counters["p99_ns"] = percentile(samples, 0.99);
  state.counters["p999_ns"] = percentile(samples, 0.999);
  state.counters["intents_per_event"] = events > 0 ? static_cast<double>(proposed) / static_cast<double>(events) : 0;
  state.counters["sized_per_intent"] = proposed > 0 ? static_cast<double>(sized) / static_cast<double>(proposed) : 0;
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_BookToIntent);

}  // namespace
