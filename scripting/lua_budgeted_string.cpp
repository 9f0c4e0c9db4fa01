#include "scripting/lua_budgeted_string.hpp"

#include <algorithm>
#include <cstring>

#include "scripting/lua_library_support.hpp"
#include "scripting/lua_pattern.hpp"
#include "scripting/lua_result_buffer.hpp"
#include "scripting/script_costs.hpp"

namespace propbot::scripting {
namespace {

using lua_pattern::Fault;
using lua_pattern::Match;
using library::budget_of;

// --- the matcher's steps against the script's budget ---

// Hands the matcher what the budget still holds, in steps.
void grant(const ScriptBudget& b, Match& m, std::int64_t* granted) {
  *granted = allowance(b, costs::kTicksPerMatchStep);
  m.steps_left = *granted;
}

// Takes the steps used since grant() from the budget.
void settle(ScriptBudget& b, const Match& m, std::int64_t granted) {
  b.remaining -= (granted - std::max<std::int64_t>(m.steps_left, 0)) * costs::kTicksPerMatchStep;
}

// Raises the matcher's fault, if any, at the caller's line.
void raise_if_faulted(lua_State* L, ScriptBudget& b, const Match& m, const char* what) {
  if (m.fault == Fault::none) return;
  if (m.fault == Fault::budget) raise_budget_exceeded(L, b, what);
  luaL_error(L, "%s", lua_pattern::describe(m.fault));
}

// --- captures ---

// Capture i of a successful match [s, e); with no captures, capture 0 is the match.
// Charged as a new string (hashing and interning cost more than a VM instruction).
void push_capture(lua_State* L, ScriptBudget& b, const char* what, const Match& m, int i, const char* s,
                  const char* e) {
  charge(L, b, costs::kTicksPerResult, what);
  if (i >= m.captures) {
    if (i != 0) luaL_error(L, "invalid capture index");
    lua_pushlstring(L, s, static_cast<std::size_t>(e - s));
    return;
  }
  const lua_pattern::Capture& c = m.capture[i];
  if (c.length == lua_pattern::kOpenCapture) luaL_error(L, "unfinished capture");
  if (c.length == lua_pattern::kPositionCapture) {
    lua_pushinteger(L, c.begin - m.subject + 1);
  } else {
    lua_pushlstring(L, c.begin, static_cast<std::size_t>(c.length));
  }
}

// All captures; with none, the whole match when `s` is given (match, gmatch, gsub's
// callbacks) and nothing when it is null (find).
int push_captures(lua_State* L, ScriptBudget& b, const char* what, const Match& m, const char* s, const char* e) {
  const int n = (m.captures == 0 && s != nullptr) ? 1 : m.captures;
  luaL_checkstack(L, n, "too many captures");
  for (int i = 0; i < n; ++i) push_capture(L, b, what, m, i, s, e);
  return n;
}

// --- find and match ---

// string.find with a plain needle (the 4th argument true, or no pattern character).
int find_plain(lua_State* L, ScriptBudget& b, const char* s, std::size_t length, std::size_t start, const char* needle,
               std::size_t needle_length) {
  // find_plain's unit is a scanned byte; a tick pays for kPlainScanBytesPerTick.
  std::int64_t units_left = allowance(b, 1) * costs::kPlainScanBytesPerTick;
  const std::int64_t granted = units_left;
  bool exhausted = false;
  const char* hit = lua_pattern::find_plain(s + start, length - start, needle, needle_length, units_left, &exhausted);
  b.remaining -= (granted - std::max<std::int64_t>(units_left, 0)) / costs::kPlainScanBytesPerTick;
  if (exhausted) raise_budget_exceeded(L, b, "string.find");
  if (hit == nullptr) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushinteger(L, hit - s + 1);
  lua_pushinteger(L, static_cast<lua_Integer>(hit - s + static_cast<std::ptrdiff_t>(needle_length)));
  return 2;
}

int find_or_match(lua_State* L, bool find) {
  ScriptBudget& b = budget_of(L);
  const char* what = find ? "string.find" : "string.match";
  std::size_t length = 0;
  std::size_t pattern_length = 0;
  const char* s = luaL_checklstring(L, 1, &length);
  const char* pattern = luaL_checklstring(L, 2, &pattern_length);
  std::int32_t init = library::opt_int32(L, 3, 1);
  charge(L, b, costs::kTicksPerLibraryCall, what);
  // LuaJIT: a negative init counts from the end, 0 is 1, past the end is the end.
  if (init < 0) {
    init += static_cast<std::int32_t>(length);
  } else {
    --init;
  }
  const std::size_t start = std::min(static_cast<std::size_t>(std::max(init, 0)), length);
  if (find && lua_toboolean(L, 4) != 0) return find_plain(L, b, s, length, start, pattern, pattern_length);
  if (find) {
    charge(L, b, static_cast<std::int64_t>(pattern_length) / costs::kPlainScanBytesPerTick, what);
    if (!lua_pattern::has_specials(pattern, pattern_length)) {
      return find_plain(L, b, s, length, start, pattern, pattern_length);
    }
  }
  // The pattern is read as a C string from here on, as LuaJIT reads it.
  const bool anchored = *pattern == '^';
  if (anchored) ++pattern;
  Match m;
  lua_pattern::start(m, s, length, 0);
  std::int64_t granted = 0;
  grant(b, m, &granted);
  const char* at = s + start;
  const char* end = nullptr;
  for (;;) {
    end = lua_pattern::match_at(m, at, pattern);
    if (end != nullptr || m.fault != Fault::none || anchored || at >= m.subject_end) break;
    ++at;
  }
  settle(b, m, granted);
  raise_if_faulted(L, b, m, what);
  if (end == nullptr) {
    lua_pushnil(L);
    return 1;
  }
  if (!find) return push_captures(L, b, what, m, at, end);
  luaL_checkstack(L, 2, "too many captures");
  lua_pushinteger(L, at - s + 1);
  lua_pushinteger(L, end - s);
  return 2 + push_captures(L, b, what, m, nullptr, nullptr);
}

int find(lua_State* L) { return find_or_match(L, true); }
int match(lua_State* L) { return find_or_match(L, false); }

// --- gmatch ---

// The iterator: upvalues budget, subject, pattern, next start (0-based). LuaJIT's
// gmatch reads the pattern as is: a leading '^' is an ordinary character here.
int gmatch_next(lua_State* L) {
  ScriptBudget& b = budget_of(L);
  charge(L, b, costs::kTicksPerLibraryCall, "string.gmatch");
  std::size_t length = 0;
  const char* s = lua_tolstring(L, lua_upvalueindex(2), &length);
  const char* pattern = lua_tostring(L, lua_upvalueindex(3));
  const auto next = static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(4)));
  Match m;
  lua_pattern::start(m, s, length, 0);
  std::int64_t granted = 0;
  grant(b, m, &granted);
  for (const char* at = s + std::min(next, length + 1); at <= m.subject_end; ++at) {
    const char* end = lua_pattern::match_at(m, at, pattern);
    if (end != nullptr) {
      settle(b, m, granted);
      // An empty match moves on by one, so the loop always advances.
      lua_pushinteger(L, (end - s) + (end == at ? 1 : 0));
      lua_replace(L, lua_upvalueindex(4));
      return push_captures(L, b, "string.gmatch", m, at, end);
    }
    if (m.fault != Fault::none) break;
  }
  settle(b, m, granted);
  raise_if_faulted(L, b, m, "string.gmatch");
  return 0;
}

