// The cash ledger: the venue's cost-basis realised PnL (increase, partial release rounded
// to 1e-8, flip), the wallet identity, foreign and simulated fills, other-asset fees, the
// opening once, its invariants — and the ledger entries kept in the journal database.
#include "core/ledger/cash_ledger.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/exec/journal_store.hpp"
#include "core/ledger/sqlite_ledger_entries.hpp"
#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using testing::dec;
using testing::fill;

exec::FillEntry with_fee(exec::FillEntry entry, std::string_view fee, std::string asset = "USDT") {
  entry.fee = dec(fee);
  entry.fee_asset = std::move(asset);
  return entry;
}

LedgerEntry entry_of(LedgerEntryKind kind, std::string ref, std::string_view amount, std::string venue = "BINANCE") {
  LedgerEntry entry;
  entry.ts_ms = 1'795'000'000'000;
  entry.venue = std::move(venue);
  entry.kind = kind;
  entry.asset = "USDT";
  entry.ref = std::move(ref);
  entry.amount = dec(amount);
  return entry;
}

TEST(CashLedgerTest, RealisesLikeTheVenueOnItsCostBasis) {
  CashLedger ledger;
  // Buy 0.3 @ 100, buy 0.2 @ 110: cost 52, position 0.5.
  EXPECT_DONE(ledger.on_fill(with_fee(fill(1, "BINANCE", exec::Leg::a, Side::buy, "0.3", "100"), "0.01")));
  EXPECT_DONE(ledger.on_fill(fill(1, "BINANCE", exec::Leg::a, Side::buy, "0.2", "110")));
  const NetHolding* held = ledger.holding("BINANCE", "BTC-USDT");
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->cost, dec("52"));
  // Sell 0.3 @ 120: releases 52 × 0.3 / 0.5 = 31.2; realised 36 − 31.2 = 4.8.
  EXPECT_DONE(ledger.on_fill(fill(1, "BINANCE", exec::Leg::a, Side::sell, "0.3", "120")));
  EXPECT_EQ(ledger.holding("BINANCE", "BTC-USDT")->realized, dec("4.8"));
  EXPECT_EQ(ledger.holding("BINANCE", "BTC-USDT")->cost, dec("20.8"));
  // Sell 0.5 @ 90: closes 0.2 (realised 18 − 20.8 = −2.8) and flips 0.3 short at 90.
  EXPECT_DONE(ledger.on_fill(fill(1, "BINANCE", exec::Leg::a, Side::sell, "0.5", "90")));
  held = ledger.holding("BINANCE", "BTC-USDT");
  EXPECT_EQ(held->journal_position, dec("-0.3"));
  EXPECT_EQ(held->cost, dec("27"));
  EXPECT_EQ(held->realized, dec("2"));
  EXPECT_EQ(ledger.check_invariants(), "");
  const VenueCash* cash = ledger.cash("BINANCE");
  ASSERT_NE(cash, nullptr);
  EXPECT_EQ(cash->realized, dec("2"));
  EXPECT_EQ(cash->fees, dec("0.01"));
}

TEST(CashLedgerTest, APartialReleaseRoundsTo1e8AndTheIdentityStillHolds) {
  CashLedger ledger;
  EXPECT_DONE(ledger.on_fill(fill(1, "OKX", exec::Leg::b, Side::sell, "0.3", "100.01")));
  // A third of 30.003 is 10.001; of 0.3 at 100.07: cover 0.1 → realised 10.001 − 10.007 = −0.006.
  EXPECT_DONE(ledger.on_fill(fill(1, "OKX", exec::Leg::b, Side::buy, "0.1", "100.07")));
  EXPECT_EQ(ledger.holding("OKX", "BTC-USDT")->realized, dec("-0.006"));
  // 0.07 of the remaining 20.002 over 0.2: 7.0007 exactly; then 0.13 closes the rest.
  EXPECT_DONE(ledger.on_fill(fill(1, "OKX", exec::Leg::b, Side::buy, "0.07", "99.99")));
  EXPECT_DONE(ledger.on_fill(fill(1, "OKX", exec::Leg::b, Side::buy, "0.13", "100")));
  EXPECT_TRUE(ledger.holding("OKX", "BTC-USDT")->journal_position.is_zero());
  EXPECT_TRUE(ledger.holding("OKX", "BTC-USDT")->cost.is_zero());
  EXPECT_EQ(ledger.check_invariants(), "");
  // Flat: the realised PnL is exactly what the fills moved.
  EXPECT_EQ(ledger.holding("OKX", "BTC-USDT")->realized, ledger.holding("OKX", "BTC-USDT")->cash_flow);
}

