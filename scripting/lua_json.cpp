// Lua ⇄ JSON conversion (scripting/lua_json.hpp): a bounded, cycle-checked walk of a
// Lua value to JSON with raw reads, and a depth-checked build of Lua data from JSON
// run as a protected call.
#include "scripting/lua_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_raw.hpp"

namespace propbot::scripting {

namespace {

struct ToJson {
  lua_State* L;
  const StateLimits& limits;
  std::size_t values = 0;
  std::size_t bytes = 0;
  std::vector<const void*> open;  // tables on the current path: a repeat is a cycle
  std::string error;

  bool fail(const std::string& path, const std::string& why) {
    if (error.empty()) error = path + ": " + why;
    return false;
  }

  bool count(const std::string& path, std::size_t more_bytes) {
    ++values;
    bytes += more_bytes;
    if (values > limits.max_values) {
      return fail(path, "state has more than " + std::to_string(limits.max_values) + " values");
    }
    if (bytes > limits.max_bytes) {
      return fail(path, "state is larger than " + std::to_string(limits.max_bytes) + " bytes of keys and strings");
    }
    return true;
  }

  // Converts the value at absolute stack index `index`.
  bool convert(int index, const std::string& path, int depth, nlohmann::json& out) {
    switch (lua_type(L, index)) {
      case LUA_TNIL: out = nullptr; return count(path, 0);
      case LUA_TBOOLEAN: out = lua_toboolean(L, index) != 0; return count(path, 0);
      case LUA_TNUMBER: {
        const double v = lua_tonumber(L, index);
        if (!std::isfinite(v)) return fail(path, "a non-finite number cannot be saved");
        if (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) {
          out = static_cast<std::int64_t>(v);
        } else {
          out = v;
        }
        return count(path, 0);
      }
      case LUA_TSTRING: {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, index, &len);
        out = std::string(s, len);
        return count(path, len);
      }
      case LUA_TTABLE: return convert_table(index, path, depth, out);
      default:
        return fail(path, std::string("a ") + lua_typename(L, lua_type(L, index)) +
                              " cannot be saved (state must be plain data: tables, strings, numbers, booleans)");
    }
  }

  bool convert_table(int index, const std::string& path, int depth, nlohmann::json& out) {
    if (depth >= limits.max_depth) {
      return fail(path, "state is nested deeper than " + std::to_string(limits.max_depth) + " tables");
    }
    const void* self = lua_topointer(L, index);
    if (std::find(open.begin(), open.end(), self) != open.end()) {
      return fail(path, "state contains a cycle (a table that contains itself)");
    }
    if (!count(path, 0)) return false;
    if (lua_checkstack(L, 4) == 0) return fail(path, "Lua stack exhausted");
    // Shape: a 1..n sequence becomes an array, string keys an object, anything else is
    // refused (a JSON round trip could not give it back).
    std::size_t keys = 0, strings = 0;
    double max_index = 0;
    bool other = false;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
      ++keys;
      if (lua_type(L, -2) == LUA_TSTRING) {
        ++strings;
      } else if (lua_type(L, -2) == LUA_TNUMBER) {
        const double k = lua_tonumber(L, -2);
        if (k >= 1 && std::floor(k) == k) {
          max_index = std::max(max_index, k);
        } else {
          other = true;
        }
      } else {
        other = true;
      }
      lua_pop(L, 1);
    }
    open.push_back(self);
    bool ok = true;
    if (keys == 0 || strings == keys) {
      out = nlohmann::json::object();
      lua_pushnil(L);
      while (ok && lua_next(L, index) != 0) {
        std::size_t len = 0;
        const char* k = lua_tolstring(L, -2, &len);  // a string key: no in-place conversion
        std::string key(k, len);
        ok = count(path, len) && convert(lua_gettop(L), path + "." + key, depth + 1, out[key]);
        lua_pop(L, ok ? 1 : 2);
      }
    } else if (!other && strings == 0 && max_index == static_cast<double>(keys)) {
      out = nlohmann::json::array();
      for (std::size_t i = 1; ok && i <= keys; ++i) {
        lua_rawgeti(L, index, static_cast<int>(i));
        nlohmann::json item;
        ok = convert(lua_gettop(L), path + "[" + std::to_string(i) + "]", depth + 1, item);
        lua_pop(L, 1);
        if (ok) out.push_back(std::move(item));
      }
    } else {
      ok = fail(path, "a table must have only string keys or be a 1..n sequence to be saved");
    }
    open.pop_back();
    return ok;
  }
};

}  // namespace

Result<nlohmann::json> lua_to_json(lua_State* L, int index, const StateLimits& limits) {
  ToJson conv{L, limits, 0, 0, {}, {}};
  const int top = lua_gettop(L);
  nlohmann::json out;
  const bool ok = conv.convert(detail::absolute_index(L, index), "state", 0, out);
  lua_settop(L, top);
  if (!ok) return make_error(Errc::script_error, conv.error);
  if (out.is_null()) out = nlohmann::json::object();
  return out;
}

void push_json_scalar(lua_State* L, const nlohmann::json& value) {
  if (value.is_boolean()) {
    lua_pushboolean(L, value.get<bool>() ? 1 : 0);
  } else if (value.is_number()) {
    lua_pushnumber(L, value.get<double>());
  } else if (value.is_string()) {
    lua_pushstring(L, value.get<std::string>().c_str());
  } else {
    lua_pushnil(L);
  }
}

namespace {

struct FromJson {
  const nlohmann::json* value;
  const StateLimits* limits;
};

void push_json(lua_State* L, const nlohmann::json& value, int depth, const StateLimits& limits) {
  if (depth > limits.max_depth) luaL_error(L, "previous state is nested deeper than %d tables", limits.max_depth);
  if (lua_checkstack(L, 3) == 0) luaL_error(L, "Lua stack exhausted");
  if (value.is_object()) {
    lua_createtable(L, 0, static_cast<int>(value.size()));
    for (const auto& [key, item] : value.items()) {
      if (item.is_null()) continue;
      lua_pushlstring(L, key.data(), key.size());
      push_json(L, item, depth + 1, limits);
      lua_rawset(L, -3);
    }
  } else if (value.is_array()) {
    lua_createtable(L, static_cast<int>(value.size()), 0);
    int i = 0;
    for (const auto& item : value) {
      push_json(L, item, depth + 1, limits);
      lua_rawseti(L, -2, ++i);
    }
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    lua_pushlstring(L, s.data(), s.size());
  } else {
    push_json_scalar(L, value);
  }
}

// Run through LuaSandbox::call: the value to build is upvalue 1.
int push_json_closure(lua_State* L) {
  const auto* in = static_cast<const FromJson*>(lua_touserdata(L, lua_upvalueindex(1)));
  push_json(L, *in->value, 0, *in->limits);
  return 1;
}

}  // namespace

bool push_json_protected(LuaSandbox& sandbox, const nlohmann::json& value, const StateLimits& limits,
                         ScriptFault* fault) {
  lua_State* L = sandbox.state();
  FromJson in{&value, &limits};
  lua_pushlightuserdata(L, &in);
  lua_pushcclosure(L, &push_json_closure, 1);
  return sandbox.call(0, 1, fault);
}

}  // namespace propbot::scripting
