// Sandbox acceptance (SPEC S-7.1): each forbidden capability is refused with a clear
// error naming the script's file:line, each hostile trick (Redis's "trick the global
// protection" tests among them) fails, every runaway — CPU or memory, plain, inside a
// coroutine or wrapped in pcall — is stopped as a ScriptFault with file:line, and the
// state stays usable for the next call. Shipped mode only (JIT off); the JIT's
// behaviour is lua_jit_budget_test.cpp's subject.
#include <chrono>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "tests/unit/scripting/sandbox_test_support.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting {
namespace {

constexpr const char* kFile = "strategies/hostile.lua";

class SandboxHostileTest : public ::testing::Test {
 protected:
  // Loads `source` as a module named kFile; the fault's message is empty on success.
  ScriptFault load(const std::string& source, SandboxLimits limits = {}) {
    sandbox_ = std::make_unique<LuaSandbox>(limits, clock_);
    ScriptFault fault;
    if (sandbox_->load_module(source, kFile, &fault)) lua_settop(sandbox_->state(), 0);
    return fault;
  }

  // Loads a module whose `bad` runs `body` starting on line 3, calls `bad` and returns
  // its fault; then checks that `ok` still answers 42 in the same state
  // (testing::call_bad).
  ScriptFault call_bad(const std::string& body, SandboxLimits limits = {}) {
    return testing::call_bad(sandbox_, clock_, kFile, "", body, limits);
  }

  static SandboxLimits small_memory() {
    SandboxLimits limits;
    limits.memory_limit_bytes = 8u << 20;
    limits.instruction_budget = 1'000'000'000;  // the memory limit must be what stops it
    return limits;
  }
  static SandboxLimits small_budget() {
    SandboxLimits limits;
    limits.instruction_budget = 200'000;
    return limits;
  }

