// Unit tests of the shipped strategies, written in Lua: tests/unit/scripting/lua/
// <strategy>_test.lua each return a table of `test_*` functions. Every such function is
// one GoogleTest (suite `LuaTest_<file stem>`, discovered when the binary starts, in
// the order the file defines them), run by the strategy test harness
// (scripting/strategy_test_harness.hpp, which documents the `h` API) against the REAL
// strategy files in strategies/ — the same harness `propbot strategy test` runs.
//
// A failing assertion or any Lua error fails the GoogleTest at the Lua file:line with
// the message and the Lua traceback.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/strategy_test_harness.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

const std::string kLuaTestDir = std::string(PROPBOT_SOURCE_DIR) + "/tests/unit/scripting/lua";
const std::string kLuaTestDisplayDir = "tests/unit/scripting/lua";

ScriptPath test_file(const std::string& file) { return {kLuaTestDir + "/" + file, kLuaTestDisplayDir + "/" + file}; }

StrategyTestOptions shipped_options() {
  StrategyTestOptions options;
  options.strategy_dirs.push_back({std::string(PROPBOT_SOURCE_DIR) + "/strategies", "strategies"});
  options.fixtures_dir = {kLuaTestDir + "/fixtures", kLuaTestDisplayDir + "/fixtures"};
  return options;
}

StrategyTestResult run_lua_test(const std::string& file, const std::string& test) {
  return run_strategy_test(test_file(file), test, shipped_options());
}

void report(const StrategyTestResult& result) {
  if (result.passed) return;
  const std::string file = result.file.empty() ? kLuaTestDisplayDir : result.file;
  // The traceback repeats the message as its first line when the sandbox captured one.
  const bool repeated = result.traceback.rfind(result.message, 0) == 0 && !result.traceback.empty();
  ADD_FAILURE_AT(file.c_str(), result.line) << (repeated ? result.traceback : result.message + "\n" + result.traceback);
}

// ---- discovery: one GoogleTest per test_* function of each lua/*_test.lua ---------

class LuaTest : public ::testing::Test {
 public:
  LuaTest(std::string file, std::string test) : file_(std::move(file)), test_(std::move(test)) {}
  void TestBody() override { report(run_lua_test(file_, test_)); }

 private:
  std::string file_;
  std::string test_;
};

class LoadFailure : public ::testing::Test {
 public:
  explicit LoadFailure(std::string message) : message_(std::move(message)) {}
  void TestBody() override { ADD_FAILURE() << message_; }

 private:
  std::string message_;
};

const bool kRegistered = [] {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kLuaTestDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 9 && name.compare(name.size() - 9, 9, "_test.lua") == 0) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    ::testing::RegisterTest("LuaTest", "FilesFound", nullptr, nullptr, __FILE__, __LINE__,
                            [] { return new LoadFailure("no *_test.lua in " + kLuaTestDir); });
  }
  for (const std::string& file : files) {
    const std::string suite = "LuaTest_" + file.substr(0, file.size() - 9);
    const auto tests = list_strategy_tests(test_file(file));
    if (!tests) {
      const std::string error = tests.error().message;
      ::testing::RegisterTest(suite.c_str(), "Loads", nullptr, nullptr, __FILE__, __LINE__,
                              [error]() -> ::testing::Test* { return new LoadFailure(error); });
      continue;
    }
    for (const std::string& test : *tests) {
      ::testing::RegisterTest(suite.c_str(), test.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                              [file, test]() -> ::testing::Test* { return new LuaTest(file, test); });
    }
  }
  return true;
}();

// ---- the harness itself -----------------------------------------------------------
// lua/harness_selftest.lua is not a *_test.lua: its deliberate failures are run here
// and EXPECTED, so they do not fail the build.

TEST(LuaStrategyHarness, APassingLuaTestPasses) {
  const auto result = run_lua_test("harness_selftest.lua", "test_passes");
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(LuaStrategyHarness, EveryCtxLogLineReachesTheTestWithoutTheDaemonsRateLimit) {
  const auto result = run_lua_test("harness_selftest.lua", "test_every_log_line_reaches_the_test");
  EXPECT_TRUE(result.passed) << result.message;
}

TEST(LuaStrategyHarness, AFailingLuaAssertionIsReportedWithItsFileLineAndMessage) {
  const auto result = run_lua_test("harness_selftest.lua", "test_fails_on_purpose");
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.file, "tests/unit/scripting/lua/harness_selftest.lua");
  EXPECT_EQ(result.line, 12) << "the line of the failing h.eq, not of the harness";
  EXPECT_NE(result.message.find("intents: expected 2, got 0"), std::string::npos) << result.message;
}

TEST(LuaStrategyHarness, AStrategyFaultFailsTheTestUnlessAllowed) {
  const auto result = run_lua_test("harness_selftest.lua", "test_strategy_fault_on_purpose");
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.line, 17);
  EXPECT_NE(result.message.find("the strategy faulted"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("field 'notional_usdt'"), std::string::npos) << result.message;
}

TEST(LuaStrategyHarness, ALoadErrorAndAMissingTestAreFailures) {
  const auto load = run_lua_test("harness_selftest.lua", "test_load_error_on_purpose");
  EXPECT_FALSE(load.passed);
  EXPECT_NE(load.message.find("h.load:"), std::string::npos) << load.message;
  EXPECT_NE(load.message.find("no_such_strategy"), std::string::npos) << load.message;
  const auto missing = run_lua_test("harness_selftest.lua", "test_that_does_not_exist");
  EXPECT_FALSE(missing.passed);
  EXPECT_NE(missing.message.find("no test function 'test_that_does_not_exist'"), std::string::npos);
  const auto file = run_lua_test("no_such_file.lua", "test_x");
  EXPECT_FALSE(file.passed);
}

}  // namespace
}  // namespace propbot::scripting
