// Issue 10: what the budgeted library costs, and what the budget buys
// (docs/PERFORMANCE.md, "Lua string functions under the budget").
//
// BM_LuaLib/<op>/builtin vs .../budgeted — ns per library call on typical short
//   inputs: a Lua loop of 100 calls, time / 100. builtin = LuaJIT's functions in a
//   plain state (luaL_openlibs, JIT off, a no-op count hook every 1000 instructions,
//   as the sandbox arms it); budgeted = a LuaSandbox (the shipped library). The loop's
//   own instructions are in both.
// BM_ExhaustedBudget/<case> — wall time of one call that runs out the default budget
//   (1 000 000 instructions) spending it on <case> (tests/unit/scripting/
//   lua_runaways.hpp): the calibration of scripting/script_costs.hpp. The aim: about
//   the same for every case.
// BM_UnchargedVmOp/<op> — wall time of ONE VM instruction whose cost grows with its
//   operands ('..', string '<', a call with 7900 arguments): what the budget does not
//   cover (each counts as one instruction of the ~2 ns the budget assumes).
// BM_LuaJITOneCall/<op> — wall time of ONE call of LuaJIT's own function on the
//   largest input the 64 MiB limit allows (plain state, no budget): what a single call
//   could hold the thread for before issue 10, against a budget's ~2-3 ms.
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "scripting/lua_sandbox.hpp"
#include "tests/unit/scripting/lua_runaways.hpp"

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
#include <luajit-2.1/luajit.h>
#include <luajit-2.1/lualib.h>
}

namespace {

using namespace propbot;
using namespace propbot::scripting;

constexpr int kCallsPerLoop = 100;

struct Op {
  const char* name;
  const char* setup;  // locals for the loop
  const char* call;   // one library call
};

const std::vector<Op> kOps = {
    {"find_plain", "local s = 'BTC-USDT-PERP'", "local a = s:find('USDT', 1, true)"},
    {"find_pattern", "local s = 'BTC-USDT-PERP'", "local a = s:find('%-')"},
    {"match_captures", "local s = 'symbol=BTC-USDT'", "local k, v = s:match('^(%w+)=([%w%-]+)$')"},
    {"gsub_template", "local s = 'BTC-USDT'", "local r = s:gsub('%-', '/')"},
    {"gsub_function", "local s = 'a b c' local f = function(c) return c end", "local r = s:gsub('%a', f)"},
    {"gmatch", "local s = 'a,b,c'", "for w in s:gmatch('[^,]+') do end"},
    {"format", "local x = 1.5", "local r = string.format('%s %.2f', 'x', x)"},
    {"format_funding", "local a, b, c, d = 3.25, 120.5, 1.75, 3",
     "local r = string.format('funding carry: %.2f bps/interval (%.1f%%/year), net %.2f bps over %d intervals', a, b, c, d)"},
    {"rep", "local s = 'ab'", "local r = s:rep(3)"},
    {"sub", "local s = 'BTC-USDT'", "local r = s:sub(1, 3)"},
    {"upper", "local s = 'btc'", "local r = s:upper()"},
    {"concat", "local t = {'a', 'b', 'c', 'd'}", "local r = table.concat(t, ',')"},
    {"sort8", "local t = {5, 3, 8, 1, 7, 2, 6, 4}", "table.sort(t)"},
    {"insert_remove", "local t = {1, 2, 3}", "table.insert(t, 4) table.remove(t)"},
    {"unpack", "local t = {1, 2, 3}", "local a, b, c = unpack(t)"},
    {"tonumber", "local s = '42.5'", "local n = tonumber(s)"},
    {"pcall", "local f = function() end", "local ok = pcall(f)"},
};

// A module `setup; return function() body end`.
std::string module_source(const std::string& setup, const std::string& body) {
  return setup + "\nreturn function()\n" + body + "\nend\n";
}

// The call kCallsPerLoop times in one function.
std::string loop_source(const Op& op) {
  return module_source(op.setup, "  for i = 1, " + std::to_string(kCallsPerLoop) + " do " + op.call + " end");
}

void no_op_hook(lua_State*, lua_Debug*) {}

// Times calls of the module's function in a plain state with LuaJIT's own library (JIT
// off; with `hook`, a no-op count hook every 1000 instructions, as the sandbox arms it).
void run_builtin(benchmark::State& state, const std::string& source, bool hook) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  if (hook) lua_sethook(L, &no_op_hook, LUA_MASKCOUNT, 1000);
  if (luaL_loadbuffer(L, source.data(), source.size(), "@bench.lua") != 0 || lua_pcall(L, 0, 1, 0) != 0) {
    state.SkipWithError(lua_tostring(L, -1));
    lua_close(L);
    return;
  }
  const int function = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, function);
    if (lua_pcall(L, 0, 0, 0) != 0) {
      state.SkipWithError(lua_tostring(L, -1));
      break;
    }
  }
  lua_close(L);
}

