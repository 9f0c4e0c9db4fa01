// ns per on_book for EACH shipped strategy, interpreter (the shipped mode: JIT off,
// count hook armed, the budget holds) vs JIT (SandboxLimits::jit = true: the budget
// does NOT hold, measurement only) — issue 5: "measure interpreter vs JIT for the
// shipped strategies and choose".
//
// The strategies are found by globbing strategies/*.lua when the executable starts, so
// a new strategy is measured without touching this file: one benchmark per file and
// engine, BM_ShippedOnBook/<stem>/interpreter and .../jit, params from the script's
// declared defaults (the spec passes none), module name = file stem.
//
// Market: BTC-USDT on SIM-A and SIM-B (20 levels, SIM-B 150 ticks higher: the
// dislocation cross_exchange_arb acts on) plus funding on both venues (SIM-B pays 20 bp
// more per interval, next funding 10 minutes ahead: a carry funding_basis takes after
// fees); positions flat. Book events alternate between SIM-A and SIM-B. Two market modes (see on_book below): quiet
// (nothing changes: a strategy that acts only on change runs its "nothing to do" path)
// and moving (every call may act); intents_per_call says which path was measured.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <filesystem>
#include <string>
#include <vector>

#include "scripting/strategy_runner.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace {

using namespace propbot;

// BTC-USDT on SIM-A and SIM-B, 20 levels a side; SIM-B `shift` ticks higher. Funding
// on both (SIM-B pays 20 bp more per interval, next funding 10 minutes after `now`).
class FundedMarket : public scripting::MarketView {
 public:
  FundedMarket(MonoTime now, std::int64_t now_ms) { set(now, now_ms, 0); }

  // Both books `offset` ticks away from their base (SIM-A 600 000, SIM-B 601 500).
  void set(MonoTime now, std::int64_t now_ms, int offset) {
    next_funding_ms_ = now_ms + 10 * 60 * 1000;
    for (const auto& [venue, s] : {std::pair{"SIM-A", offset}, std::pair{"SIM-B", 1'500 + offset}}) {
      std::vector<md::BookLevel> bids, asks;
      for (int i = 0; i < 20; ++i) {
        bids.push_back({600'000 + s - i, 1'000});
        asks.push_back({600'001 + s + i, 1'000});
      }
      auto it = books_.find(venue);
      if (it == books_.end()) it = books_.emplace(venue, md::OrderBook({venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0})).first;
      it->second.apply_snapshot(bids, asks, ++sequence_, now);
    }
  }
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(std::string(venue));
    return it == books_.end() || symbol != "BTC-USDT" ? nullptr : &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return ids_; }
  std::optional<scripting::FundingView> funding(std::string_view venue, std::string_view) const override {
    const double rate = venue == "SIM-B" ? 0.0021 : 0.0001;
    return scripting::FundingView{rate, 60'000.0, 60'000.0, next_funding_ms_};
  }

 private:
  std::vector<std::string> ids_{"SIM-A", "SIM-B"};
  std::map<std::string, md::OrderBook> books_;
  std::uint64_t sequence_ = 0;
  std::int64_t next_funding_ms_ = 0;
};

// quiet: the market never changes. moving: before each call (outside the measured
// time) the clock moves 61 s and both books move 200 ticks (3.3 bps) up or down, fresh:
// every cooldown and requote rule lets the strategy act again, so its proposing path
// is the one measured. Manual time around on_book only (two steady_clock reads, ~40 ns,
// included).
void on_book(benchmark::State& state, const std::filesystem::path& file, bool jit, bool moving) {
  SimClock clock;
  FundedMarket market(clock.now(), to_unix_ms(clock.utc()));
  scripting::SandboxLimits limits;
  limits.jit = jit;
  scripting::StrategySpec spec;
  spec.name = file.stem().string();
  spec.path = file.string();
  spec.display_name = "strategies/" + file.filename().string();
  auto runner = scripting::StrategyRunner::load(spec, limits, clock, market, 5);
  if (!runner) {
    state.SkipWithError(runner.error().message.c_str());
    return;
  }
  std::vector<Intent> intents;
  const scripting::BookEvent events[2] = {{"SIM-A", "BTC-USDT"}, {"SIM-B", "BTC-USDT"}};
  std::size_t next_event = 0;
  std::uint64_t moves = 0;
  auto move = [&] {
    if (!moving) return;
    clock.advance(std::chrono::seconds(61));
    // Events alternate venues: the offset changes every second call, so each venue's
    // book has moved since that venue's previous event.
    market.set(clock.now(), to_unix_ms(clock.utc()), (++moves / 2) % 2 != 0 ? 200 : 0);
  };
  for (int i = 0; i < 100; ++i) {  // warm-up (and, with the JIT, trace recording)
    move();
    intents.clear();
    (*runner)->on_book(events[next_event++ & 1], intents);
  }
  const auto warm = (*runner)->stats();
  for (auto _ : state) {
    move();
    intents.clear();
    const scripting::BookEvent& event = events[next_event++ & 1];
    const auto started = std::chrono::steady_clock::now();
    (*runner)->on_book(event, intents);
    const auto took = std::chrono::steady_clock::now() - started;
    benchmark::DoNotOptimize(intents.data());
    state.SetIterationTime(std::chrono::duration<double>(took).count());
  }
  const auto& stats = (*runner)->stats();
  if (stats.faults != 0) {
    state.SkipWithError(("the strategy faulted: " + (stats.last_fault ? stats.last_fault->message : "?")).c_str());
    return;
  }
  state.counters["intents_per_call"] =
      benchmark::Counter(static_cast<double>(stats.intents - warm.intents) / static_cast<double>(state.iterations()));
}

std::vector<std::filesystem::path> shipped_strategies() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(PROPBOT_SOURCE_DIR) + "/strategies", ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".lua") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

const bool registered = [] {
  for (const auto& file : shipped_strategies()) {
    const std::string stem = file.stem().string();
    for (const bool moving : {false, true}) {
      for (const bool jit : {false, true}) {
        const std::string name =
            "BM_ShippedOnBook/" + stem + (moving ? "/moving" : "/quiet") + (jit ? "/jit" : "/interpreter");
        benchmark::RegisterBenchmark(name.c_str(), [file, jit, moving](benchmark::State& state) {
          on_book(state, file, jit, moving);
        })->UseManualTime();
      }
    }
  }
  return true;
}();

}  // namespace
