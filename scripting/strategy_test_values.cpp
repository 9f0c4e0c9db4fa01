// Intents and plain JSON as Lua tables, and the assertions chunk
// (scripting/strategy_test_values.hpp).
#include "scripting/strategy_test_values.hpp"

#include <string_view>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_json.hpp"

namespace propbot::scripting {
namespace {

constexpr int kMaxDepth = 64;

void set_string(lua_State* L, const char* key, std::string_view value) {
  if (value.empty()) return;
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}

void set_number(lua_State* L, const char* key, double value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, key);
}

void set_boolean(lua_State* L, const char* key, bool value) {
  lua_pushboolean(L, value ? 1 : 0);
  lua_setfield(L, -2, key);
}

void push_json_at(lua_State* L, const nlohmann::json& value, int depth) {
  if (depth > kMaxDepth) luaL_error(L, "value nested deeper than %d tables", kMaxDepth);
  luaL_checkstack(L, 4, "value nested too deep");
  if (value.is_object()) {
    lua_createtable(L, 0, static_cast<int>(value.size()));
    for (const auto& [key, item] : value.items()) {
      if (item.is_null()) continue;
      push_json_at(L, item, depth + 1);
      lua_setfield(L, -2, key.c_str());
    }
  } else if (value.is_array()) {
    lua_createtable(L, static_cast<int>(value.size()), 0);
    int i = 0;
    for (const auto& item : value) {
      push_json_at(L, item, depth + 1);
      lua_rawseti(L, -2, ++i);
    }
  } else {
    push_json_scalar(L, value);
  }
}

constexpr const char* kAssertions = R"LUA(
return function(h)
  local function show(v)
    if type(v) == "string" then return string.format("%q", v) end
    if type(v) ~= "table" then return tostring(v) end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. " = " .. show(v[k]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local function same(a, b)
    if type(a) ~= "table" or type(b) ~= "table" then return a == b end
    for k, v in pairs(a) do if not same(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
  end
  local function label(what) return what and (what .. ": ") or "" end
  function h.fail(message) error(message, 2) end
  function h.eq(actual, expected, what)
    if not same(actual, expected) then
      error(label(what) .. "expected " .. show(expected) .. ", got " .. show(actual), 2)
    end
  end
  function h.near(actual, expected, tolerance, what)
    if type(actual) ~= "number" or math.abs(actual - expected) > tolerance then
      error(label(what) .. "expected " .. show(expected) .. " ± " .. show(tolerance) .. ", got " .. show(actual), 2)
    end
  end
  function h.ok(value, what)
    if not value then error(label(what) .. "expected a true value, got " .. show(value), 2) end
  end
  function h.is_nil(value, what)
    if value ~= nil then error(label(what) .. "expected nil, got " .. show(value), 2) end
  end
  function h.len(list, n, what)
    if type(list) ~= "table" or #list ~= n then
      error(label(what) .. "expected " .. n .. " items, got " .. show(list), 2)
    end
  end
  function h.contains(text, fragment, what)
    if type(text) ~= "string" or not string.find(text, fragment, 1, true) then
      error(label(what) .. "expected text containing " .. show(fragment) .. ", got " .. show(text), 2)
    end
  end
end
)LUA";

}  // namespace

void push_intent_table(lua_State* L, const Intent& intent) {
  lua_createtable(L, 0, 16);
  set_string(L, "strategy", intent.strategy);
  set_string(L, "kind", to_string(intent.kind));
  set_string(L, "symbol", intent.symbol);
  set_number(L, "notional_usdt", intent.notional_usdt.to_double());
  if (intent.kind == IntentKind::single) {
    set_string(L, "venue", intent.venue);
    set_string(L, "side", intent.side ? to_string(*intent.side) : std::string_view());
    set_number(L, "price", intent.price.to_double());
    set_boolean(L, "post_only", intent.post_only);
  } else {
    set_string(L, "long_venue", intent.long_venue);
    set_string(L, "short_venue", intent.short_venue);
    set_number(L, "spread_bps", intent.spread_bps);
    set_number(L, "net_spread_bps", intent.net_spread_bps);
    set_number(L, "long_price", intent.long_price.to_double());
    set_number(L, "short_price", intent.short_price.to_double());
  }
  if (intent.max_slippage_bps) set_number(L, "max_slippage_bps", *intent.max_slippage_bps);
  if (intent.time_guard_ms) set_number(L, "time_guard_ms", *intent.time_guard_ms);
  set_boolean(L, "reduce_only", intent.reduce_only);
  set_string(L, "reason", intent.reason);
}

void push_plain_json(lua_State* L, const nlohmann::json& value) { push_json_at(L, value, 0); }

const char* strategy_test_assertions_source() { return kAssertions; }

}  // namespace propbot::scripting
