// The runaways of issue 10: one per way of spending a call's budget — plain Lua loops
// (the reference) and each charged library function over an input that, without the
// charge, held the thread for seconds or for ever (docs/PERFORMANCE.md,
// BM_LuaJITOneCall). Each is a `prelude` (builds the input once, at load) and a one-line
// `body` that loops on the call. sandbox_budget_test.cpp demands a budget fault naming
// `what` for each; tests/bench/lua_budget_bench.cpp times each exhausted budget
// (BM_ExhaustedBudget/<name>).
#pragma once

#include <vector>

namespace propbot::scripting::testing {

struct Runaway {
  const char* name;     // benchmark name
  const char* what;     // the library function the fault names; null: the hook (Lua code)
  const char* prelude;  // builds the input
  const char* body;     // one line
};

inline const std::vector<Runaway>& runaways() {
  static const std::vector<Runaway> kRunaways = {
      {"lua_while_true", nullptr, "", "while true do end"},
      {"lua_table_loop", nullptr, "local t = {}", "local i = 0 while true do i = i + 1 t[i % 100] = i * 2 end"},
      {"lua_calls", nullptr, "local function f(a) return a end", "while true do f(1) end"},
      {"find_backtracking_n28", "string.find", "local s = ('a'):rep(28) local p = ('a-'):rep(28) .. 'b'",
       "local found = string.find(s, p)"},
      {"match_greedy_groups", "string.match", "local s = ('a'):rep(40) local p = ('a*'):rep(20) .. 'b'",
       "local found = s:match(p)"},
      {"find_plain_n_times_m", "string.find", "local s = ('a'):rep(2^20) local p = ('a'):rep(1000) .. 'b'",
       "while true do s:find(p, 1, true) end"},
      {"find_plain_scan", "string.find", "local s = ('a'):rep(2^20)", "while true do s:find('b', 1, true) end"},
      {"find_balanced", "string.find", "local s = ('(a)'):rep(2^18)", "while true do s:find('%b()x') end"},
      {"match_set", "string.match", "local s = ('ab'):rep(2^19)", "while true do s:match('[%a%d%s_%-]*x') end"},
      {"gmatch_words", "string.gmatch", "local s = ('abc '):rep(2^16)",
       "while true do for w in s:gmatch('%a+') do end end"},
      {"gsub_template", "string.gsub", "local s = ('abc '):rep(2^16)", "while true do local r = s:gsub('%w+', '%0%0') end"},
      {"gsub_function", "string.gsub", "local s = ('abc '):rep(2^16) local f = function(w) return w end",
       "while true do local r = s:gsub('%w+', f) end"},
      {"rep_byte", "string.rep", "local n = 2^20", "while true do local s = ('x'):rep(n) end"},
      {"rep_pieces", "string.rep", "local n = 2^18", "while true do local s = ('xy'):rep(n, 'ab') end"},
      {"upper", "string.upper", "local s = ('x'):rep(2^20)", "while true do local t = s:upper() end"},
      {"lower", "string.lower", "local s = ('X'):rep(2^20)", "while true do local t = s:lower() end"},
      {"reverse", "string.reverse", "local s = ('x'):rep(2^20)", "while true do local t = s:reverse() end"},
      {"sub", "string.sub", "local s = ('x'):rep(2^20)", "while true do local t = s:sub(2) end"},
      {"format_s", "string.format", "local s = ('x'):rep(2^20)", "while true do local t = string.format('%s', s) end"},
      {"format_q", "string.format", "local s = ('x\\n'):rep(2^18)", "while true do local t = string.format('%q', s) end"},
      {"byte", "string.byte", "local s = ('x'):rep(8000)", "while true do local a = s:byte(1, 7900) end"},
      {"char", "string.char", "local t = {} for i = 1, 7900 do t[i] = 65 end",
       "local function g(...) while true do local a = string.char(...) end end g(unpack(t))"},
      {"unpack", "unpack", "local t = {} for i = 1, 7900 do t[i] = i end", "while true do local a = unpack(t) end"},
      {"tonumber", "tonumber", "local s = (' '):rep(2^20)", "while true do local n = tonumber(s) end"},
      {"concat", "table.concat", "local t = {} for i = 1, 1e5 do t[i] = 'ab' end",
       "while true do local s = table.concat(t) end"},
      {"insert_front", "table.insert", "local t = {} for i = 1, 1e5 do t[i] = i end",
       "while true do table.insert(t, 1, 0) end"},
      {"sort_default", "table.sort", "local t = {} for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end",
       "local c = {} for i = 1, #t do c[i] = t[i] end table.sort(c)"},
      // The comparator's own instructions draw on the budget too: either may run out.
      {"sort_comparator", nullptr,
       "local t = {} for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end local lt = function(a, b) return a < b end",
       "local c = {} for i = 1, #t do c[i] = t[i] end table.sort(c, lt)"},
      {"maxn", "table.maxn", "local t = {} for i = 1, 1e5 do t[i + 0.5] = true end",
       "while true do local m = table.maxn(t) end"},
      {"pcall_error", "a caught error", "", "while true do pcall(error, 'x') end"},
      {"pcall_runtime_error", "a caught error", "local f = function() local y = nil + 1 end",
       "while true do pcall(f) end"},
      {"resume_error", "a caught error", "local f = function() error('x') end",
       "while true do coroutine.resume(coroutine.create(f)) end"},
  };
  return kRunaways;
}

// Runaways made of single VM instructions whose cost grows with their operands: each
// counts as one instruction, so the budget would take minutes to run out (the first
// ~9 minutes, docs/PERFORMANCE.md "Not covered"); the call's time limit stops them
// (scripting/script_watchdog.hpp). sandbox_time_limit_test.cpp demands a time-limit
// fault for each; tests/fuzz/lua_fuzz.cpp has them in its hostile corpus.
inline const std::vector<Runaway>& time_runaways() {
  // Each builds its input inside the call, by doubling with '..' (~23 instructions, a
  // few ms: LuaJIT's own code), so that a test may give the call a short limit and the
  // fault is on the body's line wherever it stops.
  static const std::vector<Runaway> kRunaways = {
      // '..' of two 8 MiB strings: ~2 ms per instruction.
      {"concat_8MiB", nullptr, "",
       "local s = 'x' for i = 1, 23 do s = s .. s end while true do local t = s .. s end"},
      // '<' of two 8 MiB strings that differ in their last byte: ~0.6 ms.
      {"less_than_8MiB", nullptr, "",
       "local s = 'x' for i = 1, 23 do s = s .. s end local a, b = s .. 'a', s .. 'b' s = nil "
       "while true do local c = a < b end"},
      // Calls passing 7900 varargs on (each copies them): ~2-3 us per instruction, so
      // the budget would take ~1.4 s.
      {"varargs_7900", nullptr, "",
       "local t = {} for i = 1, 7900 do t[i] = i end local function g(...) return select('#', ...) end "
       "local function h(...) while true do local n = g(...) end end h(unpack(t))"},
  };
  return kRunaways;
}

}  // namespace propbot::scripting::testing
