#include "core/venues/sim/engine/accounts.hpp"

#include <gtest/gtest.h>

#include "core/venues/sim/engine/checked_math.hpp"
#include "sim_engine_test_support.hpp"

namespace propbot::venues::sim {
namespace {

using namespace testing;  // NOLINT

class AccountBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    book.add_instrument(btc_rules());
    ASSERT_TRUE(book.open_account("alice", dec("10000"), false, kNow, events));
    ASSERT_TRUE(book.open_account("bob", dec("10000"), false, kNow, events));
    events.clear();
  }
  // alice buys from bob (alice taker).
  FillCharges trade(const std::string& buyer, const std::string& seller, std::string_view qty,
                    std::string_view price) {
    book.apply_fill(seller, "BTC-USDT", OrderSide::sell, dec(price), dec(qty), true, kNow, events);
    return book.apply_fill(buyer, "BTC-USDT", OrderSide::buy, dec(price), dec(qty), false, kNow, events);
  }

  AccountBook book;
  std::vector<Event> events;
};

TEST_F(AccountBookTest, ChargesMakerAndTakerFeesExactToTheDecimal) {
  // notional 0.5 × 65000.1 = 32500.05
  const auto maker = book.apply_fill("bob", "BTC-USDT", OrderSide::sell, dec("65000.1"), dec("0.5"), true, kNow, events);
  const auto taker = book.apply_fill("alice", "BTC-USDT", OrderSide::buy, dec("65000.1"), dec("0.5"), false, kNow, events);
  EXPECT_EQ(maker.fee, dec("6.50001"));    // × 0.0002
  EXPECT_EQ(taker.fee, dec("16.250025"));  // × 0.0005
  EXPECT_EQ(book.wallet("bob"), dec("9993.49999"));
  EXPECT_EQ(book.wallet("alice"), dec("9983.749975"));
  EXPECT_EQ(book.fees_collected(), dec("22.750035"));
}

TEST_F(AccountBookTest, AveragesTheEntryPriceByVolume) {
  trade("alice", "bob", "1", "100");
  trade("alice", "bob", "3", "104");
  const auto p = book.position("alice", "BTC-USDT");
  EXPECT_EQ(p.quantity, dec("4"));
  EXPECT_EQ(p.entry_price, dec("103"));
  EXPECT_EQ(book.position("bob", "BTC-USDT").quantity, dec("-4"));
}

TEST_F(AccountBookTest, RealisesPnlOnAPartialClose) {
  trade("alice", "bob", "1", "100");
  trade("alice", "bob", "3", "104");
  const auto close = trade("bob", "alice", "1", "110");  // alice sells 1 as maker
  (void)close;
  const auto alice_pos = events_of<PositionChanged>(events, "alice").back();
  EXPECT_EQ(alice_pos.position.quantity, dec("3"));
  EXPECT_EQ(alice_pos.position.entry_price, dec("103"));
  EXPECT_EQ(alice_pos.accumulated_realized, dec("7"));  // 110 − 103
  // bob was short 4 @ 103 and buys back 1 @ 110: −7
  EXPECT_EQ(events_of<PositionChanged>(events, "bob").back().accumulated_realized, dec("-7"));
}

TEST_F(AccountBookTest, FlipsThePositionAndOpensTheRestAtTheFillPrice) {
  trade("alice", "bob", "1", "100");
  const auto flip = book.apply_fill("alice", "BTC-USDT", OrderSide::sell, dec("90"), dec("3"), true, kNow, events);
  EXPECT_EQ(flip.realized_pnl, dec("-10"));
  const auto p = book.position("alice", "BTC-USDT");
  EXPECT_EQ(p.quantity, dec("-2"));
  EXPECT_EQ(p.entry_price, dec("90"));
}

