// Strategy params (scripting/strategy_params.hpp): each declaration read raw, the
// configured value or the default checked against it, the result pushed as ctx.params;
// a refusal addressed to the profile line or to the script (ParamErrors).
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

// Who an error about a param is addressed to (see the header): the profile, at the
// line of the value, for a configured value whose origin is known; the script else.
class ParamErrors {
 public:
  ParamErrors(const std::string& script, const ParamsOrigin* origin) : script_(script), origin_(origin) {}

  // `what` follows the param's name: "must be a number, got \"3\"", "= 9 is above its max 5".
  Error refused(const std::string& key, bool configured, const std::string& what) const {
    if (!configured || origin_ == nullptr) return make_error(Errc::script_error, script_ + ": param '" + key + "' " + what);
    return make_error(Errc::script_error, in_profile(key) + " " + what + " (declared in " + script_ + ")");
  }

  Error undeclared(const std::string& key) const {
    if (origin_ == nullptr) {
      return make_error(Errc::script_error, script_ + ": configured param '" + key + "' is not declared by the strategy");
    }
    return make_error(Errc::script_error, in_profile(key) + " is not a param " + script_ + " declares");
  }

 private:
  // "configs/paper.yaml:73: strategies[0].params.key" (no line when it is not known).
  std::string in_profile(const std::string& key) const {
    const auto line = origin_->lines.find(key);
    const bool known = line != origin_->lines.end() && line->second > 0;
    return origin_->file + (known ? ":" + std::to_string(line->second) : "") + ": " + origin_->key + "." + key;
  }

  const std::string& script_;
  const ParamsOrigin* origin_;
};

// Validates one configured (or default) value against its Lua declaration
// `{type = "number"|"integer"|"boolean"|"string", default = …, min = …, max = …}`.
Result<nlohmann::json> resolve_param(lua_State* L, int decl, const std::string& key,
                                     const nlohmann::json* configured, const ParamErrors& errors) {
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
    if (value.is_null()) return errors.refused(key, false, "has no default and is not configured");
  }
  const bool is_configured = configured != nullptr;
  const bool numeric = type == "number" || type == "integer";
  if ((numeric && !value.is_number()) || (type == "boolean" && !value.is_boolean()) ||
      (type == "string" && !value.is_string())) {
    return errors.refused(key, is_configured, "must be a " + type + ", got " + value.dump());
  }
  if (type == "integer" && std::floor(value.get<double>()) != value.get<double>()) {
    return errors.refused(key, is_configured, "must be an integer, got " + value.dump());
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
          std::ostringstream what;
          what << "= " << v << " is " << (bound[1] == 'i' ? "below" : "above") << " its " << bound << " " << b;
          return errors.refused(key, is_configured, what.str());
        }
      }
      lua_pop(L, 1);
    }
  }
  return value;
}

}  // namespace

Result<StrategyParams> read_params(lua_State* L, int module, const nlohmann::json& configured,
                                   const std::string& where, const ParamsOrigin* origin) {
  const ParamErrors errors(where, origin);
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
      auto value = resolve_param(L, lua_gettop(L), key, value_configured, errors);
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
      return errors.undeclared(key);
    }
  }
  return out;
}

}  // namespace propbot::scripting