  SimClock clock_;
  std::unique_ptr<LuaSandbox> sandbox_;
};

std::string refusal(const std::string& name) { return "'" + name + "' is not available in the PropBot sandbox"; }

// --- forbidden capabilities: each refused, with its name, at the script's file:line ---

TEST_F(SandboxHostileTest, EachRemovedGlobalIsRefusedByNameAtFileAndLine) {
  for (const char* name : {"io", "require", "module", "package", "dofile", "loadfile", "load", "loadstring", "debug",
                           "ffi", "jit", "newproxy", "getfenv", "setfenv", "collectgarbage", "gcinfo", "print"}) {
    const auto fault = load(std::string("local a = 1\nlocal x = ") + name + "\nreturn {}");
    EXPECT_EQ(fault.message.rfind(std::string(kFile) + ":2: " + refusal(name), 0), 0u) << name << ": " << fault.message;
    EXPECT_EQ(fault.file, kFile) << name;
    EXPECT_EQ(fault.line, 2) << name;
  }
}

TEST_F(SandboxHostileTest, UsingARemovedGlobalNamesItInsteadOfIndexingNil) {
  EXPECT_NE(load("io.open('/etc/passwd')").message.find(refusal("io")), std::string::npos);
  EXPECT_NE(load("require('os')").message.find(refusal("require") + " (a strategy is one self-contained file)"),
            std::string::npos);
  EXPECT_NE(load("local f = loadstring('return 1')").message.find(refusal("loadstring")), std::string::npos);
  EXPECT_NE(load("dofile('/etc/passwd')").message.find(refusal("dofile")), std::string::npos);
  EXPECT_NE(load("loadfile('/etc/passwd')").message.find(refusal("loadfile")), std::string::npos);
  EXPECT_NE(load("load(function() return nil end)").message.find(refusal("load")), std::string::npos);
  EXPECT_NE(load("local C = ffi.C").message.find(refusal("ffi")), std::string::npos);
  EXPECT_NE(load("debug.sethook()").message.find(refusal("debug")), std::string::npos);
  EXPECT_NE(load("jit.on()").message.find(refusal("jit")), std::string::npos);
  EXPECT_NE(load("package.loaded.os = nil").message.find(refusal("package")), std::string::npos);
  EXPECT_NE(load("setfenv(1, {})").message.find(refusal("setfenv")), std::string::npos);
  EXPECT_NE(load("local e = getfenv(0)").message.find(refusal("getfenv")), std::string::npos);
  EXPECT_NE(load("local p = newproxy(true)").message.find(refusal("newproxy")), std::string::npos);
  EXPECT_NE(load("print('hi')").message.find(refusal("print") + " (strategies log with ctx:log)"), std::string::npos);
}

// collectgarbage is refused outright, "count" included: the host runs the collector
// (after a fault, and LuaJIT's incremental steps), scripts have a memory limit, and a
// read-only "count" would be the only use — not worth a wrapper that must also refuse
// "stop", "step", "setpause", "setstepmul".
TEST_F(SandboxHostileTest, CollectgarbageIsRefusedIncludingCount) {
  for (const char* use : {"collectgarbage('count')", "collectgarbage('stop')", "collectgarbage()"}) {
    const auto fault = load(std::string("local x = ") + use + " return {}");
    EXPECT_NE(fault.message.find(refusal("collectgarbage") + " (the host runs the collector"), std::string::npos)
        << use << ": " << fault.message;
  }
}

TEST_F(SandboxHostileTest, OsHasOnlyTimeAndClock) {
  for (const char* name : {"execute", "getenv", "remove", "exit", "rename", "tmpname", "date"}) {
    const auto fault = load(std::string("local a = 1\nos.") + name + "('x')\nreturn {}");
    EXPECT_EQ(fault.message.rfind(std::string(kFile) + ":2: " + refusal(std::string("os.") + name), 0), 0u)
        << name << ": " << fault.message;
    EXPECT_EQ(fault.line, 2);
  }
  EXPECT_EQ(load(R"(
    local names = {}
    for k in pairs(os) do names[#names + 1] = k end
    table.sort(names)
    assert(table.concat(names, ",") == "clock,time", table.concat(names, ","))
    assert(type(os.time()) == "number" and type(os.clock()) == "number")
    return {})").message,
            "");
}

TEST_F(SandboxHostileTest, StringDumpIsRefusedAsAFunctionAndAsAMethod) {
  EXPECT_NE(load("local b = string.dump(function() end)").message.find(refusal("string.dump") + " (no bytecode)"),
            std::string::npos);
  EXPECT_NE(load("local b = ('x'):dump()").message.find(refusal("string.dump")), std::string::npos);
  EXPECT_EQ(load("assert(rawget(string, 'dump') == nil) return {}").message, "");
}

TEST_F(SandboxHostileTest, StringDumpThenLoadIsRefused) {
  const auto fault = load("local f = function() return 1 end\nlocal g = load(string.dump(f))\nreturn {}");
  EXPECT_NE(fault.message.find("is not available in the PropBot sandbox"), std::string::npos) << fault.message;
  EXPECT_EQ(fault.line, 2);
}

TEST_F(SandboxHostileTest, ABytecodeChunkIsRefusedAtLoadAndTheStateStaysUsable) {
  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  ScriptFault fault;
  // A real LuaJIT bytecode header and a truncated one: both refused before parsing.
  for (const std::string& bytecode : {std::string("\x1bLJ\x02\x00\x00", 6), std::string("\x1bLJ")}) {
    EXPECT_FALSE(sandbox_->load_module(bytecode, "strategies/evil.lua", &fault));
    EXPECT_NE(fault.message.find("binary"), std::string::npos) << fault.message;
  }
  ASSERT_TRUE(sandbox_->load_module("return 7", "strategies/fine.lua", &fault)) << fault.message;
  EXPECT_EQ(lua_tonumber(sandbox_->state(), -1), 7);
}

// Reading an undefined name that the sandbox did not remove is plain Lua: nil, no error.
TEST_F(SandboxHostileTest, UndefinedUserGlobalsStillReadAsNil) {
  EXPECT_EQ(load(R"(
    assert(my_flag == nil)
    if undefined_thing == nil then my_flag = true end
    assert(my_flag == true)
    assert(rawget(_G, "io") == nil and rawget(_G, "jit") == nil)  -- the raising-free way to test
    return {})").message,
            "");
}

// --- tricks on the globals ---

TEST_F(SandboxHostileTest, SetmetatableOnTheGlobalsIsRefused) {
  const auto fault = load("setmetatable(_G, {__index = function() return nil end})");
  EXPECT_NE(fault.message.find("cannot change a protected metatable"), std::string::npos) << fault.message;
  EXPECT_EQ(fault.line, 1);
  EXPECT_EQ(load("assert(getmetatable(_G) == 'protected by the PropBot sandbox') return {}").message, "");
}

TEST_F(SandboxHostileTest, ReplacingUnderscoreGDoesNotChangeTheGlobalsOrRestoreAnything) {
  const auto fault = load("_G = {}\nassert(tonumber('5') == 5)\nio.write('x')\nreturn {}");
  EXPECT_EQ(fault.message.rfind(std::string(kFile) + ":3: " + refusal("io"), 0), 0u) << fault.message;
}

// rawset bypasses the refusal metatable, but there is nothing to smuggle: the removed
// functions exist nowhere the script can reach, and what it sets stays in its own state.
TEST_F(SandboxHostileTest, RawsetOnTheGlobalsShadowsOnlyInItsOwnState) {
  EXPECT_EQ(load(R"(
    rawset(_G, "require", rawget(_G, "require"))
    assert(rawget(_G, "require") == nil)
    rawset(_G, "io", { open = function() return "mine" end })
    assert(io.open() == "mine")
    return {})").message,
            "");
  LuaSandbox other(SandboxLimits{}, clock_);
  ScriptFault fault;
  EXPECT_FALSE(other.load_module("return io.open", kFile, &fault));
  EXPECT_NE(fault.message.find(refusal("io")), std::string::npos) << fault.message;
}

// The string metatable is shared by every script in a state (the policies share one):
// a script must not be able to redirect string methods for the others or the host.
TEST_F(SandboxHostileTest, TheStringMetatableCannotBeTamperedWith) {
  const auto set = load("getmetatable('').__index = { upper = function() return 'pwned' end }");
  EXPECT_NE(set.message.find("the string metatable is read-only in the PropBot sandbox"), std::string::npos)
      << set.message;
  EXPECT_EQ(set.line, 1);

  sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, clock_);
  ScriptFault fault;
  // First script: every way in that does not raise.
  ASSERT_TRUE(sandbox_->load_module(R"(
    local mt = getmetatable("")
    assert(mt ~= nil and mt.__index == nil)
    rawset(mt, "__index", { upper = function() return "pwned" end })
    string.upper = function() return "pwned" end   -- the script's own copy of the library
    pcall(setmetatable, mt, {})
    return true)",
                                    "policies/one.lua", &fault))
      << fault.message;
  // Second script in the same state: string methods are the library's.
  ASSERT_TRUE(sandbox_->load_module("return ('abc'):upper() .. ('x'):rep(2)", "policies/two.lua", &fault))
      << fault.message;
  EXPECT_STREQ(lua_tostring(sandbox_->state(), -1), "ABCxx");
}

