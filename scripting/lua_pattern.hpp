// Lua 5.1 / LuaJIT 2.1 patterns with a step budget: the matcher behind the sandbox's
// string.find, string.match, string.gmatch and string.gsub
// (scripting/lua_budgeted_string.cpp). Written for PropBot from the Lua 5.1 manual
// (§5.4.1) and LuaJIT's observable behaviour; it accepts, matches and rejects exactly as
// LuaJIT 2.1 (Debian 12's 2.1.0~beta3+git20220320) does, which
// tests/unit/scripting/lua_pattern_differential_test.cpp checks against the builtins:
// - the pattern ends at its first NUL byte (LuaJIT reads it as a C string); the subject
//   may hold any bytes, and "%z" or "\0" in a set still matches a NUL in the subject;
// - character classes are ASCII, independent of the C locale (LuaJIT's own table);
// - errors are raised lazily, where the matcher meets them: a malformed item that the
//   search never reaches is not an error;
// - nesting is limited as LuaJIT limits it: more than kMaxDepth nested items that
//   backtrack (captures, '*', '+', '-', a matching '?') is "pattern too complex".
//
// The budget: every step spends units of `steps_left` — an attempt (each entry into
// the recursive matcher: at a subject position, for a capture, for each try of a
// repetition; this is where the time goes: kStepsPerAttempt), a pattern item tried, a subject byte scanned by a repetition or a %b, eight bytes of a
// set scanned or of a back-reference compared (one each). When it would go below zero
// the match stops with Fault::budget; the caller converts the steps into ticks of the
// script's budget (scripting/script_costs.hpp) and raises. Exponential backtracking
// therefore ends when the budget does, and no step escapes the count.
//
// Errors are values: a fault is recorded in Match::fault and every level returns null;
// nothing here raises, allocates or touches Lua. Match is POD (the Lua binding keeps it
// on a C stack that lua_error may unwind). Recursion depth is bounded by kMaxDepth.
#pragma once

#include <cstddef>
#include <cstdint>

namespace propbot::scripting::lua_pattern {

constexpr int kMaxCaptures = 32;  // LUA_MAXCAPTURES
// Measured (docs/PERFORMANCE.md): an attempt costs 4-9 ns whatever the pattern, a byte
// scanned or an item tried 0.1-1 ns; the weights keep a step's cost within about 2x.
constexpr std::int64_t kStepsPerAttempt = 4;
// find_plain's units: memchr scans a byte about three times faster than the compare.
constexpr std::int64_t kScanUnitsPerByte = 1;
constexpr std::int64_t kCompareUnitsPerByte = 3;
constexpr int kMaxDepth = 200;    // LuaJIT's LJ_MAX_XLEVEL for the matcher

enum class Fault : std::uint8_t {
  none,
  budget,                   // the step budget ran out
  ends_with_escape,         // malformed pattern (ends with '%')
  missing_bracket,          // malformed pattern (missing ']')
  frontier_without_set,     // missing '[' after '%f' in pattern
  invalid_pattern_capture,  // ')' without an open capture
  unbalanced,               // %b without its two characters
  too_complex,              // nesting deeper than kMaxDepth
  invalid_capture_index,    // %N naming no closed capture
  too_many_captures,        // more than kMaxCaptures
};

// LuaJIT's message for a fault other than `budget` (which the sandbox words itself).
const char* describe(Fault fault);

constexpr std::ptrdiff_t kOpenCapture = -1;      // '(' met, ')' not yet
constexpr std::ptrdiff_t kPositionCapture = -2;  // "()"

struct Capture {
  const char* begin;
  std::ptrdiff_t length;  // >= 0, kOpenCapture or kPositionCapture
};

struct Match {
  const char* subject;      // the whole subject (position captures count from here)
  const char* subject_end;  // one past its last byte
  std::int64_t steps_left;
  int depth;
  int captures;  // captures opened so far in this attempt (closed or open)
  Fault fault;
  Capture capture[kMaxCaptures];
};

// Prepares `m` for matching inside `subject` with `steps` budget units.
void start(Match& m, const char* subject, std::size_t length, std::int64_t steps);

// One attempt anchored at `at` with the NUL-terminated `pattern` (without a leading
// '^', which the callers handle as LuaJIT does). Returns the end of the match, or null:
// no match, or `m.fault` set. Resets the captures first.
const char* match_at(Match& m, const char* at, const char* pattern);

// True when `pattern` (all `length` bytes, NULs included) holds a byte that makes
// string.find use the matcher rather than a plain search: one of ^$*+?.([%-.
bool has_specials(const char* pattern, std::size_t length);

// Plain substring search, LuaJIT's result for string.find(s, p, init, true): the first
// occurrence of `needle` in `haystack`, or null. Every byte examined spends units of
// `units_left` (kScanUnitsPerByte when scanned for the needle's first byte,
// kCompareUnitsPerByte when compared); when the allowance runs out first, sets
// `*exhausted` and returns null.
const char* find_plain(const char* haystack, std::size_t haystack_length, const char* needle,
                       std::size_t needle_length, std::int64_t& units_left, bool* exhausted);

}  // namespace propbot::scripting::lua_pattern
