// `propbot strategy test` run as the real binary: the shipped Lua tests pass, a failing
// assertion is reported at its file:line with exit 1, --strategy swaps the file h.load
// loads, the guide's example test (docs/STRATEGY_GUIDE.md §14) passes against the
// guide's example strategy, and every usage error exits 2 naming the file or flag.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/daemon_process.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;

const std::string kSource = PROPBOT_SOURCE_DIR;

CommandRun run_propbot(std::vector<std::string> args) {
  args.insert(args.begin(), PROPBOT_BINARY);
  return run_to_exit(std::move(args), std::chrono::seconds(60));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// tests/unit/scripting/lua/fixtures/buyer.lua under the module name `name`: one
// single-venue buy at the bid per book event, its reason = name.
std::string buyer(const std::string& name) {
  std::string source = read_text_file(kSource + "/tests/unit/scripting/lua/fixtures/buyer.lua");
  const std::string declared = "local NAME = \"buyer\"";
  const std::size_t at = source.find(declared);
  EXPECT_NE(at, std::string::npos) << "buyer.lua no longer declares its NAME";
  return at == std::string::npos ? source : source.replace(at, declared.size(), "local NAME = \"" + name + "\"");
}

// Line 9 holds the failing assertion of test_fails.
constexpr const char* kBuyerTest =
    "local T = {}\n"
    "function T.test_passes(h)\n"
    "  h.load(\"buyer\")\n"
    "  h.len(h.on_book(\"SIM-A\", \"BTC-USDT\"), 0, \"no book, no intent\")\n"
    "end\n"
    "function T.test_fails(h)\n"
    "  h.load(\"buyer\")\n"
    "  h.book(\"SIM-A\", \"BTC-USDT\", 100, 101)\n"
    "  h.eq(h.on_book(\"SIM-A\", \"BTC-USDT\")[1].price, 101, \"price\")\n"
    "end\n"
    "return T\n";

constexpr const char* kReasonTest =
    "local T = {}\n"
    "function T.test_reason_is_v2(h)\n"
    "  h.load(\"buyer\")\n"
    "  h.book(\"SIM-A\", \"BTC-USDT\", 100, 101)\n"
    "  h.eq(h.on_book(\"SIM-A\", \"BTC-USDT\")[1].reason, \"buyer_v2\")\n"
    "end\n"
    "return T\n";

// The body of the fenced block after `<!-- example: NAME -->` in the guide.
std::string guide_example(const std::string& name) {
  const std::string guide = read_text_file(kSource + "/docs/STRATEGY_GUIDE.md");
  const std::string marker = "<!-- example: " + name + " -->";
  const std::size_t at = guide.find(marker);
  if (at == std::string::npos) return {};
  const std::size_t fence = guide.find("\n```", at);
  const std::size_t body = guide.find('\n', fence + 1);
  const std::size_t end = guide.find("\n```", body);
  if (fence == std::string::npos || body == std::string::npos || end == std::string::npos) return {};
  return guide.substr(body + 1, end - body);
}

class StrategyCommandTest : public ::testing::Test {
 protected:
  std::string write(const std::string& relative, const std::string& text) {
    const fs::path path = fs::path(dir_.path()) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  TempDir dir_;
};

TEST_F(StrategyCommandTest, TheShippedLuaTestsPassWithOnePassLinePerTest) {
  for (const char* file : {"cross_exchange_arb_test.lua", "funding_basis_test.lua", "quoting_test.lua"}) {
    SCOPED_TRACE(file);
    const CommandRun run = run_propbot({"strategy", "test", kSource + "/tests/unit/scripting/lua/" + file});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    const auto lines = lines_of(run.out);
    ASSERT_GE(lines.size(), 2u) << run.out;
    const std::regex pass(R"(PASS test_\w+ \(\d+\.\d ms\))");
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_TRUE(std::regex_match(lines[i], pass)) << lines[i];
    EXPECT_EQ(lines.back(), std::to_string(lines.size() - 1) + " passed, 0 failed");
  }
  const CommandRun quoting =
      run_propbot({"strategy", "test", kSource + "/tests/unit/scripting/lua/quoting_test.lua", "--filter", "inventory"});
  EXPECT_EQ(quoting.exit_code, 0) << quoting.out << quoting.err;
  EXPECT_EQ(quoting.out.find("PASS test_long_inventory_skews_both_quotes_down ("), 0u) << "file order: " << quoting.out;
  EXPECT_EQ(quoting.out.find("test_quotes_both_sides"), std::string::npos) << "filtered out: " << quoting.out;
}

TEST_F(StrategyCommandTest, AFailingAssertionExitsOneAtItsFileAndLine) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string test = write("tests/buyer_test.lua", kBuyerTest);
  const CommandRun run = run_propbot({"strategy", "test", test});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto lines = lines_of(run.out);
  ASSERT_GE(lines.size(), 5u) << run.out;
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(PASS test_passes \(\d+\.\d ms\))"))) << lines[0];
  EXPECT_EQ(lines[1], "FAIL test_fails");
  EXPECT_EQ(lines[2], "    " + test + ":9: price: expected 101, got 100");
  EXPECT_EQ(lines[3], "    stack traceback:");
  EXPECT_NE(run.out.find("      " + test + ":9: in function"), std::string::npos) << run.out;
  EXPECT_EQ(lines.back(), "1 passed, 1 failed");
}

TEST_F(StrategyCommandTest, StrategyFlagLoadsThatFileWhateverTheNameAsked) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string dev = write("work/buyer_v2.lua", buyer("buyer_v2"));
  const std::string test = write("tests/reason_test.lua", kReasonTest);
  const CommandRun shipped = run_propbot({"strategy", "test", test});
  EXPECT_EQ(shipped.exit_code, 1) << "the bundle's buyer has reason \"buyer\": " << shipped.out << shipped.err;
  const CommandRun swapped = run_propbot({"strategy", "test", test, "--strategy", dev});
  EXPECT_EQ(swapped.exit_code, 0) << swapped.out << swapped.err;
  EXPECT_NE(swapped.out.find("PASS test_reason_is_v2 ("), std::string::npos) << swapped.out;
  EXPECT_NE(swapped.out.find("1 passed, 0 failed"), std::string::npos) << swapped.out;
}

