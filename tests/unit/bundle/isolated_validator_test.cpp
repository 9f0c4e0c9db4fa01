// validate_isolated(): bundle validation in a bounded child process of the real propbot
// binary (`propbot config validate-worker`). The same answers as in process for good
// and bad bundles; and for the ones that would hurt a daemon — a script that runs past
// the deadline, a trusted script that crashes the process — an error instead, while
// this process (the daemon, in production) carries on.
#include "core/bundle/isolated_validator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/bundle/recorded_market_json.hpp"
#include "core/bundle/scratch_directory.hpp"
#include "core/md/order_book.hpp"
#include "tests/unit/bundle/shipped_bundle_fixture.hpp"

namespace propbot::bundle {
namespace {

using ::testing::HasSubstr;

// A cross_exchange_arb stand-in with the params paper.yaml configures and `on_book`.
std::string strategy_with(const std::string& on_book_body) {
  return R"(local M = {name = 'cross_exchange_arb', params = {
  min_spread_bps = {type = 'number', default = 4}, exit_spread_bps = {type = 'number', default = 1},
  notional_usdt = {type = 'number', default = 1000}, taker_fee_bps = {type = 'number', default = 4}}}
function M.on_book(ctx, ev)
)" + on_book_body + "\nend\nreturn M\n";
}

class IsolatedValidatorTest : public ShippedBundleTest {
 protected:
  void SetUp() override {
    ShippedBundleTest::SetUp();
    options_.executable = PROPBOT_BINARY;
  }

  IsolationOptions options_;
};

TEST_F(IsolatedValidatorTest, GivesTheSameAnswersAsInProcess) {
  const auto clean = validate_isolated(options_, shipped_, config::Profile::paper, nullptr);
  EXPECT_TRUE(clean.empty()) << describe(clean);

  const Bundle broken = with({{kStrategy, "local M = {name = 'cross_exchange_arb'}\n\nfunction M.on_book(ctx, ev)\n  if then\nend\nreturn M\n"}});
  const auto isolated = validate_isolated(options_, broken, config::Profile::paper, nullptr);
  EXPECT_EQ(isolated, validate(broken, config::Profile::paper));
  ASSERT_EQ(isolated.size(), 1u) << describe(isolated);
  EXPECT_EQ(isolated[0].file, kStrategy);
  EXPECT_EQ(isolated[0].line, 4);
}

TEST_F(IsolatedValidatorTest, DryRunsOnTheRecordedBooksItIsHanded) {
  // A strategy that fails only on a book priced like the recorded one: the worker must
  // have received the books, not just the synthetic market.
  scripting::RecordedMarket recorded({"BINANCE", "OKX"}, UtcTime{});
  md::InstrumentSpec spec{"BINANCE", "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
  md::OrderBook book(spec);
  const std::vector<md::BookLevel> bids{{1'234'560, 1000}}, asks{{1'234'570, 1000}};
  book.apply_snapshot(bids, asks, 7, MonoTime{});
  recorded.add(book);
  const std::string strategy = strategy_with(R"(  local b = ctx:book(ev.venue, ev.symbol)
  if b and b.bid == 123456 then error('saw the recorded book') end)");
  const auto errors = validate_isolated(options_, with({{kStrategy, strategy}}), config::Profile::paper, &recorded);
  ASSERT_FALSE(errors.empty());
  EXPECT_THAT(errors[0].message, HasSubstr("recorded market (BINANCE BTC-USDT)"));
  EXPECT_THAT(errors[0].message, HasSubstr("saw the recorded book"));
}

TEST_F(IsolatedValidatorTest, AValidationPastItsDeadlineIsRefusedInTime) {
  // A profile that grants each call 10^10 instructions, and a strategy that uses them:
  // legal per the bundle's own budget, seconds of work in all.
  const std::string slow = strategy_with("  local x = 0\n  for i = 1, 4000000000 do x = x + i end");
  options_.limits.deadline = std::chrono::milliseconds(150);
  const auto started = std::chrono::steady_clock::now();
  Bundle::Files files = with_paper_edit("instruction_budget: 1000000 ", "instruction_budget: 10000000000 ").files();
  files[kStrategy] = slow;
  const auto errors = validate_isolated(options_, *Bundle::from_files(files), config::Profile::paper, nullptr);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_EQ(errors[0].message,
            "validation did not finish within 150 ms (a script or a document runs past its bounds); nothing was applied");
  EXPECT_LT(ms, 2000);
  std::cout << "[          ] deadline 150 ms: answered after " << ms << " ms\n";
}

TEST_F(IsolatedValidatorTest, ATrustedScriptThatCrashesTheWorkerIsAnErrorNotACrash) {
  // A trusted strategy has the FFI and can do anything native code can: here, read
  // address 0. In process that would be the daemon's SIGSEGV.
  const std::string crashing = strategy_with("  return ffi.cast('int*', 0)[0]");
  const Bundle bundle = with_paper_edit("    file: strategies/cross_exchange_arb.lua   # relative to scripting.bundle_dir\n",
                                        "    file: strategies/cross_exchange_arb.lua\n    trusted: true\n");
  const auto errors = validate_isolated(options_, *Bundle::from_files([&] {
    Bundle::Files files = bundle.files();
    files[kStrategy] = crashing;
    return files;
  }()), config::Profile::paper, nullptr);
  ASSERT_EQ(errors.size(), 1u) << describe(errors);
  EXPECT_THAT(errors[0].message, HasSubstr("validation crashed (SIGSEGV)"));
}

TEST_F(IsolatedValidatorTest, AnUnusableWorkerIsAnErrorNeverAPass) {
  options_.executable = "/bin/false";
  const auto errors = validate_isolated(options_, shipped_, config::Profile::paper, nullptr);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("validation worker failed (exit code 1)"));
}

