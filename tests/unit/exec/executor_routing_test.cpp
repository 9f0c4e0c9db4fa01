// The executor's route decisions and runaway breaker against scripted venues: a venue
// the router finds bad drops the trade before leg A, every traded leg's decision is
// audited, an entry leg moves to a cheaper third venue unless pinned, a venue that
// refused orders lately loses its turn, and an operator reset clears standing trips.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/exec/executor_test_support.hpp"

namespace propbot::exec {
namespace {

using namespace propbot::exec::testing;

TEST_F(ExecutorTest, AVenueTheRouterFindsBadDropsTheTradeBeforeLegAWithAP1) {
  auto executor = make();
  Intent wide = pair_intent();
  wide.notional_usdt = dec("500000");  // more than the 1 BTC on BINANCE's ask can fill
  auto result = executor->submit(wide);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("route_blocked"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("book_too_thin"), std::string::npos) << result.error().message;
  EXPECT_TRUE(binance.placed.empty());
  EXPECT_TRUE(okx.placed.empty());
  ASSERT_EQ(desk.incidents.size(), 1u);
  EXPECT_EQ(desk.incidents[0], IncidentCode::route_blocked_all_venues_bad);
}

TEST_F(ExecutorTest, EveryTradedLegsRouteDecisionIsAuditedAfterLegAIsOut) {
  auto executor = make();
  desk.audits.clear();  // the start-up reconciliation's
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_TRUE(desk.audits.empty()) << "nothing written on the path to the wire";
  clock.advance(std::chrono::milliseconds(300));
  EXPECT_EQ(std::count(desk.audits.begin(), desk.audits.end(), "route_decision"), 2);
}

TEST_F(ExecutorTest, AnOperatorResetClearsTheStandingTripsAndOnlyThose) {
  ExecutorOptions options;
  options.max_orders_per_min = 1;
  auto executor = make(options);
  ASSERT_TRUE(executor->submit(pair_intent()));
  auto refused = executor->submit(pair_intent());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("runaway_breaker"), std::string::npos) << refused.error().message;
  ASSERT_FALSE(executor->view().breaker_trips.empty());
  EXPECT_TRUE(executor->breaker_trip().has_value());

  EXPECT_TRUE(executor->reset_breaker(std::string("funding_basis")).empty()) << "another strategy had no trip";
  EXPECT_FALSE(executor->view().breaker_trips.empty());
  const std::vector<risk::Trip> cleared = executor->reset_breaker(std::nullopt);
  ASSERT_FALSE(cleared.empty());
  EXPECT_EQ(cleared.front().kind, risk::BreakerKind::orders_per_min);
  EXPECT_TRUE(executor->view().breaker_trips.empty());
  EXPECT_FALSE(executor->breaker_trip().has_value());
  EXPECT_TRUE(executor->reset_breaker(std::nullopt).empty()) << "nothing stands any more";
}

// A third venue, BYBIT, sells BTC 30 below BINANCE's ask (5 bps) with depth to spare.
class RoutingTest : public ExecutorTest {
 protected:
  RoutingTest() { market.add(bybit, 59960, 5, 59970, 5, clock.now()); }
  std::unique_ptr<Executor> make_three(ExecutorOptions options = {}) {
    return make(options, nullptr, {&binance, &okx, &bybit});
  }
  OrderVenue bybit{"BYBIT"};
};

TEST_F(RoutingTest, AnEntryLegGoesWhereTheRouterFindsItCheaperAndTheDecisionSaysSo) {
  auto executor = make_three();
  desk.audits.clear();
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_TRUE(binance.placed.empty()) << "the strategy's long venue is 5 bps dearer";
  ASSERT_EQ(bybit.placed.size(), 1u);
  EXPECT_EQ(bybit.placed[0].side, Side::buy);
  ASSERT_EQ(okx.placed.size(), 1u) << "the short leg stays where it was best";
  EXPECT_EQ(okx.placed[0].side, Side::sell);
  const ExecutionView view = executor->view();
  ASSERT_FALSE(view.trades.empty());
  EXPECT_EQ(view.trades[0].state, TradeState::hedged);
  ASSERT_EQ(listener.opened.size(), 1u);
  bool long_on_bybit = false;
  for (const TradeLeg& leg : listener.opened[0].legs) long_on_bybit |= leg.venue == "BYBIT" && leg.side == Side::buy;
  EXPECT_TRUE(long_on_bybit) << "the ledger is told where the leg really went";
}

TEST_F(RoutingTest, AnOperatorsVenuesStayWhereTheyAreNamed) {
  auto executor = make_three();
  Intent pinned = pair_intent();
  pinned.venues_pinned = true;
  ASSERT_TRUE(executor->submit(pinned));
  EXPECT_EQ(binance.placed.size(), 1u);
  EXPECT_TRUE(bybit.placed.empty());
}

TEST_F(RoutingTest, AVenueThatRefusedOrdersLatelyLosesItsTurnAndTheHistoryIsShown) {
  auto executor = make_three();
  bybit.replies = {Reply::reject};
  // First trade: routed to BYBIT, which refuses leg A; nothing filled, nothing to hedge.
  ASSERT_TRUE(executor->submit(pair_intent()));
  ASSERT_EQ(bybit.placed.size(), 1u);
  EXPECT_TRUE(okx.placed.empty() || binance.placed.empty());
  const std::size_t okx_before = okx.placed.size();
  // Second: BYBIT's reject rate (1 of 1) is over the router's 20 %: BINANCE gets the buy.
  ASSERT_TRUE(executor->submit(pair_intent()));
  EXPECT_EQ(bybit.placed.size(), 1u);
  ASSERT_EQ(binance.placed.size(), 1u);
  EXPECT_EQ(binance.placed[0].side, Side::buy);
  EXPECT_GT(okx.placed.size(), okx_before);

  const ExecutionView view = executor->view();
  ASSERT_EQ(view.venue_health.size(), 3u);
  for (const VenueHealthView& health : view.venue_health) {
    if (health.venue == "BYBIT") {
      EXPECT_EQ(health.samples, 1u);
      EXPECT_DOUBLE_EQ(health.reject_rate, 1.0);
    }
    if (health.venue == "BINANCE") {
      EXPECT_EQ(health.samples, 1u);
      EXPECT_DOUBLE_EQ(health.reject_rate, 0.0);
      EXPECT_TRUE(health.latency_p95_ms.has_value());
    }
  }
}

}  // namespace
}  // namespace propbot::exec
