#include "core/venues/sim/host/market_model.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "core/venues/sim/host/instruments.hpp"

namespace propbot::venues::sim {
namespace {

class MarketModelTest : public ::testing::Test {
 protected:
  MarketModel make(MarketParams params = {}, std::uint64_t seed = 7) {
    return MarketModel(params, seed, {"binance", "okx"}, default_symbols());
  }
};

TEST_F(MarketModelTest, QuotesEveryVenueAndSymbolAroundTheStartPrice) {
  MarketModel model = make();
  const auto ticks = model.step();
  ASSERT_EQ(ticks.size(), 2u);
  for (const auto& venue : {"binance", "okx"}) {
    const auto& list = ticks.at(venue);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].symbol, "BTC-USDT");
    EXPECT_NEAR(list[0].mid, 65000, 65000 * 0.01);
    EXPECT_EQ(list[1].symbol, "ETH-USDT");
    EXPECT_NEAR(list[1].mid, 3500, 3500 * 0.01);
    EXPECT_GT(list[0].mark, 0);
    EXPECT_GT(list[0].index, 0);
    EXPECT_DOUBLE_EQ(list[0].spread_bps, 1.0);
    EXPECT_EQ(list[0].depth_levels, 20);
  }
}

TEST_F(MarketModelTest, SameSeedGivesTheSamePrices) {
  MarketModel a = make();
  MarketModel b = make();
  for (int i = 0; i < 50; ++i) {
    const auto ta = a.step();
    const auto tb = b.step();
    EXPECT_DOUBLE_EQ(ta.at("okx")[0].mid, tb.at("okx")[0].mid);
    EXPECT_DOUBLE_EQ(ta.at("binance")[1].funding_rate, tb.at("binance")[1].funding_rate);
  }
}

TEST_F(MarketModelTest, VenuesQuoteDifferentMidsAroundOneIndex) {
  MarketModel model = make();
  const auto ticks = model.step();
  EXPECT_NE(ticks.at("binance")[0].mid, ticks.at("okx")[0].mid);
  EXPECT_DOUBLE_EQ(ticks.at("binance")[0].index, ticks.at("okx")[0].index);
}

TEST_F(MarketModelTest, FundingRateDriftsButStaysCapped) {
  MarketParams params;
  params.funding_drift = 0.001;
  MarketModel model = make(params);
  double first = model.current().at("binance")[0].funding_rate;
  EXPECT_DOUBLE_EQ(first, params.funding_rate);
  bool moved = false;
  for (int i = 0; i < 500; ++i) {
    const double rate = model.step().at("binance")[0].funding_rate;
    moved |= rate != first;
    EXPECT_LE(std::abs(rate), 0.0075);
  }
  EXPECT_TRUE(moved);
}

TEST_F(MarketModelTest, JumpMovesOneVenueNowAndKeepsTheIndex) {
  MarketModel model = make();
  const auto before = model.current();
  ASSERT_TRUE(model.jump("okx", "BTC-USDT", -1000).ok());
  const auto after = model.current();
  EXPECT_NEAR(after.at("okx")[0].mid, before.at("okx")[0].mid * 0.9, 1e-6);
  EXPECT_NEAR(after.at("okx")[0].mark, after.at("okx")[0].mid, 1e-6);
  EXPECT_DOUBLE_EQ(after.at("binance")[0].mid, before.at("binance")[0].mid);
  EXPECT_DOUBLE_EQ(after.at("okx")[1].mid, before.at("okx")[1].mid);
  EXPECT_DOUBLE_EQ(after.at("okx")[0].index, before.at("okx")[0].index);
  // The offset stays on the next steps.
  const auto next = model.step();
  EXPECT_LT(next.at("okx")[0].mid, next.at("binance")[0].mid * 0.95);
}

TEST_F(MarketModelTest, MarketWideJumpMovesTheIndexToo) {
  MarketModel model = make();
  const auto before = model.current();
  ASSERT_TRUE(model.jump("", "", 500).ok());
  const auto after = model.current();
  EXPECT_NEAR(after.at("binance")[1].index, before.at("binance")[1].index * 1.05, 1e-6);
  EXPECT_NEAR(after.at("okx")[0].mid, before.at("okx")[0].mid * 1.05, 1e-6);
}

TEST_F(MarketModelTest, JumpRefusesUnknownNamesAndImpossibleMoves) {
  MarketModel model = make();
  EXPECT_EQ(model.jump("bybit", "", 10).error().code, Errc::not_found);
  EXPECT_EQ(model.jump("okx", "SOL-USDT", 10).error().code, Errc::not_found);
  EXPECT_EQ(model.jump("okx", "", -10000).error().code, Errc::invalid_argument);
}

