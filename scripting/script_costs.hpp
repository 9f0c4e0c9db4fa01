// What the sandbox's C library functions charge to a call's budget, in ticks
// (scripting/script_budget.hpp: one interpreted VM instruction = kTicksPerInstruction
// = 16 ticks).
//
// Calibration (docs/PERFORMANCE.md, "Lua string functions under the budget"): on the
// reference machine an interpreted instruction with the count hook armed costs about
// 4 ns, so a tick is about 0.25 ns; each rate below is the measured wall time of one
// unit of that work divided by 0.25 ns, rounded to an integer (or, for per-byte work
// cheaper than a tick, the bytes one tick pays for). The aim is that a budget spent on
// any of these takes about as long as the same budget spent on Lua instructions, so
// "instruction budget" keeps meaning "about this much time" whatever the script calls.
// tests/bench/lua_budget_bench.cpp measures the wall time of an exhausted budget for
// each; re-measure there when a rate is changed.
#pragma once

#include <cstdint>

namespace propbot::scripting::costs {

// Pattern matcher (scripting/lua_pattern.hpp): one step (an attempt is
// lua_pattern::kStepsPerAttempt + 1 steps).
constexpr std::int64_t kTicksPerMatchStep = 10;
// string.find with a plain needle: bytes scanned for its first byte per tick (memchr);
// a compared byte costs lua_pattern::kCompareUnitsPerByte scanned ones.
constexpr std::int64_t kPlainScanBytesPerTick = 12;
// Bytes copied into a result (string.rep, string.sub, string.format's %s, table.concat,
// gsub's output) per tick.
constexpr std::int64_t kCopyBytesPerTick = 4;
// A byte transformed one at a time (string.upper/lower/reverse, tonumber's scan).
constexpr std::int64_t kTicksPerTransformedByte = 3;
// A byte through string.format's %q (escaping, byte by byte).
constexpr std::int64_t kTicksPerQuotedByte = 8;
// One repetition of string.rep (a memcpy call per copy unless the piece is one byte).
constexpr std::int64_t kTicksPerRepetition = 16;
// A value returned by unpack or string.byte.
constexpr std::int64_t kTicksPerValue = 6;
// An argument of string.char (checked and converted one by one).
constexpr std::int64_t kTicksPerCharArgument = 12;
// An element moved by table.insert.
constexpr std::int64_t kTicksPerMove = 4;
// A capture or match returned as a new string (hashing, interning).
constexpr std::int64_t kTicksPerResult = 100;
// An element joined by table.concat (a table read, a type check, an append).
constexpr std::int64_t kTicksPerConcatElement = 150;
// One replacement by string.gsub (reading the template or the value, appending).
constexpr std::int64_t kTicksPerReplacement = 100;
// One comparison by table.sort with the default order (stack moves, lua_lessthan).
constexpr std::int64_t kTicksPerComparison = 96;
// One call from a C function into Lua (gsub's function replacement, sort's
// comparator): the call itself; the Lua code it runs is counted by the hook.
constexpr std::int64_t kTicksPerCallback = 240;
// One key visited by table.maxn (lua_next).
constexpr std::int64_t kTicksPerTableKey = 320;
// An error thrown and caught by pcall or coroutine.resume (LuaJIT unwinds through the
// C++ unwinder: ~1 us for error('x'), ~2 us for a runtime error, whose message is
// built from debug information).
constexpr std::int64_t kTicksPerCaughtError = 12000;
// A fixed charge per call of a charged function (argument checks, the call itself),
// so that a loop of tiny calls is not free.
constexpr std::int64_t kTicksPerLibraryCall = 48;

}  // namespace propbot::scripting::costs