TEST_F(AccountBookTest, RealisesShortPnlWithTheRightSign) {
  book.apply_fill("alice", "BTC-USDT", OrderSide::sell, dec("100"), dec("2"), true, kNow, events);
  const auto cover = book.apply_fill("alice", "BTC-USDT", OrderSide::buy, dec("90"), dec("1"), true, kNow, events);
  EXPECT_EQ(cover.realized_pnl, dec("10"));
}

TEST_F(AccountBookTest, RealisesTheExactTotalWhenClosingInThirds) {
  trade("alice", "bob", "0.001", "100.0");
  trade("alice", "bob", "0.002", "100.1");  // cost 0.3002: a third is 0.100066666...
  Decimal realized;
  for (int i = 0; i < 3; ++i) {
    realized = math::add(realized, book.apply_fill("alice", "BTC-USDT", OrderSide::sell, dec("100.1"), dec("0.001"),
                                                   true, kNow, events)
                                       .realized_pnl);
  }
  EXPECT_EQ(realized, dec("0.0001"));  // 0.3003 − 0.3002, whatever the rounding of each third
  EXPECT_TRUE(book.position("alice", "BTC-USDT").quantity.is_zero());
}

TEST_F(AccountBookTest, LongsPayFundingWhenTheRateIsPositive) {
  trade("alice", "bob", "2", "100");
  const Decimal alice_before = book.wallet("alice");
  const Decimal bob_before = book.wallet("bob");
  book.apply_funding("BTC-USDT", dec("0.0001"), dec("100"), kNow, events);
  EXPECT_EQ(book.wallet("alice"), math::sub(alice_before, dec("0.02")));
  EXPECT_EQ(book.wallet("bob"), math::add(bob_before, dec("0.02")));
  const auto paid = events_of<FundingPaid>(events, "alice");
  ASSERT_EQ(paid.size(), 1U);
  EXPECT_EQ(paid[0].amount, dec("0.02"));
  EXPECT_EQ(events_of<FundingPaid>(events, "bob")[0].amount, dec("-0.02"));
}

TEST_F(AccountBookTest, ShortsPayFundingWhenTheRateIsNegative) {
  trade("alice", "bob", "2", "100");
  const Decimal bob_before = book.wallet("bob");
  book.apply_funding("BTC-USDT", dec("-0.0003"), dec("100"), kNow, events);
  EXPECT_EQ(book.wallet("bob"), math::sub(bob_before, dec("0.06")));
  EXPECT_TRUE(book.funding_pool().is_zero());
}

TEST_F(AccountBookTest, ReportsReduceOnlyCapacityOnlyAgainstThePosition) {
  trade("alice", "bob", "2", "100");
  EXPECT_EQ(book.reduce_only_capacity("alice", "BTC-USDT", OrderSide::sell), dec("2"));
  EXPECT_TRUE(book.reduce_only_capacity("alice", "BTC-USDT", OrderSide::buy).is_zero());
  EXPECT_EQ(book.reduce_only_capacity("bob", "BTC-USDT", OrderSide::buy), dec("2"));
}

TEST_F(AccountBookTest, RefusesLeverageAboveTheMaximum) {
  EXPECT_EQ(book.set_leverage("alice", "BTC-USDT", 126).reason(), RejectReason::invalid_leverage);
  EXPECT_EQ(book.set_leverage("alice", "BTC-USDT", 0).reason(), RejectReason::invalid_leverage);
  ASSERT_TRUE(book.set_leverage("alice", "BTC-USDT", 125).ok());
  EXPECT_EQ(book.leverage("alice", "BTC-USDT"), 125);
  EXPECT_EQ(book.leverage("bob", "BTC-USDT"), 20);
}

TEST_F(AccountBookTest, MarksPositionsToMarket) {
  trade("alice", "bob", "2", "100");
  book.set_mark("BTC-USDT", dec("103.5"));
  EXPECT_EQ(book.position("alice", "BTC-USDT").unrealized_pnl, dec("7"));
  EXPECT_EQ(book.position("bob", "BTC-USDT").unrealized_pnl, dec("-7"));
}

}  // namespace
}  // namespace propbot::venues::sim
