// The recon daemon on a simulated clock against scripted venue accounts: the opening
// balance booked at the first pass, each kind of difference (position, order, balance,
// fee, funding, neutrality) confirmed by a second look before it counts and reported
// once, a transient difference never reported, funding payments booked once, and query
// failures named without changing the verdict.
#include "core/ledger/recon_daemon.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "account_venue.hpp"
#include "core/exec/memory_journal.hpp"
#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using namespace std::chrono_literals;
using testing::AccountVenue;
using testing::dec;

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  options.to_stderr = false;
  return Logger(make_logger(options));
}

class ReconDaemonTest : public ::testing::Test {
 protected:
  ReconDaemonTest() {
    ReconOptions options;
    options.interval = 10s;
    options.confirm_delay = 1500ms;
    options.lots["BTC-USDT"] = dec("0.001");
    ReconHooks hooks;
    hooks.on_mismatch = [this](const std::string& summary, const std::vector<ReconDiff>& diffs) {
      mismatches.push_back(summary);
      last_diffs = diffs;
    };
    hooks.on_clean = [this] { ++cleans; };
    hooks.on_booked = [this](const LedgerEntry& entry) { booked.push_back(entry); };
    hooks.funding_owner = [](const std::string&, const std::string&) { return std::string("funding_basis"); };
    daemon = std::make_unique<ReconDaemon>(options, clock, std::vector<venues::Venue*>{&binance, &okx}, journal, cash,
                                           book, entries, hooks, quiet_logger());
  }

  std::int64_t now_ms() const { return to_unix_ms(clock.utc()); }

  // A desk fill: journaled, in the cash ledger and queued for the fee check.
  exec::FillEntry desk_fill(std::uint64_t id, std::string venue, Side side, std::string_view qty,
                            std::string_view fee = "0.1") {
    exec::FillEntry fill = testing::fill(id, std::move(venue), exec::Leg::a, side, qty, "100");
    fill.trade_id = "t-" + std::to_string(id) + "-" + fill.venue;
    fill.strategy = "cross_exchange_arb";
    fill.fee = dec(fee);
    fill.fee_asset = "USDT";
    fill.ts_ms = now_ms();
    EXPECT_DONE(journal.record_fill(fill));
    EXPECT_DONE(cash.on_fill(fill));
    daemon->on_fill(fill);
    return fill;
  }

  static venues::Fill venue_trade(const exec::FillEntry& fill, std::string_view fee) {
    venues::Fill trade;
    trade.symbol = fill.symbol;
    trade.trade_id = fill.trade_id;
    trade.side = fill.side;
    trade.price = fill.price;
    trade.quantity = fill.quantity;
    trade.fee = dec(fee);
    trade.fee_asset = "USDT";
    return trade;
  }

  bool has_diff(ReconDiffKind kind, std::string_view venue) const {
    for (const auto& diff : daemon->diffs()) {
      if (diff.kind == kind && diff.venue == venue) return true;
    }
    return false;
  }

  SimClock clock;
  AccountVenue binance{"BINANCE"};
  AccountVenue okx{"OKX"};
  exec::MemoryJournal journal;
  CashLedger cash;
  PositionBook book;
  MemoryLedgerEntries entries;
  std::unique_ptr<ReconDaemon> daemon;
  std::vector<std::string> mismatches;
  std::vector<ReconDiff> last_diffs;
  std::vector<LedgerEntry> booked;
  int cleans = 0;
};

TEST_F(ReconDaemonTest, TheFirstCleanPassBooksEachOpeningBalanceAndSaysOk) {
  EXPECT_EQ(daemon->state(), ReconState::pending);
  binance.wallet = dec("1000");
  okx.wallet = dec("2500.5");
  daemon->run_now();
  EXPECT_EQ(daemon->state(), ReconState::ok);
  ASSERT_EQ(booked.size(), 2u);
  EXPECT_EQ(cash.cash("OKX")->opening, dec("2500.5"));
  EXPECT_EQ(*cash.cash("BINANCE")->wallet(), dec("1000"));
  EXPECT_TRUE(mismatches.empty());
  EXPECT_EQ(daemon->status_json()["status"], "OK");
  // The periodic passes run on the clock.
  daemon->start();
  clock.advance(30s);
  EXPECT_EQ(daemon->stats().passes, 4u);
  EXPECT_EQ(booked.size(), 2u) << "an account opens once";
}

