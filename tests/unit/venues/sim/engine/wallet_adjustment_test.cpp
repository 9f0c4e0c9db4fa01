// adjust_wallet (the simulator's admin deposit / withdrawal): a credit and a debit move
// the wallet exactly, are booked as deposits (money conserved: Σ wallets + fees + funding
// = deposits) with the BalanceChanged event a deposit makes; every refusal changes nothing.
#include "core/venues/sim/engine/wallet_adjustment.hpp"

#include <gtest/gtest.h>

#include "core/venues/sim/engine/checked_math.hpp"
#include "sim_engine_test_support.hpp"

namespace propbot::venues::sim {
namespace {

using namespace testing;  // NOLINT

class WalletAdjustmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core.add_instrument(btc_rules());
    ASSERT_TRUE(core.open_account("alice", dec("1000"), kNow, events));
    events.clear();
  }
  Decimal wallet() { return core.accounts().wallet("alice"); }
  // Σ wallets + fees + funding − deposits (every account flat): zero when money is conserved.
  Decimal leak() {
    const AccountBook& book = core.accounts();
    Decimal total = math::add(book.fees_collected(), book.funding_pool());
    for (const auto& id : book.account_ids()) total = math::add(total, book.wallet(id));
    return math::sub(total, book.total_deposits());
  }

  ExchangeCore core;
  std::vector<Event> events;
};

TEST_F(WalletAdjustmentTest, ACreditAndADebitMoveTheWalletAsDepositsAndConserveMoney) {
  auto credited = adjust_wallet(core, "alice", "USDT", dec("100.5"), kNow, events);
  ASSERT_TRUE(credited.ok()) << credited.error().message;
  EXPECT_EQ(*credited, dec("1100.5"));
  auto debited = adjust_wallet(core, "alice", "USDT", dec("-1100.5"), kNow, events);
  ASSERT_TRUE(debited.ok()) << debited.error().message;
  EXPECT_EQ(*debited, dec("0"));
  EXPECT_EQ(wallet(), dec("0"));
  EXPECT_EQ(leak(), dec("0"));
  const auto changes = events_of<BalanceChanged>(events, "alice");
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0].reason, BalanceReason::deposit);
  EXPECT_EQ(changes[0].change, dec("100.5"));
  EXPECT_EQ(changes[1].change, dec("-1100.5"));
  EXPECT_EQ(changes[1].balance.wallet, dec("0"));
}

TEST_F(WalletAdjustmentTest, RefusalsChangeNothing) {
  struct Case {
    const char* account;
    const char* asset;
    const char* amount;
    Errc code;
  };
  for (const Case& c : {Case{"nobody", "USDT", "1", Errc::not_found}, Case{"alice", "BTC", "1", Errc::invalid_argument},
                        Case{"alice", "USDT", "0", Errc::invalid_argument},
                        Case{"alice", "USDT", "0.000000001", Errc::invalid_argument},
                        Case{"alice", "USDT", "-1000.01", Errc::conflict}}) {
    auto refused = adjust_wallet(core, c.account, c.asset, dec(c.amount), kNow, events);
    ASSERT_FALSE(refused.ok()) << c.account << " " << c.asset << " " << c.amount;
    EXPECT_EQ(refused.error().code, c.code) << c.amount << ": " << refused.error().message;
  }
  EXPECT_EQ(wallet(), dec("1000"));
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(leak(), dec("0"));
}

}  // namespace
}  // namespace propbot::venues::sim
