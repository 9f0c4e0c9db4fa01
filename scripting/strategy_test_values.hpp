// The Lua side of a strategy test's data (scripting/strategy_test_harness.hpp): what
// the harness hands a Lua test — intents as tables, a stopped strategy's state — and
// the assertions `h.eq`, `h.near`, … written in Lua so that a failure names the test's
// own file:line.
//
// Guarantees: push_intent_table and push_plain_json push exactly one value and raise a
// Lua error (never crash) when the Lua stack or memory runs out, so they must run
// inside a protected call (a C function called from the test, as the harness's are).
//
// Uses: core/common/intent.hpp. Thread: the sandbox's.
#pragma once

#include <nlohmann/json.hpp>

#include "core/common/intent.hpp"

struct lua_State;

namespace propbot::scripting {

// An Intent as a test reads it: the fields of its kind (core/common/intent.hpp), kind
// and side by their stable names, amounts as the doubles the script proposed, guards
// when set, `reduce_only` always (a boolean).
void push_intent_table(lua_State* L, const Intent& intent);

// JSON as Lua data (objects → tables with string keys, arrays → 1..n lists, nulls in
// an object dropped); raises past 64 levels of nesting.
void push_plain_json(lua_State* L, const nlohmann::json& value);

// A Lua chunk returning `function(h)` that installs the assertions on `h`:
// h.eq (deep), h.near, h.ok, h.is_nil, h.len, h.contains, h.fail. Each raises with
// error(…, 2): the message is located at the caller's line.
const char* strategy_test_assertions_source();

}  // namespace propbot::scripting
