// The executor's start-up reconciliation after a crash: sent orders resolved by asking
// the venue (never re-sent), interrupted hedges finished in HOLD once their book is
// there (or lost at the deadline), fills made while the desk was down recovered from
// the venue's history, orders the journal does not explain cancelled, a silent venue
// keeping recon pending, and simulated orders ended without asking the venue.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/exec/executor_test_support.hpp"

namespace propbot::exec {
namespace {

using namespace propbot::exec::testing;

TEST_F(ReconTest, ASentOrderTheVenueFilledIsRecordedAndItsHedgeFinishedInHold) {
  // A previous process: A journaled as sent, then killed before the answer came.
  ASSERT_NO_FATAL_FAILURE(crash_with_a_held());
  ASSERT_EQ(binance.placed.size(), 1u);
  a_filled_while_down();
  restart_desk_in_hold();

  auto second = make();
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(binance.placed.size(), 1u) << "A was never re-sent";
  ASSERT_EQ(okx.placed.size(), 1u) << "the interrupted hedge is finished, in HOLD";
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_EQ(journal.last("BINANCE", a_id)->event, OrderEvent::filled);
  EXPECT_EQ(second->view().recon.hedges_resumed, 1);
}

TEST_F(ReconTest, AResumedHedgeWaitsForItsVenuesBookAndReconEndsWhenItIsDone) {
  ASSERT_NO_FATAL_FAILURE(crash_with_a_held());
  a_filled_while_down();
  // A restart: OKX's instruments and book are still loading.
  md::OrderBook okx_book = market.books.back();
  market.books.pop_back();
  restart_desk_in_hold();
  auto second = make();
  EXPECT_TRUE(okx.placed.empty()) << "no book yet: the hedge waits";
  EXPECT_FALSE(desk.finished) << "recon is not over while a hedge it resumed is open";
  EXPECT_TRUE(desk.incidents.empty()) << "not lost: the deadline has not passed";
  market.books.push_back(okx_book);
  clock.advance(std::chrono::milliseconds(200));
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(second->view().recon.hedges_resumed, 1);
}

TEST_F(ReconTest, AResumedHedgeWhoseVenueNeverComesBackIsLostAtTheDeadline) {
  ASSERT_NO_FATAL_FAILURE(crash_with_a_held());
  a_filled_while_down();
  market.books.pop_back();  // OKX never delivers a book
  restart_desk_in_hold();
  auto second = make();
  clock.advance(std::chrono::seconds(4));
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_lost);
  EXPECT_TRUE(desk.finished) << "the lost hedge ended the trade, so the recon";
}

class Unhedged final : public PositionLookup {
 public:
  std::optional<ClosablePosition> closable(std::string_view, std::string_view, std::string_view,
                                           std::string_view) const override {
    return std::nullopt;
  }
  std::vector<std::uint64_t> unhedged() const override { return ids; }
  std::vector<std::uint64_t> ids;
};

TEST_F(ReconTest, APairWhoseOrdersAllEndedApartIsHedgedFromTheLedgersWord) {
  // A previous process: A filled, then the crash came before B was sent, and an earlier
  // recon ended B's plan: no order of the pair is unfinished any more.
  {
    okx.replies = {Reply::hold};
    auto first = make();
    ASSERT_TRUE(first->submit(pair_intent()));
  }
  const std::string b_id = okx.placed[0].client_order_id;
  okx.known.erase(b_id);  // the venue never got B
  okx.placed.clear();
  md::OrderBook okx_book = market.books.back();
  market.books.pop_back();  // the second run dies before OKX's book arrives...
  {
    desk = Desk{};
    auto second = make();  // ...after resolving B as not_at_venue: every order has ended
  }
  market.books.push_back(okx_book);
  ASSERT_TRUE(journal.unfinished().empty());
  Unhedged ledger;
  ledger.ids = {1};
  desk = Desk{};
  desk.current = Mode::hold;
  auto third = std::make_unique<Executor>(ExecutorOptions{}, clock, std::vector<venues::Venue*>{&binance, &okx},
                                          journal, desk, market, &listener, quiet());
  third->set_positions(&ledger);
  third->reconcile();
  ASSERT_EQ(okx.placed.size(), 1u) << "the hedge the crash interrupted goes out";
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_TRUE(desk.finished);
}

TEST_F(ReconTest, FillsTheVenueMadeWhileTheDeskWasDownAreRecoveredFromItsHistory) {
  ASSERT_NO_FATAL_FAILURE(crash_with_a_held());
  a_filled_while_down();
  venues::Fill fill;  // the venue's history names the order only by its own id
  fill.symbol = "BTC-USDT";
  fill.venue_order_id = binance.known[a_id].venue_order_id;
  fill.trade_id = "h1";
  fill.side = Side::buy;
  fill.price = dec("60000");
  fill.quantity = dec("0.016");
  fill.ts = clock.utc();
  binance.history.push_back(fill);
  listener.fills.clear();
  restart_desk_in_hold();

  auto second = make();
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_GE(binance.fill_history_reads, 1);
  ASSERT_EQ(listener.fills.size(), 1u) << "the lost fill reached the ledger";
  EXPECT_EQ(listener.fills[0].client_order_id, a_id) << "attributed by the venue's order id";
  EXPECT_EQ(listener.fills[0].leg, Leg::a);
  EXPECT_EQ(second->view().recon.fills_recovered, 1);
  EXPECT_NE(desk.summary.find("recovered 1 fill"), std::string::npos) << desk.summary;
  // Read again (another restart): the journal keeps it once.
  listener.fills.clear();
  desk = Desk{};
  auto third = make();
  EXPECT_TRUE(listener.fills.empty());
}

TEST_F(ReconTest, AnOrderNeverReceivedIsRejectedAndAStaleOpenOneCancelled) {
  ASSERT_NO_FATAL_FAILURE(crash_with_a_held());
  // Case 1: the venue never got it.
  binance.known.erase(a_id);
  desk = Desk{};
  auto second = make();
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(journal.last("BINANCE", a_id)->event, OrderEvent::rejected);
  EXPECT_EQ(journal.last("BINANCE", a_id)->reason, "not_at_venue");
  EXPECT_TRUE(okx.placed.empty());
  EXPECT_TRUE(journal.unfinished().empty()) << "the planned hedge ended too";
}

TEST_F(ReconTest, OrdersTheJournalDoesNotExplainAreCancelledAndAudited) {
  venues::OrderRequest stray;
  stray.symbol = "BTC-USDT";
  stray.client_order_id = "someoneelse1";
  stray.quantity = dec("1");
  binance.known["someoneelse1"] = OrderVenue::state_of(stray);
  auto executor = make();
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << "cancelled: explained away";
  ASSERT_EQ(binance.cancels.size(), 1u);
  EXPECT_EQ(binance.cancels[0], "someoneelse1");
  EXPECT_EQ(executor->view().recon.unexplained_orders, 1);
  EXPECT_NE(std::find(desk.audits.begin(), desk.audits.end(), "recon_unexplained_order"), desk.audits.end());
}

TEST_F(ReconTest, AVenueThatDoesNotAnswerKeepsReconPending) {
  ASSERT_NO_FATAL_FAILURE(crash_with_a_held());
  desk = Desk{};
  binance.query_fails = 3;
  auto second = make();
  EXPECT_FALSE(desk.finished) << "fails closed";
  EXPECT_FALSE(second->reconciled());
  clock.advance(std::chrono::seconds(10));
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(second->reconciled());
}

TEST_F(ReconTest, ASimulatedOrderUnfinishedAtACrashEndsWithoutAskingTheVenue) {
  {
    desk.dry_run = true;
    Twins before;
    before.binance.replies = {Reply::hold};
    auto first = make({}, &before);
    ASSERT_TRUE(first->submit(pair_intent()));
    ASSERT_EQ(before.binance.placed.size(), 1u);
    a_id = before.binance.placed[0].client_order_id;
  }
  ASSERT_EQ(journal.unfinished().size(), 2u) << "A sent, B planned";
  desk = Desk{};
  Twins after;  // a fresh process: fresh twins
  auto second = make({}, &after);
  EXPECT_TRUE(desk.finished);
  EXPECT_TRUE(desk.clean) << desk.summary;
  EXPECT_EQ(binance.queries, 0) << "the venue never had it";
  EXPECT_EQ(after.binance.queries, 0);
  EXPECT_TRUE(okx.placed.empty());
  EXPECT_TRUE(after.okx.placed.empty()) << "a simulated hedge is not resumed";
  EXPECT_TRUE(journal.unfinished().empty());
  const auto ended = journal.last("BINANCE", a_id);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->event, OrderEvent::cancelled);
  EXPECT_EQ(ended->reason, "simulated_restart");
}

}  // namespace
}  // namespace propbot::exec
