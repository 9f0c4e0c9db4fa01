// The per-call floor of LuaSandbox::call (the shipped mode: interpreter, count hook
// armed), against a bare lua_pcall on a plain LuaJIT state with no sandbox:
//   BM_SandboxCallEmpty        — an empty Lua function, 0 in / 0 out
//   BM_SandboxCallFourNumbers  — function(a, b, c, d) return a + b + c + d end
//   BM_RawPcallFourNumbers     — the same function through lua_pcall on luaL_newstate,
//                                no message handler, no hook (TOOLCHAIN.md's ~21 ns)
// lua_bytes_per_call: Lua heap growth per call with the collector stopped, over 1000
// calls before the timed loop (garbage the call itself leaves behind).
#include <benchmark/benchmark.h>

#include "scripting/lua_sandbox.hpp"
#include "tests/bench/lua_bench_support.hpp"

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
#include <luajit-2.1/luajit.h>
#include <luajit-2.1/lualib.h>
}

namespace {

using namespace propbot;
using namespace propbot::scripting;

void sandbox_call(benchmark::State& state, const char* source, int nargs) {
  SimClock clock;
  LuaSandbox sandbox({}, clock);
  ScriptFault fault;
  if (!sandbox.load_module(source, "bench/call.lua", &fault).ok()) {
    state.SkipWithError(fault.message.c_str());
    return;
  }
  lua_State* L = sandbox.state();
  const int function = luaL_ref(L, LUA_REGISTRYINDEX);
  const int nresults = nargs == 0 ? 0 : 1;
  auto one_call = [&]() -> bool {
    lua_rawgeti(L, LUA_REGISTRYINDEX, function);
    for (int i = 0; i < nargs; ++i) lua_pushnumber(L, i + 0.5);
    if (!sandbox.call(nargs, nresults, &fault)) return false;
    lua_settop(L, 0);
    return true;
  };
  for (int i = 0; i < 100; ++i) one_call();  // warm-up: string interning, stack growth
  bench::measure_and_time_calls(state, sandbox, fault, one_call);
}

void BM_SandboxCallEmpty(benchmark::State& state) { sandbox_call(state, "return function() end", 0); }
BENCHMARK(BM_SandboxCallEmpty);

void BM_SandboxCallFourNumbers(benchmark::State& state) {
  sandbox_call(state, "return function(a, b, c, d) return a + b + c + d end", 4);
}
BENCHMARK(BM_SandboxCallFourNumbers);

void BM_RawPcallFourNumbers(benchmark::State& state) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);  // same engine as the sandbox
  if (luaL_dostring(L, "return function(a, b, c, d) return a + b + c + d end") != 0) {
    state.SkipWithError("could not load the function");
    lua_close(L);
    return;
  }
  const int function = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, function);
    for (int i = 0; i < 4; ++i) lua_pushnumber(L, i + 0.5);
    if (lua_pcall(L, 4, 1, 0) != 0) {
      state.SkipWithError("pcall failed");
      break;
    }
    benchmark::DoNotOptimize(lua_tonumber(L, -1));
    lua_settop(L, 0);
  }
  lua_close(L);
}
BENCHMARK(BM_RawPcallFourNumbers);

}  // namespace
