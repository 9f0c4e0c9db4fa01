// Small helpers shared by the sandbox's budgeted library functions
// (scripting/lua_budgeted_string.cpp, scripting/lua_budgeted_library.cpp): the budget
// a closure carries, LuaJIT's integer-argument coercion, and registration.
#pragma once

#include <cstdint>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/script_budget.hpp"

namespace propbot::scripting::library {

// The budget of the running closure (its upvalue 1, a light userdata).
inline ScriptBudget& budget_of(lua_State* L) {
  return *static_cast<ScriptBudget*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// A number truncated to int32 as LuaJIT converts on x86-64 (a C cast: out of range or
// NaN gives INT32_MIN).
inline std::int32_t to_int32(lua_Number n) {
  if (!(n >= -2147483648.0 && n < 2147483648.0)) return INT32_MIN;
  return static_cast<std::int32_t>(n);
}

// LuaJIT's integer argument (lj_lib_checkint): a number or numeric string, converted by
// to_int32; the error names the argument as LuaJIT's does.
inline std::int32_t check_int32(lua_State* L, int arg) { return to_int32(luaL_checknumber(L, arg)); }

// lj_lib_optint: absent or nil gives `fallback`.
inline std::int32_t opt_int32(lua_State* L, int arg, std::int32_t fallback) {
  return lua_isnoneornil(L, arg) ? fallback : check_int32(L, arg);
}

inline int absolute(lua_State* L, int index) {
  return index > 0 || index <= LUA_REGISTRYINDEX ? index : lua_gettop(L) + index + 1;
}

// table[name] = C closure of `fn` with `budget` as upvalue 1.
inline void set_budgeted(lua_State* L, int table_index, const char* name, lua_CFunction fn, ScriptBudget* budget) {
  table_index = absolute(L, table_index);
  lua_pushlightuserdata(L, budget);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, table_index, name);
}

}  // namespace propbot::scripting::library
