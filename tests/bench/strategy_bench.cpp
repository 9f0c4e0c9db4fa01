// Cost of one Lua strategy callback: the shipped cross_exchange_arb.on_book over two
// venues (interpreter mode, count hook armed — the mode the sandbox ships).
#include <benchmark/benchmark.h>

#include <map>

#include "scripting/strategy_runner.hpp"
#include "tests/bench/two_venue_market.hpp"
#include "tests/bench/lua_bench_support.hpp"

namespace {

using namespace propbot;

using TwoVenues = bench::TwoVenueMarket;

void BM_CrossExchangeArbOnBook(benchmark::State& state) {
  SimClock clock;
  TwoVenues market(clock.now());  // fresh books: the time guard passes
  const scripting::StrategySpec spec = bench::shipped_strategy("cross_exchange_arb");
  auto runner = scripting::StrategyRunner::load(spec, {}, clock, market, 5);
  if (!runner) {
    state.SkipWithError(runner.error().message.c_str());
    return;
  }
  std::vector<Intent> intents;
  const scripting::BookEvent event{"SIM-B", "BTC-USDT"};
  for (auto _ : state) {
    intents.clear();
    (*runner)->on_book(event, intents);
    benchmark::DoNotOptimize(intents.data());
  }
  state.counters["intents_per_call"] = benchmark::Counter(static_cast<double>((*runner)->stats().intents) /
                                                          static_cast<double>(state.iterations()));
}
BENCHMARK(BM_CrossExchangeArbOnBook);

}  // namespace
