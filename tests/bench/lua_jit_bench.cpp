// Issue 5 groundwork: LuaJIT interpreter vs JIT for one strategy callback, through
// StrategyRunner with the same two-venue market as strategy_bench.cpp.
//   interpreter_hook — the shipped mode: JIT off, count hook armed (CPU budget holds).
//   jit_hook         — SandboxLimits::jit = true; LuaSandbox::call still arms the count
//                      hook, which does not fire inside compiled traces (no CPU budget).
// "JIT on, hook not armed" is not measured: LuaSandbox::call arms the hook on every
// call and offers no way to run without it.
// BM_PureLuaLoop is a control: on_book sums 1000 numbers in Lua and calls nothing in C,
// which shows how much the JIT can gain when the binding is not the cost.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "scripting/strategy_runner.hpp"
#include "tests/bench/two_venue_market.hpp"
#include "tests/bench/lua_bench_support.hpp"

namespace {

using namespace propbot;

using bench::TwoVenueMarket;

void run_on_book(benchmark::State& state, const scripting::StrategySpec& spec, bool jit) {
  SimClock clock;
  TwoVenueMarket market(clock.now());  // fresh books: the time guard passes
  scripting::SandboxLimits limits;
  limits.jit = jit;
  auto runner = scripting::StrategyRunner::load(spec, limits, clock, market, 5);
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
  const auto& stats = (*runner)->stats();
  if (stats.faults != 0) state.SkipWithError("the strategy faulted during the benchmark");
  state.counters["intents_per_call"] =
      benchmark::Counter(static_cast<double>(stats.intents) / static_cast<double>(state.iterations()));
}

void BM_ArbOnBookByEngine(benchmark::State& state, bool jit) {
  const scripting::StrategySpec spec = bench::shipped_strategy("cross_exchange_arb");
  run_on_book(state, spec, jit);
}
BENCHMARK_CAPTURE(BM_ArbOnBookByEngine, interpreter_hook, false);
BENCHMARK_CAPTURE(BM_ArbOnBookByEngine, jit_hook, true);

void BM_PureLuaLoopByEngine(benchmark::State& state, bool jit) {
  const auto path = std::filesystem::temp_directory_path() / "propbot_bench_pure_lua_loop.lua";
  std::ofstream(path) << "local M = { name = 'pure_lua_loop' }\n"
                         "function M.on_book(ctx, ev)\n"
                         "  local s = 0\n"
                         "  for i = 1, 1000 do s = s + i * 0.5 end\n"
                         "  return s\n"
                         "end\n"
                         "return M\n";
  scripting::StrategySpec spec;
  spec.name = "pure_lua_loop";
  spec.path = path.string();
  spec.display_name = "bench/pure_lua_loop.lua";
  run_on_book(state, spec, jit);
  std::filesystem::remove(path);
}
BENCHMARK_CAPTURE(BM_PureLuaLoopByEngine, interpreter_hook, false);
BENCHMARK_CAPTURE(BM_PureLuaLoopByEngine, jit_hook, true);

}  // namespace
