// Shadow replay and the candidate-vs-running comparison: the real Engine on a SimClock
// plays a recorded tape. A strategy that faults only after a 50-event warm-up is an error
// at its file:line with its counts; a correct change shows its proposals beside the
// running version's; the strategies' timers fire on the simulated clock; a change that
// never proposes is a warning; unchanged strategies are not replayed.
#include "core/shadow/shadow_validation.hpp"

#include <gtest/gtest.h>

#include "tests/unit/engine/two_sim_venues.hpp"
#include "tests/unit/shadow/tape_books.hpp"

namespace propbot::shadow {
namespace {

// 20 s of books, 10 a second, alternating SIM-A and SIM-B; B's bid is always above A's
// ask (a pair proposer proposes on every book from the second on), plus one funding
// update on B.
std::shared_ptr<const engine::MarketTapeView> twenty_seconds() {
  static const auto view = [] {
    engine::MarketTape tape(engine::tape_options(300, 100'000, 5));
    MonoTime at{std::chrono::seconds(1000)};
    for (int i = 0; i < 200; ++i) {
      at += std::chrono::milliseconds(100);
      const bool on_b = i % 2 == 1;
      const double mid = 100.0 + 0.01 * (i % 7);
      tape.on_book(testing::book_of(on_b ? "SIM-B" : "SIM-A", on_b ? mid + 0.10 : mid - 0.01, on_b ? mid + 0.12 : mid + 0.01,
                                    5, static_cast<std::uint64_t>(i + 1), at),
                   at);
      if (i == 100) {
        venues::FundingInfo info;
        info.symbol = "BTC-USDT";
        info.funding_rate = *Decimal::parse("0.0001");
        info.mark_price = *Decimal::parse("100");
        info.index_price = *Decimal::parse("100");
        tape.on_funding("SIM-B", info, at);
      }
    }
    return tape.view(at + std::chrono::seconds(2), UtcTime{std::chrono::seconds(1'765'000'000)});
  }();
  return view;
}

const std::string kPairProposer =
    "local M = { name = 'probe' }\n"
    "function M.on_book(ctx, ev)\n"
    "  ctx.state.n = (ctx.state.n or 0) + 1\n"
    "  local a = ctx:book('SIM-A', ev.symbol)\n"
    "  local b = ctx:book('SIM-B', ev.symbol)\n"
    "  if not a or not b or b.bid <= a.ask then return end\n"
    "  if ctx.state.n % EVERY ~= 0 then return end\n"
    "  ctx:propose{symbol = ev.symbol, long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 500,\n"
    "    long_price = a.ask, short_price = b.bid, reason = 'edge'}\n"
    "end\n"
    "return M\n";

std::string pair_proposer(int every) {
  std::string text = kPairProposer;
  text.replace(text.find("EVERY"), 5, std::to_string(every));
  return text;
}

// Faults on its 51st book (line 5), after a 50-event warm-up.
const std::string kWarmUpThenFault =
    "local M = { name = 'probe' }\n"
    "function M.on_book(ctx, ev)\n"
    "  ctx.state.n = (ctx.state.n or 0) + 1\n"
    "  if ctx.state.n > 50 then\n"
    "    local broken = nil; return broken.field\n"
    "  end\n"
    "end\n"
    "return M\n";

// Proposes only from its 100 ms timer.
const std::string kTimerProposer =
    "local M = { name = 'probe' }\n"
    "function M.on_start(ctx) ctx:set_timer('beat', 100, true) end\n"
    "function M.on_book(ctx, ev) end\n"
    "function M.on_timer(ctx, name, now_ms)\n"
    "  ctx:propose{kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'buy', price = 99,\n"
    "    notional_usdt = 50, reason = 'beat'}\n"
    "end\n"
    "return M\n";

const std::string kSilent =
    "local M = { name = 'probe' }\n"
    "function M.on_book(ctx, ev) ctx.state.n = (ctx.state.n or 0) + 1 end\n"
    "return M\n";

bundle::Bundle bundle_with(const std::string& strategy) {
  bundle::Bundle::Files files;
  files.emplace("configs/paper.yaml", "profile: paper\n");
  files.emplace("strategies/probe.lua", strategy);
  auto bundle = bundle::Bundle::from_files(std::move(files));
  EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
  return *bundle;
}

config::Config config_with_probe() {
  config::Config config = engine::testing::two_sim_venues();
  config::StrategyConfig strategy;
  strategy.name = "probe";
  strategy.file = "strategies/probe.lua";
  config.strategies.push_back(strategy);
  config.engine.snapshot_interval_ms = 100;
  return config;
}

ShadowReport compare_texts(const std::string& running, const std::string& candidate) {
  const config::Config config = config_with_probe();
  return compare(config, bundle_with(candidate), config, bundle_with(running), *twenty_seconds());
}

TEST(ShadowReplay, AFaultAfterAWarmUpIsAnErrorAtItsFileAndLineWithItsCounts) {
  const ShadowReport report = compare_texts(pair_proposer(1), kWarmUpThenFault);
  ASSERT_TRUE(report.ran);
  EXPECT_EQ(report.events, 201u);
  ASSERT_EQ(report.errors.size(), 1u);
  const bundle::ValidationError& error = report.errors.front();
  EXPECT_EQ(error.file, "strategies/probe.lua");
  EXPECT_EQ(error.line, 5);
  // The tape covers 20 s of the 300 s window: the message says what was replayed.
  EXPECT_NE(error.message.find("shadow replay of the last 20 s (201 events)"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("strategy 'probe' on_book failed at strategies/probe.lua:5: "), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("proposals 0"), std::string::npos) << error.message;
  const StrategyComparison& probe = report.strategies.at("probe");
  EXPECT_GE(probe.candidate.calls, 51u);  // the warm-up ran, then the fault
  EXPECT_GE(probe.candidate.faults, 1u);
  ASSERT_TRUE(probe.candidate.first_fault);
  EXPECT_EQ(probe.candidate.first_fault->where(), "strategies/probe.lua:5");
  EXPECT_EQ(probe.candidate.first_fault->callback, "on_book");
  EXPECT_NE(error.message.find("calls " + std::to_string(probe.candidate.calls) + ", proposals 0, faults " +
                               std::to_string(probe.candidate.faults)),
            std::string::npos)
      << error.message;
  // The running version over the same events, beside it.
  ASSERT_TRUE(probe.running);
  EXPECT_EQ(probe.running->faults, 0u);
  EXPECT_EQ(probe.running->proposals, 199u);  // every book once both venues quoted
  // The JSON the answers carry.
  const auto shadow = report.shadow_json();
  EXPECT_EQ(shadow["probe"]["candidate"]["first_fault"]["at"], "strategies/probe.lua:5");
  EXPECT_EQ(shadow["probe"]["running"]["proposals"], 199);
  EXPECT_EQ(shadow["probe"]["events"], 201);
  EXPECT_EQ(shadow["probe"]["window_s"], 300);
  EXPECT_EQ(shadow["probe"]["span_s"], 20);
}

TEST(ShadowReplay, ACorrectChangeShowsItsProposalsBesideTheRunningVersions) {
  const ShadowReport report = compare_texts(pair_proposer(4), pair_proposer(2));
  ASSERT_TRUE(report.ran);
  EXPECT_TRUE(report.errors.empty()) << bundle::format(report.errors.front());
  EXPECT_TRUE(report.warnings.empty());
  const StrategyComparison& probe = report.strategies.at("probe");
  EXPECT_EQ(probe.candidate.faults, 0u);
  EXPECT_EQ(probe.candidate.proposals, 100u);  // every second book
  ASSERT_TRUE(probe.running);
  EXPECT_EQ(probe.running->proposals, 50u);  // every fourth
  EXPECT_GE(probe.candidate.calls, 200u);
  EXPECT_GT(probe.candidate.p99_us, 0.0);
  EXPECT_GE(probe.candidate.p99_us, probe.candidate.p50_us);
  // The wire round trip keeps the figures.
  const ShadowReport back = ShadowReport::from_json(nlohmann::json::parse(report.to_json().dump()));
  EXPECT_EQ(back.shadow_json(), report.shadow_json());
}

TEST(ShadowReplay, TimersFireOnTheSimulatedClock) {
  const ShadowReport report = compare_texts(kSilent, kTimerProposer);
  ASSERT_TRUE(report.ran);
  const StrategyFigures& figures = report.strategies.at("probe").candidate;
  // 20 s of tape, one proposal every 100 ms.
  EXPECT_GE(figures.proposals, 190u);
  EXPECT_LE(figures.proposals, 202u);
  EXPECT_TRUE(report.errors.empty());
}

TEST(ShadowReplay, AChangeThatNeverProposesIsAWarning) {
  const ShadowReport report = compare_texts(pair_proposer(1), kSilent);
  ASSERT_TRUE(report.ran);
  EXPECT_TRUE(report.errors.empty());
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings.front().find("strategy 'probe' never proposed"), std::string::npos) << report.warnings.front();
  EXPECT_NE(report.warnings.front().find("the running version: calls"), std::string::npos) << report.warnings.front();
}

TEST(ShadowReplay, UnchangedStrategiesAreNotReplayed) {
  const ShadowReport report = compare_texts(kWarmUpThenFault, kWarmUpThenFault);
  EXPECT_FALSE(report.ran);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_TRUE(report.strategies.empty());
}

TEST(ShadowReplay, ANewStrategyHasNoRunningFigures) {
  config::Config running = config_with_probe();
  running.strategies.clear();
  const ShadowReport report =
      compare(config_with_probe(), bundle_with(pair_proposer(1)), running, bundle_with(kSilent), *twenty_seconds());
  ASSERT_TRUE(report.ran);
  EXPECT_FALSE(report.strategies.at("probe").running);
  EXPECT_EQ(report.strategies.at("probe").candidate.proposals, 199u);
  EXPECT_TRUE(report.shadow_json()["probe"]["running"].is_null());
}

TEST(ShadowReplay, AnEmptyTapeReplaysNothing) {
  const config::Config config = config_with_probe();
  const ShadowReport report =
      compare(config, bundle_with(kWarmUpThenFault), config, bundle_with(kSilent), engine::MarketTapeView{});
  EXPECT_FALSE(report.ran);
  EXPECT_TRUE(report.errors.empty());
}

}  // namespace
}  // namespace propbot::shadow