// Times calls of the module's function in a LuaSandbox with `budget` instructions per
// call; each call must return (or, with `must_run_out`, end in a budget fault).
void run_sandboxed(benchmark::State& state, const std::string& source, std::int64_t budget, bool must_run_out) {
  SimClock clock;
  SandboxLimits limits;
  limits.instruction_budget = budget;
  LuaSandbox sandbox(limits, clock);
  ScriptFault fault;
  if (!sandbox.load_module(source, "bench.lua", &fault)) {
    state.SkipWithError(fault.message.c_str());
    return;
  }
  lua_State* L = sandbox.state();
  const int function = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, function);
    const bool returned = sandbox.call(0, 0, &fault);
    if (returned == must_run_out || (must_run_out && !fault.budget_exceeded)) {
      state.SkipWithError(("unexpected outcome: " + (returned ? std::string("returned") : fault.message)).c_str());
      break;
    }
  }
}

constexpr std::int64_t kAmpleBudget = 1'000'000'000;
const std::int64_t kDefaultBudget = SandboxLimits{}.instruction_budget;

// --- VM instructions the budget counts as one ---

const std::vector<Op> kVmOps = {
    {"concat_2x8MiB", "local s = ('x'):rep(2^23)", "local t = s .. s"},
    {"less_than_8MiB", "local a = ('x'):rep(2^23) local b = a:sub(1, -2) .. 'y'", "local t = a < b"},
    {"call_7900_args", "local t = {} for i = 1, 7900 do t[i] = i end local function g(...) return select('#', ...) end "
                       "local function h(...) return g(...) end",
     "local n = h(unpack(t))"},
};

// --- LuaJIT's builtins, one call on a huge input ---

const std::vector<Op> kHugeCalls = {
    {"rep_32MiB", "local n = 2^25", "local s = ('x'):rep(n)"},
    {"rep_pieces_8M", "local n = 2^23", "local s = ('xy'):rep(n, 'ab')"},
    {"upper_32MiB", "local s = ('x'):rep(2^25)", "local t = s:upper()"},
    {"reverse_32MiB", "local s = ('x'):rep(2^25)", "local t = s:reverse()"},
    {"sub_32MiB", "local s = ('x'):rep(2^25)", "local t = s:sub(2)"},
    {"format_s_32MiB", "local s = ('x'):rep(2^25)", "local t = string.format('%s', s)"},
    {"format_q_8MiB", "local s = ('x\\n'):rep(2^22)", "local t = string.format('%q', s)"},
    {"find_plain_scan_32MiB", "local s = ('a'):rep(2^25)", "local a = s:find('b', 1, true)"},
    {"find_plain_1MiB_x_1000", "local s = ('a'):rep(2^20) local p = ('a'):rep(1000) .. 'b'", "local a = s:find(p, 1, true)"},
    {"find_backtracking_n12", "local s = ('a'):rep(12) local p = ('a-'):rep(12) .. 'b'", "local a = s:find(p)"},
    {"tonumber_32MiB", "local s = (' '):rep(2^25)", "local n = tonumber(s)"},
    {"concat_1M_elements", "local t = {} for i = 1, 2^20 do t[i] = 'ab' end", "local s = table.concat(t)"},
    {"unpack_7900", "local t = {} for i = 1, 7900 do t[i] = i end", "local a = unpack(t)"},
    {"byte_7900", "local s = ('x'):rep(8000)", "local a = s:byte(1, 7900)"},
    {"insert_front_1M", "local t = {} for i = 1, 2^20 do t[i] = i end", "table.insert(t, 1, 0) table.remove(t, 1)"},
    {"maxn_1M_keys", "local t = {} for i = 1, 2^20 do t[i + 0.5] = true end", "local m = table.maxn(t)"},
    {"sort_1M", "local t = {} for i = 1, 2^20 do t[i] = (i * 7919) % 1048583 end",
     "local c = {} for i = 1, #t do c[i] = t[i] end table.sort(c)"},
    {"pcall_error", "", "pcall(error, 'x')"},
};

const bool registered = [] {
  for (const Op& op : kOps) {
    benchmark::RegisterBenchmark((std::string("BM_LuaLib/") + op.name + "/builtin").c_str(), [op](benchmark::State& s) {
      run_builtin(s, loop_source(op), true);
      s.SetItemsProcessed(s.iterations() * kCallsPerLoop);
    });
    benchmark::RegisterBenchmark((std::string("BM_LuaLib/") + op.name + "/budgeted").c_str(), [op](benchmark::State& s) {
      run_sandboxed(s, loop_source(op), kAmpleBudget, false);
      s.SetItemsProcessed(s.iterations() * kCallsPerLoop);
    });
  }
  for (const testing::Runaway& r : testing::runaways()) {
    benchmark::RegisterBenchmark((std::string("BM_ExhaustedBudget/") + r.name).c_str(),
                                 [r](benchmark::State& s) {
                                   run_sandboxed(s, module_source(r.prelude, r.body), kDefaultBudget, true);
                                 })
        ->Unit(benchmark::kMillisecond);
  }
  for (const Op& op : kHugeCalls) {
    benchmark::RegisterBenchmark((std::string("BM_LuaJITOneCall/") + op.name).c_str(),
                                 [op](benchmark::State& s) { run_builtin(s, module_source(op.setup, op.call), false); })
        ->Unit(benchmark::kMillisecond);
  }
  for (const Op& op : kVmOps) {
    benchmark::RegisterBenchmark((std::string("BM_UnchargedVmOp/") + op.name).c_str(),
                                 [op](benchmark::State& s) {
                                   run_sandboxed(s, module_source(op.setup, op.call), kAmpleBudget, false);
                                 })
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
