// Issue 10, finding 2: the instruction budget covers the C library too. LuaJIT's count
// hook never fires inside a C function, so before the budgeted library a single
// string.find could hold the thread for seconds or for ever. Each test here hands a
// library function an input that would run long (or for ever) in LuaJIT and demands
// a budget fault at the script's line, a call that returns, and a state that still
// works. Wall times are printed, never asserted (CI machines vary); the fault itself
// is the proof, since without the charge these calls run for seconds to hours.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "scripting/strategy_runner.hpp"
#include "tests/unit/scripting/lua_runaways.hpp"
#include "tests/unit/scripting/sandbox_test_support.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

constexpr const char* kFile = "strategies/hostile.lua";

class SandboxBudgetTest : public ::testing::Test {
 protected:
  // testing::call_bad with this file: `prelude` at load, `body` in bad().
  ScriptFault call_bad(const std::string& prelude, const std::string& body, SandboxLimits limits = {}) {
    return testing::call_bad(sandbox_, clock_, kFile, prelude, body, limits);
  }
  static int body_line(const std::string& prelude) { return testing::bad_body_line(prelude); }

  SimClock clock_;
  std::unique_ptr<LuaSandbox> sandbox_;
};

// `what`: the library function that ran out, or null when the hook may have (a sort
// comparator's Lua code draws on the same budget).
void expect_budget_fault(const ScriptFault& fault, int line, const char* what) {
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("instruction budget exceeded"), std::string::npos) << fault.message;
  if (what != nullptr) {
    EXPECT_NE(fault.message.find(std::string("the work of ") + what + " counts against it"), std::string::npos)
        << fault.message;
  }
  EXPECT_EQ(fault.file, kFile) << fault.message;
  EXPECT_EQ(fault.line, line) << fault.message;
}

// --- the issue's reproducer ---

// LuaJIT: 12 s for N = 16, for ever for N = 28 (exponential backtracking in one C call).
TEST_F(SandboxBudgetTest, TheIssuesBacktrackingFindIsStoppedAtN16) {
  const auto fault = call_bad("", "string.find(string.rep(\"a\", 16), string.rep(\"a-\", 16) .. \"b\")");
  expect_budget_fault(fault, body_line(""), "string.find");
}

TEST_F(SandboxBudgetTest, TheIssuesBacktrackingFindIsStoppedAtN28) {
  const auto fault = call_bad("", "string.find(string.rep(\"a\", 28), string.rep(\"a-\", 28) .. \"b\")");
  expect_budget_fault(fault, body_line(""), "string.find");
}

TEST_F(SandboxBudgetTest, AsAMethodCallToo) {
  const auto fault = call_bad("", "local s = ('a'):rep(28)\nlocal found = s:match(('a-'):rep(28) .. 'b')");
  expect_budget_fault(fault, body_line("") + 1, "string.match");
}

// pcall catches the fault, but the hook now fires on every instruction: the script's
// next instruction outside the pcall raises it again.
TEST_F(SandboxBudgetTest, PcallCannotSwallowALibraryBudgetFault) {
  const auto fault = call_bad("local p = ('a-'):rep(28) .. 'b'\nlocal s = ('a'):rep(28)",
                              "while true do\npcall(string.find, s, p)\nend");
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

TEST_F(SandboxBudgetTest, InsideACoroutineToo) {
  const auto fault = call_bad(
      "", "local co = coroutine.wrap(function() return ('a'):rep(28):find(('a-'):rep(28) .. 'b') end)\nco()");
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("string.find"), std::string::npos) << fault.message;
}

// Every sandbox gets the budgeted library: a trusted strategy (ffi) too.
TEST_F(SandboxBudgetTest, ATrustedSandboxIsBudgetedToo) {
  SandboxLimits limits;
  limits.ffi = true;
  const auto fault = call_bad("", "string.find(string.rep(\"a\", 28), string.rep(\"a-\", 28) .. \"b\")", limits);
  expect_budget_fault(fault, body_line(""), "string.find");
}

