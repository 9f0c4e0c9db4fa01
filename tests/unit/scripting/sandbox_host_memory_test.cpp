// The memory limit never turns into a LuaJIT panic: a script that leaves its state at
// the brim (it caught its own "not enough memory" and kept what it had) does not make
// the host's next allocations outside a protected call fail — those would abort the
// daemon — while its next call is still refused more memory.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_sandbox.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {
namespace {

class NoBooks final : public MarketView {
 public:
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_{"SIM-A"};
};

TEST(SandboxHostMemoryTest, AStateLeftAtTheBrimDoesNotMakeHostAllocationsPanic) {
  SimClock clock;
  SandboxLimits limits;
  limits.memory_limit_bytes = 4u << 20;
  LuaSandbox sandbox(limits, clock);
  lua_State* L = sandbox.state();
  ScriptFault fault;
  ASSERT_TRUE(sandbox.load_module(R"(
    hoard = {}
    return function()
      pcall(function() while true do hoard[#hoard + 1] = {} end end)  -- to the brim, then keep it
      return #hoard
    end
  )", "strategies/hoard.lua", &fault)) << fault.message;
  lua_pushvalue(L, -1);
  ASSERT_TRUE(sandbox.call(0, 1, &fault)) << fault.message;
  EXPECT_GT(lua_tonumber(L, -1), 1000);
  lua_pop(L, 1);
  const std::size_t brim = sandbox.memory_used();
  EXPECT_GT(brim + 4096, limits.memory_limit_bytes) << "the script really filled its state";

  // The host, outside any call: new strings and tables (what refilling `ev` does).
  for (int i = 0; i < 200; ++i) {
    const std::string fresh = "venue-never-seen-before-" + std::to_string(i) + std::string(100, 'x');
    lua_pushlstring(L, fresh.data(), fresh.size());
    lua_createtable(L, 0, 8);
    lua_pop(L, 2);
  }
  SUCCEED() << "no panic";

  // The next call is still held to the limit.
  ASSERT_TRUE(sandbox.load_module("return function() local t = {} for i = 1, 1e7 do t[i] = {} end end",
                                  "strategies/more.lua", &fault) ||
              fault.message.find("not enough memory") != std::string::npos)
      << fault.message;
  if (lua_isfunction(L, -1)) {
    EXPECT_FALSE(sandbox.call(0, 0, &fault));
    EXPECT_NE(fault.message.find("not enough memory"), std::string::npos) << fault.message;
  }
}

TEST(SandboxHostMemoryTest, AStrategyAtTheBrimKeepsGettingEventsWithoutAbortingTheHost) {
  SimClock clock;
  NoBooks market;
  SandboxLimits limits;
  limits.memory_limit_bytes = 4u << 20;
  StrategySpec spec;
  spec.name = "hoarder";
  spec.display_name = "strategies/hoarder.lua";
  spec.source = R"(
    local hoard = {}
    return { name = "hoarder", on_book = function(ctx, ev)
      pcall(function() while true do hoard[#hoard + 1] = {} end end)
      ctx.state.seen = (ctx.state.seen or 0) + 1
    end }
  )";
  StrategyEnv env;
  env.fault_rate.max_faults = 0;  // every call faults: no freeze, the host is under test
  auto runner = StrategyRunner::load(spec, limits, clock, market, 1000, {}, env);
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  for (int i = 0; i < 50; ++i) {
    // A new venue name each time: the host must intern it outside the call.
    (*runner)->on_book({"VENUE-" + std::to_string(i) + std::string(64, 'v'), "BTC-USDT"}, intents);
  }
  EXPECT_EQ((*runner)->stats().calls, 50u);
}

}  // namespace
}  // namespace propbot::scripting
