// IncomeHistory inside the ExchangeCore: one record per wallet change with its cause
// (deposit, fill, funding, liquidation), ids that increase, the per-account bound, and
// apply_funding leaving named accounts unpaid (the simulator's skip_funding fault).
#include "core/venues/sim/engine/income_history.hpp"

#include <gtest/gtest.h>

#include "core/venues/sim/engine/checked_math.hpp"
#include "core/venues/sim/engine/exchange_core.hpp"
#include "sim_engine_test_support.hpp"

namespace propbot::venues::sim {
namespace {

using namespace testing;  // NOLINT

class IncomeHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core.add_instrument(btc_rules());
    core.set_quiet("mm", true);
    ASSERT_TRUE(core.open_account("mm", dec("10000000"), kNow, events, /*margin_exempt=*/true));
    ASSERT_TRUE(core.open_account("alice", dec("1000"), kNow, events));
    ASSERT_TRUE(core.open_account("bob", dec("100000"), kNow, events));
    core.replace_liquidity("BTC-USDT", "mm", {{dec("2990.0"), dec("5")}}, {{dec("3000.0"), dec("5")}}, kNow, events);
    events.clear();
  }
  void buy(const std::string& account, std::string_view qty) {
    auto placed = core.place(account, market(OrderSide::buy, qty), kNow, events);
    ASSERT_TRUE(placed.ok()) << placed.error().describe();
  }
  Decimal wallet(const std::string& account) { return core.balances(account, kNow).at(0).wallet; }

  ExchangeCore core;
  std::vector<Event> events;
};

TEST_F(IncomeHistoryTest, RecordsTheOpeningDepositAsATransfer) {
  const auto records = core.income("alice");
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].kind, BalanceReason::deposit);
  EXPECT_EQ(records[0].amount, dec("1000"));
  EXPECT_EQ(records[0].balance_after, dec("1000"));
  EXPECT_EQ(records[0].asset, "USDT");
  EXPECT_TRUE(records[0].symbol.empty());
  EXPECT_EQ(records[0].ts, kNow);
  EXPECT_TRUE(core.income("mm").empty()) << "a quiet account's changes are not recorded";
}

TEST_F(IncomeHistoryTest, RecordsAFillWithItsFeeAndTheFundingWithItsPosition) {
  buy("alice", "0.1");  // taker at 3000: fee 300 × 0.0005 = 0.15
  const UtcTime later = kNow + std::chrono::hours(8);
  core.apply_funding("BTC-USDT", dec("0.0001"), dec("3000.0"), later, events);  // 0.1 × 3000 × 0.0001 = 0.03
  const auto records = core.income("alice", std::string("BTC-USDT"));
  ASSERT_EQ(records.size(), 2U);
  const IncomeRecord& fill = records[0];
  EXPECT_EQ(fill.kind, BalanceReason::order);
  ASSERT_TRUE(fill.fill.has_value());
  EXPECT_EQ(fill.fill->fee, dec("0.15"));
  EXPECT_EQ(fill.amount, dec("-0.15")) << "realised 0 − fee";
  EXPECT_EQ(fill.balance_after, dec("999.85"));
  EXPECT_FALSE(fill.fill->trade_id.empty());
  const IncomeRecord& funding = records[1];
  EXPECT_EQ(funding.kind, BalanceReason::funding_fee);
  EXPECT_EQ(funding.symbol, "BTC-USDT");
  EXPECT_EQ(funding.amount, dec("-0.03")) << "a long pays a positive rate";
  EXPECT_EQ(funding.balance_after, dec("999.82"));
  EXPECT_EQ(funding.ts, later);
  ASSERT_TRUE(funding.funding.has_value());
  EXPECT_EQ(funding.funding->position_quantity, dec("0.1"));
  EXPECT_EQ(funding.funding->rate, dec("0.0001"));
  EXPECT_GT(funding.id, fill.id);
  EXPECT_EQ(core.income("alice").size(), 3U) << "the deposit too, without a symbol filter";
}

TEST_F(IncomeHistoryTest, AShortReceivesAPositiveRateAsAPositiveAmount) {
  auto placed = core.place("bob", market(OrderSide::sell, "1"), kNow, events);
  ASSERT_TRUE(placed.ok());
  core.apply_funding("BTC-USDT", dec("0.0001"), dec("2990.0"), kNow, events);
  const auto records = core.income("bob", std::string("BTC-USDT"));
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[1].kind, BalanceReason::funding_fee);
  EXPECT_EQ(records[1].amount, dec("0.299"));
}