// Library work and Lua instructions draw on one budget: the sum runs out.
TEST_F(SandboxBudgetTest, LibraryWorkAndInstructionsShareOneBudget) {
  const auto fault =
      call_bad("local s = ('ab'):rep(2000)", "local n = 0\nwhile true do n = n + #s:gsub('a', 'x') end");
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

// --- each charged function, over an input that would run long ---

TEST_F(SandboxBudgetTest, EachChargedFunctionOverAHugeInputFaultsInsteadOfRunningLong) {
  for (const testing::Runaway& r : testing::runaways()) {
    SCOPED_TRACE(r.body);
    expect_budget_fault(call_bad(r.prelude, r.body), body_line(r.prelude), r.what);
  }
}

// A call the budget cannot pay for does not start: 8 M repetitions of "xy" (16 MiB,
// inside the 64 MiB memory limit; a memcpy each, over what a 1M-instruction budget pays
// for) are refused before LuaJIT allocates or writes anything.
TEST_F(SandboxBudgetTest, AChargeTheBudgetCannotPayIsRefusedBeforeTheWork) {
  const auto fault = call_bad("", "local s = ('xy'):rep(8 * 2^20)");
  expect_budget_fault(fault, body_line(""), "string.rep");
  EXPECT_LT(sandbox_->memory_used(), 8u << 20) << "the 16 MiB string was never built";
}

// A result over the memory limit is the memory limit's to refuse (before any work, as
// LuaJIT sizes its buffer first): the script sees "not enough memory", as it always did.
TEST_F(SandboxBudgetTest, AResultOverTheMemoryLimitIsStillAMemoryFault) {
  const auto fault = call_bad("", "local s = string.rep('x', 128 * 1024 * 1024)");
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("not enough memory"), std::string::npos) << fault.message;
}

// --- ordinary use stays well inside the budget ---

TEST_F(SandboxBudgetTest, OrdinaryStringWorkFitsTheDefaultBudget) {
  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  ScriptFault fault;
  ASSERT_TRUE(sandbox_->load_module(R"(
    local out = {}
    for i = 1, 200 do
      local key, value = ("symbol=BTC-USDT"):match("^(%w+)=([%w%-]+)$")
      local base = value:gsub("%-USDT$", "")
      out[#out + 1] = string.format("%s:%s:%d", key, base:lower(), i)
      local a, b = ("a,b,c"):find(",", 1, true)
      for part in ("x;y;z"):gmatch("[^;]+") do out[#out + 1] = part:upper() end
    end
    table.sort(out)
    return table.concat(out, ","):len())",
                                    kFile, &fault))
      << fault.message;
}

// --- through the StrategyRunner: a fault per call, then frozen like any budget fault ---

TEST(StrategyRunnerBudgetTest, APatternBombInOnBookIsFaultedThenFrozen) {
  testing::expect_faulted_then_frozen(
      "pattern_bomb",
      "local M = { name = 'pattern_bomb' }\n"
      "function M.on_book(ctx, ev)\n"
      "  local found = string.find(string.rep('a', 28), string.rep('a-', 28) .. 'b')\n"
      "end\n"
      "return M\n",
      "strategies/pattern_bomb.lua:3", "instruction budget exceeded", 60'000);
}

// --- callbacks nested through C: a located error, not a crashed process ---

// LuaJIT's own gsub overflows the C stack here (SIGSEGV, the daemon gone). Ours is
// stopped by the C-stack guard (kMaxNestedCStackBytes) long before LuaJIT's Lua stack
// limit, which alone would let ~2600 levels use ~3 MB of C stack: more than a thread
// gets when RLIMIT_STACK is unlimited (glibc then gives threads 2 MB).
constexpr const char* kNestedTooDeeply = "stack overflow (callbacks from string and table functions nested too deeply)";

TEST_F(SandboxBudgetTest, GsubCallbacksNestedWithoutEndAreAStackOverflowNotACrash) {
  SandboxLimits limits;
  limits.instruction_budget = 100'000'000;
  const auto fault = call_bad("local function f() return (('x'):gsub('.', f)) end", "return f()", limits);
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find(kNestedTooDeeply), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
}

TEST_F(SandboxBudgetTest, SortComparatorsNestedWithoutEndAreAStackOverflowNotACrash) {
  SandboxLimits limits;
  limits.instruction_budget = 100'000'000;
  const auto fault =
      call_bad("local function f(a, b) table.sort({2, 1}, f) return a < b end", "table.sort({2, 1}, f)", limits);
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find(kNestedTooDeeply), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
}

}  // namespace
}  // namespace propbot::scripting