// --- CPU: every runaway stopped by the instruction budget, located, state reusable ---

void expect_budget_fault(const ScriptFault& fault, int line) {
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_NE(fault.message.find("instruction budget exceeded"), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
  EXPECT_EQ(fault.line, line) << fault.message;
}

TEST_F(SandboxHostileTest, WhileTrueIsStopped) { expect_budget_fault(call_bad("while true do end", small_budget()), 3); }

TEST_F(SandboxHostileTest, ALongNumericForIsStopped) {
  expect_budget_fault(call_bad("local s = 0\nfor i = 1, 1e15 do s = s + i end", small_budget()), 4);
}

TEST_F(SandboxHostileTest, PcallCannotSwallowTheBudgetError) {
  const auto fault = call_bad("while true do\npcall(function() while true do end end)\nend", small_budget());
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
  EXPECT_GE(fault.line, 3);
}

TEST_F(SandboxHostileTest, XpcallWithALoopingHandlerCannotSwallowTheBudgetError) {
  const auto fault = call_bad(
      "while true do\nxpcall(function() while true do end end, function() while true do end end)\nend", small_budget());
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

// The sandbox's xpcall behaves like the builtin for ordinary use.
TEST_F(SandboxHostileTest, XpcallStillWorksForOrdinaryErrors) {
  EXPECT_EQ(load(R"(
    local ok, a, b = xpcall(function(x, y) return x + y, "two" end, function(m) return "never" end, 1, 2)
    assert(ok == true and a == 3 and b == "two")
    local ok2, m = xpcall(function() error("boom") end, function(msg) return "handled: " .. msg end)
    assert(ok2 == false and m:find("handled: ") == 1 and m:find("boom"), tostring(m))
    local ok3, m3 = xpcall(function() error("first") end, function() error("in handler") end)
    assert(ok3 == false and tostring(m3):find("in handler"), tostring(m3))
    return {})").message,
            "");
}

// LuaJIT's hooks are per VM, not per coroutine (LuaJIT #1230): the count hook armed on
// the main thread fires inside any coroutine.
TEST_F(SandboxHostileTest, ACoroutineThatLoopsForeverIsStopped) {
  // coroutine.wrap re-raises the coroutine's error prefixed with the line that called it.
  const auto fault = call_bad("local co = coroutine.wrap(function() while true do end end)\nco()", small_budget());
  expect_budget_fault(fault, 4);
  EXPECT_NE(fault.message.find(std::string(kFile) + ":3: instruction budget exceeded"), std::string::npos)
      << fault.message;
}

TEST_F(SandboxHostileTest, ResumeCannotSwallowTheBudgetError) {
  const auto fault = call_bad(
      "while true do\n"
      "  local ok, err = coroutine.resume(coroutine.create(function() while true do end end))\n"
      "end",
      small_budget());
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

TEST_F(SandboxHostileTest, ACoroutineYieldingForeverIsStopped) {
  const auto fault = call_bad(
      "local co = coroutine.wrap(function() while true do coroutine.yield() end end)\n"
      "while true do co() end",
      small_budget());
  EXPECT_TRUE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile);
}

// --- memory: every bomb refused at the limit, located, state reusable ---

void expect_memory_fault(const ScriptFault& fault, int line) {
  EXPECT_NE(fault.message.find("not enough memory"), std::string::npos) << fault.message;
  EXPECT_FALSE(fault.budget_exceeded) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
  EXPECT_EQ(fault.line, line) << fault.message;
}

TEST_F(SandboxHostileTest, AStringRepBombIsStopped) {
  expect_memory_fault(call_bad("local a = 1\nlocal s = string.rep('x', 1e9)", small_memory()), 4);
  EXPECT_LE(sandbox_->memory_used(), small_memory().memory_limit_bytes);
}

TEST_F(SandboxHostileTest, AStringDoublingBombIsStopped) {
  expect_memory_fault(call_bad("local s = 'x'\nfor i = 1, 40 do s = s .. s end", small_memory()), 4);
}

TEST_F(SandboxHostileTest, ATableGrowthBombIsStopped) {
  expect_memory_fault(call_bad("local t = {}\nfor i = 1, 1e9 do t[i] = i end", small_memory()), 4);
  EXPECT_LE(sandbox_->memory_used(), small_memory().memory_limit_bytes);
}

TEST_F(SandboxHostileTest, ATableOfStringsBombIsStopped) {
  expect_memory_fault(call_bad("local t = {}\nfor i = 1, 1e9 do t[#t + 1] = ('x'):rep(100) .. i end", small_memory()),
                      4);
}

TEST_F(SandboxHostileTest, AMemoryBombInsideACoroutineIsStopped) {
  const auto fault = call_bad(
      "local co = coroutine.wrap(function() local t = {} for i = 1, 1e9 do t[i] = {} end end)\nco()", small_memory());
  EXPECT_NE(fault.message.find("not enough memory"), std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile) << fault.message;
}

TEST_F(SandboxHostileTest, AMemoryBombCaughtByPcallIsStillBoundedByTheBudget) {
  SandboxLimits limits = small_memory();
  limits.instruction_budget = 2'000'000;
  const auto fault = call_bad("local keep = {}\nwhile true do pcall(function() keep[#keep + 1] = ('y'):rep(1e4) end) end",
                              limits);
  EXPECT_TRUE(fault.budget_exceeded || fault.message.find("not enough memory") != std::string::npos) << fault.message;
  EXPECT_EQ(fault.file, kFile);
  EXPECT_LE(sandbox_->memory_used(), limits.memory_limit_bytes);
}

}  // namespace
}  // namespace propbot::scripting