TEST(RecordedMarketJsonTest, RoundTripsBooksAndFundingAndRefusesBadFields) {
  scripting::RecordedMarket market({"BINANCE", "OKX"}, UtcTime(std::chrono::milliseconds(1'700'000'000'123)));
  md::OrderBook book(md::InstrumentSpec{"OKX", "ETH-USDT", "PERP", 0.01, 0.1, 5.0});
  const std::vector<md::BookLevel> bids{{300'001, 5}, {300'000, 7}}, asks{{300'003, 2}};
  book.apply_snapshot(bids, asks, 42, MonoTime{});
  market.add(book);
  market.add_funding("OKX", "ETH-USDT", scripting::FundingView{0.0001, 3000.01, 2999.5, 1'700'000'100'000});
  auto back = recorded_market_from_json(recorded_market_to_json(market));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->venue_ids(), market.venue_ids());
  EXPECT_EQ(back->recorded_at(), market.recorded_at());
  ASSERT_EQ(back->books().size(), 1u);
  const md::OrderBook& copy = back->books()[0];
  EXPECT_EQ(copy.spec().canonical_id(), "OKX:PERP:ETH-USDT");
  EXPECT_EQ(copy.spec().tick_size, 0.01);
  EXPECT_EQ(copy.sequence(), 42u);
  ASSERT_EQ(copy.bids().size(), 2u);
  EXPECT_EQ(copy.bids()[1].price_ticks, 300'000);
  EXPECT_EQ(copy.asks()[0].qty_lots, 2);
  auto funding = back->funding("OKX", "ETH-USDT");
  ASSERT_TRUE(funding.has_value());
  EXPECT_EQ(funding->mark_price, 3000.01);
  EXPECT_EQ(funding->next_funding_ms, 1'700'000'100'000);

  nlohmann::json bad = recorded_market_to_json(market);
  bad["books"][0]["bids"][0] = "65000";
  auto refused = recorded_market_from_json(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("field 'bids'"));
}

TEST(ScratchDirectoryTest, SweepsOnlyTheDirectoriesOfProcessesThatAreGone) {
  const std::filesystem::path parent =
      std::filesystem::temp_directory_path() / ("propbot-sweep-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(parent / ("propbot-bundle-" + std::to_string(::getpid()) + "-mine00"));
  std::filesystem::create_directories(parent / "propbot-bundle-999999999-gone00" / "configs");  // no such pid
  std::filesystem::create_directories(parent / "unrelated");
  EXPECT_EQ(ScratchDirectory::sweep_abandoned(parent.string()), 1u);
  EXPECT_TRUE(std::filesystem::exists(parent / ("propbot-bundle-" + std::to_string(::getpid()) + "-mine00")));
  EXPECT_FALSE(std::filesystem::exists(parent / "propbot-bundle-999999999-gone00"));
  EXPECT_TRUE(std::filesystem::exists(parent / "unrelated"));
  std::filesystem::remove_all(parent);
}

}  // namespace
}  // namespace propbot::bundle