TEST_F(ReconDaemonTest, APositionTheDeskNeverTradedIsConfirmedReportedOnceAndClearsWhenGone) {
  daemon->start();
  daemon->run_now();
  binance.hold("0.5");
  daemon->run_now();
  EXPECT_EQ(daemon->state(), ReconState::ok) << "one sighting is not a mismatch";
  EXPECT_TRUE(mismatches.empty());
  clock.advance(1500ms);  // the second look
  EXPECT_EQ(daemon->state(), ReconState::mismatch);
  ASSERT_EQ(mismatches.size(), 1u);
  EXPECT_TRUE(has_diff(ReconDiffKind::position, "BINANCE"));
  EXPECT_TRUE(has_diff(ReconDiffKind::position, kDeskVenue)) << "0.5 unhedged across venues";
  EXPECT_TRUE(daemon->unhedged_directional_exposure());
  const auto status = daemon->status_json();
  EXPECT_EQ(status["banner"], "STATE DESYNC — manual intervention required");
  bool named = false;
  for (const auto& diff : status["diffs"]) {
    if (diff["venue"] == "BINANCE" && diff["kind"] == "position") {
      EXPECT_EQ(diff["ours"], "0");
      EXPECT_EQ(diff["venue_value"], "0.5");
      named = true;
    }
  }
  EXPECT_TRUE(named) << status.dump();
  clock.advance(20s);
  EXPECT_EQ(mismatches.size(), 1u) << "a standing difference is reported once";
  binance.held.clear();
  clock.advance(10s);
  EXPECT_EQ(daemon->state(), ReconState::ok);
  EXPECT_EQ(cleans, 1);
}

TEST_F(ReconDaemonTest, ADifferenceGoneAtTheSecondLookIsNeverReported) {
  daemon->start();
  daemon->run_now();
  binance.hold("0.5");  // a fill in flight: the venue knew before the desk's stream
  daemon->run_now();
  binance.held.clear();
  clock.advance(1500ms);
  EXPECT_EQ(daemon->state(), ReconState::ok);
  EXPECT_TRUE(mismatches.empty());
}

TEST_F(ReconDaemonTest, HedgedDeskFillsThatMatchTheVenuesAreCleanAndTheirFeesConfirmed) {
  daemon->run_now();
  const auto a = desk_fill(1, "BINANCE", Side::buy, "0.5");
  const auto b = desk_fill(1, "OKX", Side::sell, "0.5");
  binance.hold("0.5");
  okx.hold("-0.5");
  binance.trades = {venue_trade(a, "0.1")};
  okx.trades = {venue_trade(b, "0.1")};
  binance.wallet = dec("999.9");
  okx.wallet = dec("999.9");
  daemon->run_now();
  EXPECT_EQ(daemon->state(), ReconState::ok) << daemon->diffs_json().dump();
  EXPECT_EQ(daemon->status_json()["unverified_fees"], 0);
  EXPECT_EQ(binance.trade_queries, 1);
  daemon->run_now();
  EXPECT_EQ(binance.trade_queries, 1) << "confirmed fees are not asked again";
}

TEST_F(ReconDaemonTest, AFeeThatDiffersFromTheVenuesTradeRecordIsAFeeDiff) {
  daemon->start();
  daemon->run_now();
  const auto a = desk_fill(1, "BINANCE", Side::buy, "0.5", "0.5");
  const auto b = desk_fill(1, "OKX", Side::sell, "0.5", "0");
  binance.hold("0.5");
  okx.hold("-0.5");
  binance.trades = {venue_trade(a, "0.6")};
  okx.trades = {venue_trade(b, "0")};
  binance.wallet = dec("999.5");
  daemon->run_now();
  clock.advance(1500ms);
  EXPECT_EQ(daemon->state(), ReconState::mismatch);
  ASSERT_TRUE(has_diff(ReconDiffKind::fee, "BINANCE")) << daemon->diffs_json().dump();
  for (const auto& diff : daemon->diffs()) {
    if (diff.kind == ReconDiffKind::fee) {
      EXPECT_EQ(diff.item, a.trade_id);
      EXPECT_EQ(diff.ours, "0.5 USDT");
      EXPECT_EQ(diff.venue_value, "0.6 USDT");
    }
  }
}

TEST_F(ReconDaemonTest, AWalletThatMovedWithoutTheDeskIsABalanceDiff) {
  daemon->start();
  daemon->run_now();
  binance.wallet = dec("1100");
  daemon->run_now();
  clock.advance(1500ms);
  ASSERT_TRUE(has_diff(ReconDiffKind::balance, "BINANCE")) << daemon->diffs_json().dump();
  for (const auto& diff : daemon->diffs()) {
    if (diff.kind == ReconDiffKind::balance) {
      EXPECT_EQ(diff.ours, "1000");
      EXPECT_EQ(diff.venue_value, "1100");
    }
  }
}

