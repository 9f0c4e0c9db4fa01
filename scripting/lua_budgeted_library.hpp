// Puts the whole budgeted library into a LuaSandbox state: after this, no library
// function a script can reach does work that grows with its input without paying for
// it from the call's budget (scripting/script_budget.hpp; rates in
// scripting/script_costs.hpp). Called once per state, before the sandbox copies the
// libraries into the script's globals; it edits LuaJIT's library tables themselves, so
// method calls (s:find(...), through the string metatable's __index) get the same
// functions.
//
// - string.find/match/gmatch/gsub: reimplemented over a budgeted matcher
//   (scripting/lua_budgeted_string.hpp).
// - table.sort, table.maxn, table.concat: reimplemented, each step charged
//   (scripting/lua_budgeted_table.hpp).
// - string.rep, upper, lower, reverse, sub, format, byte, char, table.insert, unpack,
//   tonumber: LuaJIT's own functions behind a small Lua shim,
//   `function(...) charge(...) return f(...) end`. charge() computes the work from the
//   arguments (bytes produced, copied or scanned; values moved; elements joined) and
//   spends it before the builtin runs, so a call the budget cannot pay for never
//   starts. The builtin is reached by a tail call: its argument errors still name the
//   script's call ("bad argument #1 to 'rep'", "calling 'rep' on bad self") and its
//   errors are located at the script's line, exactly as without the shim. Work that
//   charge() cannot see in advance (a %s of a table with __tostring) is Lua code the
//   hook counts.
// - pcall, coroutine.resume: a shim charges each error they catch
//   (costs::kTicksPerCaughtError): LuaJIT's throw unwinds through the C++ unwinder, a
//   microsecond per error, so `while true do pcall(error) end` ran ~100x past the
//   budget's wall time. Found by tests/fuzz/lua_fuzz.cpp. Still yieldable (the builtin
//   pcall runs underneath, called from Lua); calls the builtin refuses are tail calls
//   (its error keeps the script's name and line).
//
// Not charged, and why (measured in docs/PERFORMANCE.md): string.len, tostring,
// select, next/pairs/ipairs, raw*, math.*, bit.*, os.time/clock, the rest of
// coroutine.* — constant work per call, or bounded by the 8000 values a C function may
// return. table.remove,
// table.getn/foreach/foreachi are Lua code in LuaJIT, counted by the hook. Not a library
// function and so outside this file: the VM's own '..', string '<' and vararg copies
// are single instructions whose cost grows with their operands.
#pragma once

#include "scripting/script_budget.hpp"

namespace propbot::scripting {

// Expects the string, table and base libraries opened in L's globals.
void install_budgeted_library(lua_State* L, ScriptBudget* budget);

}  // namespace propbot::scripting
