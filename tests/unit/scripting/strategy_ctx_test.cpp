// The ctx surface a strategy reads and writes (S-7.2): ctx:propose for both kinds of
// intent, with every refusal naming its field.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "scripting/strategy_runner.hpp"

namespace propbot::scripting {
namespace {

namespace fs = std::filesystem;

// Books on any (venue, symbol) set by the test: 5 levels of 1 lot-unit each side.
class BookMarket : public MarketView {
 public:
  BookMarket() : venues_{"SIM-A", "SIM-B"} {}

  void set(const std::string& venue, const std::string& symbol, double bid, double ask, MonoTime at) {
    md::InstrumentSpec spec{venue, symbol, "PERP", 0.1, 0.001, 5.0};
    std::vector<md::BookLevel> bids, asks;
    for (int i = 0; i < 5; ++i) {
      bids.push_back({static_cast<std::int64_t>(bid / 0.1 + 0.5) - i, 1'000});
      asks.push_back({static_cast<std::int64_t>(ask / 0.1 + 0.5) + i, 1'000});
    }
    auto it = books_.find(venue + "/" + symbol);
    if (it == books_.end()) it = books_.emplace(venue + "/" + symbol, md::OrderBook(spec)).first;
    it->second.apply_snapshot(bids, asks, ++sequence_, at);
  }

  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    const auto it = books_.find(std::string(venue) + "/" + std::string(symbol));
    return it == books_.end() ? nullptr : &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return venues_; }

 private:
  std::vector<std::string> venues_;
  std::map<std::string, md::OrderBook> books_;
  std::uint64_t sequence_ = 0;
};

class StrategyCtxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/propbot-strategy-ctx-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    market_.set("SIM-A", "BTC-USDT", 59'999.9, 60'000.0, clock_.now());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<StrategyRunner> load(const std::string& name, const std::string& source, StrategyEnv env = {}) {
    const fs::path path = fs::path(dir_) / (name + std::to_string(++files_) + ".lua");
    std::ofstream(path) << source;
    StrategySpec spec;
    spec.name = name;
    spec.path = path.string();
    spec.display_name = "strategies/" + name + ".lua";
    SandboxLimits limits;
    limits.instruction_budget = 2'000'000;
    auto runner = StrategyRunner::load(spec, limits, clock_, market_, 1'000, {}, std::move(env));
    EXPECT_TRUE(runner) << runner.error().message;
    return runner ? std::move(*runner) : nullptr;
  }

  // Proposes `fields` (a Lua table constructor body) from on_book. Returns the intents;
  // `fault` gets the script error, if any.
  std::vector<Intent> propose(const std::string& fields, std::string* fault = nullptr) {
    auto runner = load("p", "return { name = 'p', on_book = function(ctx, ev) ctx:propose{" + fields + "} end }");
    std::vector<Intent> intents;
    if (!runner) return intents;
    runner->on_book({"SIM-A", "BTC-USDT"}, intents);
    const auto& last = runner->stats().last_fault;
    if (fault != nullptr) *fault = last ? last->message : "";
    return intents;
  }

  // The script error for `fields` (empty when the proposal was accepted).
  std::string refusal(const std::string& fields) {
    std::string fault;
    const auto intents = propose(fields, &fault);
    EXPECT_TRUE(intents.empty()) << fields;
    return fault;
  }

  SimClock clock_;
  BookMarket market_;
  std::string dir_;
  int files_ = 0;
};

constexpr const char* kSingle =
    "kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'buy', notional_usdt = 500, price = 59990";
constexpr const char* kPair = "symbol = 'BTC-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 100";

// ---- ctx:propose ----------------------------------------------------------------

TEST_F(StrategyCtxTest, ASingleOrderCarriesEveryField) {
  std::string fault;
  const auto intents = propose(std::string(kSingle) +
                                   ", post_only = true, max_slippage_bps = 3, time_guard_ms = 250, reason = 'quote'",
                               &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  const Intent& intent = intents[0];
  EXPECT_EQ(intent.strategy, "p");
  EXPECT_EQ(intent.kind, "single");
  EXPECT_EQ(intent.symbol, "BTC-USDT");
  EXPECT_EQ(intent.venue, "SIM-A");
  EXPECT_EQ(intent.side, "buy");
  EXPECT_DOUBLE_EQ(intent.notional_usdt, 500);
  EXPECT_DOUBLE_EQ(intent.price, 59'990);
  EXPECT_TRUE(intent.post_only);
  ASSERT_TRUE(intent.max_slippage_bps.has_value());
  EXPECT_DOUBLE_EQ(*intent.max_slippage_bps, 3);
  ASSERT_TRUE(intent.time_guard_ms.has_value());
  EXPECT_DOUBLE_EQ(*intent.time_guard_ms, 250);
  EXPECT_EQ(intent.reason, "quote");
  EXPECT_TRUE(intent.long_venue.empty());
  EXPECT_TRUE(intent.short_venue.empty());
}

TEST_F(StrategyCtxTest, ASingleOrderNeedsOnlyItsRequiredFields) {
  std::string fault;
  const auto intents = propose(kSingle, &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_FALSE(intents[0].post_only);
  EXPECT_FALSE(intents[0].max_slippage_bps.has_value());
  EXPECT_FALSE(intents[0].time_guard_ms.has_value());
  EXPECT_TRUE(intents[0].reason.empty());
}

TEST_F(StrategyCtxTest, AHedgedPairIsTheDefaultKindAndTakesTheGuards) {
  std::string fault;
  auto intents = propose(std::string(kPair) + ", max_slippage_bps = 0, time_guard_ms = 1500, net_spread_bps = -2",
                         &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_EQ(intents[0].kind, "hedged_pair");
  EXPECT_EQ(intents[0].long_venue, "SIM-A");
  EXPECT_EQ(intents[0].short_venue, "SIM-B");
  ASSERT_TRUE(intents[0].max_slippage_bps.has_value());
  EXPECT_DOUBLE_EQ(*intents[0].max_slippage_bps, 0) << "0 bps is a guard (fill at the price or not at all)";
  EXPECT_DOUBLE_EQ(*intents[0].time_guard_ms, 1500);
  EXPECT_DOUBLE_EQ(intents[0].net_spread_bps, -2) << "an exit may be proposed at a negative edge";
  EXPECT_TRUE(intents[0].venue.empty());
  EXPECT_TRUE(intents[0].side.empty());

  intents = propose("kind = 'hedged_pair', " + std::string(kPair), &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_FALSE(intents[0].max_slippage_bps.has_value());
  EXPECT_FALSE(intents[0].time_guard_ms.has_value());
}

TEST_F(StrategyCtxTest, AnUnknownKindIsRefused) {
  EXPECT_NE(refusal("kind = 'basket', " + std::string(kPair))
                .find("ctx:propose: field 'kind' must be \"hedged_pair\" or \"single\", got \"basket\""),
            std::string::npos);
  EXPECT_NE(refusal("kind = 3, " + std::string(kPair)).find("field 'kind' must be"), std::string::npos);
}

struct BadField {
  const char* replace;  // a field=value that replaces or adds to kSingle
  const char* message;  // what the script error must contain
};

TEST_F(StrategyCtxTest, EveryBadFieldOfASingleOrderIsNamed) {
  const std::string base = "kind = 'single', symbol = 'BTC-USDT', notional_usdt = 500, ";
  const BadField cases[] = {
      {"venue = 'SIM-A', side = 'long', price = 1", "field 'side' must be \"buy\" or \"sell\", got \"long\""},
      {"venue = 'SIM-A', price = 1", "field 'side' must be \"buy\" or \"sell\""},
      {"venue = 'SIM-A', side = true, price = 1", "field 'side' must be \"buy\" or \"sell\", got a boolean"},
      {"side = 'buy', price = 1", "field 'venue' is required (a non-empty string)"},
      {"venue = '', side = 'buy', price = 1", "field 'venue' must be a non-empty string"},
      {"venue = 7, side = 'buy', price = 1", "field 'venue' must be a non-empty string, got 7"},
      {"venue = 'SIM-A', side = 'buy'", "field 'price' is required (a finite number > 0)"},
      {"venue = 'SIM-A', side = 'buy', price = 0", "field 'price' must be a finite number > 0, got 0"},
      {"venue = 'SIM-A', side = 'buy', price = -1", "field 'price' must be a finite number > 0, got -1"},
      {"venue = 'SIM-A', side = 'buy', price = 0/0", "field 'price' must be a finite number > 0"},
      {"venue = 'SIM-A', side = 'buy', price = math.huge", "field 'price' must be a finite number > 0, got inf"},
      {"venue = 'SIM-A', side = 'buy', price = '60000'", "field 'price' must be a finite number > 0, got \"60000\""},
      {"venue = 'SIM-A', side = 'buy', price = 1, post_only = 1", "field 'post_only' must be a boolean, got 1"},
      {"venue = 'SIM-A', side = 'buy', price = 1, max_slippage_bps = -0.5",
       "field 'max_slippage_bps' must be a finite number >= 0 and <= 10000, got -0.5"},
      {"venue = 'SIM-A', side = 'buy', price = 1, max_slippage_bps = 20000",
       "field 'max_slippage_bps' must be a finite number >= 0 and <= 10000, got 20000"},
      {"venue = 'SIM-A', side = 'buy', price = 1, time_guard_ms = 0",
       "field 'time_guard_ms' must be a finite number > 0 and <= 8.64e+07, got 0"},
      {"venue = 'SIM-A', side = 'buy', price = 1, time_guard_ms = -5", "field 'time_guard_ms' must be"},
      {"venue = 'SIM-A', side = 'buy', price = 1, reason = {}", "field 'reason' must be a string, got a table"},
      {"venue = 'SIM-A', side = 'buy', price = 1, long_venue = 'SIM-B'",
       "field 'long_venue' is not used by kind \"single\""},
      {"venue = 'SIM-A', side = 'buy', price = 1, net_spread_bps = 3",
       "field 'net_spread_bps' is not used by kind \"single\""},
  };
  for (const BadField& bad : cases) {
    const std::string fault = refusal(base + bad.replace);
    EXPECT_NE(fault.find(std::string("ctx:propose: ") + bad.message), std::string::npos)
        << bad.replace << "\n  gave: " << fault;
  }
  EXPECT_NE(refusal("kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'buy', price = 1")
                .find("field 'notional_usdt' is required (a finite number > 0)"),
            std::string::npos);
  EXPECT_NE(refusal("kind = 'single', venue = 'SIM-A', side = 'buy', price = 1, notional_usdt = 1")
                .find("field 'symbol' is required"),
            std::string::npos);
}

TEST_F(StrategyCtxTest, EveryBadFieldOfAHedgedPairIsNamed) {
  const BadField cases[] = {
      {"notional_usdt = -5", "field 'notional_usdt' must be a finite number > 0, got -5"},
      {"notional_usdt = 0/0", "field 'notional_usdt' must be a finite number > 0"},
      {"long_price = -1", "field 'long_price' must be a finite number > 0, got -1"},
      {"short_price = math.huge", "field 'short_price' must be a finite number > 0, got inf"},
      {"spread_bps = -math.huge", "field 'spread_bps' must be a finite number, got -inf"},
      {"max_slippage_bps = -1", "field 'max_slippage_bps' must be a finite number >= 0"},
      {"time_guard_ms = 1e9", "field 'time_guard_ms' must be a finite number > 0 and <= 8.64e+07, got 1e+09"},
      {"side = 'buy'", "field 'side' is not used by kind \"hedged_pair\""},
      {"price = 60000", "field 'price' is not used by kind \"hedged_pair\""},
      {"short_venue = 'SIM-A'", "long_venue and short_venue must differ"},
      {"long_venue = false", "field 'long_venue' must be a non-empty string, got a boolean"},
  };
  for (const BadField& bad : cases) {
    // Later fields of a Lua table constructor win: `kPair, x = …` overrides x.
    const std::string fault = refusal(std::string(kPair) + ", " + bad.replace);
    EXPECT_NE(fault.find(std::string("ctx:propose: ") + bad.message), std::string::npos)
        << bad.replace << "\n  gave: " << fault;
  }
}

TEST_F(StrategyCtxTest, ARefusedProposalIsAFaultAtTheScriptLine) {
  auto runner = load("line", R"(return { name = 'line', on_book = function(ctx, ev)
  ctx:propose{kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'buy', notional_usdt = 10, price = 1}
  ctx:propose{kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'sideways', notional_usdt = 10, price = 1}
end })");
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  EXPECT_TRUE(intents.empty()) << "half a decision is no decision";
  ASSERT_TRUE(runner->stats().last_fault.has_value());
  EXPECT_EQ(runner->stats().last_fault->where(), "strategies/line.lua:3");
  EXPECT_EQ(runner->stats().faults, 1u);
}

}  // namespace
}  // namespace propbot::scripting