TEST(CashLedgerTest, AForeignFillMovesTheAccountButNotTheDesksPosition) {
  CashLedger ledger;
  EXPECT_DONE(ledger.on_fill(fill(1, "BINANCE", exec::Leg::a, Side::buy, "0.5", "100")));
  exec::FillEntry foreign = fill(0, "BINANCE", exec::Leg::single, Side::buy, "0.2", "101");
  foreign.strategy.clear();
  ASSERT_TRUE(is_foreign_fill(foreign));
  EXPECT_DONE(ledger.on_fill(foreign));
  EXPECT_EQ(ledger.journal_position("BINANCE", "BTC-USDT"), dec("0.7"));
  EXPECT_EQ(ledger.desk_position("BINANCE", "BTC-USDT"), dec("0.5"));
  EXPECT_EQ(ledger.holding("BINANCE", "BTC-USDT")->foreign_fills, 1u);
  // The flatten's fills are the desk's own.
  exec::FillEntry flatten = fill(0, "BINANCE", exec::Leg::single, Side::sell, "0.7", "99");
  flatten.strategy = std::string(exec::kFlattenStrategy);
  EXPECT_FALSE(is_foreign_fill(flatten));
  EXPECT_DONE(ledger.on_fill(flatten));
  EXPECT_EQ(ledger.desk_position("BINANCE", "BTC-USDT"), dec("-0.2"));
  EXPECT_TRUE(ledger.journal_position("BINANCE", "BTC-USDT").is_zero());
}

TEST(CashLedgerTest, SimulatedFillsAndOtherAssetFeesStayOutOfTheUsdtCash) {
  CashLedger ledger;
  exec::FillEntry paper = fill(1, "BINANCE", exec::Leg::a, Side::buy, "1", "100");
  paper.simulated = true;
  EXPECT_DONE(ledger.on_fill(paper));
  EXPECT_EQ(ledger.holding("BINANCE", "BTC-USDT"), nullptr);
  EXPECT_DONE(ledger.on_fill(with_fee(fill(2, "BINANCE", exec::Leg::a, Side::buy, "1", "100"), "0.002", "BNB")));
  EXPECT_TRUE(ledger.cash("BINANCE")->fees.is_zero());
  EXPECT_EQ(ledger.cash("BINANCE")->fees_other_assets.at("BNB"), dec("0.002"));
}

TEST(CashLedgerTest, TheWalletIsTheOpeningPlusItsFlowsAndOpensOnce) {
  CashLedger ledger;
  EXPECT_DONE(ledger.on_entry(entry_of(LedgerEntryKind::opening_balance, "opening", "1000")));
  auto again = ledger.on_entry(entry_of(LedgerEntryKind::opening_balance, "opening", "5"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
  EXPECT_DONE(ledger.on_fill(with_fee(fill(1, "BINANCE", exec::Leg::a, Side::buy, "1", "100"), "0.05")));
  EXPECT_DONE(ledger.on_fill(with_fee(fill(1, "BINANCE", exec::Leg::a, Side::sell, "1", "103"), "-0.01")));
  EXPECT_DONE(ledger.on_entry(entry_of(LedgerEntryKind::funding, "tran-1", "-0.25")));
  EXPECT_DONE(ledger.on_entry(entry_of(LedgerEntryKind::adjustment, "ops-1", "10")));
  // 1000 + 3 − 0.04 − 0.25 + 10
  EXPECT_EQ(*ledger.cash("BINANCE")->wallet(), dec("1012.71"));
  EXPECT_EQ(*ledger.cash("BINANCE")->flows(), dec("12.71"));
}

TEST(CashLedgerTest, TheLedgerEntriesLiveInTheJournalDatabase) {
  const auto dir = std::filesystem::temp_directory_path() / ("ledger_entries_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "journal.sqlite").string();
  // Before the journal made the file, there is nothing to open.
  EXPECT_FALSE(SqliteLedgerEntries::open(path).ok());
  auto writer = exec::JournalStore::open_writer(path, store::Synchronous::full);
  ASSERT_TRUE(writer.ok()) << writer.error().describe();
  auto entries = SqliteLedgerEntries::open(path);
  ASSERT_TRUE(entries.ok()) << entries.error().describe();
  LedgerEntry funding = entry_of(LedgerEntryKind::funding, "tran-9", "-0.12345678");
  funding.symbol = "BTC-USDT";
  funding.strategy = "funding_basis";
  auto first = (*entries)->append(funding);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_GT(funding.id, 0u);
  LedgerEntry twice = funding;
  twice.amount = dec("5");
  auto second = (*entries)->append(twice);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second) << "the key (venue, kind, ref) is kept once";
  auto all = (*entries)->all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().amount, dec("-0.12345678"));
  EXPECT_EQ(all->front().strategy, "funding_basis");
  EXPECT_EQ(all->front().symbol, "BTC-USDT");
  EXPECT_EQ(all->front().kind, LedgerEntryKind::funding);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace propbot::ledger
