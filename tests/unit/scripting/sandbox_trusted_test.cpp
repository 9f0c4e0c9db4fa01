// SandboxLimits::ffi: only a script the bundle marks trusted gets LuaJIT's FFI; every
// other script is told plainly that the FFI is not available and why.
#include <gtest/gtest.h>

extern "C" {
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_sandbox.hpp"

namespace propbot::scripting {
namespace {

class SandboxTrustedTest : public ::testing::Test {
 protected:
  // Loads `source` as a module and returns the fault message ("" when it loaded).
  std::string load(LuaSandbox& sandbox, const std::string& source) {
    ScriptFault fault;
    auto loaded = sandbox.load_module(source, "strategies/t.lua", &fault);
    if (loaded) {
      lua_pop(sandbox.state(), 1);
      return "";
    }
    return fault.message;
  }
  SimClock clock_;
};

TEST_F(SandboxTrustedTest, AnUntrustedScriptIsRefusedTheFfiWithTheReason) {
  LuaSandbox sandbox(SandboxLimits{}, clock_);
  const std::string message = load(sandbox, "local n = ffi.new('int[4]')\nreturn {}");
  EXPECT_NE(message.find("strategies/t.lua:1"), std::string::npos) << message;
  EXPECT_NE(message.find("'ffi' is not available in the PropBot sandbox"), std::string::npos) << message;
  EXPECT_NE(message.find("trusted: true"), std::string::npos) << message;
  EXPECT_EQ(load(sandbox, "return {has = rawget(_G, 'ffi') ~= nil}"), "");
}

TEST_F(SandboxTrustedTest, ATrustedScriptGetsTheFfiAndStaysUnderTheBudget) {
  SandboxLimits limits;
  limits.ffi = true;
  limits.instruction_budget = 200'000;
  LuaSandbox sandbox(limits, clock_);
  EXPECT_EQ(load(sandbox, "local a = ffi.new('double[8]')\nfor i = 0, 7 do a[i] = i * 1.5 end\n"
                          "assert(a[7] == 10.5)\nreturn {}"),
            "");
  // The FFI does not lift the CPU budget: Lua code still runs in the interpreter under the hook.
  const std::string spin = load(sandbox, "local a = ffi.new('int[1]')\nwhile true do a[0] = a[0] + 1 end\nreturn {}");
  EXPECT_NE(spin.find("budget"), std::string::npos) << spin;
  // Everything else stays sandboxed.
  EXPECT_NE(load(sandbox, "io.open('/etc/passwd')\nreturn {}").find("'io' is not available"), std::string::npos);
}

}  // namespace
}  // namespace propbot::scripting
