// Pieces the sandbox tests share: a market with no books, the "bad then ok" call
// that every hostile test makes — load a module, call its `bad` (which must fault),
// check the stack is restored, print how long the stop took (never asserted), and
// check that `ok` still answers in the same state — and a runaway strategy driven
// through StrategyRunner until it is frozen.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/lua_sandbox.hpp"
#include "scripting/market_view.hpp"
#include "scripting/strategy_runner.hpp"

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
// `file`, calls bad (it must fault) and then ok (it must answer 42); returns bad's fault
// (and, with `took_ms`, the CPU time bad's call took on this thread: what the time limit
// bounds, and what a loaded machine does not stretch the way it stretches wall time).
inline ScriptFault call_bad(std::unique_ptr<LuaSandbox>& sandbox, const Clock& clock, const std::string& file,
                            const std::string& prelude, const std::string& body, SandboxLimits limits,
                            double* took_ms = nullptr) {
  sandbox = std::make_unique<LuaSandbox>(limits, clock);
  ScriptFault fault;
  EXPECT_TRUE(sandbox->load_module(bad_then_ok_module(prelude, body), file, &fault)) << fault.message;
  lua_State* L = sandbox->state();
  const int module = lua_gettop(L);
  lua_getfield(L, module, "bad");
  auto thread_cpu = [] {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
  };
  const double cpu_started = thread_cpu();
  const auto started = std::chrono::steady_clock::now();
  const bool ok = sandbox->call(0, 0, &fault);
  const auto took = std::chrono::steady_clock::now() - started;
  const double cpu_ms = thread_cpu() - cpu_started;
  EXPECT_FALSE(ok) << "bad() returned";
  EXPECT_EQ(lua_gettop(L), module) << "the stack is restored after the fault";
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  if (took_ms != nullptr) *took_ms = cpu_ms;
  std::printf("  [stopped in %.2f ms, %.2f ms of CPU] %s\n", ms, cpu_ms, fault.message.c_str());
  lua_getfield(L, module, "ok");
  ScriptFault after;
  EXPECT_TRUE(sandbox->call(0, 1, &after)) << "the state is unusable after the fault: " << after.message;
  EXPECT_EQ(lua_tonumber(L, -1), 42);
  lua_settop(L, 0);
  return fault;
}

// Loads strategy `name` (`source`, shown as "strategies/<name>.lua") through
// StrategyRunner under default limits with max_consecutive_faults = 3 and calls on_book
// three times: each call must be a budget fault at `where` whose message holds
// `message`, and return within `bound_ms` (the time is printed). Then the strategy must
// be frozen, with `message` in its reason, and no longer called.
inline void expect_faulted_then_frozen(const std::string& name, const std::string& source, const std::string& where,
                                       const std::string& message, double bound_ms) {
  SimClock clock;
  NoMarket market;
  StrategySpec spec;
  spec.name = name;
  spec.display_name = "strategies/" + name + ".lua";
  spec.source = source;
  constexpr int kMaxFaults = 3;
  auto runner = StrategyRunner::load(spec, SandboxLimits{}, clock, market, kMaxFaults);
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  for (int i = 0; i < kMaxFaults; ++i) {
    const auto started = std::chrono::steady_clock::now();
    (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    std::printf("  [on_book %d returned in %.2f ms]\n", i + 1, ms);
    EXPECT_LT(ms, bound_ms);
    const auto& stats = (*runner)->stats();
    ASSERT_TRUE(stats.last_fault.has_value());
    EXPECT_TRUE(stats.last_fault->budget_exceeded) << stats.last_fault->message;
    EXPECT_NE(stats.last_fault->message.find(message), std::string::npos) << stats.last_fault->message;
    EXPECT_EQ(stats.last_fault->where(), where);
  }
  EXPECT_TRUE((*runner)->stats().frozen);
  EXPECT_NE((*runner)->stats().freeze_reason.find(message), std::string::npos) << (*runner)->stats().freeze_reason;
  EXPECT_TRUE(intents.empty());
  const auto calls = (*runner)->stats().calls;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  EXPECT_EQ((*runner)->stats().calls, calls) << "a frozen strategy is not called";
}

}  // namespace propbot::scripting::testing
