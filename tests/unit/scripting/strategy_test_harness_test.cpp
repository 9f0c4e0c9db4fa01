// The strategy test harness as a library (scripting/strategy_test_harness.hpp), on test
// and strategy files written to a temporary bundle: discovery in source order, the
// errors a quant's file can have, where h.load finds a strategy (a bundle's layout, an
// explicit --strategy file whatever its name), and what a result carries.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/strategy_test_harness.hpp"
#include "tests/unit/secrets/temp_dir.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;
using propbot::secrets::testing::TempDir;

// tests/unit/scripting/lua/fixtures/buyer.lua under the module name `name`: one
// single-venue buy at the bid per book event, its reason = name.
std::string buyer(const std::string& name) {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/unit/scripting/lua/fixtures/buyer.lua");
  std::stringstream text;
  text << in.rdbuf();
  std::string source = text.str();
  const std::string declared = "local NAME = \"buyer\"";
  const std::size_t at = source.find(declared);
  EXPECT_NE(at, std::string::npos) << "buyer.lua no longer declares its NAME";
  if (at != std::string::npos) source.replace(at, declared.size(), "local NAME = \"" + name + "\"");
  return source;
}

constexpr const char* kBuyerTest =
    "local T = {}\n"
    "function T.test_buys_at_the_bid(h)\n"
    "  h.load(\"buyer\")\n"
    "  h.book(\"SIM-A\", \"BTC-USDT\", 100, 101)\n"
    "  local intents = h.on_book(\"SIM-A\", \"BTC-USDT\")\n"
    "  h.len(intents, 1)\n"
    "  h.eq(intents[1].price, 100, \"price\")\n"
    "  h.eq(intents[1].reason, \"buyer\", \"reason\")\n"
    "end\n"
    "return T\n";

class StrategyTestHarnessTest : public ::testing::Test {
 protected:
  std::string write(const std::string& relative, const std::string& text) {
    const fs::path path = fs::path(root_.path()) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  ScriptPath test_file(const std::string& relative, const std::string& text) {
    return {write(relative, text), relative};
  }

  TempDir root_;
};

TEST_F(StrategyTestHarnessTest, ListsTheTestFunctionsInTheOrderTheFileDefinesThem) {
  const ScriptPath file = test_file("tests/order_test.lua",
                                    "local T = {}\n"
                                    "function T.test_zebra(h) end\n"
                                    "function T.test_apple(h) end\n"
                                    "T.helper = function() end\n"
                                    "T.test_mango = function(h) end\n"
                                    "T.test_not_a_function = 3\n"
                                    "return T\n");
  const auto names = list_strategy_tests(file);
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::vector<std::string>{"test_zebra", "test_apple", "test_mango"}));
}

TEST_F(StrategyTestHarnessTest, AFileWithoutTestsIsAnErrorNamingTheFileAndTheFix) {
  const auto missing = list_strategy_tests({root_.file("nope_test.lua"), "nope_test.lua"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("nope_test.lua: cannot read the test file"), std::string::npos)
      << missing.error().message;

  const auto not_table = list_strategy_tests(test_file("a_test.lua", "return 42\n"));
  ASSERT_FALSE(not_table);
  EXPECT_NE(not_table.error().message.find("a_test.lua: a Lua test file must return a table of test_* functions"),
            std::string::npos)
      << not_table.error().message;

  const auto empty = list_strategy_tests(test_file("b_test.lua", "return { helper = function() end }\n"));
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("b_test.lua: the returned table has no test_* functions"), std::string::npos)
      << empty.error().message;

  const auto syntax = list_strategy_tests(test_file("c_test.lua", "local T = {}\n\nfunction T.test_x(h)\nreturn T\n"));
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().message.rfind("c_test.lua:5: 'end' expected", 0), 0u) << syntax.error().message;
}

