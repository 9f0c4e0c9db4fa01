// Shadow validation in a bounded child of the real binary (`propbot config shadow-worker`):
// the same verdict as in process, over the same tape sent as JSON; a worker past its
// deadline or unusable is an error (the bundle is refused), never a pass; a malformed
// request is exit code 2.
#include "core/shadow/shadow_worker.hpp"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/bundle/shipped_bundle_fixture.hpp"
#include "tests/unit/shadow/tape_books.hpp"

namespace propbot::shadow {
namespace {

using ::testing::HasSubstr;

// 120 books alternating BINANCE and OKX, 100 ms apart.
engine::MarketTapeView paper_tape() {
  engine::MarketTape tape(engine::tape_options(300, 100'000, 5));
  MonoTime at{std::chrono::seconds(500)};
  for (int i = 0; i < 120; ++i) {
    at += std::chrono::milliseconds(100);
    const bool okx = i % 2 == 1;
    tape.on_book(testing::book_of(okx ? "OKX" : "BINANCE", okx ? 100.10 : 99.99, okx ? 100.12 : 100.01, 5,
                                  static_cast<std::uint64_t>(i + 1), at),
                 at);
  }
  return *tape.view(at + std::chrono::seconds(2), UtcTime{std::chrono::seconds(1'765'000'000)});
}

// cross_exchange_arb replaced: the params paper.yaml gives it, a fault on line 7 after
// 50 books.
const std::string kWarmUpThenFault = R"(local M = {name = 'cross_exchange_arb', params = {
  min_spread_bps = {type = 'number', default = 4}, exit_spread_bps = {type = 'number', default = 1},
  notional_usdt = {type = 'number', default = 1000}, taker_fee_bps = {type = 'number', default = 4}}}
function M.on_book(ctx, ev)
  ctx.state.n = (ctx.state.n or 0) + 1
  if ctx.state.n > 50 then
    local missing = nil; return missing.price
  end
end
return M
)";

class ShadowWorkerTest : public bundle::ShippedBundleTest {
 protected:
  void SetUp() override {
    ShippedBundleTest::SetUp();
    options_.executable = PROPBOT_BINARY;
    options_.limits = shadow_limits();
  }
  bundle::IsolationOptions options_;
};

TEST_F(ShadowWorkerTest, GivesTheSameVerdictAsInProcess) {
  const engine::MarketTapeView tape = paper_tape();
  const bundle::Bundle candidate = with({{bundle::kStrategy, kWarmUpThenFault}});
  const ShadowReport local = shadow_validate(candidate, shipped_, config::Profile::paper, tape);
  const ShadowReport isolated = shadow_validate_isolated(options_, candidate, shipped_, config::Profile::paper, tape);
  ASSERT_EQ(local.errors.size(), 1u) << bundle::describe(local.errors);
  EXPECT_EQ(local.errors.front().file, bundle::kStrategy);
  EXPECT_EQ(local.errors.front().line, 7);
  EXPECT_THAT(local.errors.front().message, HasSubstr("(120 events): strategy 'cross_exchange_arb' on_book failed at "
                                                      "strategies/cross_exchange_arb.lua:7"));
  EXPECT_EQ(isolated.errors, local.errors) << bundle::describe(isolated.errors);
  EXPECT_EQ(isolated.warnings, local.warnings);
  EXPECT_EQ(isolated.events, 120u);
  const auto& mine = isolated.strategies.at("cross_exchange_arb");
  EXPECT_EQ(mine.candidate.calls, local.strategies.at("cross_exchange_arb").candidate.calls);
  EXPECT_EQ(mine.candidate.faults, local.strategies.at("cross_exchange_arb").candidate.faults);
  ASSERT_TRUE(mine.running);
  EXPECT_EQ(mine.running->proposals, local.strategies.at("cross_exchange_arb").running->proposals);
}

TEST_F(ShadowWorkerTest, AWorkerPastItsDeadlineIsAnError) {
  options_.limits.deadline = std::chrono::milliseconds(2);
  const ShadowReport report = shadow_validate_isolated(options_, with({{bundle::kStrategy, kWarmUpThenFault}}),
                                                       shipped_, config::Profile::paper, paper_tape());
  ASSERT_EQ(report.errors.size(), 1u) << bundle::describe(report.errors);
  EXPECT_EQ(report.errors.front().file, "");
  EXPECT_THAT(report.errors.front().message, HasSubstr("shadow replay: validation did not finish within 2 ms"));
}

TEST_F(ShadowWorkerTest, AnUnusableWorkerIsAnErrorNeverAPass) {
  options_.executable = "/bin/false";
  const ShadowReport report =
      shadow_validate_isolated(options_, with({{bundle::kStrategy, kWarmUpThenFault}}), shipped_, config::Profile::paper,
                               paper_tape());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_THAT(report.errors.front().message, HasSubstr("shadow replay: validation worker failed (exit code 1)"));
}

TEST_F(ShadowWorkerTest, AnEmptyTapeNeedsNoWorker) {
  options_.executable = "/bin/false";
  const ShadowReport report = shadow_validate_isolated(options_, with({{bundle::kStrategy, kWarmUpThenFault}}),
                                                       shipped_, config::Profile::paper, engine::MarketTapeView{});
  EXPECT_FALSE(report.ran);
  EXPECT_TRUE(report.errors.empty());
}

TEST(ShadowWorker, AMalformedRequestIsExitCodeTwo) {
  for (const std::string& request : {std::string("not json"), std::string("{\"profile\": \"paper\"}"),
                                    std::string("{\"profile\": \"paper\", \"files\": {}, \"running_files\": {}, "
                                                "\"tape\": {\"events\": 3}}")}) {
    std::istringstream in(request);
    std::ostringstream out, err;
    EXPECT_EQ(run_shadow_worker(in, out, err), bundle::kWorkerBadRequest) << request;
    EXPECT_THAT(err.str(), HasSubstr("shadow-worker: ")) << request;
    EXPECT_EQ(out.str(), "");
  }
}

}  // namespace
}  // namespace propbot::shadow
