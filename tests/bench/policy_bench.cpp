// Cost of the policy pipeline (issue 5, SPEC S-7.3/S-7.4): one full decide()
// (classify + policy + size, three sandboxed Lua calls) and one circuit-breaker
// evaluation, with the shipped policies/*.lua, interpreter mode with the count hook
// armed (the mode the sandbox ships). BM_ClassifyArgumentTable compares the hot-path
// choice of setting fields in a reused table against building a fresh one per call.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "scripting/policy_pipeline.hpp"
#include "tests/bench/lua_bench_support.hpp"

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

namespace {

using namespace propbot;
using namespace propbot::scripting;

std::unique_ptr<PolicyPipeline> load_shipped(const Clock& clock) {
  PolicyPipelineSpec spec;
  spec.directory = std::string(PROPBOT_SOURCE_DIR) + "/policies";
  spec.caps = {.max_position_notional_usdt = 5'000, .max_total_notional_usdt = 20'000};
  auto loaded = PolicyPipeline::load(spec, {}, clock);
  return loaded.ok() ? std::move(*loaded) : nullptr;
}

RegimeFeatures features(int i) {
  // Walks through the regimes so every branch of the scripts is exercised.
  return {.realised_vol_bps = 5.0 + (i % 4) * 20.0, .spread_std_bps = 0.5, .depth_usdt = (i % 8 == 7) ? 30'000.0 : 800'000.0,
          .funding_rate = 0.0001, .basis_bps = 4, .trend_bps = (i % 3) * 15.0};
}

void BM_PolicyDecide(benchmark::State& state) {
  SimClock clock;
  auto pipeline = load_shipped(clock);
  if (!pipeline) {
    state.SkipWithError("policies did not load");
    return;
  }
  const SizingRequest request{.intent_notional_usdt = 2'000, .risk_level = 70, .vol_baseline_bps = 15};
  RegimeFeatures f[8];
  for (int i = 0; i < 8; ++i) f[i] = features(i);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto decision = pipeline->decide(f[i++ & 7], request);
    benchmark::DoNotOptimize(decision.size.notional_usdt);
  }
  state.counters["faults"] = static_cast<double>(pipeline->stats().faults);
}
BENCHMARK(BM_PolicyDecide);

void BM_CircuitBreakersQuiet(benchmark::State& state) {
  SimClock clock;
  auto pipeline = load_shipped(clock);
  if (!pipeline) {
    state.SkipWithError("policies did not load");
    return;
  }
  const BreakerMetrics quiet{.drawdown_usdt = 100, .reject_rate = 0.01, .hedge_latency_ms_p99 = 40, .ws_gap_ms = 200};
  std::vector<BreakerVerdict> out;
  for (auto _ : state) {
    pipeline->evaluate_breakers(quiet, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_CircuitBreakersQuiet);

void BM_CircuitBreakersTwoFiring(benchmark::State& state) {
  SimClock clock;
  auto pipeline = load_shipped(clock);
  if (!pipeline) {
    state.SkipWithError("policies did not load");
    return;
  }
  const BreakerMetrics bad{.drawdown_usdt = 600, .reject_rate = 0.3};
  std::vector<BreakerVerdict> out;
  for (auto _ : state) {
    pipeline->evaluate_breakers(bad, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_CircuitBreakersTwoFiring);

// classify() alone, arguments passed in a table reused across calls (what the host
// does, Arg 1) vs a table built per call (Arg 0); Arg 2 calls an empty Lua function
// (the sandbox's per-call floor). lua_bytes_per_call: Lua heap growth per call with
// the collector stopped, measured over 1000 calls before the timed loop.
void BM_ClassifyArgumentTable(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  const bool reuse = mode != 0;
  SimClock clock;
  LuaSandbox sandbox({}, clock);
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/policies/regime.lua");
  std::stringstream src;
  src << in.rdbuf();
  ScriptFault fault;
  if (!sandbox.load_module(src.str(), "policies/regime.lua", &fault).ok()) {
    state.SkipWithError(fault.message.c_str());
    return;
  }
  lua_State* L = sandbox.state();
  lua_getfield(L, -1, "classify");
  const int classify = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
  if (mode == 2) {
    if (!sandbox.load_module("return function(f) return f end", "empty.lua", &fault).ok()) return;
  } else {
    lua_rawgeti(L, LUA_REGISTRYINDEX, classify);
  }
  const int function = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 8);
  const int table = luaL_ref(L, LUA_REGISTRYINDEX);
  const auto f = features(1);
  auto one_call = [&]() -> bool {
    lua_rawgeti(L, LUA_REGISTRYINDEX, function);
    if (reuse) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, table);
    } else {
      lua_createtable(L, 0, 8);
    }
    for (const auto& [name, value] :
         {std::pair{"realised_vol_bps", f.realised_vol_bps}, std::pair{"spread_std_bps", f.spread_std_bps},
          std::pair{"depth_usdt", f.depth_usdt}, std::pair{"funding_rate", f.funding_rate},
          std::pair{"basis_bps", f.basis_bps}, std::pair{"trend_bps", f.trend_bps}}) {
      lua_pushnumber(L, value);
      lua_setfield(L, -2, name);
    }
    if (!sandbox.call(1, 1, &fault)) return false;
    lua_pop(L, 1);
    return true;
  };
  bench::measure_and_time_calls(state, sandbox, fault, one_call);
}
BENCHMARK(BM_ClassifyArgumentTable)->Arg(1)->Arg(0)->Arg(2);

}  // namespace
