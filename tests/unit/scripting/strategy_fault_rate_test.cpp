// Issue 15 finding 1: a strategy that fails on some events only — with good calls in
// between, so no streak ever forms — is frozen by the fault-rate rule within one
// window; the daemon's log gets a bounded number of lines; the freeze reason names the
// last fault once; and the runner keeps bounded records of faults, log lines and call
// timings for the API.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

class OneBookMarket : public MarketView {
 public:
  OneBookMarket() : venues_{"SIM-A", "SIM-B"} {}
  const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
};

// Faults on every other on_book call: never two in a row.
constexpr const char* kEveryOther = R"(
local M = { name = "flaky", params = {} }
local n = 0
function M.on_book(ctx, ev)
  n = n + 1
  if n % 2 == 0 then error("boom on event " .. n) end
end
return M
)";

// Burns its instruction budget on every third event (a "deviation"), fine otherwise.
constexpr const char* kBudgetBurner = R"(
local M = { name = "burner", params = {} }
local n = 0
function M.on_book(ctx, ev)
  n = n + 1
  if n % 3 == 0 then
    local x = 0
    while true do x = x + 1 end
  end
end
return M
)";

constexpr const char* kChatty = R"(
local M = { name = "chatty", params = {} }
local n = 0
function M.on_book(ctx, ev)
  n = n + 1
  ctx:log("event " .. n)
end
return M
)";

class StrategyFaultRateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/propbot-fault-rate-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<StrategyRunner> load(const std::string& name, const std::string& source, StrategyEnv env = {},
                                       int max_consecutive = 5) {
    const fs::path path = fs::path(dir_) / (name + ".lua");
    std::ofstream(path) << source;
    StrategySpec spec;
    spec.name = name;
    spec.path = path.string();
    spec.display_name = "strategies/" + name + ".lua";
    SandboxLimits limits;
    limits.instruction_budget = 200'000;
    auto runner = StrategyRunner::load(spec, limits, clock_, market_, max_consecutive,
                                       [this](const std::string&, const std::string& line) { lines_.push_back(line); },
                                       std::move(env));
    EXPECT_TRUE(runner) << (runner ? "" : runner.error().message);
    return runner ? std::move(*runner) : nullptr;
  }

  // `count` on_book calls, `step` of simulated time apart.
  void drive(StrategyRunner& runner, int count, Nanos step) {
    std::vector<Intent> out;
    for (int i = 0; i < count && !runner.stats().frozen; ++i) {
      runner.on_book({"SIM-A", "BTC-USDT"}, out);
      clock_.advance(step);
    }
  }

  std::size_t lines_containing(const std::string& fragment) const {
    return static_cast<std::size_t>(std::count_if(lines_.begin(), lines_.end(), [&](const std::string& line) {
      return line.find(fragment) != std::string::npos;
    }));
  }

  SimClock clock_;
  OneBookMarket market_;
  std::string dir_;
  std::vector<std::string> lines_;
};

TEST_F(StrategyFaultRateTest, IntermittentFaultsFreezeWithinOneWindowThoughNoStreakForms) {
  auto runner = load("flaky", kEveryOther);
  ASSERT_TRUE(runner);
  // 531 faults in 60 s was the finding: here one every 100 ms.
  drive(*runner, 600, std::chrono::milliseconds(50));
  const StrategyStats& stats = runner->stats();
  ASSERT_TRUE(stats.frozen) << "a fault every other call never froze the strategy";
  EXPECT_EQ(stats.faults, 21u) << "frozen at the first fault over the limit of 20 per window";
  EXPECT_LE(stats.calls, 43u);
  EXPECT_NE(stats.freeze_reason.find("21 script faults within 60 s (limit 20"), std::string::npos)
      << stats.freeze_reason;
  // The last fault's location appears once.
  const std::string at = "strategies/flaky.lua:6";
  const auto first = stats.freeze_reason.find(at);
  ASSERT_NE(first, std::string::npos) << stats.freeze_reason;
  EXPECT_EQ(stats.freeze_reason.find(at, first + 1), std::string::npos) << stats.freeze_reason;
  EXPECT_NE(stats.freeze_reason.find("boom on event 42"), std::string::npos) << stats.freeze_reason;
  ASSERT_TRUE(stats.first_fault);
  EXPECT_NE(stats.first_fault->message.find("boom on event 2"), std::string::npos);
  EXPECT_EQ(stats.first_fault_callback, "on_book");

  const std::uint64_t calls = stats.calls;
  drive(*runner, 10, std::chrono::milliseconds(50));
  EXPECT_EQ(runner->stats().calls, calls) << "a frozen strategy is not called";
}

TEST_F(StrategyFaultRateTest, ABudgetBurnerOnSomeEventsIsFrozenToo) {
  auto runner = load("burner", kBudgetBurner);
  ASSERT_TRUE(runner);
  drive(*runner, 1000, std::chrono::milliseconds(30));
  ASSERT_TRUE(runner->stats().frozen) << "381 overruns in 30 s stayed active in the finding";
  EXPECT_EQ(runner->stats().faults, 21u);
  ASSERT_TRUE(runner->stats().last_fault);
  EXPECT_TRUE(runner->stats().last_fault->budget_exceeded);
  ASSERT_FALSE(runner->recent_faults().empty());
  EXPECT_TRUE(runner->recent_faults().back().budget_exceeded);
}

