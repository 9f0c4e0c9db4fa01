// `propbot strategy`: a quant's own work on a strategy, without a daemon (SPEC S-7.2).
//
//   propbot strategy test FILE_test.lua [--strategy FILE] [--filter SUBSTRING]
//
// test runs the `test_*` functions of a Lua test file, in the order the file defines
// them, each in a fresh state, with the harness the project's own strategy tests use
// (scripting/strategy_test_harness.hpp documents the `h` API). `h.load(name)` loads
// `strategies/<name>.lua` from the nearest `strategies/` directory of the test file's
// directory or one of its parents, else from ./strategies; `--strategy FILE` makes every
// `h.load` load FILE instead, whatever the name (the file under development);
// `--filter` runs only the tests whose name contains SUBSTRING.
//
// Output (stdout), one line per test and a summary:
//   PASS test_name (1.2 ms)
//   FAIL test_name
//       file:line: message
//       stack traceback:
//         …
//   N passed, M failed
// Exit 0 when every test passed, 1 when one failed, 2 on a usage error (stderr names
// the file or flag and the fix): unknown flag, no FILE, a FILE or --strategy file that
// is missing or unreadable, a FILE that does not return a table of test_* functions, a
// --filter that matches no test.
//
// Uses: scripting/strategy_test_harness.hpp.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int strategy_command(const std::vector<std::string>& args);

}  // namespace propbot::app
