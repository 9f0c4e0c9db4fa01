// Strategy params (scripting/strategy_params.hpp): each declaration read raw, the
// configured value or the default checked against it, the result pushed as ctx.params.
#include "scripting/strategy_params.hpp"

#include <cmath>
#include <sstream>

extern "C" {
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_json.hpp"
#include "scripting/lua_raw.hpp"

namespace propbot::scripting {

using detail::raw_get_field;

namespace {

// A param's declaration as data for operators (the API and the dashboard show it):
// {type, default, min, max, doc} as declared (absent fields omitted) and the value in use.
nlohmann::json declaration_of(lua_State* L, int decl, const nlohmann::json& value) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* field : {"type", "default", "min", "max", "doc"}) {
    raw_get_field(L, decl, field);
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: out[field] = lua_tonumber(L, -1); break;
      case LUA_TBOOLEAN: out[field] = lua_toboolean(L, -1) != 0; break;
      case LUA_TSTRING: out[field] = lua_tostring(L, -1); break;
      default: break;
    }
    lua_pop(L, 1);
  }
  if (!out.contains("type")) out["type"] = "number";
  out["value"] = value;
  return out;
}

// Validates one configured (or default) value against its Lua declaration
// `{type = "number"|"integer"|"boolean"|"string", default = …, min = …, max = …}`.
Result<nlohmann::json> resolve_param(lua_State* L, int decl, const std::string& key,
                                     const nlohmann::json* configured, const std::string& where) {
  raw_get_field(L, decl, "type");
  const std::string type = lua_isstring(L, -1) ? lua_tostring(L, -1) : "number";
  lua_pop(L, 1);
  nlohmann::json value;
  if (configured != nullptr) {
    value = *configured;
  } else {
    raw_get_field(L, decl, "default");
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: value = lua_tonumber(L, -1); break;
      case LUA_TBOOLEAN: value = lua_toboolean(L, -1) != 0; break;
      case LUA_TSTRING: value = lua_tostring(L, -1); break;
      default: break;
    }
    lua_pop(L, 1);
    if (value.is_null()) {
      return make_error(Errc::script_error, where + ": param '" + key + "' has no default and is not configured");
    }
  }
  const bool numeric = type == "number" || type == "integer";
  if ((numeric && !value.is_number()) || (type == "boolean" && !value.is_boolean()) ||
      (type == "string" && !value.is_string())) {
    return make_error(Errc::script_error, where + ": param '" + key + "' must be a " + type + ", got " + value.dump());
  }
  if (type == "integer" && std::floor(value.get<double>()) != value.get<double>()) {
    return make_error(Errc::script_error, where + ": param '" + key + "' must be an integer, got " + value.dump());
  }
  if (numeric) {
    const double v = value.get<double>();
    for (const char* bound : {"min", "max"}) {
      raw_get_field(L, decl, bound);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        const double b = lua_tonumber(L, -1);
        const bool bad = bound[1] == 'i' ? v < b : v > b;
        if (bad) {
          lua_pop(L, 1);
          std::ostringstream msg;
          msg << where << ": param '" << key << "' = " << v << " is " << (bound[1] == 'i' ? "below" : "above")
              << " its " << bound << " " << b;
          return make_error(Errc::script_error, msg.str());
        }
      }
      lua_pop(L, 1);
    }
  }
  return value;
}

}  // namespace

Result<StrategyParams> read_params(lua_State* L, int module, const nlohmann::json& configured,
                                   const std::string& where) {
  const int top = lua_gettop(L);
  StrategyParams out;
  lua_newtable(L);
  const int params_table = lua_gettop(L);
  raw_get_field(L, module, "params");
  const int decls = lua_gettop(L);
  if (lua_istable(L, decls)) {
    lua_pushnil(L);
    while (lua_next(L, decls) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
        lua_settop(L, top);
        return make_error(Errc::script_error, where + ": params must map names to declarations {type, default, min, max}");
      }
      const std::string key = lua_tostring(L, -2);
      const nlohmann::json* value_configured = configured.contains(key) ? &configured.at(key) : nullptr;
      auto value = resolve_param(L, lua_gettop(L), key, value_configured, where);
      if (!value) {
        lua_settop(L, top);
        return value.error();
      }
      out.values[key] = *value;
      out.specs[key] = declaration_of(L, lua_gettop(L), *value);
      push_json_scalar(L, *value);
      lua_setfield(L, params_table, key.c_str());
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);  // declarations
  for (const auto& [key, value] : configured.items()) {
    if (!out.values.contains(key)) {
      lua_settop(L, top);
      return make_error(Errc::script_error, where + ": configured param '" + key + "' is not declared by the strategy");
    }
  }
  return out;
}

}  // namespace propbot::scripting
