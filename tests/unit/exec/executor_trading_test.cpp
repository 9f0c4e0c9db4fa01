// The two-leg executor trading a pair against scripted venues and a SimClock: leg A
// first, every fill of A hedged at once for exactly what filled, retries then
// hedge_lost, deadlines, unknown outcomes resolved by query (never re-sent), the gates
// before anything is sent (reconciliation, mode, minimums, the journal), fills
// attributed once, and the hedge latency limit.
#include <gtest/gtest.h>

#include "tests/unit/exec/executor_test_support.hpp"

namespace propbot::exec {
namespace {

using namespace propbot::exec::testing;

TEST_F(ExecutorTest, AFilledInFullIsHedgedAtOnceForTheSameQuantity) {
  auto executor = make();
  ASSERT_TRUE(desk.finished && desk.clean);
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id) << id.error().message;

  ASSERT_EQ(binance.placed.size(), 1u);
  const auto& a = binance.placed[0];
  EXPECT_EQ(a.side, Side::buy);
  EXPECT_EQ(a.time_in_force, venues::TimeInForce::ioc);
  EXPECT_EQ(a.quantity, dec("0.016")) << "1000 USDT at 60000, rounded down to the 0.001 step";
  EXPECT_EQ(*a.price, dec("60060")) << "the expected price plus the default 10 bps, on the tick";
  ASSERT_EQ(okx.placed.size(), 1u) << "B goes out as soon as A's fill is known";
  EXPECT_EQ(okx.placed[0].side, Side::sell);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.016"));
  EXPECT_LT(*okx.placed[0].price, dec("60030")) << "a protected sell below the touch";

  const ExecutionView view = executor->view();
  ASSERT_FALSE(view.trades.empty());
  EXPECT_EQ(view.trades[0].state, TradeState::hedged);
  ASSERT_EQ(view.hedge_log.size(), 1u);
  EXPECT_DOUBLE_EQ(view.hedge_log[0].partial_fill_pct, 100.0);
  EXPECT_EQ(view.hedge_log[0].trade_parent_id, *id);
  EXPECT_TRUE(view.hedge_log[0].hedge_latency_ms.has_value());
  EXPECT_EQ(listener.opened.size(), 1u);

  // Journal before send, and every step recorded in lifecycle order.
  const std::string a_id = a.client_order_id;
  EXPECT_EQ(journal.events(*id, a_id),
            (std::vector<OrderEvent>{OrderEvent::intent, OrderEvent::new_order, OrderEvent::sent, OrderEvent::filled}));
  EXPECT_EQ(journal.events(*id, okx.placed[0].client_order_id),
            (std::vector<OrderEvent>{OrderEvent::intent, OrderEvent::new_order, OrderEvent::sent, OrderEvent::filled}));
  EXPECT_TRUE(journal.unfinished().empty());
  auto parts = parse_client_order_id(a_id);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->intent_id, *id);
  EXPECT_EQ(parts->leg, Leg::a);
}

TEST_F(ExecutorTest, EveryPartialFillOfAIsHedgedImmediatelyForExactlyWhatFilled) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_TRUE(okx.placed.empty()) << "nothing filled yet: nothing to hedge";
  const std::string a_id = binance.placed[0].client_order_id;

  // 30 % through the private stream.
  venues::OrderState update = OrderVenue::state_of(binance.placed[0]);
  update.status = venues::OrderStatus::partially_filled;
  update.filled_quantity = dec("0.0048");
  executor->on_order_update("BINANCE", update);
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.004")) << "30 % of 0.016 rounded down to B's step";

  // Then the rest.
  update.status = venues::OrderStatus::filled;
  update.filled_quantity = dec("0.016");
  executor->on_order_update("BINANCE", update);
  ASSERT_EQ(okx.placed.size(), 2u);
  EXPECT_EQ(okx.placed[1].quantity, dec("0.012")) << "the unhedged rest, no more";
  EXPECT_NE(okx.placed[0].client_order_id, okx.placed[1].client_order_id) << "each hedge order is a new attempt";

  const ExecutionView view = executor->view();
  ASSERT_EQ(view.hedge_log.size(), 2u);
  EXPECT_NEAR(view.hedge_log[0].partial_fill_pct, 30.0, 1e-9);
  EXPECT_NEAR(view.hedge_log[1].partial_fill_pct, 100.0, 1e-9);
  EXPECT_EQ(view.trades[0].state, TradeState::hedged);
  EXPECT_EQ(view.trades[0].b_filled, dec("0.016"));
}

TEST_F(ExecutorTest, BRefusedEverywhereIsHedgeLostP0AndTheListenerMarksThePositionPartial) {
  okx.replies = {Reply::reject, Reply::expire_unfilled, Reply::reject};
  auto executor = make();
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id);
  EXPECT_EQ(okx.placed.size(), 3u) << "three attempts on the hedge venue, no alternative configured";
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_lost);
  EXPECT_EQ(desk.current, Mode::hold);
  ASSERT_EQ(listener.lost.size(), 1u);
  EXPECT_EQ(listener.lost[0], *id);
  EXPECT_EQ(executor->view().trades[0].state, TradeState::hedge_lost);
  // A new intent is refused in HOLD.
  EXPECT_FALSE(executor->submit(pair_intent()));
}

