// Pieces the sandbox tests share: a market with no books, and the "bad then ok" call
// that every hostile test makes — load a module, call its `bad` (which must fault),
// check the stack is restored, print how long the stop took (never asserted), and
// check that `ok` still answers in the same state.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "scripting/market_view.hpp"

extern "C" {
#include <luajit-2.1/lua.h>
}

namespace propbot::scripting::testing {

class NoMarket : public MarketView {
 public:
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
};

// The module call_bad loads: `prelude` (run once, at load; may be empty), then
// `M.bad` whose body starts on line bad_body_line(prelude), and `M.ok`, which returns
// 42 through a charged library call (the library works after the fault too).
inline std::string bad_then_ok_module(const std::string& prelude, const std::string& body) {
  return (prelude.empty() ? std::string() : prelude + "\n") + "local M = {}\nfunction M.bad()\n" + body +
         "\nend\nfunction M.ok() return #('ok'):rep(21) end\nreturn M\n";
}

inline int bad_body_line(const std::string& prelude) {
  if (prelude.empty()) return 3;
  int lines = 1;
  for (char c : prelude) lines += c == '\n' ? 1 : 0;
  return lines + 3;
}

// Replaces `sandbox` with a fresh one under `limits`, loads bad_then_ok_module as
// `file`, calls bad (it must fault) and then ok (it must answer 42); returns bad's fault.
inline ScriptFault call_bad(std::unique_ptr<LuaSandbox>& sandbox, const Clock& clock, const std::string& file,
                            const std::string& prelude, const std::string& body, SandboxLimits limits) {
  sandbox = std::make_unique<LuaSandbox>(limits, clock);
  ScriptFault fault;
  EXPECT_TRUE(sandbox->load_module(bad_then_ok_module(prelude, body), file, &fault)) << fault.message;
  lua_State* L = sandbox->state();
  const int module = lua_gettop(L);
  lua_getfield(L, module, "bad");
  const auto started = std::chrono::steady_clock::now();
  const bool ok = sandbox->call(0, 0, &fault);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(ok) << "bad() returned";
  EXPECT_EQ(lua_gettop(L), module) << "the stack is restored after the fault";
  std::printf("  [stopped in %.2f ms] %s\n", std::chrono::duration<double, std::milli>(took).count(),
              fault.message.c_str());
  lua_getfield(L, module, "ok");
  ScriptFault after;
  EXPECT_TRUE(sandbox->call(0, 1, &after)) << "the state is unusable after the fault: " << after.message;
  EXPECT_EQ(lua_tonumber(L, -1), 42);
  lua_settop(L, 0);
  return fault;
}

}  // namespace propbot::scripting::testing
