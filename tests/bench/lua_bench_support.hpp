// Shared pieces of the Lua benchmarks: the spec of a shipped strategy, and the loop
// that first measures a call's Lua heap growth (collector stopped, 1000 calls) and then
// times it, reporting `lua_bytes_per_call`.
#pragma once

#include <string>

#include <benchmark/benchmark.h>

extern "C" {
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_sandbox.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::bench {

// strategies/<name>.lua of the source tree, with its declared defaults.
inline scripting::StrategySpec shipped_strategy(const std::string& name) {
  scripting::StrategySpec spec;
  spec.name = name;
  spec.path = std::string(PROPBOT_SOURCE_DIR) + "/strategies/" + name + ".lua";
  spec.display_name = "strategies/" + name + ".lua";
  return spec;
}

// `one_call` returns false on a fault (then `fault` says why and the benchmark stops).
template <typename Call>
void measure_and_time_calls(benchmark::State& state, scripting::LuaSandbox& sandbox, const scripting::ScriptFault& fault,
                            Call one_call) {
  lua_State* L = sandbox.state();
  lua_gc(L, LUA_GCCOLLECT, 0);
  lua_gc(L, LUA_GCSTOP, 0);
  const double before = static_cast<double>(sandbox.memory_used());
  for (int i = 0; i < 1000; ++i) one_call();
  const double bytes_per_call = (static_cast<double>(sandbox.memory_used()) - before) / 1000.0;
  lua_gc(L, LUA_GCRESTART, 0);
  for (auto _ : state) {
    if (!one_call()) {
      state.SkipWithError(fault.message.c_str());
      return;
    }
  }
  state.counters["lua_bytes_per_call"] = bytes_per_call;
}

}  // namespace propbot::bench
