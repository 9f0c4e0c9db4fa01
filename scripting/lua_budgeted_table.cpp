#include "scripting/lua_budgeted_table.hpp"

#include "scripting/lua_library_support.hpp"
#include "scripting/lua_result_buffer.hpp"
#include "scripting/script_costs.hpp"

namespace propbot::scripting {
namespace {

using library::budget_of;

struct Sort {
  lua_State* L;
  ScriptBudget* budget;
  bool comparator;  // a function at stack slot 2; otherwise Lua's '<'
  int unpaid;       // comparisons not yet charged (charged kChargeEvery at a time)
};

constexpr int kChargeEvery = 16;

void pay(Sort& s) {
  const std::int64_t each = s.comparator ? costs::kTicksPerCallback : costs::kTicksPerComparison;
  charge(s.L, *s.budget, s.unpaid * each, "table.sort");
  s.unpaid = 0;
}

// Is the value at stack slot x less than the one at slot y (both absolute)?
bool less(Sort& s, int x, int y) {
  lua_State* L = s.L;
  if (++s.unpaid == kChargeEvery) pay(s);
  if (!s.comparator) return lua_lessthan(L, x, y) != 0;
  check_c_stack(L, *s.budget);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, x);
  lua_pushvalue(L, y);
  lua_call(L, 2, 1);
  const bool result = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  return result;
}

int top(lua_State* L) { return lua_gettop(L); }

// t[i] = the value on top, t[j] = the one below it; pops both (with the two values
// read from t[j] and t[i], a swap).
void store_two(lua_State* L, int i, int j) {
  lua_rawseti(L, 1, i);
  lua_rawseti(L, 1, j);
}

[[noreturn]] void invalid_order(lua_State* L) {
  luaL_error(L, "invalid order function for sorting");
  __builtin_unreachable();
}

// Sorts t[lo..hi]: orders t[lo], t[mid], t[hi]; parks the median as pivot in
// t[hi - 1]; partitions t[lo + 1 .. hi - 2] around it; recurses into the smaller part
// and loops on the larger (the C stack grows with log n only).
void sort_range(Sort& s, int lo, int hi) {
  lua_State* L = s.L;
  while (lo < hi) {
    lua_rawgeti(L, 1, lo);
    lua_rawgeti(L, 1, hi);
    if (less(s, top(L), top(L) - 1)) {  // t[hi] < t[lo]
      store_two(L, lo, hi);
    } else {
      lua_pop(L, 2);
    }
    if (hi - lo == 1) return;
    const int mid = (lo + hi) / 2;
    lua_rawgeti(L, 1, mid);
    lua_rawgeti(L, 1, lo);
    if (less(s, top(L) - 1, top(L))) {  // t[mid] < t[lo]
      store_two(L, mid, lo);
    } else {
      lua_pop(L, 1);
      lua_rawgeti(L, 1, hi);
      if (less(s, top(L), top(L) - 1)) {  // t[hi] < t[mid]
        store_two(L, mid, hi);
      } else {
        lua_pop(L, 2);
      }
    }
    if (hi - lo == 2) return;
    lua_rawgeti(L, 1, mid);  // the pivot stays on the stack while partitioning
    lua_pushvalue(L, -1);
    lua_rawgeti(L, 1, hi - 1);
    store_two(L, mid, hi - 1);
    const int pivot = top(L);
    int i = lo;
    int j = hi - 1;
    for (;;) {
      for (;;) {  // up while t[i] < pivot
        lua_rawgeti(L, 1, ++i);
        if (!less(s, top(L), pivot)) break;
        if (i >= hi) invalid_order(L);
        lua_pop(L, 1);
      }
      for (;;) {  // down while pivot < t[j]
        lua_rawgeti(L, 1, --j);
        if (!less(s, pivot, top(L))) break;
        if (j <= lo) invalid_order(L);
        lua_pop(L, 1);
      }
      if (j < i) {
        lua_pop(L, 3);  // the pivot, t[i], t[j]
        break;
      }
      store_two(L, i, j);
    }
    lua_rawgeti(L, 1, hi - 1);
    lua_rawgeti(L, 1, i);
    store_two(L, hi - 1, i);  // the pivot to its place, i
    if (i - lo < hi - i) {
      sort_range(s, lo, i - 1);
      lo = i + 1;
    } else {
      sort_range(s, i + 1, hi);
      hi = i - 1;
    }
  }
}

int sort(lua_State* L) {
  ScriptBudget& b = budget_of(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  const auto n = static_cast<int>(lua_objlen(L, 1));
  lua_settop(L, 2);
  const bool comparator = !lua_isnil(L, 2);
  if (comparator) luaL_checktype(L, 2, LUA_TFUNCTION);
  charge(L, b, costs::kTicksPerLibraryCall, "table.sort");
  Sort s{L, &b, comparator, 0};
  sort_range(s, 1, n);
  pay(s);
  return 0;
}

// The largest positive numeric key (0 when none).
int maxn(lua_State* L) {
  ScriptBudget& b = budget_of(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  charge(L, b, costs::kTicksPerLibraryCall, "table.maxn");
  constexpr int kChargeEvery = 256;
  lua_Number largest = 0;
  int unpaid = 0;
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TNUMBER) {
      const lua_Number key = lua_tonumber(L, -1);
      if (key > largest) largest = key;
    }
    if (++unpaid == kChargeEvery) {
      charge(L, b, kChargeEvery * costs::kTicksPerTableKey, "table.maxn");
      unpaid = 0;
    }
  }
  charge(L, b, unpaid * costs::kTicksPerTableKey, "table.maxn");
  lua_pushnumber(L, largest);
  return 1;
}

// table.concat(t [, sep [, i [, j]]]): t[i] .. sep .. ... .. t[j], raw reads; the
// first element that is neither a string nor a number is LuaJIT's error.
int concat(lua_State* L) {
  ScriptBudget& b = budget_of(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  std::size_t separator_length = 0;
  const char* separator = luaL_optlstring(L, 2, "", &separator_length);
  const std::int64_t first = library::opt_int32(L, 3, 1);
  const std::int64_t last =
      lua_isnoneornil(L, 4) ? static_cast<std::int32_t>(lua_objlen(L, 1)) : library::check_int32(L, 4);
  charge(L, b, costs::kTicksPerLibraryCall, "table.concat");
  lua_settop(L, 4);
  ResultBuffer out;
  start(L, out, "table.concat");
  constexpr int kChargeEvery = 64;  // elements between charges
  int unpaid = 0;
  for (std::int64_t i = first; i <= last; ++i) {
    if (++unpaid == kChargeEvery) {
      charge(L, b, kChargeEvery * costs::kTicksPerConcatElement, "table.concat");
      unpaid = 0;
    }
    lua_rawgeti(L, 1, static_cast<int>(i));
    const int type = lua_type(L, -1);
    if (type != LUA_TSTRING && type != LUA_TNUMBER) {
      luaL_error(L, "invalid value (%s) at index %d in table for 'concat'", luaL_typename(L, -1), static_cast<int>(i));
    }
    append_top(L, b, out);
    if (i != last) append(L, b, out, separator, separator_length);
  }
  charge(L, b, unpaid * costs::kTicksPerConcatElement, "table.concat");
  push_result(L, b, out);
  return 1;
}

}  // namespace

void install_budgeted_table(lua_State* L, int table_index, ScriptBudget* budget) {
  library::set_budgeted(L, table_index, "sort", &sort, budget);
  library::set_budgeted(L, table_index, "maxn", &maxn, budget);
  library::set_budgeted(L, table_index, "concat", &concat, budget);
}

}  // namespace propbot::scripting
