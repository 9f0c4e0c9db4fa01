// The executor's safety paths against scripted venues and a SimClock: a private stream
// that comes back has its venue's open orders cancelled, the dead-order hunter, reduce-
// only closes sized to their position, cancel_all and hedge_flatten.
#include <gtest/gtest.h>

#include "tests/unit/exec/executor_test_support.hpp"

namespace propbot::exec {
namespace {

using namespace propbot::exec::testing;

TEST_F(ExecutorTest, APrivateStreamThatComesBackHasTheVenuesOpenOrdersCancelled) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  executor->on_private_stream("BINANCE", true);  // the first connection: nothing to do
  EXPECT_EQ(binance.cancel_alls, 0);
  executor->on_private_stream("BINANCE", false);
  executor->on_private_stream("BINANCE", true);
  EXPECT_EQ(binance.cancel_alls, 1);
  EXPECT_EQ(okx.cancel_alls, 0) << "only the venue that was blind";
  EXPECT_EQ(binance.known.at(binance.placed[0].client_order_id).status, venues::OrderStatus::canceled);
}

TEST_F(ExecutorTest, TheDeadOrderHunterCancelsOpenOrdersNobodyKnows) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));  // a working order of ours: not a zombie
  venues::OrderRequest stray;
  stray.symbol = "BTC-USDT";
  stray.client_order_id = "zombie1";
  stray.quantity = dec("1");
  okx.known["zombie1"] = OrderVenue::state_of(stray);
  clock.advance(std::chrono::seconds(59));
  EXPECT_TRUE(okx.cancels.empty());
  clock.advance(std::chrono::seconds(2));
  ASSERT_EQ(okx.cancels.size(), 1u);
  EXPECT_EQ(okx.cancels[0], "zombie1");
  EXPECT_TRUE(binance.cancels.empty()) << "our own working order stays";
  EXPECT_EQ(executor->view().counters.zombies_cancelled, 1u);
}

// ---- closes -----------------------------------------------------------------------

TEST_F(ExecutorTest, AReduceOnlyCloseIsSizedToThePositionAttributedToItAndGoesOutInHold) {
  HeldPositions positions;
  positions.held.position_id = 41;
  positions.held.held = {{"BINANCE", dec("0.01")}, {"OKX", dec("-0.012")}};  // long BINANCE, short OKX
  auto executor = make();
  executor->set_positions(&positions);
  desk.current = Mode::hold;
  Intent close = pair_intent();
  close.long_venue = "OKX";       // buy back the short
  close.short_venue = "BINANCE";  // sell the long
  close.long_price = dec("60040");
  close.short_price = dec("59990");
  close.reduce_only = true;
  auto id = executor->submit(close);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_EQ(binance.placed.size() + okx.placed.size(), 2u);
  for (const auto* venue : {&binance, &okx}) {
    ASSERT_EQ(venue->placed.size(), 1u);
    EXPECT_TRUE(venue->placed[0].reduce_only);
    EXPECT_EQ(venue->placed[0].quantity, dec("0.01")) << "the smaller leg of the position, not the 1000 USDT";
  }
  EXPECT_EQ(binance.placed[0].side, Side::sell);
  EXPECT_EQ(okx.placed[0].side, Side::buy);
  EXPECT_EQ(journal.last("BINANCE", binance.placed[0].client_order_id)->position_id, 41u);
  EXPECT_TRUE(listener.opened.empty()) << "a close opens nothing";

  // Nothing to close: refused.
  positions.held.held.clear();
  auto refused = executor->submit(close);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("no_position"), std::string::npos);
  // And an entry in HOLD still is.
  EXPECT_FALSE(executor->submit(pair_intent()));
}

// ---- cancel_all and hedge_flatten ---------------------------------------------------

TEST_F(ExecutorTest, CancelAllCancelsEverywhereVerifiesAndClosesTheIntake) {
  binance.replies = {Reply::hold};
  auto executor = make();
  ASSERT_TRUE(executor->submit(pair_intent()));
  venues::OrderRequest stray;
  stray.symbol = "BTC-USDT";
  stray.client_order_id = "manual1";
  stray.quantity = dec("1");
  okx.known["manual1"] = OrderVenue::state_of(stray);

  std::optional<SafetyReport> report;
  executor->cancel_all([&](const SafetyReport& r) { report = r; });
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->flat);
  EXPECT_EQ(report->orders_cancelled, 2) << "the working A and the stray one";
  EXPECT_GE(binance.cancel_alls, 1);
  EXPECT_GE(okx.cancel_alls, 1);
  EXPECT_FALSE(executor->intake_open());
  auto refused = executor->submit(pair_intent());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("intake_closed"), std::string::npos);
}

TEST_F(ExecutorTest, HedgeFlattenClosesEveryVenuePositionReduceOnlyAndVerifies) {
  auto executor = make();
  hold_position(binance, "0.25");
  hold_position(okx, "-0.2");

  std::optional<SafetyReport> report;
  executor->hedge_flatten("test", [&](const SafetyReport& r) { report = r; });
  clock.advance(std::chrono::seconds(5));
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->flat) << (report->remaining.empty() ? "" : report->remaining.front());
  EXPECT_EQ(report->flatten_orders, 2);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_EQ(binance.placed[0].side, Side::sell);
  EXPECT_TRUE(binance.placed[0].reduce_only);
  EXPECT_EQ(binance.placed[0].quantity, dec("0.25"));
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_EQ(okx.placed[0].side, Side::buy);
  EXPECT_EQ(okx.placed[0].quantity, dec("0.2"));
  EXPECT_TRUE(binance.held_positions[0].quantity.is_zero());
  EXPECT_TRUE(okx.held_positions[0].quantity.is_zero());
  ASSERT_FALSE(desk.incidents.empty());
  EXPECT_EQ(desk.incidents[0], IncidentCode::hedge_flatten_called);
  // Journal before send for the flatten orders too.
  auto entry = journal.last("BINANCE", binance.placed[0].client_order_id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->strategy, "system");
  EXPECT_TRUE(entry->reduce_only);
}

TEST_F(ExecutorTest, AFlattenThatCannotCloseSaysWhatIsLeft) {
  auto executor = make();
  hold_position(binance, "0.25");
  binance.replies = {Reply::expire_unfilled, Reply::expire_unfilled, Reply::expire_unfilled};
  std::optional<SafetyReport> report;
  executor->hedge_flatten("test", [&](const SafetyReport& r) { report = r; });
  clock.advance(std::chrono::seconds(5));
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->flat);
  ASSERT_FALSE(report->remaining.empty());
  EXPECT_NE(report->remaining[0].find("BINANCE: BTC-USDT position 0.25"), std::string::npos);
  EXPECT_EQ(binance.placed.size(), 3u) << "one order per round, three rounds";
}

}  // namespace
}  // namespace propbot::exec