TEST_F(MarketModelTest, CompoundedJumpsCannotDrivePricesToZeroForGood) {
  // Issue 10 finding 9: repeated -99.99% jumps took mid, mark and index to 0 for good
  // while /admin/health said ok. The jump that would cross the floor is refused whole.
  MarketModel model = make();
  ASSERT_TRUE(model.jump("", "BTC-USDT", -9000).ok());  // 10% of the price left
  ASSERT_TRUE(model.jump("", "BTC-USDT", -9000).ok());  // 1%
  const auto before = model.current();
  Status third = model.jump("", "BTC-USDT", -9500);      // would leave 0.05%: under the floor
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Errc::invalid_argument);
  EXPECT_NE(third.error().message.find("BTC-USDT below 0.1%"), std::string::npos) << third.error().message;
  const auto after = model.current();
  EXPECT_EQ(after.at("binance")[0].mid, before.at("binance")[0].mid);
  EXPECT_EQ(after.at("okx")[0].index, before.at("okx")[0].index);
  for (int i = 0; i < 50; ++i) (void)model.jump("", "", -9999);
  model.step();
  EXPECT_EQ(model.price_problem(), "");
  for (const auto& [venue, ticks] : model.current()) {
    for (const auto& tick : ticks) {
      EXPECT_GT(tick.mid, 0) << venue << " " << tick.symbol;
      EXPECT_GT(tick.mark, 0) << venue << " " << tick.symbol;
      EXPECT_GT(tick.index, 0) << venue << " " << tick.symbol;
    }
  }
  ASSERT_TRUE(model.jump("", "BTC-USDT", 9000).ok());  // and the way back up is open
}

TEST_F(MarketModelTest, TheIndexHasTheSameFloorAsTheVenues) {
  // Review of issue 10: every venue pushed up on its own, then all of them (and the
  // index, which the one-venue jumps did not move) down: each quote stayed above the
  // floor while the index went to ~1e-300 of its price.
  MarketModel model = make();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(model.jump("binance", "ETH-USDT", 9000).ok());
    ASSERT_TRUE(model.jump("okx", "ETH-USDT", 9000).ok());
  }
  Status down = model.jump("", "ETH-USDT", -9995);  // venues at ~0.34%, the index at 0.05%
  ASSERT_FALSE(down.ok());
  EXPECT_NE(down.error().message.find("the index of ETH-USDT"), std::string::npos) << down.error().message;
  EXPECT_EQ(model.price_problem(), "");
}

TEST_F(MarketModelTest, UpdateValidatesAndNamesTheField) {
  MarketModel model = make();
  MarketParams params = model.params();
  params.spread_bps = -1;
  const Status refused = model.update(params);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.rfind("spread_bps:", 0), 0u) << refused.error().message;
  EXPECT_DOUBLE_EQ(model.params().spread_bps, 1.0);

  params.spread_bps = 3;
  params.volatility_bps = 10;
  params.funding_rate = 0.0005;
  ASSERT_TRUE(model.update(params).ok());
  EXPECT_DOUBLE_EQ(model.params().spread_bps, 3);
  const auto ticks = model.current();
  EXPECT_DOUBLE_EQ(ticks.at("okx")[0].spread_bps, 3);
  EXPECT_DOUBLE_EQ(ticks.at("okx")[0].funding_rate, 0.0005);
  // A restarted walk continues from the current price, not from the start price.
  EXPECT_NEAR(model.step().at("okx")[0].mid, ticks.at("okx")[0].mid, ticks.at("okx")[0].mid * 0.01);
}

TEST(InstrumentsTest, DefaultRulesAreValidAndRealistic) {
  for (const auto& protocol : {"binance", "okx"}) {
    for (const auto& symbol : default_symbols()) {
      const InstrumentRules rules = instrument_rules(protocol, symbol.symbol);
      EXPECT_EQ(rules.validate(), "") << protocol << " " << symbol.symbol;
    }
  }
  const auto btc = instrument_rules("binance", "BTC-USDT");
  EXPECT_EQ(btc.tick, Decimal::from_mantissa(1, 1));
  EXPECT_EQ(btc.step, Decimal::from_mantissa(1, 3));
  EXPECT_EQ(btc.min_notional, Decimal::from_mantissa(5, 0));
  EXPECT_EQ(instrument_rules("binance", "ETH-USDT").tick, Decimal::from_mantissa(1, 2));
  EXPECT_EQ(instrument_rules("okx", "BTC-USDT").contract_multiplier, Decimal::from_mantissa(1, 2));
}

}  // namespace
}  // namespace propbot::venues::sim