int gmatch(lua_State* L) {
  luaL_checklstring(L, 1, nullptr);
  luaL_checklstring(L, 2, nullptr);
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_pushinteger(L, 0);
  lua_pushcclosure(L, &gmatch_next, 4);
  return 1;
}

// --- gsub ---

// A string (or number) replacement: '%0'..'%9' are the match and its captures, '%'
// before any other byte is that byte (a '%' at the very end gives a NUL, as in LuaJIT).
void append_template(lua_State* L, ScriptBudget& b, ResultBuffer& out, const Match& m, const char* s, const char* e) {
  std::size_t n = 0;
  const char* r = lua_tolstring(L, 3, &n);
  std::size_t i = 0;
  while (i < n) {
    const auto* escape = static_cast<const char*>(std::memchr(r + i, '%', n - i));
    const std::size_t run = escape == nullptr ? n - i : static_cast<std::size_t>(escape - (r + i));
    append(L, b, out, r + i, run);
    i += run;
    if (i >= n) break;
    const unsigned c = static_cast<unsigned char>(r[i + 1]);  // r[n] is the string's NUL
    i += 2;
    if (c < '0' || c > '9') {
      const char byte = static_cast<char>(c);
      append(L, b, out, &byte, 1);
    } else if (c == '0') {
      append(L, b, out, s, static_cast<std::size_t>(e - s));
    } else {
      push_capture(L, b, "string.gsub", m, static_cast<int>(c) - '1', s, e);
      append_top(L, b, out);
    }
  }
}

