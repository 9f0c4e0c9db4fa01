// "An infinite loop and a memory bomb in on_book are stopped within budget and the
// engine keeps processing other strategies" (SPEC S-7.1, issue 5): hostile strategies
// and a well-behaved one, each in its own StrategyRunner over one MarketView, driven
// through the same book events in engine order. The hostile ones fault on every call
// until they are frozen after max_consecutive_faults, then are no longer called; the
// good one sees every event and proposes every time. The time each stopped call took is
// printed, never asserted (tests do not fail on timing).
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {
namespace {

class TwoBooks : public MarketView {
 public:
  explicit TwoBooks(MonoTime at) : venues_{"SIM-A", "SIM-B"} {
    for (const auto& [venue, shift] : {std::pair{"SIM-A", 0}, std::pair{"SIM-B", 100}}) {
      md::OrderBook book({venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
      std::vector<md::BookLevel> bids, asks;
      for (int i = 0; i < 5; ++i) {
        bids.push_back({500'000 + shift - i, 2'000});
        asks.push_back({500'001 + shift + i, 2'000});
      }
      book.apply_snapshot(bids, asks, 1, at);
      books_.emplace(venue, std::move(book));
    }
  }
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(std::string(venue));
    return it == books_.end() || symbol != "BTC-USDT" ? nullptr : &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
  std::map<std::string, md::OrderBook> books_;
};

constexpr int kMaxConsecutiveFaults = 3;
constexpr int kEvents = 50;

// on_book's body is on line 3 of each script.
constexpr const char* kSpinner = R"(local M = { name = "spinner" }
function M.on_book(ctx, ev)
  while true do end
end
return M
)";
constexpr const char* kBomber = R"(local M = { name = "bomber" }
function M.on_book(ctx, ev)
  local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1e4) .. i end
end
return M
)";
constexpr const char* kGood = R"(local M = { name = "good" }
function M.on_book(ctx, ev)
  ctx.state.calls = (ctx.state.calls or 0) + 1
  local a, b = ctx:book("SIM-A", ev.symbol), ctx:book("SIM-B", ev.symbol)
  if a and b then
    ctx:propose{ symbol = ev.symbol, long_venue = "SIM-A", short_venue = "SIM-B", notional_usdt = 100,
                 reason = "call " .. ctx.state.calls }
  end
end
return M
)";

class SandboxIsolationTest : public ::testing::Test {
 protected:
  std::unique_ptr<StrategyRunner> load(const std::string& name, const char* source) {
    SandboxLimits limits;
    limits.instruction_budget = 200'000;
    limits.memory_limit_bytes = 8u << 20;
    StrategySpec spec;  // fields by name: StrategySpec grows
    spec.name = name;
    spec.display_name = "strategies/" + name + ".lua";
    spec.source = source;
    auto runner = StrategyRunner::load(spec, limits, clock_, market_, kMaxConsecutiveFaults);
    EXPECT_TRUE(runner) << runner.error().message;
    return runner ? std::move(*runner) : nullptr;
  }

  SimClock clock_;
  TwoBooks market_{clock_.now()};
};

struct Hostile {
  std::unique_ptr<StrategyRunner> runner;
  const char* expected;  // in every fault's message
  bool budget;           // faults are budget overruns (else memory)
  std::vector<double> stopped_ms;
};