TEST_F(StrategyCommandTest, TheGuidesExampleTestPassesAgainstTheGuidesStrategy) {
  const std::string strategy = guide_example("strategies/spread_watch.lua");
  const std::string tests = guide_example("tests/spread_watch_test.lua");
  ASSERT_FALSE(strategy.empty());
  ASSERT_FALSE(tests.empty());
  write("strategies/spread_watch.lua", strategy);
  const std::string test = write("tests/spread_watch_test.lua", tests);
  const CommandRun run = run_propbot({"strategy", "test", test});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("4 passed, 0 failed"), std::string::npos) << run.out;
}

TEST_F(StrategyCommandTest, UsageErrorsExitTwoNamingTheFileOrFlag) {
  write("strategies/buyer.lua", buyer("buyer"));
  const std::string test = write("tests/buyer_test.lua", kBuyerTest);
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::string missing = dir_.path() + "/tests/missing_test.lua";
  const std::string number = write("tests/number_test.lua", "return 42\n");
  const std::string helpers = write("tests/helpers_test.lua", "return { check = function() end }\n");
  const std::string broken = write("tests/broken_test.lua", "local T = {\nreturn T\n");
  const std::vector<Case> cases = {
      {{"strategy", "test", missing}, missing + ": cannot read the test file"},
      {{"strategy", "test", number}, number + ": a Lua test file must return a table of test_* functions"},
      {{"strategy", "test", helpers}, helpers + ": the returned table has no test_* functions"},
      {{"strategy", "test", broken}, broken + ":2:"},
      {{"strategy", "test", test, "--strategy", dir_.path() + "/nope.lua"}, "--strategy " + dir_.path() + "/nope.lua"},
      {{"strategy", "test", dir_.path()}, dir_.path() + ": is a directory"},
      {{"strategy", "test", test, "--strategy", dir_.path()}, "--strategy " + dir_.path()},
      {{"strategy", "test", test, "--color"}, "--color"},
      {{"strategy", "test", test, "--filter", "zzz"}, "--filter 'zzz' matches none"},
      {{"strategy", "test"}, "FILE_test.lua"},
      {{"strategy", "check", test}, "unknown subcommand 'check'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.names);
    const CommandRun run = run_propbot(c.args);
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(c.names), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "") << "no test ran";
  }
  const CommandRun help = run_propbot({"strategy", "test", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("PASS test_name (1.2 ms)"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace propbot::testing
