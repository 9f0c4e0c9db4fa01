// Raw table access for host code that touches script-owned tables (the strategy
// runner, its ctx functions, its param reader, the Lua ⇄ JSON conversion).
//
// Guarantee: none of these runs a metamethod. That matters twice over: tables the
// script can see must be filled the same way whatever metatable it put on them, and a
// read or write that happens outside a protected call (loading the module, reading its
// params declarations, filling an event table before the callback) must not be able to
// raise — an __index/__newindex that raises, or the budget error inside one, would
// escape as a foreign exception and end the daemon (a LuaJIT panic aborts).
//
// Uses only the Lua C API; no allocation beyond the key strings Lua interns.
#pragma once

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting::detail {

// `index` as an absolute stack index (pseudo-indices such as the registry unchanged),
// so it stays valid while values are pushed.
inline int absolute_index(lua_State* L, int index) {
  return index > 0 || index <= LUA_REGISTRYINDEX ? index : lua_gettop(L) + index + 1;
}

// Pushes t[key] for the table at `index`.
inline void raw_get_field(lua_State* L, int index, const char* key) {
  index = absolute_index(L, index);
  lua_pushstring(L, key);
  lua_rawget(L, index);
}

// t[key] = value, with the value on top of the stack and the table below it; pops the value.
inline void raw_set_field(lua_State* L, const char* key) {
  lua_pushstring(L, key);
  lua_insert(L, -2);
  lua_rawset(L, -3);
}

// t[key] = value for the table on top of the stack.
inline void raw_set_number(lua_State* L, const char* key, lua_Number value) {
  lua_pushstring(L, key);
  lua_pushnumber(L, value);
  lua_rawset(L, -3);
}

}  // namespace propbot::scripting::detail
