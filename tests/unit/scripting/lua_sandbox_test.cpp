#include "scripting/lua_sandbox.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

class LuaSandboxTest : public ::testing::Test {
 protected:
  // Runs `source` as a module and returns the fault (empty message when it succeeded).
  ScriptFault run(const std::string& source, SandboxLimits limits = {}) {
    sandbox_ = std::make_unique<LuaSandbox>(limits, clock_);
    ScriptFault fault;
    auto loaded = sandbox_->load_module(source, "strategies/test.lua", &fault);
    if (loaded) lua_settop(sandbox_->state(), 0);
    return fault;
  }

  SimClock clock_;
  std::unique_ptr<LuaSandbox> sandbox_;
};

TEST_F(LuaSandboxTest, RunsPlainLogicAndReturnsTheModule) {
  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  ScriptFault fault;
  ASSERT_TRUE(sandbox_->load_module("local t = {} for i = 1, 10 do t[#t+1] = i * 2 end return t", "s.lua", &fault));
  EXPECT_TRUE(lua_istable(sandbox_->state(), -1));
  EXPECT_EQ(lua_objlen(sandbox_->state(), -1), 10u);
}

// Absent from the globals table itself (reading one by name raises a clear error:
// sandbox_hostile_test.cpp).
TEST_F(LuaSandboxTest, ForbiddenCapabilitiesAreAbsent) {
  for (const char* name : {"io", "require", "dofile", "loadfile", "load", "loadstring", "debug", "ffi", "jit",
                           "package", "module", "newproxy", "getfenv", "setfenv", "collectgarbage", "print"}) {
    const auto fault = run(std::string("assert(rawget(_G, '") + name + "') == nil, '" + name + " is reachable') return {}");
    EXPECT_TRUE(fault.message.empty()) << name << ": " << fault.message;
  }
  EXPECT_TRUE(run("for _, n in ipairs{'execute', 'exit', 'getenv', 'remove'} do assert(rawget(os, n) == nil) end "
                  "return {}")
                  .message.empty());
  EXPECT_TRUE(run("assert(rawget(string, 'dump') == nil) return {}").message.empty());
}

TEST_F(LuaSandboxTest, CallingARemovedFunctionFailsWithFileAndLine) {
  const auto fault = run("local x = 1\nos.execute('true')\nreturn {}");
  EXPECT_EQ(fault.file, "strategies/test.lua");
  EXPECT_EQ(fault.line, 2);
  EXPECT_NE(fault.message.find("execute"), std::string::npos) << fault.message;
}

TEST_F(LuaSandboxTest, BytecodeIsRefused) {
  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  const std::string bytecode("\x1bLJ\x02\x00", 5);
  ScriptFault fault;
  EXPECT_FALSE(sandbox_->load_module(bytecode, "evil.lua", &fault));
  EXPECT_FALSE(fault.message.empty());
}

TEST_F(LuaSandboxTest, TrickingTheGlobalsDoesNotRestoreCapabilities) {
  EXPECT_NE(run("setmetatable(_G, {__index = function() return nil end})").message.find("protected metatable"),
            std::string::npos);
  EXPECT_NE(run("_G = {} local f = io.open").message.find("'io' is not available"), std::string::npos);
  EXPECT_TRUE(run("assert(getmetatable('').__index == nil) return {}").message.empty());
}

TEST_F(LuaSandboxTest, InfiniteLoopIsStoppedByTheInstructionBudget) {
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  const auto fault = run("while true do end", limits);
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("instruction budget exceeded"), std::string::npos) << fault.message;
}

TEST_F(LuaSandboxTest, LongNumericLoopIsStoppedByTheInstructionBudget) {
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  const auto fault = run("local s = 0 for i = 1, 1e12 do s = s + i end return {}", limits);
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
}