TEST_F(ReconDaemonTest, FundingFromTheVenuesHistoryIsBookedOnceWithItsOwner) {
  daemon->start();
  daemon->run_now();  // openings
  booked.clear();
  binance.funding = {venues::FundingPayment{"BTC-USDT", "USDT", dec("-0.25"), "tran-1", clock.utc() + 1s}};
  binance.wallet = dec("999.75");
  clock.advance(12s);  // the wallet moved: the second look (1.5 s on) asks the history and books it
  ASSERT_EQ(booked.size(), 1u);
  EXPECT_TRUE(mismatches.empty()) << "a payment booked at the second look is no balance diff";
  EXPECT_EQ(booked[0].kind, LedgerEntryKind::funding);
  EXPECT_EQ(booked[0].ref, "tran-1");
  EXPECT_EQ(booked[0].strategy, "funding_basis");
  EXPECT_EQ(cash.cash("BINANCE")->funding, dec("-0.25"));
  clock.advance(20s);
  EXPECT_EQ(booked.size(), 1u);
  EXPECT_EQ(entries.all()->size(), 3u);
  EXPECT_EQ(daemon->state(), ReconState::ok) << daemon->diffs_json().dump();
}

TEST_F(ReconDaemonTest, ASettlementTheDeskHeldAPositionOverNeedsAPayment) {
  daemon->start();
  daemon->run_now();
  desk_fill(1, "BINANCE", Side::buy, "0.5");
  desk_fill(1, "OKX", Side::sell, "0.5");
  binance.hold("0.5");
  okx.hold("-0.5");
  binance.wallet = okx.wallet = dec("999.9");
  const UtcTime settle = clock.utc() + 2s;
  venues::FundingInfo info;
  info.symbol = "BTC-USDT";
  info.next_funding_time = settle;
  daemon->on_funding_info("BINANCE", info);
  daemon->on_funding_info("OKX", info);
  clock.advance(3s);
  info.next_funding_time = settle + 8h;
  daemon->on_funding_info("BINANCE", info);
  daemon->on_funding_info("OKX", info);
  EXPECT_EQ(daemon->status_json()["funding_expected"], 2);
  // OKX pays; BINANCE never does.
  okx.funding = {venues::FundingPayment{"BTC-USDT", "USDT", dec("0.05"), "bill-7", settle}};
  okx.wallet = dec("999.95");
  clock.advance(90s);
  EXPECT_EQ(daemon->state(), ReconState::mismatch);
  EXPECT_TRUE(has_diff(ReconDiffKind::funding, "BINANCE")) << daemon->diffs_json().dump();
  EXPECT_FALSE(has_diff(ReconDiffKind::funding, "OKX")) << daemon->diffs_json().dump();
  EXPECT_EQ(daemon->status_json()["funding_expected"], 1);
}

TEST_F(ReconDaemonTest, AnOrderOpenAtTheVenueThatTheJournalDoesNotHoldIsAnOrderDiff) {
  daemon->start();
  daemon->run_now();
  venues::OrderState foreign;
  foreign.symbol = "BTC-USDT";
  foreign.client_order_id = "web_abc123";
  foreign.quantity = dec("1");
  foreign.price = dec("50000");
  foreign.status = venues::OrderStatus::new_order;
  binance.orders = {foreign};
  daemon->run_now();
  clock.advance(1500ms);
  ASSERT_TRUE(has_diff(ReconDiffKind::order, "BINANCE"));
  EXPECT_EQ(daemon->diffs().front().item, "web_abc123");
}

TEST_F(ReconDaemonTest, AHedgedPairLeftOneLeggedAtTheVenuesIsUnhedgedExposure) {
  daemon->start();
  daemon->run_now();
  EXPECT_DONE(book.open_position(testing::pair_opening(1, "0.5")));
  auto a = desk_fill(1, "BINANCE", Side::buy, "0.5");
  EXPECT_DONE(book.on_fill(a));
  binance.hold("0.5");
  binance.trades = {venue_trade(a, "0.1")};
  binance.wallet = dec("999.9");
  daemon->run_now();
  clock.advance(1500ms);
  EXPECT_FALSE(has_diff(ReconDiffKind::position, "BINANCE")) << "the venue holds what the desk traded";
  EXPECT_TRUE(has_diff(ReconDiffKind::position, kDeskVenue)) << daemon->diffs_json().dump();
  EXPECT_TRUE(daemon->unhedged_directional_exposure());
}

TEST_F(ReconDaemonTest, AQueryThatFailsIsNamedAndDecidesNothing) {
  binance.failing = true;
  daemon->run_now();
  EXPECT_EQ(daemon->state(), ReconState::pending);
  const auto status = daemon->status_json();
  EXPECT_NE(status["last_error"].get<std::string>().find("BINANCE positions"), std::string::npos) << status.dump();
  EXPECT_TRUE(mismatches.empty());
}

}  // namespace
}  // namespace propbot::ledger
