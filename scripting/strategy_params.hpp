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
// Where an error points: at the line to fix. A configured value the declaration refuses
// (wrong type, not whole, below min, above max, not declared) is the profile's mistake
// when a ParamsOrigin says where the profile wrote it:
// `configs/paper.yaml:73: strategies[0].params.z_entry = 99 is above its max 10
// (declared in strategies/mean_rev.lua)`. Without one, and for a default that breaks its
// own declaration, the error names the script: `strategies/x.lua: param 'z' …`.
//
// Uses scripting/lua_json.hpp (JSON values as Lua values). Thread: the runner's.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"

struct lua_State;

namespace propbot::scripting {

struct StrategyParams {
  nlohmann::json values = nlohmann::json::object();  // name → value in use
  nlohmann::json specs = nlohmann::json::object();   // name → {type, default?, min?, max?, doc?, value}
};

// Where the configured params were written: the profile, for errors about their values.
struct ParamsOrigin {
  std::string file;                  // as errors name it, e.g. "configs/paper.yaml"
  std::string key = "params";        // the params mapping's dotted key, e.g. "strategies[0].params"
  std::map<std::string, int> lines;  // param → 1-based line of its value; absent: unknown
};

// Reads the declarations of the module table at absolute stack index `module` and
// resolves `configured` (a JSON object) over their defaults. On success pushes the
// ctx.params table (name → value) onto the stack; on error (Errc::script_error, the
// message starting with `where` (the script's display name), or with `origin->file`
// for a refused configured value, see above) leaves the stack as it found it.
Result<StrategyParams> read_params(lua_State* L, int module, const nlohmann::json& configured,
                                   const std::string& where, const ParamsOrigin* origin = nullptr);

}  // namespace propbot::scripting
