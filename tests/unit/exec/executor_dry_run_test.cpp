// The executor in dry run: simulated trades go to the venues' paper twins (never to the
// venues), are journaled and reported simulated, closes follow their position, and the
// safety path closes real risk at the venues and paper risk at the twins.
#include <gtest/gtest.h>

#include "tests/unit/exec/executor_test_support.hpp"

namespace propbot::exec {
namespace {

using namespace propbot::exec::testing;

class DryRunTest : public ExecutorTest {
 protected:
  Twins twins;
};

TEST_F(DryRunTest, ASimulatedPairGoesToTheTwinsNeverToTheVenuesAndIsHedgedThere) {
  desk.dry_run = true;
  twins.okx.replies = {Reply::reject};  // the first hedge is refused: retried at the twin
  auto executor = make({}, &twins);
  auto id = executor->submit(pair_intent());
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
  ASSERT_EQ(twins.binance.placed.size(), 1u);
  EXPECT_EQ(twins.binance.placed[0].side, Side::buy);
  ASSERT_EQ(twins.okx.placed.size(), 2u) << "the refused hedge was retried, at the twin";
  EXPECT_EQ(twins.okx.placed[1].quantity, dec("0.016"));
  ASSERT_FALSE(executor->view().trades.empty());
  EXPECT_EQ(executor->view().trades[0].state, TradeState::hedged);
  ASSERT_EQ(listener.opened.size(), 1u);
  EXPECT_TRUE(listener.opened[0].simulated) << "the ledger opens a simulated position";
  for (const auto& entry : journal.inner.events_of(*id)) EXPECT_TRUE(entry.simulated) << entry.client_order_id;

  // A twin's fill comes back under the venue's id and is journaled simulated.
  venues::Fill fill;
  fill.symbol = "BTC-USDT";
  fill.client_order_id = twins.binance.placed[0].client_order_id;
  fill.trade_id = "paper-1";
  fill.side = Side::buy;
  fill.price = dec("60000");
  fill.quantity = dec("0.016");
  executor->on_fill("BINANCE", fill);
  ASSERT_EQ(listener.fills.size(), 1u);
  EXPECT_TRUE(listener.fills[0].simulated);
  EXPECT_EQ(listener.fills[0].position_id, *id);
  EXPECT_EQ(listener.fills[0].leg, Leg::a);
}

TEST_F(DryRunTest, SwitchingDryRunOffSendsTheNextTradeToTheVenues) {
  desk.dry_run = true;
  auto executor = make({}, &twins);
  ASSERT_TRUE(executor->submit(pair_intent()));
  desk.dry_run = false;  // the operators left dry run
  auto real = executor->submit(pair_intent());
  ASSERT_TRUE(real) << real.error().message;
  EXPECT_EQ(twins.binance.placed.size(), 1u);
  EXPECT_EQ(twins.okx.placed.size(), 1u);
  ASSERT_EQ(binance.placed.size(), 1u);
  ASSERT_EQ(okx.placed.size(), 1u);
  EXPECT_NE(binance.placed[0].client_order_id, twins.binance.placed[0].client_order_id);
  EXPECT_FALSE(journal.last("BINANCE", binance.placed[0].client_order_id)->simulated);
  EXPECT_FALSE(listener.opened.back().simulated);
}

TEST_F(DryRunTest, WithoutTwinsADryRunTradeIsRefusedAndNothingIsSent) {
  desk.dry_run = true;
  auto executor = make();
  auto result = executor->submit(pair_intent());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("unknown_venue"), std::string::npos) << result.error().message;
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
}

TEST_F(DryRunTest, ACloseFollowsItsPositionAndARealOneWaitsWhileDryRunIsOn) {
  HeldPositions positions;
  positions.held.position_id = 41;
  positions.held.simulated = true;
  positions.held.held = {{"BINANCE", dec("-0.01")}, {"OKX", dec("0.01")}};
  auto executor = make({}, &twins);
  executor->set_positions(&positions);
  Intent close = pair_intent();
  close.reduce_only = true;
  ASSERT_TRUE(executor->submit(close)) << "dry run is off: a simulated position still closes on paper";
  EXPECT_TRUE(binance.placed.empty());
  ASSERT_EQ(twins.binance.placed.size(), 1u);
  EXPECT_TRUE(twins.binance.placed[0].reduce_only);

  positions.held.simulated = false;
  desk.dry_run = true;
  auto refused = executor->submit(close);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("no_position"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(binance.placed.empty());
}

TEST_F(DryRunTest, FlattenClosesRealPositionsAtTheVenuesAndSimulatedOnesAtTheTwins) {
  desk.dry_run = true;  // the safety path ignores it: real risk is closed for real
  hold_position(binance, "0.25");  // real
  hold_position(twins.okx, "-0.1");  // paper
  // The ledger holds one real and one simulated position there.
  class Holders final : public PositionLookup {
   public:
    std::optional<ClosablePosition> closable(std::string_view, std::string_view, std::string_view,
                                             std::string_view) const override {
      return std::nullopt;
    }
    std::uint64_t holder(std::string_view, std::string_view, bool simulated) const override { return simulated ? 7 : 9; }
  } holders;
  auto executor = make({}, &twins);
  executor->set_positions(&holders);

  const SafetyReport report = flattened(*executor);
  EXPECT_TRUE(report.flat) << (report.remaining.empty() ? "" : report.remaining.front());
  EXPECT_EQ(report.flatten_orders, 2);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_FALSE(journal.last("BINANCE", binance.placed[0].client_order_id)->simulated);
  ASSERT_EQ(twins.okx.placed.size(), 1u);
  EXPECT_EQ(twins.okx.placed[0].side, Side::buy);
  EXPECT_TRUE(journal.last("OKX", twins.okx.placed[0].client_order_id)->simulated);
  EXPECT_EQ(journal.last("OKX", twins.okx.placed[0].client_order_id)->position_id, 7u) << "closes the simulated one";
  EXPECT_EQ(journal.last("BINANCE", binance.placed[0].client_order_id)->position_id, 9u) << "closes the real one";
  EXPECT_TRUE(okx.placed.empty());
  EXPECT_TRUE(twins.binance.placed.empty());
  EXPECT_GT(twins.okx.cancel_alls, 0) << "cancel_all sweeps the twins too";
}

TEST_F(DryRunTest, AVenuesOrderWithASimulatedOrdersIdIsNotExplainedByIt) {
  desk.dry_run = true;
  twins.binance.replies = {Reply::hold};
  auto executor = make({}, &twins);
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(twins.binance.placed.size(), 1u);
  const std::string paper_id = twins.binance.placed[0].client_order_id;
  binance.known[paper_id] = OrderVenue::state_of(twins.binance.placed[0]);  // cannot happen; if it did
  clock.advance(std::chrono::seconds(61));
  ASSERT_EQ(binance.cancels.size(), 1u) << "the hunter cancels it at the venue";
  EXPECT_TRUE(twins.binance.cancels.empty() || twins.binance.cancels[0] == paper_id);
}

}  // namespace
}  // namespace propbot::exec
