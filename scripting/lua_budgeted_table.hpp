// The sandbox's table.sort, table.maxn and table.concat: LuaJIT 2.1's functions with
// every step counted against the call's budget (scripting/script_budget.hpp).
//
// table.sort is the same median-of-three quicksort LuaJIT runs — the same comparisons
// in the same order, so the same permutation, the same comparator calls and the same
// "invalid order function for sorting" — with each comparison charged as it happens
// (costs::kTicksPerComparison, or kTicksPerCallback for a comparator, whose Lua code
// the hook counts too). Charging n·log2(n) up front would not do: this quicksort is
// quadratic on adversarial orders (LuaJIT's too), and with the default order no Lua
// code runs for the hook to count.
//
// table.maxn visits every key (LuaJIT's scans the array part from the top and the whole
// hash part), charging costs::kTicksPerTableKey per key: same result, bounded time.
//
// table.concat joins as LuaJIT's does (raw reads, numbers as "%.14g", the same error
// for the first element that is neither a string nor a number), charging each element
// and each byte as it goes; a shim that charged first would have to read every element
// twice (the reads cost more than LuaJIT's join).
//
// All raise the budget fault at the caller's line when the budget runs out, and keep
// only trivially destructible state on the C stack.
#pragma once

#include "scripting/script_budget.hpp"

namespace propbot::scripting {

// Sets sort, maxn and concat in the table at `table_index` (LuaJIT's table library table).
void install_budgeted_table(lua_State* L, int table_index, ScriptBudget* budget);

}  // namespace propbot::scripting
