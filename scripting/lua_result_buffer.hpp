// ResultBuffer: the bytes of a string a budgeted library function is building
// (string.gsub's result, table.concat's): a local array first, then, once that is
// outgrown, a userdata kept at a stack slot of the function's frame — counted by the
// memory limit, and collected with the frame if an error unwinds the call. POD, so it
// may live on a C stack that lua_error unwinds (scripting/script_budget.hpp). Every
// byte appended is charged at costs::kCopyBytesPerTick, in batches of kChargeEvery
// bytes (a charge per append would cost more than the copy) and at push_result.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/script_budget.hpp"
#include "scripting/script_costs.hpp"

namespace propbot::scripting {

struct ResultBuffer {
  static constexpr std::size_t kLocal = 256;
  static constexpr std::size_t kMaxSize = 0x7fffff00;  // LuaJIT's longest string
  static constexpr std::size_t kChargeEvery = 64 * 1024;  // bytes copied between charges

  char* data;
  std::size_t size;
  std::size_t capacity;
  std::size_t unpaid;  // bytes copied and not yet charged
  int slot;  // stack slot for the userdata, nil until needed
  const char* what;  // the function charged, e.g. "string.gsub"
  char local[kLocal];
};

// Pushes the slot's nil: call with the frame's arguments settled (lua_settop).
inline void start(lua_State* L, ResultBuffer& out, const char* what) {
  lua_pushnil(L);
  out.slot = lua_gettop(L);
  out.data = out.local;
  out.size = 0;
  out.capacity = ResultBuffer::kLocal;
  out.unpaid = 0;
  out.what = what;
}

inline void pay(lua_State* L, ScriptBudget& b, ResultBuffer& out) {
  charge(L, b, static_cast<std::int64_t>(out.unpaid / costs::kCopyBytesPerTick), out.what);
  out.unpaid = 0;
}

// Appends n bytes; raises on budget exhaustion, on the memory limit, or past LuaJIT's
// longest string ("string length overflow", LuaJIT's word for it).
inline void append(lua_State* L, ScriptBudget& b, ResultBuffer& out, const char* bytes, std::size_t n) {
  out.unpaid += n;
  if (out.unpaid >= ResultBuffer::kChargeEvery) pay(L, b, out);
  if (n > out.capacity - out.size) {
    if (n > ResultBuffer::kMaxSize - out.size) luaL_error(L, "string length overflow");
    const std::size_t capacity = std::min(std::max(out.capacity * 2, out.size + n), ResultBuffer::kMaxSize);
    auto* grown = static_cast<char*>(lua_newuserdata(L, capacity));
    std::memcpy(grown, out.data, out.size);
    lua_replace(L, out.slot);
    out.data = grown;
    out.capacity = capacity;
  }
  std::memcpy(out.data + out.size, bytes, n);
  out.size += n;
}

// Appends the string (or number, as text) on top of the stack and pops it.
inline void append_top(lua_State* L, ScriptBudget& b, ResultBuffer& out) {
  std::size_t n = 0;
  const char* bytes = lua_tolstring(L, -1, &n);
  append(L, b, out, bytes, n);
  lua_pop(L, 1);
}

// Pushes the result as a Lua string (a copy, charged like an append).
inline void push_result(lua_State* L, ScriptBudget& b, ResultBuffer& out) {
  out.unpaid += out.size;
  pay(L, b, out);
  lua_pushlstring(L, out.data, out.size);
}

}  // namespace propbot::scripting
