// The ctx surface a strategy reads and writes (S-7.2): ctx:propose for both kinds of
// intent, with every refusal naming its field; the reused result tables of ctx:book,
// ctx:funding, ctx:fees, ctx:venues, ctx:regime and ctx:budget (no garbage per call);
// ctx:regime and ctx:budget.
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

  void set_regime(const std::string& symbol, std::string regime, double confidence) {
    regimes_[symbol] = RegimeView{std::move(regime), confidence};
  }
  std::optional<RegimeView> regime(std::string_view symbol) const override {
    const auto it = regimes_.find(std::string(symbol));
    if (it == regimes_.end()) return std::nullopt;
    return it->second;
  }
  void set_funding(const std::string& venue, double rate) { funding_[venue] = rate; }
  std::optional<FundingView> funding(std::string_view venue, std::string_view) const override {
    const auto it = funding_.find(std::string(venue));
    if (it == funding_.end()) return std::nullopt;
    return FundingView{it->second, 60'000, 60'000, 1'700'000'000'000};
  }

 private:
  std::vector<std::string> venues_;
  std::map<std::string, md::OrderBook> books_;
  std::map<std::string, RegimeView> regimes_;
  std::map<std::string, double> funding_;
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
  std::vector<Intent> propose(const std::string& fields, std::string* fault = nullptr, StrategyEnv env = {}) {
    auto runner = load("p", "return { name = 'p', on_book = function(ctx, ev) ctx:propose{" + fields + "} end }",
                       std::move(env));
    std::vector<Intent> intents;
    if (!runner) return intents;
    runner->on_book({"SIM-A", "BTC-USDT"}, intents);
    const auto& last = runner->stats().last_fault;
    if (fault != nullptr) *fault = last ? last->message : "";
    return intents;
  }

  // The script error for `fields` (empty when the proposal was accepted).
  std::string refusal(const std::string& fields, StrategyEnv env = {}) {
    std::string fault;
    const auto intents = propose(fields, &fault, std::move(env));
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
  EXPECT_EQ(intent.kind, IntentKind::single);
  EXPECT_EQ(intent.symbol, "BTC-USDT");
  EXPECT_EQ(intent.venue, "SIM-A");
  EXPECT_EQ(intent.side, Side::buy);
  EXPECT_EQ(intent.notional_usdt, Decimal::from_mantissa(500, 0));
  EXPECT_EQ(intent.price, Decimal::from_mantissa(59'990, 0));
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
  EXPECT_EQ(intents[0].kind, IntentKind::hedged_pair);
  EXPECT_EQ(intents[0].long_venue, "SIM-A");
  EXPECT_EQ(intents[0].short_venue, "SIM-B");
  ASSERT_TRUE(intents[0].max_slippage_bps.has_value());
  EXPECT_DOUBLE_EQ(*intents[0].max_slippage_bps, 0) << "0 bps is a guard (fill at the price or not at all)";
  EXPECT_DOUBLE_EQ(*intents[0].time_guard_ms, 1500);
  EXPECT_DOUBLE_EQ(intents[0].net_spread_bps, -2) << "an exit may be proposed at a negative edge";
  EXPECT_TRUE(intents[0].venue.empty());
  EXPECT_FALSE(intents[0].side.has_value());
  EXPECT_TRUE(intents[0].price.is_zero());
  EXPECT_TRUE(intents[0].long_price.is_zero()) << "zero when not given";

  intents = propose("kind = 'hedged_pair', " + std::string(kPair), &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_FALSE(intents[0].max_slippage_bps.has_value());
  EXPECT_FALSE(intents[0].time_guard_ms.has_value());
}

TEST_F(StrategyCtxTest, ReduceOnlyIsAClosingFlagOfBothKinds) {
  std::string fault;
  auto intents = propose(std::string(kPair) + ", reduce_only = true", &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_EQ(intents[0].kind, IntentKind::hedged_pair);
  EXPECT_TRUE(intents[0].reduce_only) << "a pair may ask to close";
  intents = propose(std::string(kSingle) + ", reduce_only = true", &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_EQ(intents[0].kind, IntentKind::single);
  EXPECT_TRUE(intents[0].reduce_only) << "so may a single order";
  intents = propose(std::string(kPair) + ", reduce_only = false", &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_FALSE(intents[0].reduce_only);
  intents = propose(kSingle, &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_FALSE(intents[0].reduce_only) << "absent means an ordinary (opening) intent";
}

TEST_F(StrategyCtxTest, AReduceOnlyThatIsNotABooleanIsNamed) {
  const char* wrong[][2] = {{"reduce_only = 1", "got 1"},
                            {"reduce_only = 'true'", "got \"true\""},
                            {"reduce_only = {}", "got a table"}};
  for (const char* base : {kPair, kSingle}) {
    for (const auto& [field, got] : wrong) {
      const std::string fault = refusal(std::string(base) + ", " + field);
      EXPECT_NE(fault.find(std::string("ctx:propose: field 'reduce_only' must be a boolean, ") + got),
                std::string::npos)
          << base << ", " << field << "\n  gave: " << fault;
    }
  }
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
      // Amounts become exact Decimals: what one cannot hold is refused, not bent.
      {"notional_usdt = 1e19", "field 'notional_usdt' must be a finite number > 0 from 1e-18 to 1e18, got 1e+19"},
      {"long_price = 1e-19", "field 'long_price' must be a finite number > 0 from 1e-18 to 1e18, got 1e-19"},
  };
  for (const BadField& bad : cases) {
    // Later fields of a Lua table constructor win: `kPair, x = …` overrides x.
    const std::string fault = refusal(std::string(kPair) + ", " + bad.replace);
    EXPECT_NE(fault.find(std::string("ctx:propose: ") + bad.message), std::string::npos)
        << bad.replace << "\n  gave: " << fault;
  }
}

TEST_F(StrategyCtxTest, AmountsAreTheExactDecimalsOfTheScriptsNumbers) {
  std::string fault;
  // A computed price has the double's full 17 digits; it reads back as the same double.
  auto intents = propose(std::string(kPair) + ", long_price = 65000.1 * 1.0004, short_price = 0.1 + 0.2", &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_EQ(intents[0].notional_usdt.to_string(), "100");
  EXPECT_EQ(intents[0].long_price.to_double(), 65000.1 * 1.0004);
  EXPECT_EQ(intents[0].short_price.to_string(), "0.30000000000000004");
  EXPECT_EQ(intents[0].short_price.to_double(), 0.1 + 0.2);

  // The edges of the range are accepted; digits below 1e-18 round to nearest.
  intents = propose("kind = 'single', symbol = 'PEPE-USDT', venue = 'SIM-A', side = 'sell', notional_usdt = 1e18, "
                    "price = 1.2345678901234567e-5",
                    &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_EQ(intents[0].side, Side::sell);
  EXPECT_EQ(intents[0].notional_usdt, Decimal::from_mantissa(1'000'000'000'000'000'000, 0));
  EXPECT_EQ(intents[0].price.to_string(), "0.000012345678901235");
  intents = propose(std::string(kPair) + ", long_price = 1e-18", &fault);
  ASSERT_EQ(intents.size(), 1u) << fault;
  EXPECT_EQ(intents[0].long_price, Decimal::from_mantissa(1, 18));
}

// A good proposal, then a refused one (a bad field, or a venue the profile does not
// have: issue 15 finding 3): one fault at the refused line, and nothing proposed.
TEST_F(StrategyCtxTest, ARefusedProposalIsAFaultAtTheScriptLine) {
  for (const char* refused : {"kind = 'single', symbol = 'BTC-USDT', venue = 'SIM-A', side = 'sideways', "
                              "notional_usdt = 10, price = 1",
                              "symbol = 'BTC-USDT', long_venue = 'BINANACE', short_venue = 'SIM-B', notional_usdt = 10"}) {
    SCOPED_TRACE(refused);
    auto runner = load("line", std::string("return { name = 'line', on_book = function(ctx, ev)\n") +
                                   "  ctx:propose{" + kPair + "}\n  ctx:propose{" + refused + "}\nend }");
    ASSERT_NE(runner, nullptr);
    std::vector<Intent> intents;
    runner->on_book({"SIM-A", "BTC-USDT"}, intents);
    EXPECT_TRUE(intents.empty()) << "half a decision is no decision";
    ASSERT_TRUE(runner->stats().last_fault.has_value());
    EXPECT_EQ(runner->stats().last_fault->where(), "strategies/line.lua:3");
    EXPECT_EQ(runner->stats().faults, 1u);
  }
}

// Issue 15 finding 3: "BINANACE" became an opportunity. A venue or symbol the profile
// does not have is a script error naming the field, at the script's line.
TEST_F(StrategyCtxTest, AVenueTheProfileDoesNotHaveIsRefusedNamingTheField) {
  const BadField cases[] = {
      {"long_venue = 'BINANACE'",
       "field 'long_venue' names venue \"BINANACE\", which this profile does not have (venues: SIM-A, SIM-B)"},
      {"short_venue = 'sim-b'",
       "field 'short_venue' names venue \"sim-b\", which this profile does not have (venues: SIM-A, SIM-B)"},
  };
  for (const BadField& bad : cases) {
    const std::string fault = refusal(std::string(kPair) + ", " + bad.replace);
    EXPECT_NE(fault.find(std::string("ctx:propose: ") + bad.message), std::string::npos)
        << bad.replace << "\n  gave: " << fault;
  }
  const std::string single = refusal("kind = 'single', symbol = 'BTC-USDT', venue = 'OKX', side = 'buy', "
                                     "notional_usdt = 10, price = 1");
  EXPECT_NE(single.find("ctx:propose: field 'venue' names venue \"OKX\", which this profile does not have "
                        "(venues: SIM-A, SIM-B)"),
            std::string::npos)
      << single;
  // The profile's own venues still pass, in both kinds.
  std::string fault;
  EXPECT_EQ(propose(kPair, &fault).size(), 1u) << fault;
  EXPECT_EQ(propose(kSingle, &fault).size(), 1u) << fault;
}

TEST_F(StrategyCtxTest, ASymbolOutsideTheProfilesSymbolsIsRefusedNamingTheField) {
  StrategyEnv env;
  env.symbols = {"BTC-USDT", "ETH-USDT"};
  std::string fault;
  auto intents = propose("symbol = 'DOGE-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 100",
                         &fault, env);
  EXPECT_TRUE(intents.empty());
  EXPECT_NE(fault.find("ctx:propose: field 'symbol' names \"DOGE-USDT\", which is not in the profile's symbols "
                       "(BTC-USDT, ETH-USDT)"),
            std::string::npos)
      << fault;
  fault = refusal("kind = 'single', symbol = 'DOGE-USDT', venue = 'SIM-A', side = 'buy', notional_usdt = 10, price = 1",
                  env);
  EXPECT_NE(fault.find("field 'symbol' names \"DOGE-USDT\""), std::string::npos) << fault;
  EXPECT_EQ(propose(kPair, &fault, env).size(), 1u) << fault;
  EXPECT_EQ(propose(kSingle, &fault, env).size(), 1u) << fault;
  // No symbols given (a runner outside any profile): any symbol.
  EXPECT_EQ(propose("symbol = 'DOGE-USDT', long_venue = 'SIM-A', short_venue = 'SIM-B', notional_usdt = 1", &fault)
                .size(),
            1u)
      << fault;
}

TEST_F(StrategyCtxTest, TheRefusalListsAtMostEightNamesAndSaysHowManyThereAre) {
  StrategyEnv env;
  for (int i = 0; i < 12; ++i) env.symbols.push_back("S" + std::to_string(i) + "-USDT");
  const std::string fault = refusal(kPair, env);
  EXPECT_NE(fault.find("(S0-USDT, S1-USDT, S2-USDT, S3-USDT, S4-USDT, S5-USDT, S6-USDT, S7-USDT, ... (12 in all))"),
            std::string::npos)
      << fault;
  EXPECT_EQ(fault.find("S8-USDT"), std::string::npos) << fault;
}

// ---- reused result tables --------------------------------------------------------

TEST_F(StrategyCtxTest, BookTablesAreOnePerVenueAndSymbolAndRefilled) {
  market_.set("SIM-B", "BTC-USDT", 60'010.0, 60'010.5, clock_.now());
  market_.set("SIM-A", "ETH-USDT", 2'999.9, 3'000.0, clock_.now());
  auto runner = load("same", R"(return { name = 'same', on_book = function(ctx, ev)
  local a1, a2 = ctx:book('SIM-A', 'BTC-USDT'), ctx:book('SIM-A', 'BTC-USDT')
  local b, e = ctx:book('SIM-B', 'BTC-USDT'), ctx:book('SIM-A', 'ETH-USDT')
  ctx.state.same = rawequal(a1, a2)
  ctx.state.distinct = not rawequal(a1, b) and not rawequal(a1, e) and not rawequal(b, e)
  ctx.state.a_bid, ctx.state.b_bid, ctx.state.e_ask = a1.bid, b.bid, e.ask
  ctx.state.missing = ctx:book('SIM-C', 'BTC-USDT') == nil
  ctx.state.fields = 0
  for k in pairs(a1) do ctx.state.fields = ctx.state.fields + 1 end
  -- what a script does to the table is undone by the next call (for the 7 fields)
  a1.bid = -1; setmetatable(a1, { __newindex = function() error('trap') end })
  ctx.state.refilled = ctx:book('SIM-A', 'BTC-USDT').bid
end })");
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_FALSE(runner->stats().last_fault.has_value()) << runner->stats().last_fault->message;
  auto state = runner->stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["same"], true);
  EXPECT_EQ((*state)["distinct"], true) << "two books, two tables";
  EXPECT_NEAR((*state)["a_bid"].get<double>(), 59'999.9, 1e-6);
  EXPECT_NEAR((*state)["b_bid"].get<double>(), 60'010.0, 1e-6);
  EXPECT_NEAR((*state)["e_ask"].get<double>(), 3'000.0, 1e-6);
  EXPECT_EQ((*state)["missing"], true);
  EXPECT_EQ((*state)["fields"], 7) << "bid, ask, bid_qty, ask_qty, mid, spread_bps, age_ms";
  EXPECT_NEAR((*state)["refilled"].get<double>(), 59'999.9, 1e-6);
}

TEST_F(StrategyCtxTest, ABookTableFollowsTheBookBetweenCalls) {
  auto runner = load("follow", R"(local kept
return { name = 'follow', on_book = function(ctx, ev)
  local b = ctx:book('SIM-A', 'BTC-USDT')
  kept = kept or b
  ctx.state.bid, ctx.state.age_ms, ctx.state.kept_bid = b.bid, b.age_ms, kept.bid
end })");
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  clock_.advance(std::chrono::milliseconds(40));
  market_.set("SIM-A", "BTC-USDT", 60'100.0, 60'100.1, clock_.now() - std::chrono::milliseconds(15));
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  auto state = runner->stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_NEAR((*state)["bid"].get<double>(), 60'100.0, 1e-6);
  EXPECT_EQ((*state)["age_ms"], 15);
  EXPECT_NEAR((*state)["kept_bid"].get<double>(), 60'100.0, 1e-6) << "a kept table is refilled: copy to keep";
}

// Memory of the strategy's Lua state over `calls` on_book calls after a warm-up: the
// largest growth seen above the level after the warm-up.
std::size_t growth_over(StrategyRunner& runner, int calls) {
  std::vector<Intent> intents;
  for (int i = 0; i < 5; ++i) runner.on_book({"SIM-A", "BTC-USDT"}, intents);
  const std::size_t base = runner.memory_used();
  std::size_t peak = base;
  for (int i = 0; i < calls; ++i) {
    runner.on_book({"SIM-A", "BTC-USDT"}, intents);
    peak = std::max(peak, runner.memory_used());
  }
  EXPECT_FALSE(runner.stats().last_fault.has_value()) << runner.stats().last_fault->message;
  return peak - base;
}

TEST_F(StrategyCtxTest, CallingCtxReadersManyTimesDoesNotGrowTheLuaHeap) {
  market_.set("SIM-B", "BTC-USDT", 60'010.0, 60'010.5, clock_.now());
  market_.set_funding("SIM-A", 0.0001);
  market_.set_regime("BTC-USDT", "range", 0.8);
  // A few MB of live ballast push the collector's next cycle far away, so what the
  // calls allocate shows as growth instead of being collected under our feet.
  const std::string prelude = "local sum, ballast = 0, {} "
                              "local function on_start() for i = 1, 40000 do ballast[i] = { i, i } end end ";
  // 200 reads × 7 readers per on_book, 200 on_book: 280 000 reads.
  const std::string reads = R"(
  for i = 1, 200 do
    local a, b = ctx:book('SIM-A', 'BTC-USDT'), ctx:book('SIM-B', 'BTC-USDT')
    local f, fees, v = ctx:funding('SIM-A', 'BTC-USDT'), ctx:fees('SIM-A'), ctx:venues()
    local r, budget = ctx:regime('BTC-USDT'), ctx:budget()
    sum = sum + a.bid - b.ask + f.rate + fees.taker_bps + #v + r.confidence + budget.open_notional_usdt
  end)";
  auto reused = load("flat", prelude + "return { name = 'flat', on_start = on_start, on_book = function(ctx, ev)" +
                                 reads + " end }");
  ASSERT_NE(reused, nullptr);
  // A warm call of the sandbox itself allocates nothing (LuaSandbox keeps its message
  // handler), so the heap should not move at all; 1 KB is slack, far below one table
  // per 200 reads.
  constexpr int kCalls = 200;
  constexpr std::size_t kTolerance = 1024;
  EXPECT_LE(growth_over(*reused, kCalls), kTolerance);

  // Control: the same measure catches one small table per read (what ctx:book used to
  // build): 40 000 tables of 7 fields.
  auto churning = load("churn", prelude + "return { name = 'churn', on_start = on_start, on_book = function(ctx, ev)" +
                                    std::string(R"(
  for i = 1, 200 do
    local t = { bid = ctx:book('SIM-A', 'BTC-USDT').bid, ask = 1, bid_qty = 1, ask_qty = 1, mid = 1, spread_bps = 1, age_ms = 1 }
    sum = sum + t.bid
  end)") + " end }");
  ASSERT_NE(churning, nullptr);
  EXPECT_GT(growth_over(*churning, kCalls), 1'000'000u) << "the measure must see per-call tables";
}

TEST_F(StrategyCtxTest, FeesOfAnUnknownVenueAreAFreshTableSoTheCacheCannotGrow) {
  auto runner = load("fees", R"(return { name = 'fees', on_book = function(ctx, ev)
  ctx.state.known = rawequal(ctx:fees('SIM-A'), ctx:fees('SIM-A'))
  ctx.state.unknown = rawequal(ctx:fees('NOPE'), ctx:fees('NOPE'))
  ctx.state.taker = ctx:fees('NOPE').taker_bps
  ctx.state.venues_same = rawequal(ctx:venues(), ctx:venues())
  local v = ctx:venues(); v[#v + 1] = 'EXTRA'; v[1] = 'X'
  local again = ctx:venues()
  ctx.state.venues = { again[1], again[2], tostring(again[3]) }
end })");
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  ASSERT_FALSE(runner->stats().last_fault.has_value()) << runner->stats().last_fault->message;
  auto state = runner->stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["known"], true);
  EXPECT_EQ((*state)["unknown"], false);
  EXPECT_EQ((*state)["taker"], 5.0) << "the default schedule";
  EXPECT_EQ((*state)["venues_same"], true);
  EXPECT_EQ((*state)["venues"], nlohmann::json::parse(R"(["SIM-A","SIM-B","nil"])"))
      << "ctx:venues() is exactly the venues again";
}

// ---- ctx:regime and ctx:budget ----------------------------------------------------

TEST_F(StrategyCtxTest, RegimeIsNilUntilKnownThenAReusedTablePerSymbol) {
  auto runner = load("regime", R"(return { name = 'regime', on_book = function(ctx, ev)
  local r = ctx:regime('BTC-USDT')
  if r == nil then ctx.state.nil_calls = (ctx.state.nil_calls or 0) + 1 return end
  ctx.state.regime, ctx.state.confidence = r.regime, r.confidence
  ctx.state.same = rawequal(r, ctx:regime('BTC-USDT'))
  ctx.state.other = ctx:regime('ETH-USDT') ~= nil and not rawequal(r, ctx:regime('ETH-USDT'))
end })");
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  market_.set_regime("BTC-USDT", "trend", 0.7);
  market_.set_regime("ETH-USDT", "volatile", 0.4);
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  market_.set_regime("BTC-USDT", "liquidity_shock", 0.95);
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  auto state = runner->stop();
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["nil_calls"], 1);
  EXPECT_EQ((*state)["regime"], "liquidity_shock");
  EXPECT_DOUBLE_EQ((*state)["confidence"].get<double>(), 0.95);
  EXPECT_EQ((*state)["same"], true);
  EXPECT_EQ((*state)["other"], true);
}

TEST_F(StrategyCtxTest, TheDefaultMarketViewKnowsNoRegime) {
  struct Plain : MarketView {
    const md::OrderBook* book(std::string_view, std::string_view) const override { return nullptr; }
    const std::vector<std::string>& venue_ids() const override { return venues; }
    std::vector<std::string> venues{"SIM-A"};
  } plain;
  EXPECT_FALSE(plain.regime("BTC-USDT").has_value());
}

constexpr const char* kBudgetScript = R"(return { name = 'budget', on_book = function(ctx, ev)
  local b = ctx:budget()
  ctx.state.seen = ctx.state.seen or {}
  ctx.state.seen[#ctx.state.seen + 1] = {
    max_position = b.max_position_notional_usdt, max_total = b.max_total_notional_usdt,
    open = b.open_notional_usdt, remaining = b.remaining_usdt == math.huge and 'huge' or b.remaining_usdt,
    limited = b.limited, same = rawequal(b, ctx:budget()) }
end })";

TEST_F(StrategyCtxTest, BudgetReportsCapsOpenNotionalAndWhatRemains) {
  StrategyEnv env;
  env.budget = {5'000, 50'000, 12'000};
  auto runner = load("budget", kBudgetScript, env);
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  runner->set_budget({5'000, 50'000, 49'000});
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  runner->set_budget({5'000, 50'000, 61'000});  // over the cap (a fill overshot): nothing remains
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  auto state = runner->stop();
  ASSERT_TRUE(state) << state.error().message;
  const auto& seen = (*state)["seen"];
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], nlohmann::json::parse(
                         R"({"max_position":5000,"max_total":50000,"open":12000,"remaining":38000,"limited":true,"same":true})"));
  EXPECT_EQ(seen[1]["remaining"], 1000);
  EXPECT_EQ(seen[2]["remaining"], 0);
  EXPECT_EQ(seen[2]["open"], 61000);
}

TEST_F(StrategyCtxTest, BudgetWithoutATotalCapIsUnlimited) {
  auto runner = load("budget", kBudgetScript);  // no budget given: every cap 0
  ASSERT_NE(runner, nullptr);
  std::vector<Intent> intents;
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  runner->set_budget({2'000, 0, 7'000});
  runner->on_book({"SIM-A", "BTC-USDT"}, intents);
  auto state = runner->stop();
  ASSERT_TRUE(state) << state.error().message;
  const auto& seen = (*state)["seen"];
  EXPECT_EQ(seen[0], nlohmann::json::parse(
                         R"({"max_position":0,"max_total":0,"open":0,"remaining":"huge","limited":false,"same":true})"));
  EXPECT_EQ(seen[1]["limited"], false);
  EXPECT_EQ(seen[1]["remaining"], "huge");
  EXPECT_EQ(seen[1]["max_position"], 2000) << "a position cap alone does not limit the total";
}

}  // namespace
}  // namespace propbot::scripting
