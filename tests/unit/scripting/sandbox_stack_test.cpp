// Issue 10, finding 9: a Lua stack overflow used to reach the quant as "line 0:
// unknown Lua error" (LuaJIT raises a bare "stack overflow" and often has no room left
// to run the message handler). Now it is located at the script's line and explained,
// however the recursion runs (plain, through pcall, inside a coroutine), and the state
// stays usable.
#include <string>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "tests/unit/scripting/sandbox_test_support.hpp"

namespace propbot::scripting {
namespace {

constexpr const char* kFile = "strategies/deep.lua";

class SandboxStackTest : public ::testing::Test {
 protected:
  // testing::call_bad with `body` from line 3 and a budget the stack runs out first.
  ScriptFault call_bad(const std::string& body) {
    SandboxLimits limits;
    limits.instruction_budget = 100'000'000;
    return testing::call_bad(sandbox_, clock_, kFile, "", body, limits);
  }

  SimClock clock_;
  std::unique_ptr<LuaSandbox> sandbox_;
};

void expect_stack_overflow(const ScriptFault& fault, int line) {
  EXPECT_EQ(fault.message.rfind(std::string(kFile) + ":" + std::to_string(line) + ": stack overflow (", 0), 0u)
      << fault.message;
  EXPECT_NE(fault.message.find("unbounded recursion?"), std::string::npos) << fault.message;
  EXPECT_FALSE(fault.budget_exceeded);
  EXPECT_EQ(fault.file, kFile);
  EXPECT_EQ(fault.line, line);
}

// The case: LuaJIT cannot run the message handler (the pcall returns LUA_ERRERR).
TEST_F(SandboxStackTest, UnboundedRecursionIsALocatedStackOverflow) {
  expect_stack_overflow(call_bad("local function f() return 1 + f() end\nreturn f()"), 3);
}

// A bigger frame leaves room for the handler: the same message either way.
TEST_F(SandboxStackTest, RecursionWithLargeFramesIsTheSameLocatedStackOverflow) {
  expect_stack_overflow(
      call_bad("local function f(a, b, c, d, e, g, h, i, j, k)\n  local x, y, z = 1, 2, 3\n  return 1 + f()\nend\nf()"),
      5);
}

// Deep recursion through pcall: every level catches the overflow, re-raises it bare.
TEST_F(SandboxStackTest, RecursionThroughPcallRaisedOnIsLocatedToo) {
  const auto fault = call_bad(
      "local function f()\n"
      "  local ok, err = pcall(f)\n"
      "  if not ok then error(err, 0) end\n"
      "end\n"
      "f()");
  EXPECT_NE(fault.message.find("stack overflow ("), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
  EXPECT_GE(fault.line, 3) << fault.message;
}

// Inside a coroutine, coroutine.wrap re-raises the error at the line that resumed it.
TEST_F(SandboxStackTest, RecursionInsideACoroutineIsLocated) {
  const auto fault = call_bad("local co = coroutine.wrap(function() local function f() return 1 + f() end f() end)\nco()");
  EXPECT_NE(fault.message.find("stack overflow"), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
  EXPECT_GT(fault.line, 0) << fault.message;
}

// Recursion that pcall absorbs is not a fault at all.
TEST_F(SandboxStackTest, RecursionThatPcallAbsorbsStillReturns) {
  SandboxLimits limits;
  limits.instruction_budget = 100'000'000;
  LuaSandbox sandbox(limits, clock_);
  ScriptFault fault;
  ASSERT_TRUE(sandbox.load_module("local function f() pcall(f) end f() return 1", kFile, &fault)) << fault.message;
}

}  // namespace
}  // namespace propbot::scripting
