// Issue 10: what the budgeted library costs, and what the budget buys
// (docs/PERFORMANCE.md, "Lua string functions under the budget").
//
// BM_LuaLib/<op>/builtin vs .../budgeted — ns per library call on typical short
//   inputs: a Lua loop of 100 calls, time / 100. builtin = LuaJIT's functions in a
//   plain state (luaL_openlibs, JIT off, a no-op count hook every 1000 instructions,
//   as the sandbox arms it); budgeted = a LuaSandbox (the shipped library). The loop's
//   own instructions are in both.
// BM_ExhaustedBudget/<case> — wall time of one call that runs out the default budget
//   (1 000 000 instructions) spending it on <case>: the calibration of
//   scripting/script_costs.hpp. The aim: about the same for every case.
// BM_UnchargedVmOp/<op> — wall time of ONE VM instruction whose cost grows with its
//   operands ('..', string '<', a call with 7900 arguments): what the budget does not
//   cover (each counts as one instruction of the ~2 ns the budget assumes).
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "scripting/lua_sandbox.hpp"

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

std::string loop_source(const Op& op) {
  return std::string(op.setup) + "\nreturn function()\n  for i = 1, " + std::to_string(kCallsPerLoop) + " do " +
         op.call + " end\nend\n";
}

void no_op_hook(lua_State*, lua_Debug*) {}

void builtin(benchmark::State& state, const Op& op) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  lua_sethook(L, &no_op_hook, LUA_MASKCOUNT, 1000);
  const std::string source = loop_source(op);
  if (luaL_loadbuffer(L, source.data(), source.size(), "@bench.lua") != 0 || lua_pcall(L, 0, 1, 0) != 0) {
    state.SkipWithError(lua_tostring(L, -1));
    lua_close(L);
    return;
  }
  const int loop = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, loop);
    if (lua_pcall(L, 0, 0, 0) != 0) {
      state.SkipWithError(lua_tostring(L, -1));
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kCallsPerLoop);
  lua_close(L);
}

void budgeted(benchmark::State& state, const Op& op) {
  SimClock clock;
  SandboxLimits limits;
  limits.instruction_budget = 1'000'000'000;
  LuaSandbox sandbox(limits, clock);
  ScriptFault fault;
  if (!sandbox.load_module(loop_source(op), "bench.lua", &fault)) {
    state.SkipWithError(fault.message.c_str());
    return;
  }
  lua_State* L = sandbox.state();
  const int loop = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, loop);
    if (!sandbox.call(0, 0, &fault)) {
      state.SkipWithError(fault.message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kCallsPerLoop);
}

// --- exhausted budgets ---

const std::vector<Op> kRunaways = {
    {"lua_while_true", "", "while true do end"},
    {"lua_table_loop", "local t = {}", "local i = 0 while true do i = i + 1 t[i % 100] = i * 2 end"},
    {"lua_calls", "local function f(a) return a end", "while true do f(1) end"},
    {"find_backtracking_n28", "local s = ('a'):rep(28) local p = ('a-'):rep(28) .. 'b'", "string.find(s, p)"},
    {"match_greedy_groups", "local s = ('a'):rep(40) local p = ('a*'):rep(20) .. 'b'", "string.find(s, p)"},
    {"find_plain_n_times_m", "local s = ('a'):rep(2^20) local p = ('a'):rep(1000) .. 'b'",
     "while true do s:find(p, 1, true) end"},
    {"find_plain_scan", "local s = ('a'):rep(2^20)", "while true do s:find('b', 1, true) end"},
    {"find_balanced", "local s = ('(a)'):rep(2^18)", "while true do s:find('%b()x') end"},
    {"match_set", "local s = ('ab'):rep(2^19)", "while true do s:match('[%a%d%s_%-]*x') end"},
    {"gmatch_words", "local s = ('abc '):rep(2^16)", "while true do for w in s:gmatch('%a+') do end end"},
    {"gsub_template", "local s = ('abc '):rep(2^16)", "while true do local r = s:gsub('%w+', '%0%0') end"},
    {"gsub_function", "local s = ('abc '):rep(2^16) local f = function(w) return w end",
     "while true do local r = s:gsub('%w+', f) end"},
    {"rep_byte", "", "while true do local s = ('x'):rep(2^20) end"},
    {"rep_pieces", "", "while true do local s = ('xy'):rep(2^18, 'ab') end"},
    {"upper", "local s = ('x'):rep(2^20)", "while true do local t = s:upper() end"},
    {"reverse", "local s = ('x'):rep(2^20)", "while true do local t = s:reverse() end"},
    {"sub", "local s = ('x'):rep(2^20)", "while true do local t = s:sub(2) end"},
    {"format_s", "local s = ('x'):rep(2^20)", "while true do local t = string.format('%s', s) end"},
    {"format_q", "local s = ('x\\n'):rep(2^18)", "while true do local t = string.format('%q', s) end"},
    {"byte", "local s = ('x'):rep(8000)", "while true do local a = s:byte(1, 7900) end"},
    {"char", "local t = {} for i = 1, 7900 do t[i] = 65 end local function g(...) while true do local a = string.char(...) end end",
     "g(unpack(t))"},
    {"unpack", "local t = {} for i = 1, 7900 do t[i] = i end", "while true do local a = unpack(t) end"},
    {"tonumber", "local s = (' '):rep(2^20)", "while true do local n = tonumber(s) end"},
    {"concat", "local t = {} for i = 1, 1e5 do t[i] = 'ab' end", "while true do local s = table.concat(t) end"},
    {"insert_front", "local t = {} for i = 1, 1e5 do t[i] = i end", "while true do table.insert(t, 1, 0) end"},
    {"sort_default", "local t = {} for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end",
     "local c = {} for i = 1, #t do c[i] = t[i] end table.sort(c)"},
    {"sort_comparator", "local t = {} for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end local lt = function(a, b) return a < b end",
     "local c = {} for i = 1, #t do c[i] = t[i] end table.sort(c, lt)"},
    {"maxn", "local t = {} for i = 1, 1e5 do t[i + 0.5] = true end", "while true do local m = table.maxn(t) end"},
    {"pcall_error", "", "while true do pcall(error, 'x') end"},
    {"resume_error", "local f = function() error('x') end", "while true do coroutine.resume(coroutine.create(f)) end"},
};