TEST_F(StrategyFaultRateTest, FaultsSpreadWiderThanTheWindowDoNotFreeze) {
  auto runner = load("flaky", kEveryOther);
  ASSERT_TRUE(runner);
  // One fault every 4 s: 15 per 60-s window, under the limit of 20.
  drive(*runner, 200, std::chrono::seconds(2));
  EXPECT_FALSE(runner->stats().frozen) << runner->stats().freeze_reason;
  EXPECT_EQ(runner->stats().faults, 100u);
}

TEST_F(StrategyFaultRateTest, TheRateRuleFollowsItsConfiguration) {
  StrategyEnv env;
  env.fault_rate.max_faults = 3;
  env.fault_rate.window = std::chrono::seconds(10);
  auto runner = load("flaky", kEveryOther, env);
  ASSERT_TRUE(runner);
  drive(*runner, 100, std::chrono::milliseconds(100));
  ASSERT_TRUE(runner->stats().frozen);
  EXPECT_EQ(runner->stats().faults, 4u);
  EXPECT_NE(runner->stats().freeze_reason.find("within 10 s (limit 3"), std::string::npos);

  StrategyEnv off;
  off.fault_rate.max_faults = 0;  // only the streak rule
  auto lenient = load("flaky", kEveryOther, off);
  ASSERT_TRUE(lenient);
  drive(*lenient, 400, std::chrono::milliseconds(100));
  EXPECT_FALSE(lenient->stats().frozen);
  EXPECT_EQ(lenient->stats().faults, 200u);
}

TEST_F(StrategyFaultRateTest, TheStreakRuleStillFreezesAndNamesTheFaultOnce) {
  auto runner = load("flaky", R"(
local M = { name = "flaky", params = {} }
function M.on_book(ctx, ev) error("always") end
return M
)");
  ASSERT_TRUE(runner);
  drive(*runner, 10, std::chrono::milliseconds(1));
  ASSERT_TRUE(runner->stats().frozen);
  const std::string& reason = runner->stats().freeze_reason;
  EXPECT_EQ(reason, "5 consecutive script faults; last in on_book: strategies/flaky.lua:3: always");
}

TEST_F(StrategyFaultRateTest, FaultLinesInTheDaemonLogAreRateLimitedWithTheSuppressedCount) {
  StrategyEnv env;
  env.fault_rate.max_faults = 0;  // never frozen: the log alone is under test
  auto runner = load("flaky", kEveryOther, env);
  ASSERT_TRUE(runner);
  // 2,000 calls over 120 s: 1,000 faults. One line per 10-s period at most.
  drive(*runner, 2000, std::chrono::milliseconds(60));
  EXPECT_EQ(runner->stats().faults, 1000u);
  const std::size_t fault_lines = lines_containing("on_book failed at");
  EXPECT_GE(fault_lines, 12u);
  EXPECT_LE(fault_lines, 13u) << "the finding: one warning per fault, > 1,000 lines in 2 minutes";
  EXPECT_GE(lines_containing("similar lines suppressed before this one"), 11u);
  EXPECT_EQ(runner->stats().suppressed_log_lines, 1000u - fault_lines);
}

TEST_F(StrategyFaultRateTest, AFreezeIsAlwaysLoggedAndFaultRecordsAreBounded) {
  auto runner = load("flaky", kEveryOther);
  ASSERT_TRUE(runner);
  drive(*runner, 600, std::chrono::milliseconds(50));
  ASSERT_TRUE(runner->stats().frozen);
  EXPECT_EQ(lines_containing("frozen: 21 script faults"), 1u);
  EXPECT_EQ(runner->recent_faults().size(), kKeptFaults) << "21 faults, the newest 20 kept";
  const FaultRecord& newest = runner->recent_faults().back();
  EXPECT_EQ(newest.callback, "on_book");
  EXPECT_EQ(newest.at, "strategies/flaky.lua:6");
  EXPECT_EQ(newest.message, "boom on event 42") << "the location is in `at`, not repeated";
  EXPECT_GT(newest.ts_ms, runner->recent_faults().front().ts_ms);
}

TEST_F(StrategyFaultRateTest, CtxLogIsKeptBoundedAndReachesTheDaemonLogRateLimited) {
  auto runner = load("chatty", kChatty);
  ASSERT_TRUE(runner);
  drive(*runner, 300, std::chrono::milliseconds(100));  // 30 s, 300 lines
  ASSERT_EQ(runner->recent_log().size(), kKeptLogLines);
  EXPECT_EQ(runner->recent_log().back().message, "event 300");
  EXPECT_EQ(runner->recent_log().back().level, LogLevel::info);
  EXPECT_EQ(runner->recent_log().front().message, "event 251");
  EXPECT_EQ(lines_containing("event "), 3u * static_cast<std::size_t>(kLogBurst)) << "10 lines per 10-s period";
}

TEST_F(StrategyFaultRateTest, EveryOnBookCallIsTimed) {
  auto runner = load("chatty", kChatty);
  ASSERT_TRUE(runner);
  drive(*runner, 25, std::chrono::milliseconds(10));
  EXPECT_EQ(runner->timings().on_book.count(), 25u);
  EXPECT_GT(runner->timings().on_book.percentile(50), 0);
  EXPECT_EQ(runner->timings().on_timer.count(), 0u);
}

}  // namespace
}  // namespace propbot::scripting