void append_replacement(lua_State* L, ScriptBudget& b, ResultBuffer& out, const Match& m, int type, const char* s,
                        const char* e) {
  charge(L, b, costs::kTicksPerReplacement, "string.gsub");
  if (type == LUA_TSTRING || type == LUA_TNUMBER) {
    append_template(L, b, out, m, s, e);
    return;
  }
  check_c_stack(L, b);  // a function, or a table whose __index may be one
  if (type == LUA_TFUNCTION) {
    charge(L, b, costs::kTicksPerCallback, "string.gsub");
    lua_pushvalue(L, 3);
    const int n = push_captures(L, b, "string.gsub", m, s, e);
    lua_call(L, n, 1);
  } else {
    push_capture(L, b, "string.gsub", m, 0, s, e);
    lua_gettable(L, 3);
  }
  if (lua_toboolean(L, -1) == 0) {  // nil or false: keep the match
    lua_pop(L, 1);
    append(L, b, out, s, static_cast<std::size_t>(e - s));
  } else if (lua_isstring(L, -1) == 0) {
    luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  } else {
    append_top(L, b, out);
  }
}

int gsub(lua_State* L) {
  ScriptBudget& b = budget_of(L);
  std::size_t length = 0;
  const char* s = luaL_checklstring(L, 1, &length);
  const char* pattern = luaL_checkstring(L, 2);
  const int type = lua_type(L, 3);
  const int max_n = luaL_optint(L, 4, static_cast<int>(length + 1));
  const bool anchored = *pattern == '^';
  if (anchored) ++pattern;
  if (type != LUA_TNUMBER && type != LUA_TSTRING && type != LUA_TFUNCTION && type != LUA_TTABLE) {
    luaL_argerror(L, 3, "string/function/table expected");
  }
  charge(L, b, costs::kTicksPerLibraryCall, "string.gsub");
  lua_settop(L, 4);
  ResultBuffer out;
  start(L, out, "string.gsub");
  Match m;
  lua_pattern::start(m, s, length, 0);
  const char* at = s;
  int n = 0;
  while (n < max_n) {
    std::int64_t granted = 0;
    grant(b, m, &granted);
    const char* end = lua_pattern::match_at(m, at, pattern);
    settle(b, m, granted);
    raise_if_faulted(L, b, m, "string.gsub");
    if (end != nullptr) {
      ++n;
      append_replacement(L, b, out, m, type, at, end);
    }
    if (end != nullptr && end > at) {
      at = end;
    } else if (at < m.subject_end) {
      append(L, b, out, at, 1);
      ++at;
    } else {
      break;
    }
    if (anchored) break;
  }
  append(L, b, out, at, static_cast<std::size_t>(m.subject_end - at));
  push_result(L, b, out);
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace

void install_budgeted_patterns(lua_State* L, int table_index, ScriptBudget* budget) {
  library::set_budgeted(L, table_index, "find", &find, budget);
  library::set_budgeted(L, table_index, "match", &match, budget);
  library::set_budgeted(L, table_index, "gmatch", &gmatch, budget);
  library::set_budgeted(L, table_index, "gsub", &gsub, budget);
}

}  // namespace propbot::scripting