void exhausted(benchmark::State& state, const Op& op) {
  SimClock clock;
  LuaSandbox sandbox(SandboxLimits{}, clock);  // the default budget, 1 000 000 instructions
  ScriptFault fault;
  const std::string source = std::string(op.setup) + "\nreturn function()\n" + op.call + "\nend\n";
  if (!sandbox.load_module(source, "bench.lua", &fault)) {
    state.SkipWithError(fault.message.c_str());
    return;
  }
  lua_State* L = sandbox.state();
  const int runaway = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, runaway);
    if (sandbox.call(0, 0, &fault) || !fault.budget_exceeded) {
      state.SkipWithError(("not a budget fault: " + fault.message).c_str());
      break;
    }
  }
}

// --- VM instructions the budget counts as one ---

const std::vector<Op> kVmOps = {
    {"concat_2x8MiB", "local s = ('x'):rep(2^23)", "local t = s .. s"},
    {"less_than_8MiB", "local a = ('x'):rep(2^23) local b = a:sub(1, -2) .. 'y'", "local t = a < b"},
    {"call_7900_args", "local t = {} for i = 1, 7900 do t[i] = i end local function g(...) return select('#', ...) end "
                       "local function h(...) return g(...) end",
     "local n = h(unpack(t))"},
};

void vm_op(benchmark::State& state, const Op& op) {
  SimClock clock;
  SandboxLimits limits;
  limits.instruction_budget = 1'000'000'000;
  LuaSandbox sandbox(limits, clock);
  ScriptFault fault;
  const std::string source = std::string(op.setup) + "\nreturn function()\n" + op.call + "\nend\n";
  if (!sandbox.load_module(source, "bench.lua", &fault)) {
    state.SkipWithError(fault.message.c_str());
    return;
  }
  lua_State* L = sandbox.state();
  const int one = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, one);
    if (!sandbox.call(0, 0, &fault)) {
      state.SkipWithError(fault.message.c_str());
      break;
    }
  }
}

const bool registered = [] {
  for (const Op& op : kOps) {
    benchmark::RegisterBenchmark((std::string("BM_LuaLib/") + op.name + "/builtin").c_str(),
                                 [op](benchmark::State& s) { builtin(s, op); });
    benchmark::RegisterBenchmark((std::string("BM_LuaLib/") + op.name + "/budgeted").c_str(),
                                 [op](benchmark::State& s) { budgeted(s, op); });
  }
  for (const Op& op : kRunaways) {
    benchmark::RegisterBenchmark((std::string("BM_ExhaustedBudget/") + op.name).c_str(),
                                 [op](benchmark::State& s) { exhausted(s, op); })
        ->Unit(benchmark::kMillisecond);
  }
  for (const Op& op : kVmOps) {
    benchmark::RegisterBenchmark((std::string("BM_UnchargedVmOp/") + op.name).c_str(),
                                 [op](benchmark::State& s) { vm_op(s, op); })
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