TEST_F(ExecutorTest, BRetriedThenFilledStaysHedged) {
  okx.replies = {Reply::expire_unfilled, Reply::fill};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_EQ(okx.placed.size(), 2u);
  EXPECT_TRUE(desk.incidents.empty());
  EXPECT_EQ(executor->view().trades[0].state, TradeState::hedged);
}

TEST_F(ExecutorTest, AnUnansweredHedgeIsLostAtTheDeadline) {
  okx.replies = {Reply::hold};
  ExecutorOptions options;
  options.hedge_deadline = std::chrono::seconds(3);
  options.place_deadline = std::chrono::seconds(10);
  auto executor = make(options);
  ASSERT_TRUE(executor->submit(pair_intent()));
  clock.advance(std::chrono::seconds(2));
  EXPECT_TRUE(desk.incidents.empty());
  clock.advance(std::chrono::seconds(2));
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_lost);
}

TEST_F(ExecutorTest, ANetworkErrorIsResolvedByQueryNeverByResending) {
  binance.replies = {Reply::network_error};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_EQ(binance.placed.size(), 1u) << "never re-sent";
  EXPECT_GE(binance.queries, 1);
  ASSERT_EQ(okx.placed.size(), 1u) << "the query found the fill, which is hedged";
  EXPECT_EQ(executor->view().counters.unknown_outcomes, 1u);
}

TEST_F(ExecutorTest, IntentsWaitForReconciliationAndTheMode) {
  auto executor = std::make_unique<Executor>(ExecutorOptions{}, clock, std::vector<venues::Venue*>{&binance, &okx},
                                             journal, desk, market, &listener, quiet());
  auto before = executor->submit(pair_intent());
  ASSERT_FALSE(before);
  EXPECT_NE(before.error().message.find("not_reconciled"), std::string::npos);
  executor->reconcile();
  desk.current = Mode::hold;
  auto held = executor->submit(pair_intent());
  ASSERT_FALSE(held);
  EXPECT_NE(held.error().message.find("mode_blocks"), std::string::npos);
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
}

TEST_F(ExecutorTest, BothLegsAreCheckedForMinimumsBeforeAnythingIsSent) {
  auto executor = make();
  Intent tiny = pair_intent();
  tiny.notional_usdt = dec("4");  // 0.0000666 BTC: below the step and min notional
  auto result = executor->submit(tiny);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("below_minimum"), std::string::npos);
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_EQ(journal.stats().orders_recorded, 0u) << "nothing journaled for a refused intent";
}

TEST_F(ExecutorTest, AJournalThatCannotRecordMeansNothingIsSent) {
  auto executor = make();
  journal.fail_next = true;
  auto result = executor->submit(pair_intent());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::io_error);
  EXPECT_TRUE(binance.placed.empty());
}

TEST_F(ExecutorTest, FillsAreJournaledOnceAndAttributedToTheirPosition) {
  auto executor = make();
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id);
  venues::Fill fill;
  fill.symbol = "BTC-USDT";
  fill.client_order_id = binance.placed[0].client_order_id;
  fill.trade_id = "t1";
  fill.side = Side::buy;
  fill.price = dec("60000");
  fill.quantity = dec("0.016");
  executor->on_fill("BINANCE", fill);
  executor->on_fill("BINANCE", fill);  // the stream and the recovery both saw it
  ASSERT_EQ(listener.fills.size(), 1u);
  EXPECT_EQ(listener.fills[0].position_id, *id);
  EXPECT_EQ(listener.fills[0].leg, Leg::a);
  EXPECT_EQ(journal.fills().size(), 1u);
  EXPECT_EQ(journal.stats().duplicate_suppressed_total, 1u);
}

TEST_F(ExecutorTest, HedgeLatencyP95OverItsLimitIsAP0) {
  ExecutorOptions options;
  options.hedge_latency_limit_ms = 50;
  options.hedge_latency_min_samples = 1;
  options.hedge_deadline = std::chrono::seconds(30);
  options.place_deadline = std::chrono::seconds(30);
  okx.replies = {Reply::hold};
  auto executor = make(options);
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(okx.held.size(), 1u);
  clock.advance(std::chrono::milliseconds(120));
  venues::OrderState acked = OrderVenue::state_of(okx.placed[0]);
  acked.status = venues::OrderStatus::filled;
  acked.filled_quantity = okx.placed[0].quantity;
  okx.held[0](acked);
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_latency_violation);
  EXPECT_NEAR(*executor->view().hedge_log[0].hedge_latency_ms, 120.0, 1e-6);
}

}  // namespace
}  // namespace propbot::exec
