#include "scripting/strategy_runner.hpp"

#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

class FakeMarket : public MarketView {
 public:
  FakeMarket() : venues_{"SIM-A", "SIM-B"} {}

  // Sets a one-level-deep-enough book (20 levels, 10 BTC each) around bid/ask.
  void set(const std::string& venue, double bid, double ask, MonoTime at) {
    md::InstrumentSpec spec{venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
    std::vector<md::BookLevel> bids, asks;
    for (int i = 0; i < 20; ++i) {
      bids.push_back({static_cast<std::int64_t>(bid / 0.1 + 0.5) - i, 10'000});
      asks.push_back({static_cast<std::int64_t>(ask / 0.1 + 0.5) + i, 10'000});
    }
    auto it = books_.find(venue);
    if (it == books_.end()) it = books_.emplace(venue, md::OrderBook(spec)).first;
    it->second.apply_snapshot(bids, asks, 1, at);
  }

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(std::string(venue));
    if (it == books_.end() || symbol != "BTC-USDT") return nullptr;
    return &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
  std::map<std::string, md::OrderBook> books_;
};

class StrategyRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/propbot-strategy-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<std::unique_ptr<StrategyRunner>> load_source(const std::string& name, const std::string& source,
                                                      nlohmann::json params = nlohmann::json::object()) {
    const fs::path path = fs::path(dir_) / (name + ".lua");
    std::ofstream(path) << source;
    return load_file(name, path.string(), "strategies/" + name + ".lua", std::move(params));
  }

  Result<std::unique_ptr<StrategyRunner>> load_file(const std::string& name, const std::string& path,
                                                    const std::string& display, nlohmann::json params,
                                                    std::optional<ParamsOrigin> origin = std::nullopt) {
    StrategySpec spec;
    spec.name = name;
    spec.path = path;
    spec.display_name = display;
    spec.params = std::move(params);
    spec.params_origin = std::move(origin);
    SandboxLimits limits;
    limits.instruction_budget = 500'000;
    return StrategyRunner::load(spec, limits, clock_, market_, 3);
  }

  Result<std::unique_ptr<StrategyRunner>> load_shipped_arb(nlohmann::json params = nlohmann::json::object()) {
    return load_file("cross_exchange_arb", std::string(PROPBOT_SOURCE_DIR) + "/strategies/cross_exchange_arb.lua",
                     "strategies/cross_exchange_arb.lua", std::move(params));
  }

  SimClock clock_;
  FakeMarket market_;
  std::string dir_;
};

TEST_F(StrategyRunnerTest, ShippedArbProposesTheProfitableDirectionOnly) {
  auto runner = load_shipped_arb({{"min_spread_bps", 4}, {"taker_fee_bps", 2}, {"notional_usdt", 1000}});
  ASSERT_TRUE(runner) << runner.error().message;
  // SIM-B bids 30 bps above SIM-A's ask: buy A, sell B.
  market_.set("SIM-A", 59'999.9, 60'000.0, clock_.now());
  market_.set("SIM-B", 60'180.0, 60'180.1, clock_.now());
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-B", "BTC-USDT"}, intents);
  ASSERT_EQ(intents.size(), 1u);
  EXPECT_EQ(intents[0].long_venue, "SIM-A");
  EXPECT_EQ(intents[0].short_venue, "SIM-B");
  EXPECT_NEAR(intents[0].spread_bps, 30.0, 0.1);
  EXPECT_NEAR(intents[0].net_spread_bps, 30.0 - 4 * 2, 0.2);
  EXPECT_EQ(intents[0].notional_usdt, Decimal::from_mantissa(1000, 0));
  EXPECT_EQ(intents[0].strategy, "cross_exchange_arb");
}

TEST_F(StrategyRunnerTest, ShippedArbStaysQuietWhenFeesEatTheSpread) {
  auto runner = load_shipped_arb({{"min_spread_bps", 4}, {"taker_fee_bps", 4}});
  ASSERT_TRUE(runner) << runner.error().message;
  market_.set("SIM-A", 59'999.9, 60'000.0, clock_.now());
  market_.set("SIM-B", 60'090.0, 60'090.1, clock_.now());  // 15 bps gross < 16 bps of fees + 4
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-B", "BTC-USDT"}, intents);
  EXPECT_TRUE(intents.empty());
}

TEST_F(StrategyRunnerTest, ShippedArbIgnoresStaleBooks) {
  auto runner = load_shipped_arb({{"max_book_age_ms", 500}, {"taker_fee_bps", 0}});
  ASSERT_TRUE(runner) << runner.error().message;
  market_.set("SIM-A", 59'999.9, 60'000.0, clock_.now());
  clock_.advance(std::chrono::seconds(2));
  market_.set("SIM-B", 60'180.0, 60'180.1, clock_.now());
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-B", "BTC-USDT"}, intents);
  EXPECT_TRUE(intents.empty());
}

TEST_F(StrategyRunnerTest, RuntimeErrorIsAFaultWithFileAndLineAndRepeatedFaultsFreeze) {
  auto runner = load_source("bad", "local M = { name = 'bad' }\nfunction M.on_book(ctx, ev)\n  local x = nil\n  return x.y\nend\nreturn M\n");
  ASSERT_TRUE(runner) << runner.error().message;
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  const auto& stats = (*runner)->stats();
  ASSERT_TRUE(stats.last_fault.has_value());
  EXPECT_EQ(stats.last_fault->where(), "strategies/bad.lua:4");
  EXPECT_FALSE(stats.frozen);
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  EXPECT_TRUE((*runner)->stats().frozen);
  EXPECT_NE((*runner)->stats().freeze_reason.find("strategies/bad.lua:4"), std::string::npos);
  const auto calls = (*runner)->stats().calls;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  EXPECT_EQ((*runner)->stats().calls, calls) << "a frozen strategy is not called";
}

TEST_F(StrategyRunnerTest, InfiniteLoopInOnBookIsAFaultNotAHang) {
  auto runner = load_source("spin", "local M = { name = 'spin' }\nfunction M.on_book(ctx, ev) while true do end end\nreturn M\n");
  ASSERT_TRUE(runner);
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_TRUE((*runner)->stats().last_fault.has_value());
  EXPECT_TRUE((*runner)->stats().last_fault->budget_exceeded);
}

TEST_F(StrategyRunnerTest, IntentsOfAFailedCallAreDiscarded) {
  auto runner = load_source("half", R"(local M = { name = 'half' }
function M.on_book(ctx, ev)
  ctx:propose{symbol = 'BTC-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 10}
  error('changed my mind')
end
return M)");
  ASSERT_TRUE(runner);
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  EXPECT_TRUE(intents.empty());
}

TEST_F(StrategyRunnerTest, ProposeNamesTheBadField) {
  auto runner = load_source("p", R"(local M = { name = 'p' }
function M.on_book(ctx, ev)
  ctx:propose{symbol = 'BTC-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = -5}
end
return M)");
  ASSERT_TRUE(runner);
  std::vector<Intent> intents;
  (*runner)->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_TRUE((*runner)->stats().last_fault.has_value());
  EXPECT_NE((*runner)->stats().last_fault->message.find("notional_usdt"), std::string::npos);
  EXPECT_EQ((*runner)->stats().last_fault->where(), "strategies/p.lua:3");
}

TEST_F(StrategyRunnerTest, LoadRefusesModuleProblemsWithClearMessages) {
  auto not_table = load_source("a", "return 42");
  ASSERT_FALSE(not_table);
  EXPECT_NE(not_table.error().message.find("must return a table"), std::string::npos);

  auto wrong_name = load_source("b", "return { name = 'other', on_book = function() end }");
  ASSERT_FALSE(wrong_name);
  EXPECT_NE(wrong_name.error().message.find("does not match"), std::string::npos);

  auto no_callback = load_source("c", "return { name = 'c' }");
  ASSERT_FALSE(no_callback);
  EXPECT_NE(no_callback.error().message.find("on_book"), std::string::npos);
}

TEST_F(StrategyRunnerTest, ParamsAreValidatedAgainstTheirDeclarations) {
  auto out_of_range = load_shipped_arb({{"min_spread_bps", -3}});
  ASSERT_FALSE(out_of_range);
  EXPECT_NE(out_of_range.error().message.find("min_spread_bps"), std::string::npos);
  EXPECT_NE(out_of_range.error().message.find("below its min"), std::string::npos);

  auto wrong_type = load_shipped_arb({{"notional_usdt", "big"}});
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("notional_usdt"), std::string::npos);

  auto unknown = load_shipped_arb({{"min_sprad_bps", 3}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("min_sprad_bps"), std::string::npos);

  auto ok = load_shipped_arb({{"min_spread_bps", 7}});
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->params()["min_spread_bps"], 7);
  EXPECT_EQ((*ok)->params()["notional_usdt"], 1000);  // declared default
}

// Issue 15 finding 6: with the profile's origin, a configured value the declaration
// refuses points at the profile line that set it, and names the script that declares it.
TEST_F(StrategyRunnerTest, ARefusedConfiguredParamPointsAtItsProfileLine) {
  const std::string source = R"(return { name = 'mr', params = {
  z_entry = { type = 'number', default = 2, min = 0, max = 10 },
  lookback = { type = 'integer', default = 20, min = 2 },
  side = { type = 'string', default = 'both' },
}, on_book = function(ctx, ev) end })";
  const fs::path path = fs::path(dir_) / "mr.lua";
  std::ofstream(path) << source;
  const ParamsOrigin origin{"configs/paper.yaml", "strategies[2].params",
                            {{"z_entry", 73}, {"lookback", 74}, {"side", 75}, {"zentry", 76}}};
  const auto refusal = [&](nlohmann::json params, std::optional<ParamsOrigin> where) {
    auto runner = load_file("mr", path.string(), "strategies/mr.lua", std::move(params), std::move(where));
    EXPECT_FALSE(runner);
    return runner ? std::string() : runner.error().message;
  };
  EXPECT_EQ(refusal({{"z_entry", 99}}, origin),
            "configs/paper.yaml:73: strategies[2].params.z_entry = 99 is above its max 10 (declared in strategies/mr.lua)");
  EXPECT_EQ(refusal({{"z_entry", -1}}, origin),
            "configs/paper.yaml:73: strategies[2].params.z_entry = -1 is below its min 0 (declared in strategies/mr.lua)");
  EXPECT_EQ(refusal({{"lookback", 2.5}}, origin),
            "configs/paper.yaml:74: strategies[2].params.lookback must be an integer, got 2.5 (declared in "
            "strategies/mr.lua)");
  EXPECT_EQ(refusal({{"side", true}}, origin),
            "configs/paper.yaml:75: strategies[2].params.side must be a string, got true (declared in strategies/mr.lua)");
  EXPECT_EQ(refusal({{"zentry", 1}}, origin),
            "configs/paper.yaml:76: strategies[2].params.zentry is not a param strategies/mr.lua declares");
  // A line the origin does not know: the file alone (never ":0").
  EXPECT_EQ(refusal({{"z_entry", 99}}, ParamsOrigin{"configs/paper.yaml", "strategies[2].params", {}}),
            "configs/paper.yaml: strategies[2].params.z_entry = 99 is above its max 10 (declared in strategies/mr.lua)");
  // Without an origin (a runner outside any profile) the script is named, as before.
  EXPECT_EQ(refusal({{"z_entry", 99}}, std::nullopt), "strategies/mr.lua: param 'z_entry' = 99 is above its max 10");
  EXPECT_EQ(refusal({{"zentry", 1}}, std::nullopt),
            "strategies/mr.lua: configured param 'zentry' is not declared by the strategy");
  // The configured values that pass load.
  auto ok = load_file("mr", path.string(), "strategies/mr.lua", {{"z_entry", 3}, {"lookback", 30}}, origin);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->params()["z_entry"], 3);
}

TEST_F(StrategyRunnerTest, ADefaultThatBreaksItsOwnDeclarationPointsAtTheScriptEvenWithAnOrigin) {
  const fs::path path = fs::path(dir_) / "bad.lua";
  std::ofstream(path) << "return { name = 'bad', params = { k = { type = 'number', default = 50, max = 10 } },\n"
                         "  on_book = function(ctx, ev) end }\n";
  auto runner = load_file("bad", path.string(), "strategies/bad.lua", nlohmann::json::object(),
                          ParamsOrigin{"configs/paper.yaml", "strategies[0].params", {}});
  ASSERT_FALSE(runner);
  EXPECT_EQ(runner.error().message, "strategies/bad.lua: param 'k' = 50 is above its max 10");
}

}  // namespace
}  // namespace propbot::scripting
