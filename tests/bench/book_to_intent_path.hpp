// The book → sized intent half of SPEC S-13 `md_to_order_us`, shared by
// book_to_intent_bench.cpp (which stops at the sized intent) and md_to_order_bench.cpp
// (which goes on to the signed order bytes):
//   one Binance depth-diff frame (10 levels, tests/bench/binance_frames.hpp) parsed and
//   applied to a 1000-level book by BinanceBookSync → the book observation recorded in
//   a FeatureTracker (what core/engine PolicyStage::on_book does) → the shipped
//   cross_exchange_arb.on_book through StrategyRunner (interpreter, count hook armed —
//   the shipped mode) → for each intent, the features of both legs (the worse of the
//   two) and PolicyPipeline::decide (classify → policy → size, shipped policies/*.lua).
// The other venue, SIM-A, is a static 50-level book 40 bps below Binance, so the
// strategy proposes on every frame (long SIM-A, short BINANCE).
//
// Thread: one (the benchmark's). Not movable: the market view points into it.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/md/binance_book_sync.hpp"
#include "scripting/policy_pipeline.hpp"
#include "scripting/regime_features.hpp"
#include "scripting/strategy_runner.hpp"
#include "tests/bench/binance_frames.hpp"
#include "tests/bench/lua_bench_support.hpp"

namespace propbot::bench {

// SIM-A's book: bids 96 610.0 down, asks 96 610.1 up (tick 0.1, lot 0.001), `qty_lots`
// on every level, stamped `now` (the strategy ignores books older than 2 s).
inline md::OrderBook static_sim_book(MonoTime now, std::int64_t qty_lots) {
  md::OrderBook book({"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
  std::vector<md::BookLevel> bids, asks;
  for (int i = 0; i < 50; ++i) {
    bids.push_back({966'100 - i, qty_lots});
    asks.push_back({966'101 + i, qty_lots});
  }
  book.apply_snapshot(bids, asks, 1, now);
  return book;
}

// Percentile of sorted samples (nearest rank below).
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

class BookToIntentPath final : public scripting::MarketView {
 public:
  struct Sized {
    const Intent* intent;
    scripting::PolicyDecision decision;
  };

  // Loads the strategy and the policies; `static_qty_lots` sizes every SIM-A level.
  static Result<std::unique_ptr<BookToIntentPath>> load(const Clock& clock, std::int64_t static_qty_lots) {
    std::unique_ptr<BookToIntentPath> path(new BookToIntentPath(clock, static_qty_lots));
    auto runner = scripting::StrategyRunner::load(shipped_strategy("cross_exchange_arb"), {}, clock, *path, 5);
    if (!runner) return runner.error();
    path->runner_ = std::move(*runner);
    scripting::PolicyPipelineSpec policy_spec;
    policy_spec.directory = std::string(PROPBOT_SOURCE_DIR) + "/policies";
    policy_spec.caps = {.max_position_notional_usdt = 5'000, .max_total_notional_usdt = 20'000};
    auto pipeline = scripting::PolicyPipeline::load(policy_spec, {}, clock);
    if (!pipeline) return pipeline.error();
    path->pipeline_ = std::move(*pipeline);
    path->record(path->other_series_, path->other_, clock.now());
    return path;
  }

  // MarketView
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    if (symbol != "BTC-USDT") return nullptr;
    if (venue == "BINANCE") return sync_.book().valid() ? &sync_.book() : nullptr;
    if (venue == "SIM-A") return &other_;
    return nullptr;
  }
  const std::vector<std::string>& venue_ids() const override { return ids_; }

  // Outside the timing: restarts the diff chain from its snapshot and re-stamps SIM-A.
  bool restart(MonoTime now) {
    other_ = static_sim_book(now, static_qty_lots_);
    return sync_.on_snapshot_frame(BinanceFrames::get().snapshot, now).result == md::SyncResult::applied;
  }
  // Parse + apply one diff frame and record the observation; false when not applied.
  bool apply(std::size_t frame, MonoTime now) {
    if (sync_.on_update_frame(BinanceFrames::get().frames[frame], now).result != md::SyncResult::applied) return false;
    record(binance_series_, sync_.book(), now);
    return true;
  }
  // The strategy's on_book for the Binance book that just changed.
  const std::vector<Intent>& propose() {
    intents_.clear();
    runner_->on_book(event_, intents_);
    return intents_;
  }
  // Features of both legs (the worse) and decide(); false while a series is empty.
  bool size(const Intent& intent, MonoTime now, scripting::PolicyDecision& decision) {
    scripting::RegimeFeatures a, b;
    if (!tracker_.features(binance_series_, now, a) || !tracker_.features(other_series_, now, b)) return false;
    const scripting::SizingRequest request{.intent_notional_usdt = intent.notional_usdt.to_double(), .risk_level = 70};
    decision = pipeline_->decide(worse(a, b), request);
    return true;
  }

  bool faulted() const { return runner_->stats().faults != 0 || pipeline_->stats().faults != 0; }
  const md::OrderBook& binance_book() const { return sync_.book(); }

 private:
  BookToIntentPath(const Clock& clock, std::int64_t static_qty_lots)
      : sync_(md::testing::binance_spec(), md::testing::binance_grid()),
        static_qty_lots_(static_qty_lots),
        other_(static_sim_book(clock.now(), static_qty_lots)) {
    binance_series_ = tracker_.series("BINANCE", "BTC-USDT");
    other_series_ = tracker_.series("SIM-A", "BTC-USDT");
    intents_.reserve(8);
  }

  static double top_depth_usdt(const md::OrderBook& book) {
    const md::InstrumentSpec& spec = book.spec();
    double total = 0;
    for (const auto side : {book.bids(), book.asks()}) {
      const std::size_t n = std::min<std::size_t>(side.size(), 10);
      for (std::size_t i = 0; i < n; ++i) total += spec.price_of(side[i].price_ticks) * spec.qty_of(side[i].qty_lots);
    }
    return total;
  }
  void record(scripting::FeatureTracker::SeriesId id, const md::OrderBook& book, MonoTime now) {
    const auto mid = book.mid_price();
    const auto spread = book.spread_bps();
    if (mid && spread) tracker_.record(id, now, *mid, *spread, top_depth_usdt(book));
  }
  static scripting::RegimeFeatures worse(const scripting::RegimeFeatures& a, const scripting::RegimeFeatures& b) {
    scripting::RegimeFeatures out = a;
    out.realised_vol_bps = std::max(a.realised_vol_bps, b.realised_vol_bps);
    out.spread_std_bps = std::max(a.spread_std_bps, b.spread_std_bps);
    out.depth_usdt = std::min(a.depth_usdt, b.depth_usdt);
    return out;
  }

  md::BinanceBookSync sync_;
  std::int64_t static_qty_lots_;
  md::OrderBook other_;
  std::vector<std::string> ids_{"SIM-A", "BINANCE"};
  std::unique_ptr<scripting::StrategyRunner> runner_;
  std::unique_ptr<scripting::PolicyPipeline> pipeline_;
  scripting::FeatureTracker tracker_;
  scripting::FeatureTracker::SeriesId binance_series_ = 0, other_series_ = 0;
  const scripting::BookEvent event_{"BINANCE", "BTC-USDT"};
  std::vector<Intent> intents_;
};

}  // namespace propbot::bench
