// Strategy params: the `params` declarations of a strategy module
// (`params = {name = {type = "number"|"integer"|"boolean"|"string", default = …,
// min = …, max = …, doc = …}}`) resolved against the configured values into the
// ctx.params table, plus the declarations as data for the API and the dashboard.
//
// Guarantees: every declared param gets a value — the configured one, else its
// default — that has the declared type, is whole for "integer" and lies within
// min/max; a param with neither value, a configured name the strategy does not
// declare, or a declarations table that is not name → table is a load error naming the
// param. Declarations are read raw (no metamethod runs: this happens outside any
// protected call, see scripting/lua_raw.hpp).
//
// Uses scripting/lua_json.hpp (JSON values as Lua values). Thread: the runner's.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"

struct lua_State;

namespace propbot::scripting {

struct StrategyParams {
  nlohmann::json values = nlohmann::json::object();  // name → value in use
  nlohmann::json specs = nlohmann::json::object();   // name → {type, default?, min?, max?, doc?, value}
};

// Reads the declarations of the module table at absolute stack index `module` and
// resolves `configured` (a JSON object) over their defaults. On success pushes the
// ctx.params table (name → value) onto the stack; on error (Errc::script_error, the
// message starting with `where`) leaves the stack as it found it.
Result<StrategyParams> read_params(lua_State* L, int module, const nlohmann::json& configured,
                                   const std::string& where);

}  // namespace propbot::scripting