TEST_F(IncomeHistoryTest, AnUnpaidAccountKeepsItsWalletAndGetsNoRecordWhileOthersArePaid) {
  buy("alice", "0.1");
  buy("bob", "0.1");
  events.clear();
  const Decimal alice_before = wallet("alice");
  const Decimal bob_before = wallet("bob");
  core.apply_funding("BTC-USDT", dec("0.0001"), dec("3000.0"), kNow, events, {"alice"});
  EXPECT_EQ(wallet("alice"), alice_before);
  EXPECT_TRUE(events_of<FundingPaid>(events, "alice").empty());
  EXPECT_TRUE(events_of<BalanceChanged>(events, "alice").empty());
  EXPECT_EQ(core.income("alice").back().kind, BalanceReason::order) << "no funding record";
  EXPECT_EQ(wallet("bob"), math::sub(bob_before, dec("0.03")));
  EXPECT_EQ(core.income("bob").back().kind, BalanceReason::funding_fee);

  core.apply_funding("BTC-USDT", dec("0.0001"), dec("3000.0"), kNow, events);  // the next one pays
  EXPECT_EQ(core.income("alice").back().kind, BalanceReason::funding_fee);
  EXPECT_EQ(wallet("alice"), math::sub(alice_before, dec("0.03")));
}

TEST_F(IncomeHistoryTest, RecordsALiquidationAndTheInsuranceCoverWithTheirSymbol) {
  buy("alice", "3");  // 9000 notional on a 1000 wallet
  core.set_mark("BTC-USDT", dec("2500.0"), kNow, events);  // −1500: liquidated, wallet negative
  const auto records = core.income("alice");
  ASSERT_GE(records.size(), 4U);
  const IncomeRecord& liquidation = records[records.size() - 2];
  const IncomeRecord& cover = records.back();
  EXPECT_EQ(liquidation.kind, BalanceReason::liquidation);
  EXPECT_EQ(liquidation.symbol, "BTC-USDT");
  ASSERT_TRUE(liquidation.liquidation.has_value());
  EXPECT_EQ(liquidation.liquidation->quantity, dec("3"));
  EXPECT_EQ(liquidation.amount, dec("-1500"));
  EXPECT_EQ(cover.kind, BalanceReason::insurance_clear);
  EXPECT_EQ(cover.symbol, "BTC-USDT");
  EXPECT_TRUE(cover.balance_after.is_zero());
}

TEST(IncomeHistoryBoundTest, KeepsAtMostTheBoundPerAccountWithIncreasingIds) {
  IncomeHistory history(3);
  std::vector<Event> events;
  for (int i = 1; i <= 5; ++i) {
    Balance balance;
    balance.asset = "USDT";
    balance.wallet = Decimal::from_mantissa(i, 0);
    balance.updated_at = kNow;
    events.push_back(BalanceChanged{"alice", balance, Decimal::from_mantissa(1, 0), BalanceReason::deposit});
  }
  events.push_back(BalanceChanged{"bob", Balance{"USDT", {}, {}, kNow}, Decimal{}, BalanceReason::deposit});
  history.record_events(events, 2);  // the first two are not shown
  auto kept = history.records("alice");
  ASSERT_EQ(kept.size(), 3U);
  EXPECT_EQ(kept.front().balance_after, dec("3"));
  EXPECT_EQ(kept.back().balance_after, dec("5"));
  EXPECT_LT(kept.front().id, kept.back().id);
  history.record_events(events, 0);  // everything again: the oldest go first
  kept = history.records("alice");
  ASSERT_EQ(kept.size(), 3U);
  EXPECT_EQ(kept.front().balance_after, dec("3"));
  EXPECT_EQ(kept.back().balance_after, dec("5"));
  EXPECT_GT(kept.front().id, 4) << "ids keep increasing across calls";
  EXPECT_EQ(history.records("bob").size(), 2U);
  EXPECT_TRUE(history.records("nobody").empty());
}

}  // namespace
}  // namespace propbot::venues::sim
