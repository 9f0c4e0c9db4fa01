// The sandbox's string.find, string.match, string.gmatch and string.gsub: LuaJIT 2.1's
// functions (same arguments, results, coercions and error messages, checked by
// tests/unit/scripting/lua_pattern_differential_test.cpp) over the budgeted matcher of
// scripting/lua_pattern.hpp, so that no pattern can hold the thread past the call's
// budget: LuaJIT's own matcher backtracks exponentially inside one C call, where the
// count hook never fires (string.find(("a"):rep(28), ("a-"):rep(28) .. "b") runs for
// ever).
//
// What is charged (scripting/script_costs.hpp): every matcher step; for a plain find,
// every byte scanned or compared (and the scan of the needle for pattern characters);
// every byte gsub writes to its result; each call into a gsub replacement function (its
// Lua code is counted by the hook). Running out raises the budget fault at the caller's
// line ("instruction budget exceeded (... the work of string.find counts against it)").
//
// Differences from LuaJIT, all where LuaJIT misbehaves: a pattern that would run out the
// budget is stopped; gsub replacement callbacks nested past
// kMaxNestedCStackBytes raise "stack overflow (...)" where LuaJIT's gsub overflows the
// C stack and crashes the process; a gsub result over 2^31 - 256 bytes raises "string
// length overflow".
//
// The functions keep only trivially destructible state on the C stack (see
// scripting/script_budget.hpp). The budget is each closure's upvalue 1.
#pragma once

#include "scripting/script_budget.hpp"

namespace propbot::scripting {

// Sets find, match, gmatch and gsub in the table at `table_index` (LuaJIT's string
// library table, which is also the string metatable's __index).
void install_budgeted_patterns(lua_State* L, int table_index, ScriptBudget* budget);

}  // namespace propbot::scripting