TEST_F(SandboxIsolationTest, HostileStrategiesAreStoppedAndFrozenWhileTheGoodOneSeesEveryEvent) {
  std::vector<Hostile> hostile;
  hostile.push_back({load("spinner", kSpinner), "instruction budget exceeded", true, {}});
  hostile.push_back({load("bomber", kBomber), "not enough memory", false, {}});
  auto good = load("good", kGood);
  ASSERT_TRUE(good && hostile[0].runner && hostile[1].runner);

  std::vector<Intent> intents;
  for (int event = 0; event < kEvents; ++event) {
    const BookEvent ev{event % 2 == 0 ? "SIM-A" : "SIM-B", "BTC-USDT"};
    // Engine order: every strategy gets the event in turn; the hostile ones go first,
    // so the good one always runs right after a faulted call on the same thread.
    for (auto& h : hostile) {
      const auto calls_before = h.runner->stats().calls;
      const auto faults_before = h.runner->stats().faults;
      const auto started = std::chrono::steady_clock::now();
      std::vector<Intent> none;
      h.runner->on_book(ev, none);
      const auto took = std::chrono::steady_clock::now() - started;
      EXPECT_TRUE(none.empty());
      const auto& stats = h.runner->stats();
      if (event < kMaxConsecutiveFaults) {
        ASSERT_EQ(stats.calls, calls_before + 1) << h.runner->name() << " event " << event;
        ASSERT_EQ(stats.faults, faults_before + 1) << h.runner->name() << " event " << event;
        ASSERT_TRUE(stats.last_fault);
        const ScriptFault& fault = *stats.last_fault;
        EXPECT_EQ(fault.budget_exceeded, h.budget) << fault.message;
        EXPECT_NE(fault.message.find(h.expected), std::string::npos) << fault.message;
        EXPECT_EQ(fault.where(), "strategies/" + h.runner->name() + ".lua:3") << fault.message;
        h.stopped_ms.push_back(std::chrono::duration<double, std::milli>(took).count());
      } else {
        EXPECT_EQ(stats.calls, calls_before) << h.runner->name() << " was called after its freeze";
      }
    }
    const auto intents_before = intents.size();
    good->on_book(ev, intents);
    ASSERT_EQ(intents.size(), intents_before + 1) << "event " << event;
    EXPECT_EQ(intents.back().reason, "call " + std::to_string(event + 1));
  }

  for (const auto& h : hostile) {
    const auto& stats = h.runner->stats();
    EXPECT_TRUE(stats.frozen) << h.runner->name();
    EXPECT_EQ(stats.calls, static_cast<std::uint64_t>(kMaxConsecutiveFaults));
    EXPECT_EQ(stats.faults, static_cast<std::uint64_t>(kMaxConsecutiveFaults));
    EXPECT_NE(stats.freeze_reason.find("strategies/" + h.runner->name() + ".lua:3"), std::string::npos)
        << stats.freeze_reason;
    EXPECT_NE(stats.freeze_reason.find(h.expected), std::string::npos) << stats.freeze_reason;
    std::printf("  %s: frozen after %zu faults (%s); each stopped call took", h.runner->name().c_str(),
                h.stopped_ms.size(), stats.freeze_reason.c_str());
    for (const double ms : h.stopped_ms) std::printf(" %.2f ms", ms);
    std::printf("\n");
  }
  const auto& g = good->stats();
  EXPECT_EQ(g.calls, static_cast<std::uint64_t>(kEvents));
  EXPECT_EQ(g.faults, 0u);
  EXPECT_EQ(g.intents, static_cast<std::uint64_t>(kEvents));
  EXPECT_FALSE(g.frozen);
  auto state = good->state_snapshot();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["calls"], kEvents);
}

// A fault does not leak into the next call of the same runner either: a strategy that
// bombs only on some events keeps answering the others (faults in a row reset).
TEST_F(SandboxIsolationTest, AnIntermittentBombFaultsOnlyItsOwnCalls) {
  auto runner = load("sometimes", R"(local M = { name = "sometimes" }
function M.on_book(ctx, ev)
  ctx.state.n = (ctx.state.n or 0) + 1
  if ctx.state.n % 3 == 0 then local t = {} for i = 1, 1e9 do t[i] = i end end
  ctx:propose{ symbol = ev.symbol, long_venue = "SIM-A", short_venue = "SIM-B", notional_usdt = 100 }
end
return M
)");
  ASSERT_TRUE(runner);
  std::vector<Intent> intents;
  for (int event = 0; event < kEvents; ++event) runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  const auto& stats = runner->stats();
  EXPECT_FALSE(stats.frozen) << stats.freeze_reason;
  EXPECT_EQ(stats.calls, static_cast<std::uint64_t>(kEvents));
  EXPECT_EQ(stats.faults, static_cast<std::uint64_t>(kEvents / 3));
  EXPECT_EQ(intents.size(), static_cast<std::size_t>(kEvents - kEvents / 3));
  ASSERT_TRUE(stats.last_fault);
  EXPECT_EQ(stats.last_fault->where(), "strategies/sometimes.lua:4") << stats.last_fault->message;
}

}  // namespace
}  // namespace propbot::scripting