TEST_F(StrategyTestHarnessTest, ABundleTestFindsTheBundlesStrategiesFromAnyDirectory) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string test = write("tests/buyer_test.lua", kBuyerTest);
  // The working directory is elsewhere (the test binary's): the bundle is found from the test file.
  const StrategyTestOptions options = bundle_test_options(test, fs::temp_directory_path() / "elsewhere");
  ASSERT_FALSE(options.strategy_dirs.empty());
  EXPECT_TRUE(fs::equivalent(options.strategy_dirs.front().path, fs::path(root_.path()) / "strategies"));
  EXPECT_EQ(options.fixtures_dir.path, (fs::path(root_.path()) / "tests" / "fixtures").string());

  const auto result = run_strategy_test({test, "tests/buyer_test.lua"}, "test_buys_at_the_bid", options);
  EXPECT_TRUE(result.passed) << result.located() << "\n" << result.traceback;
  EXPECT_EQ(result.name, "test_buys_at_the_bid");
  EXPECT_GT(result.duration.count(), 0);
}

TEST_F(StrategyTestHarnessTest, NamesDirectoriesRelativeToTheWorkingDirectoryWhenInsideIt) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string test = write("tests/buyer_test.lua", kBuyerTest);
  const StrategyTestOptions options = bundle_test_options(test, root_.path());
  ASSERT_FALSE(options.strategy_dirs.empty());
  EXPECT_EQ(options.strategy_dirs.front().display, "strategies");
  EXPECT_EQ(options.fixtures_dir.display, "tests/fixtures");
  EXPECT_EQ(display_path("/somewhere/else/x.lua", root_.path()), "/somewhere/else/x.lua");
}

TEST_F(StrategyTestHarnessTest, AnExplicitStrategyFileIsLoadedWhateverTheNameTheTestAsksFor) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string dev = write("work/buyer_v2.lua", buyer("buyer_v2"));
  const std::string test = write("tests/buyer_test.lua", kBuyerTest);
  StrategyTestOptions options = bundle_test_options(test, root_.path());
  options.strategy_file = ScriptPath{dev, "work/buyer_v2.lua"};
  const auto result = run_strategy_test({test, "tests/buyer_test.lua"}, "test_buys_at_the_bid", options);
  // The test expects reason "buyer": the file under development says "buyer_v2", so
  // this run proves it was the one loaded (under its own module name).
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.file, "tests/buyer_test.lua");
  EXPECT_EQ(result.line, 8);
  EXPECT_NE(result.message.find("reason: expected \"buyer\", got \"buyer_v2\""), std::string::npos) << result.message;
  EXPECT_EQ(result.located(), result.message) << "the location is not repeated";
}

TEST_F(StrategyTestHarnessTest, AStrategyNotFoundNamesWhereItLooked) {
  const std::string test = write("tests/buyer_test.lua", kBuyerTest);
  write("strategies/other.lua", buyer("other"));
  const auto result = run_strategy_test({test, "tests/buyer_test.lua"}, "test_buys_at_the_bid",
                                        bundle_test_options(test, root_.path()));
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.line, 3);
  EXPECT_NE(result.message.find("h.load: no strategy file buyer.lua in strategies/"), std::string::npos)
      << result.message;
}

TEST_F(StrategyTestHarnessTest, AFailureCarriesTheTracebackThroughTheTestsOwnHelpers) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string test = write("tests/helper_test.lua",
                                 "local T = {}\n"
                                 "local function check(h)\n"
                                 "  h.eq(1, 2, \"one\")\n"
                                 "end\n"
                                 "function T.test_uses_a_helper(h)\n"
                                 "  check(h)\n"
                                 "end\n"
                                 "return T\n");
  const auto result = run_strategy_test({test, "tests/helper_test.lua"}, "test_uses_a_helper",
                                        bundle_test_options(test, root_.path()));
  ASSERT_FALSE(result.passed);
  EXPECT_EQ(result.located(), "tests/helper_test.lua:3: one: expected 2, got 1");
  EXPECT_NE(result.traceback.find("tests/helper_test.lua:6"), std::string::npos) << result.traceback;
}

}  // namespace
}  // namespace propbot::scripting
