#include "scripting/script_budget.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" {
#include <luajit-2.1/lauxlib.h>
}

namespace propbot::scripting {

bool locate_script(lua_State* L, char* file, std::size_t size, int* line) noexcept {
  lua_Debug ar;
  for (int level = 0; level < 32 && lua_getstack(L, level, &ar) != 0; ++level) {
    if (lua_getinfo(L, "Sl", &ar) == 0) break;
    if (ar.currentline > 0 && ar.source != nullptr && ar.source[0] == '@') {
      std::snprintf(file, size, "%s", ar.source + 1);
      *line = ar.currentline;
      return true;
    }
  }
  return false;
}

void raise_budget_exceeded(lua_State* L, ScriptBudget& b, const char* what) {
  // Stays exhausted until the next top-level call, and from now on the hook runs on
  // every instruction: a script that swallows the error with pcall is stopped at its
  // very next instruction outside the pcall.
  b.exhausted = true;
  b.remaining = 0;
  lua_sethook(L, b.hook, LUA_MASKCOUNT, 1);
  // Located at the script's line (luaL_error's level 1 is not the running function
  // inside a hook), skipping the sandbox's own helpers such as xpcall.
  char file[256];
  int line = 0;
  if (locate_script(L, file, sizeof file, &line)) {
    lua_pushfstring(L, "%s:%d: ", file, line);
  } else {
    lua_pushliteral(L, "");
  }
  if (b.timed_out) {
    lua_pushfstring(L,
                    "time limit exceeded (%d ms of CPU time per call; one '..', comparison or call on long strings "
                    "or many values can take milliseconds, and counts as one instruction)",
                    static_cast<int>(std::min<std::int64_t>(b.time_limit_ms, INT32_MAX)));
  } else if (what != nullptr) {
    lua_pushfstring(L, "instruction budget exceeded (%f instructions per call; the work of %s counts against it)",
                    static_cast<lua_Number>(b.instructions), what);
  } else {
    lua_pushfstring(L, "instruction budget exceeded (%f instructions per call)", static_cast<lua_Number>(b.instructions));
  }
  lua_concat(L, 2);
  lua_error(L);
  std::abort();  // unreachable: lua_error does not return
}

void raise_time_limit_exceeded(lua_State* L, ScriptBudget& b) {
  b.timed_out = true;
  raise_budget_exceeded(L, b, nullptr);
}

void check_c_stack(lua_State* L, const ScriptBudget& b) {
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (b.c_stack_base != 0 && b.c_stack_base > here && b.c_stack_base - here > kMaxNestedCStackBytes) {
    luaL_error(L, "stack overflow (callbacks from string and table functions nested too deeply)");
  }
}

}  // namespace propbot::scripting
