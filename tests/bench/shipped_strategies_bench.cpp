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
// Market: bench::TwoVenueMarket (BTC-USDT on SIM-A and SIM-B, SIM-B 150 ticks higher,
// fresh books) plus funding on both venues (SIM-B pays 5 bp more per interval, next
// funding 10 minutes ahead) so funding_basis has a differential to weigh; positions are
// flat. The books do not move, so a strategy that proposes only on change (quoting's
// requote rule, funding_basis's cooldown) runs its steady-state "nothing to do" path
// after the first call: intents_per_call says which path was measured.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "scripting/strategy_runner.hpp"
#include "tests/bench/two_venue_market.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace {

using namespace propbot;

class MarketWithFunding : public bench::TwoVenueMarket {
 public:
  MarketWithFunding(MonoTime now, std::int64_t next_funding_ms) : TwoVenueMarket(now), next_ms_(next_funding_ms) {}
  std::optional<scripting::FundingView> funding(std::string_view venue, std::string_view) const override {
    const double rate = venue == "SIM-B" ? 0.0006 : 0.0001;
    return scripting::FundingView{rate, 60'000.0, 60'000.0, next_ms_};
  }

 private:
  std::int64_t next_ms_;
};

void on_book(benchmark::State& state, const std::filesystem::path& file, bool jit) {
  SimClock clock;
  MarketWithFunding market(clock.now(), to_unix_ms(clock.utc()) + 10 * 60 * 1000);
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
  std::vector<scripting::Intent> intents;
  const scripting::BookEvent event{"SIM-B", "BTC-USDT"};
  for (int i = 0; i < 100; ++i) {  // warm-up (and, with the JIT, trace recording)
    intents.clear();
    (*runner)->on_book(event, intents);
  }
  const auto warm = (*runner)->stats();
  for (auto _ : state) {
    intents.clear();
    (*runner)->on_book(event, intents);
    benchmark::DoNotOptimize(intents.data());
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
    for (const bool jit : {false, true}) {
      benchmark::RegisterBenchmark(("BM_ShippedOnBook/" + stem + (jit ? "/jit" : "/interpreter")).c_str(),
                                   [file, jit](benchmark::State& state) { on_book(state, file, jit); });
    }
  }
  return true;
}();

}  // namespace
