#include "scripting/lua_budgeted_library.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

extern "C" {
#include <luajit-2.1/lualib.h>
}

#include "scripting/lua_budgeted_string.hpp"
#include "scripting/lua_budgeted_table.hpp"
#include "scripting/lua_library_support.hpp"
#include "scripting/script_costs.hpp"

namespace propbot::scripting {
namespace {

using library::budget_of;
using library::to_int32;

// The most values a C function may return (LuaJIT's LUAI_MAXCSTACK): unpack and
// string.byte refuse more, so they never cost more.
constexpr double kMaxResults = 8000;
// The longest text of a number ("%.14g").
constexpr double kNumberText = 24;

// Spends `ticks` (plus the fixed cost of a call) for `what`; raises when the budget
// cannot pay. Work is estimated in doubles (a script can ask for 2^31 repetitions of a
// long string) and capped well below int64's range.
void spend(lua_State* L, double ticks, const char* what) {
  const double capped = std::min(ticks, 4e18);
  charge(L, budget_of(L), static_cast<std::int64_t>(capped) + costs::kTicksPerLibraryCall, what);
}

// The length of argument i as text without converting it in place: a string's length,
// a number's longest text, 0 for anything else (the builtin will refuse it).
double text_length(lua_State* L, int i) {
  switch (lua_type(L, i)) {
    case LUA_TSTRING: return static_cast<double>(lua_objlen(L, i));
    case LUA_TNUMBER: return kNumberText;
    default: return 0;
  }
}

// An integer argument as LuaJIT will read it, or `fallback` when absent or nil (or not a
// number: the builtin will refuse it, and then the estimate does not matter).
double int_arg(lua_State* L, int i, double fallback) {
  if (lua_isnoneornil(L, i)) return fallback;
  return to_int32(lua_tonumber(L, i));
}

double copy_ticks(double bytes) { return bytes / costs::kCopyBytesPerTick; }

// s:sub(i, j) and s:byte(i, j) bounds as LuaJIT normalises them; the count of bytes.
double range_length(double length, double i, double j) {
  if (j < 0) {
    j += length + 1;
  } else if (j > length) {
    j = length;
  }
  if (i < 0) i += length + 1;
  if (i < 1) i = 1;
  return std::max(0.0, j - i + 1);
}

// string.rep(s, n [, sep]): the bytes written, and a memcpy per repetition unless the
// repeated piece is a single byte (then LuaJIT fills with memset). LuaJIT sizes its
// buffer for the whole result before writing: a result over the memory limit is
// refused by the allocator before any work, so it costs only the call (and the script
// sees "not enough memory", as without the budget).
int charge_rep(lua_State* L) {
  const double length = text_length(L, 1);
  const double separator = lua_isnoneornil(L, 3) ? 0 : text_length(L, 3);
  const double n = std::max(0.0, int_arg(L, 2, 0));
  const double bytes = n * length + std::max(0.0, n - 1) * separator;
  if (bytes > static_cast<double>(budget_of(L).memory_limit)) {
    spend(L, 0, "string.rep");
    return 0;
  }
  const double pieces = length + separator >= 2 ? n : 0;
  spend(L, copy_ticks(bytes) + pieces * costs::kTicksPerRepetition, "string.rep");
  return 0;
}

// string.upper, lower, reverse: every byte, one at a time.
int charge_transform(lua_State* L, const char* what) {
  spend(L, text_length(L, 1) * costs::kTicksPerTransformedByte, what);
  return 0;
}
int charge_upper(lua_State* L) { return charge_transform(L, "string.upper"); }
int charge_lower(lua_State* L) { return charge_transform(L, "string.lower"); }
int charge_reverse(lua_State* L) { return charge_transform(L, "string.reverse"); }

int charge_sub(lua_State* L) {
  const double bytes = range_length(text_length(L, 1), int_arg(L, 2, 1), int_arg(L, 3, -1));
  spend(L, copy_ticks(bytes), "string.sub");
  return 0;
}

int charge_byte(lua_State* L) {
  const double i = int_arg(L, 2, 1);
  const double n = range_length(text_length(L, 1), i, int_arg(L, 3, i));
  spend(L, std::min(n, kMaxResults) * costs::kTicksPerValue, "string.byte");
  return 0;
}

int charge_char(lua_State* L) {
  spend(L, lua_gettop(L) * static_cast<double>(costs::kTicksPerCharArgument), "string.char");
  return 0;
}

// string.format: the format itself, and per conversion at most 99 bytes of padding
// plus, for %s and %q, the argument's text (%s copies it, %q escapes it byte by byte).
bool is_format_flag(char c) { return c == '-' || c == '+' || c == ' ' || c == '#' || c == '.' || (c >= '0' && c <= '9'); }

int charge_format(lua_State* L) {
  if (lua_type(L, 1) != LUA_TSTRING) {
    spend(L, 0, "string.format");
    return 0;
  }
  std::size_t length = 0;
  const char* format = lua_tolstring(L, 1, &length);
  const char* end = format + length;
  double ticks = copy_ticks(static_cast<double>(length));
  int arg = 1;
  for (const char* p = format; (p = static_cast<const char*>(std::memchr(p, '%', static_cast<std::size_t>(end - p)))) != nullptr;) {
    if (++p < end && *p == '%') {
      ++p;
      continue;
    }
    while (p < end && is_format_flag(*p)) ++p;
    if (p >= end) break;
    ++arg;
    if (*p == 'q') {
      ticks += text_length(L, arg) * costs::kTicksPerQuotedByte;
    } else if (*p == 's') {
      ticks += copy_ticks(text_length(L, arg));
    }
    ticks += copy_ticks(128);
    ++p;
  }
  spend(L, ticks, "string.format");
  return 0;
}

// tonumber(s [, base]): LuaJIT scans all of a string (leading spaces included).
int charge_tonumber(lua_State* L) {
  const double bytes = lua_type(L, 1) == LUA_TSTRING ? static_cast<double>(lua_objlen(L, 1)) : 0;
  spend(L, bytes * costs::kTicksPerTransformedByte, "tonumber");
  return 0;
}

int charge_unpack(lua_State* L) {
  double n = 0;
  if (lua_type(L, 1) == LUA_TTABLE) {
    const double i = int_arg(L, 2, 1);
    n = int_arg(L, 3, static_cast<double>(lua_objlen(L, 1))) - i + 1;
  }
  spend(L, std::clamp(n, 0.0, kMaxResults) * costs::kTicksPerValue, "unpack");
  return 0;
}

// table.insert(t, pos, v) moves every element from pos to #t up by one.
int charge_insert(lua_State* L) {
  double moved = 0;
  if (lua_gettop(L) == 3 && lua_type(L, 1) == LUA_TTABLE && lua_isnumber(L, 2) != 0) {
    moved = static_cast<double>(lua_objlen(L, 1)) + 1 - to_int32(lua_tonumber(L, 2));
  }
  spend(L, std::max(0.0, moved) * costs::kTicksPerMove, "table.insert");
  return 0;
}

// pcall and coroutine.resume returning false: an error was thrown and caught, and
// LuaJIT's throw unwinds through the C++ unwinder, a microsecond each — a
// `while true do pcall(error) end` ran a 1M budget for ~200 ms before this charge.
int charge_caught_error(lua_State* L) {
  charge(L, budget_of(L), costs::kTicksPerCaughtError, "a caught error");
  return 0;
}

// Wraps pcall (or coroutine.resume) so that a false first result is charged. Calls the
// builtin refuses (no argument; resume of a non-coroutine) are tail calls, so its
// error names the script's call and line as without the shim. The common case costs
// one test of the first argument.
constexpr char kCatchingShimSource[] =
    "local charge, builtin, needs = ...\n"
    "local select, type = select, type\n"
    "local function finish(ok, ...)\n"
    "  if not ok then charge() end\n"
    "  return ok, ...\n"
    "end\n"
    "if needs == nil then\n"
    "  return function(...)\n"
    "    if ... == nil and select('#', ...) == 0 then return builtin() end\n"
    "    return finish(builtin(...))\n"
    "  end\n"
    "end\n"
    "return function(...)\n"
    "  if type((...)) ~= needs then return builtin(...) end\n"
    "  return finish(builtin(...))\n"
    "end\n";

// Wraps LuaJIT's function in a shim that charges first and then tail-calls it.
constexpr char kShimSource[] =
    "local charge, builtin = ...\n"
    "return function(...) charge(...) return builtin(...) end\n";

struct Charged {
  const char* name;
  lua_CFunction charge;
};

constexpr Charged kChargedString[] = {
    {"rep", &charge_rep},   {"upper", &charge_upper},   {"lower", &charge_lower}, {"reverse", &charge_reverse},
    {"sub", &charge_sub},   {"format", &charge_format}, {"byte", &charge_byte},   {"char", &charge_char},
};
constexpr Charged kChargedTable[] = {{"insert", &charge_insert}};
constexpr Charged kChargedBase[] = {{"unpack", &charge_unpack}, {"tonumber", &charge_tonumber}};

template <std::size_t N>
void wrap(lua_State* L, int shim_factory, int table_index, const Charged (&functions)[N], ScriptBudget* budget) {
  for (const Charged& f : functions) {
    lua_pushvalue(L, shim_factory);
    lua_pushlightuserdata(L, budget);
    lua_pushcclosure(L, f.charge, 1);
    lua_getfield(L, table_index, f.name);
    lua_call(L, 2, 1);
    lua_setfield(L, table_index, f.name);
  }
}

// table[name] = the catching shim around it.
void wrap_catching(lua_State* L, int catching_factory, int table_index, const char* name, const char* needs,
                   ScriptBudget* budget) {
  lua_pushvalue(L, catching_factory);
  lua_pushlightuserdata(L, budget);
  lua_pushcclosure(L, &charge_caught_error, 1);
  lua_getfield(L, table_index, name);
  if (needs != nullptr) {
    lua_pushstring(L, needs);
  } else {
    lua_pushnil(L);
  }
  lua_call(L, 3, 1);
  lua_setfield(L, table_index, name);
}

int load_shim(lua_State* L, const char* source, std::size_t length) {
  if (luaL_loadbuffer(L, source, length, "=[PropBot sandbox library]") != 0) {
    throw std::runtime_error("LuaJIT could not compile the sandbox's library shim");
  }
  return lua_gettop(L);
}

}  // namespace

void install_budgeted_library(lua_State* L, ScriptBudget* budget) {
  const int base = lua_gettop(L);
  const int shim_factory = load_shim(L, kShimSource, sizeof kShimSource - 1);
  const int catching_factory = load_shim(L, kCatchingShimSource, sizeof kCatchingShimSource - 1);
  lua_getfield(L, LUA_GLOBALSINDEX, LUA_STRLIBNAME);
  install_budgeted_patterns(L, -1, budget);
  wrap(L, shim_factory, lua_gettop(L), kChargedString, budget);
  lua_getfield(L, LUA_GLOBALSINDEX, LUA_TABLIBNAME);
  install_budgeted_table(L, -1, budget);
  wrap(L, shim_factory, lua_gettop(L), kChargedTable, budget);
  wrap(L, shim_factory, LUA_GLOBALSINDEX, kChargedBase, budget);
  wrap_catching(L, catching_factory, LUA_GLOBALSINDEX, "pcall", nullptr, budget);
  lua_getfield(L, LUA_GLOBALSINDEX, LUA_COLIBNAME);
  wrap_catching(L, catching_factory, lua_gettop(L), "resume", "thread", budget);
  lua_settop(L, base);
}

}  // namespace propbot::scripting
