// Lua ⇄ JSON conversion of plain data: how a strategy's ctx.state leaves one version
// (StrategyRunner::stop / state_snapshot) and enters the next (migrate), and how
// JSON param values become Lua values.
//
// Guarantees: only plain data crosses — tables with string keys (→ objects) or 1..n
// sequences (→ arrays), strings, finite numbers (integral ones below 2^53 as JSON
// integers), booleans. Cycles, functions, userdata, non-finite numbers, mixed or sparse
// tables and anything past StateLimits are a clear error naming the path
// (`state.a.b[3]: …`), never a crash. Reading Lua never runs a metamethod (raw access
// only) and leaves the stack as it found it. Building Lua from JSON runs inside a
// protected call, so running out of Lua memory or a too-deep value is a fault, not a
// panic. JSON nulls inside an object are dropped (a Lua table cannot hold nil).
//
// Uses scripting/lua_sandbox.hpp (the protected call). Thread: the sandbox's.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "scripting/lua_sandbox.hpp"

struct lua_State;

namespace propbot::scripting {

// Bounds of the Lua state ⇄ JSON conversion (stop()/migrate).
struct StateLimits {
  int max_depth = 32;                  // nested tables
  std::size_t max_values = 100'000;    // tables, keys and scalars
  std::size_t max_bytes = 1u << 20;    // keys and string values together
};

// The value at stack `index` as JSON; nil becomes an empty object (an absent state).
// Errors: Errc::script_error with the path and the reason.
Result<nlohmann::json> lua_to_json(lua_State* L, int index, const StateLimits& limits);

// Pushes `value` onto the sandbox's stack as Lua data, built inside LuaSandbox::call.
// Returns false with `fault` set (and nothing pushed) if the build failed: past
// limits.max_depth, Lua stack exhausted, or out of Lua memory.
bool push_json_protected(LuaSandbox& sandbox, const nlohmann::json& value, const StateLimits& limits,
                         ScriptFault* fault);

// Pushes a JSON boolean, number or string as its Lua value; anything else as nil.
// Outside a protected call this may only raise on out-of-memory, which the sandbox's
// limit never causes between calls (scripting/lua_sandbox.hpp).
void push_json_scalar(lua_State* L, const nlohmann::json& value);

}  // namespace propbot::scripting
