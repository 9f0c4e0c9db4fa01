// The strategy test harness: runs a quant's Lua tests of a strategy — the project's own
// (tests/unit/scripting/lua/*_test.lua, through GoogleTest) and anyone's (`propbot
// strategy test FILE_test.lua`, core/app/commands/strategy_command.hpp) — the same way.
//
// A test file returns a table of `test_*` functions. Each test runs in a fresh
// sandboxed Lua state (a LuaSandbox with a 200 000 000-instruction budget for the
// test's own code) with a fresh harness `h` as its only argument. `h.load` loads a REAL
// strategy file into a StrategyRunner (the shipped limits: budget, memory, faults)
// over a ScriptedMarket (scripting/scripted_market.hpp) and a SimClock that only moves
// with h.advance; the test drives callbacks and reads the proposed intents back as Lua
// tables (scripting/strategy_test_values.hpp).
//
// The test API (`h`):
//   h.load(name, params?, previous_state?)  the strategy `name` (see StrategyTestOptions
//                                           for where it is found); a load error raises
//   h.load_error(name, params?, previous_state?) → message | nil
//   h.load_fixture(name, params?)           <fixtures_dir>/<name>.lua
//   h.venues{…}                             the venue list (default SIM-A, SIM-B)
//   h.book(venue, symbol, bid, ask, opts?)  opts {qty = 1, levels = 10, tick = 0.1, age_ms = 0}:
//                                           `levels` levels of `qty` base each, one tick apart
//   h.depth(venue, symbol, {{price, qty}…}, {{price, qty}…}, opts?)   explicit levels
//   h.remove_book(venue, symbol)
//   h.funding(venue, symbol, rate, next_funding_ms?)   h.regime(symbol, name, confidence)
//   h.position(venue, symbol, qty)          h.fees(venue, maker_bps, taker_bps) (next load)
//   h.budget(max_position, max_total, open) now and for the next load
//   h.now_ms()   h.advance(ms) → intents of the timers that fired on the way
//   h.on_book(venue, symbol) → intents      h.on_fill{venue, symbol, side, price, qty, …} → intents
//   h.stop() → state    h.faults() → n    h.last_fault() → message | nil
//   h.logs() → {…} what ctx:log wrote (the first 10 000 lines)
//   h.allow_faults(bool): by default a strategy fault during a call raises in the test
//   Assertions (fail with the test file:line): h.eq(actual, expected, what?) (deep),
//   h.near(actual, expected, tolerance, what?), h.ok(value, what?), h.is_nil(value, what?),
//   h.len(list, n, what?), h.contains(text, fragment, what?), h.fail(message)
//
// A failing assertion or any Lua error fails the test at the Lua file:line with the
// message and the Lua traceback; a test never throws and never takes the process down.
// Files are read when a test runs (each test reads its file again: nothing is cached).
//
// Uses: lua_sandbox.hpp, strategy_runner.hpp, scripted_market.hpp,
// strategy_test_values.hpp, lua_json.hpp. Thread: the caller's (one test at a time per
// call; calls share nothing).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace propbot::scripting {

// A file or directory, and how messages name it (e.g. "strategies/x.lua" for
// /home/q/bundle/strategies/x.lua).
struct ScriptPath {
  std::string path;
  std::string display;
};

// Where h.load(name) and h.load_fixture(name) find their files.
struct StrategyTestOptions {
  // Set: every h.load / h.load_error loads this file, whatever `name` says (the file
  // under development); its module `name` is taken from the file itself.
  std::optional<ScriptPath> strategy_file;
  // Otherwise: <dir>/<name>.lua of the first of these directories that holds it.
  std::vector<ScriptPath> strategy_dirs;
  ScriptPath fixtures_dir;  // h.load_fixture(name): <fixtures_dir>/<name>.lua
};

struct StrategyTestResult {
  std::string name;  // the test function, e.g. "test_enters_on_a_wide_spread"
  bool passed = false;
  std::string message;    // why it failed, usually "file:line: …" as Lua raised it
  std::string file;       // of the failure: the test file for a failed assertion; empty when unknown
  int line = 0;           // 0 when unknown
  std::string traceback;  // the Lua traceback (its first line repeats the message)
  std::chrono::nanoseconds duration{0};

  // "file:line: message" with the location once.
  std::string located() const;
};

// The `test_*` functions of a test file in the order they are defined in the file.
// Errors (Errc::not_found, invalid_argument, io_error, script_error), each naming the
// file and the fix: the file is missing, a directory or unreadable, does not compile or
// fails when run (with its file:line), does not return a table, or the table has no
// `test_*` function.
Result<std::vector<std::string>> list_strategy_tests(const ScriptPath& test_file);

// Runs the test function `test` of `test_file` in a fresh state. A missing function or
// an unloadable file is a failed result, not an error.
StrategyTestResult run_strategy_test(const ScriptPath& test_file, const std::string& test,
                                     const StrategyTestOptions& options);

// The options `propbot strategy test` uses for a test file (a quant's bundle layout):
// h.load(name) looks in the `strategies/` directory of the test file's directory and of
// each of its parent directories, nearest first (so <bundle>/tests/x_test.lua finds
// <bundle>/strategies/), then in <cwd>/strategies; h.load_fixture(name) reads
// <test file's directory>/fixtures/<name>.lua. Directories are named relative to
// `cwd` when inside it, absolute otherwise. `strategy_file` is left unset.
StrategyTestOptions bundle_test_options(const std::filesystem::path& test_file, const std::filesystem::path& cwd);

// How messages name `path`: relative to `cwd` when inside it, else absolute.
std::string display_path(const std::filesystem::path& path, const std::filesystem::path& cwd);

}  // namespace propbot::scripting