TEST_F(LuaSandboxTest, SwallowingTheBudgetErrorWithPcallDoesNotKeepTheScriptRunning) {
  SandboxLimits limits;
  limits.instruction_budget = 200'000;
  const auto fault = run("while true do pcall(function() while true do end end) end", limits);
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
}

TEST_F(LuaSandboxTest, MemoryBombIsStoppedByTheMemoryLimit) {
  SandboxLimits limits;
  limits.memory_limit_bytes = 8u << 20;
  limits.instruction_budget = 1'000'000'000;
  const auto fault = run("local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end return t", limits);
  EXPECT_NE(fault.message.find("memory"), std::string::npos) << fault.message;
  EXPECT_LE(sandbox_->memory_used(), limits.memory_limit_bytes);
}

TEST_F(LuaSandboxTest, StateStaysUsableAfterAFault) {
  SandboxLimits limits;
  limits.instruction_budget = 100'000;
  sandbox_ = std::make_unique<LuaSandbox>(limits, clock_);
  ScriptFault fault;
  ASSERT_TRUE(sandbox_->load_module("return { spin = function() while true do end end, ok = function() return 42 end }",
                                    "m.lua", &fault));
  lua_State* L = sandbox_->state();
  const int module = lua_gettop(L);
  lua_getfield(L, module, "spin");
  EXPECT_FALSE(sandbox_->call(0, 0, &fault));
  EXPECT_EQ(lua_gettop(L), module);
  lua_getfield(L, module, "ok");
  ASSERT_TRUE(sandbox_->call(0, 1, &fault)) << fault.message;
  EXPECT_EQ(lua_tonumber(L, -1), 42);
}

// The call path itself allocates nothing once warm: no per-call closure for the message
// handler, so a quiet strategy produces no garbage and never triggers a GC step (LuaJIT
// only steps the collector from an allocation).
TEST_F(LuaSandboxTest, RepeatedCallsOfATrivialFunctionDoNotAllocate) {
  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  ScriptFault fault;
  ASSERT_TRUE(sandbox_->load_module("return { empty = function() end, add = function(a, b) return a + b end }",
                                    "strategies/test.lua", &fault));
  lua_State* L = sandbox_->state();
  lua_getfield(L, -1, "empty");
  const int empty = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_getfield(L, -1, "add");
  const int add = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_settop(L, 0);
  auto call_both = [&] {
    lua_rawgeti(L, LUA_REGISTRYINDEX, empty);
    ASSERT_TRUE(sandbox_->call(0, 0, &fault)) << fault.message;
    lua_rawgeti(L, LUA_REGISTRYINDEX, add);
    lua_pushnumber(L, 1.5);
    lua_pushnumber(L, 2);
    ASSERT_TRUE(sandbox_->call(2, 1, &fault)) << fault.message;
    ASSERT_EQ(lua_tonumber(L, -1), 3.5);
    lua_settop(L, 0);
  };
  for (int i = 0; i < 100; ++i) call_both();  // warm-up: stack growth, first-use buffers
  const std::size_t memory = sandbox_->memory_used();
  const std::uint64_t allocations = sandbox_->allocation_count();
  for (int i = 0; i < 10'000; ++i) {
    call_both();
    ASSERT_EQ(sandbox_->memory_used(), memory) << "after " << i << " calls";
  }
  EXPECT_EQ(sandbox_->allocation_count(), allocations);
  EXPECT_EQ(lua_gettop(L), 0);
}

TEST_F(LuaSandboxTest, OsTimeReadsTheEngineClock) {
  const auto fault = run("assert(os.time() == 1700000000, 'os.time is ' .. os.time()) return {}");
  EXPECT_TRUE(fault.message.empty()) << fault.message;
}

TEST_F(LuaSandboxTest, SyntaxErrorNamesFileAndLine) {
  const auto fault = run("local a = 1\nlocal b = = 2\nreturn {}");
  EXPECT_EQ(fault.file, "strategies/test.lua");
  EXPECT_EQ(fault.line, 2);
}

}  // namespace
}  // namespace propbot::scripting
