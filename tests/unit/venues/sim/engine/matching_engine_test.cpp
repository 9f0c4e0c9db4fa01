#include "core/venues/sim/engine/matching_engine.hpp"

#include <gtest/gtest.h>

#include "sim_engine_test_support.hpp"

namespace propbot::venues::sim {
namespace {

using namespace testing;  // NOLINT

class OrderBookEngineTest : public ::testing::Test {
 protected:
  OrderState place_ok(const std::string& account, const OrderRequest& request) {
    auto r = engine.place(account, request, kNow, hooks, events);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    return r.ok() ? r.value() : OrderState{};
  }

  OrderBookEngine engine{btc_rules()};
  NoAccountHooks hooks;
  std::vector<Event> events;
};

TEST_F(OrderBookEngineTest, FillsTwoMakersAtOnePriceInArrivalOrder) {
  const auto first = place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  const auto second = place_ok("bob", limit(OrderSide::sell, "1", "100.0"));
  events.clear();
  const auto taker = place_ok("carol", limit(OrderSide::buy, "1.5", "100.0", TimeInForce::ioc));
  const auto fills = events_of<OrderFilled>(events);
  ASSERT_EQ(fills.size(), 4U);  // maker, taker, maker, taker
  EXPECT_EQ(fills[0].order.venue_order_id, first.venue_order_id);
  EXPECT_TRUE(fills[0].fill.maker);
  EXPECT_EQ(fills[0].fill.quantity, dec("1"));
  EXPECT_EQ(fills[0].order.status, OrderStatus::filled);
  EXPECT_EQ(fills[1].order.venue_order_id, taker.venue_order_id);
  EXPECT_FALSE(fills[1].fill.maker);
  EXPECT_EQ(fills[2].order.venue_order_id, second.venue_order_id);
  EXPECT_EQ(fills[2].fill.quantity, dec("0.5"));
  EXPECT_EQ(fills[2].order.status, OrderStatus::partially_filled);
  EXPECT_EQ(fills[0].fill.trade_id, fills[1].fill.trade_id);
  EXPECT_NE(fills[0].fill.trade_id, fills[2].fill.trade_id);
  EXPECT_EQ(taker.status, OrderStatus::filled);
  EXPECT_EQ(engine.depth(OrderSide::sell, 5).at(0).quantity, dec("0.5"));
}

TEST_F(OrderBookEngineTest, WalksPriceLevelsBestFirstWithPartialFills) {
  place_ok("alice", limit(OrderSide::sell, "1", "102.0"));
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("bob", limit(OrderSide::sell, "2", "101.0"));
  events.clear();
  const auto taker = place_ok("carol", limit(OrderSide::buy, "3.5", "101.5"));
  const auto taker_fills = events_of<OrderFilled>(events, "carol");
  ASSERT_EQ(taker_fills.size(), 2U);
  EXPECT_EQ(taker_fills[0].fill.price, dec("100.0"));
  EXPECT_EQ(taker_fills[1].fill.price, dec("101.0"));
  EXPECT_EQ(taker_fills[1].fill.quantity, dec("2"));
  // 1 @ 100 + 2 @ 101 = 302 / 3
  EXPECT_EQ(taker.average_price, dec("100.66666667"));
  EXPECT_EQ(taker.filled_quantity, dec("3"));
  EXPECT_EQ(taker.status, OrderStatus::partially_filled);
  EXPECT_EQ(engine.best_bid(), dec("101.5"));
  EXPECT_EQ(engine.best_ask(), dec("102.0"));
  EXPECT_EQ(engine.depth(OrderSide::buy, 5).at(0).quantity, dec("0.5"));
}

TEST_F(OrderBookEngineTest, ExpiresTheRemainderOfAnIocOrder) {
  place_ok("alice", limit(OrderSide::buy, "1", "99.0"));
  events.clear();
  const auto taker = place_ok("bob", limit(OrderSide::sell, "3", "99.0", TimeInForce::ioc));
  EXPECT_EQ(taker.status, OrderStatus::expired);
  EXPECT_EQ(taker.filled_quantity, dec("1"));
  const auto expired = events_of<OrderExpired>(events);
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0].reason, ExpireReason::ioc_remainder);
  EXPECT_FALSE(engine.best_ask().has_value());
  EXPECT_FALSE(engine.best_bid().has_value());
}

TEST_F(OrderBookEngineTest, FillsAFokOrderCompletelyWhenTheBookHoldsEnough) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("bob", limit(OrderSide::sell, "1", "100.1"));
  const auto taker = place_ok("carol", limit(OrderSide::buy, "2", "100.1", TimeInForce::fok));
  EXPECT_EQ(taker.status, OrderStatus::filled);
  EXPECT_FALSE(engine.best_ask().has_value());
}

TEST_F(OrderBookEngineTest, ExpiresAFokOrderWithoutTradingWhenTheBookIsShort) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("bob", limit(OrderSide::sell, "1", "100.2"));  // beyond the limit
  events.clear();
  const auto taker = place_ok("carol", limit(OrderSide::buy, "2", "100.1", TimeInForce::fok));
  EXPECT_EQ(taker.status, OrderStatus::expired);
  EXPECT_TRUE(taker.filled_quantity.is_zero());
  EXPECT_TRUE(events_of<OrderFilled>(events).empty());
  ASSERT_EQ(events_of<OrderExpired>(events).size(), 1U);
  EXPECT_EQ(events_of<OrderExpired>(events)[0].reason, ExpireReason::fok_not_fillable);
  EXPECT_EQ(engine.depth(OrderSide::sell, 5).at(0).quantity, dec("1"));
  EXPECT_EQ(engine.open_order_count(), 2U);
}

TEST_F(OrderBookEngineTest, RejectsAPostOnlyOrderThatWouldCross) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  events.clear();
  auto r = engine.place("bob", limit(OrderSide::buy, "1", "100.0", TimeInForce::post_only), kNow, hooks, events);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VenueErrc::post_only_would_take);
  EXPECT_EQ(r.reason(), RejectReason::post_only_would_take);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<OrderRejected>(events[0]));
  EXPECT_EQ(engine.open_order_count(), 1U);
}

TEST_F(OrderBookEngineTest, RestsAPostOnlyOrderThatDoesNotCross) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  const auto maker = place_ok("bob", limit(OrderSide::buy, "1", "99.9", TimeInForce::post_only));
  EXPECT_EQ(maker.status, OrderStatus::new_order);
  EXPECT_EQ(engine.best_bid(), dec("99.9"));
}

TEST_F(OrderBookEngineTest, StopsAMarketOrderAtTheProtectionBand) {
  MatchingConfig config;
  config.market_protection_bps = 100;  // 1%: from 100.0 up to 101.0
  engine = OrderBookEngine(btc_rules(), config);
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("alice", limit(OrderSide::sell, "1", "101.0"));
  place_ok("alice", limit(OrderSide::sell, "1", "101.1"));
  events.clear();
  const auto taker = place_ok("bob", market(OrderSide::buy, "3"));
  EXPECT_EQ(taker.status, OrderStatus::expired);
  EXPECT_EQ(taker.filled_quantity, dec("2"));
  ASSERT_EQ(events_of<OrderExpired>(events).size(), 1U);
  EXPECT_EQ(events_of<OrderExpired>(events)[0].reason, ExpireReason::market_remainder);
  EXPECT_EQ(engine.best_ask(), dec("101.1"));
}

TEST_F(OrderBookEngineTest, ExpiresAMarketOrderOnAnEmptyBook) {
  const auto taker = place_ok("bob", market(OrderSide::sell, "1"));
  EXPECT_EQ(taker.status, OrderStatus::expired);
}

TEST_F(OrderBookEngineTest, ExpiresTheTakerWhenItMeetsItsOwnRestingOrder) {
  place_ok("bob", limit(OrderSide::sell, "1", "100.0"));
  const auto own = place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("bob", limit(OrderSide::sell, "1", "100.0"));
  events.clear();
  const auto taker = place_ok("alice", limit(OrderSide::buy, "3", "100.0"));
  EXPECT_EQ(taker.status, OrderStatus::expired);
  EXPECT_EQ(taker.filled_quantity, dec("1"));  // only bob's first order, ahead of her own
  ASSERT_EQ(events_of<OrderExpired>(events).size(), 1U);
  EXPECT_EQ(events_of<OrderExpired>(events)[0].reason, ExpireReason::self_trade_prevention);
  EXPECT_EQ(engine.find("alice", OrderRef::by_venue_id(std::stoll(own.venue_order_id)))->status,
            OrderStatus::new_order);
  EXPECT_EQ(engine.depth(OrderSide::sell, 1).at(0).quantity, dec("2"));
}

TEST_F(OrderBookEngineTest, CountsFokLiquidityOnlyInFrontOfTheAccountsOwnOrder) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("bob", limit(OrderSide::sell, "1", "100.0"));
  const auto taker = place_ok("alice", limit(OrderSide::buy, "1", "100.0", TimeInForce::fok));
  EXPECT_EQ(taker.status, OrderStatus::expired);
  EXPECT_EQ(engine.open_order_count(), 2U);
}

TEST_F(OrderBookEngineTest, RefusesADuplicateClientIdAmongOpenOrdersOnly) {
  place_ok("alice", limit(OrderSide::buy, "1", "99.0", TimeInForce::gtc, "abc1"));
  auto dup = engine.place("alice", limit(OrderSide::buy, "1", "98.0", TimeInForce::gtc, "abc1"), kNow, hooks, events);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, VenueErrc::duplicate_client_id);
  place_ok("bob", limit(OrderSide::buy, "1", "98.0", TimeInForce::gtc, "abc1"));  // another account
  ASSERT_TRUE(engine.cancel("alice", OrderRef::by_client_id("abc1"), kNow, events).ok());
  place_ok("alice", limit(OrderSide::buy, "1", "97.0", TimeInForce::gtc, "abc1"));  // closed ids are free
}

TEST_F(OrderBookEngineTest, CancelsByVenueIdAndByClientId) {
  const auto a = place_ok("alice", limit(OrderSide::buy, "1", "99.0", TimeInForce::gtc, "a1"));
  place_ok("alice", limit(OrderSide::buy, "1", "99.0", TimeInForce::gtc, "a2"));
  events.clear();
  auto by_venue = engine.cancel("alice", OrderRef::by_venue_id(std::stoll(a.venue_order_id)), kNow, events);
  ASSERT_TRUE(by_venue.ok());
  EXPECT_EQ(by_venue->status, OrderStatus::canceled);
  auto by_client = engine.cancel("alice", OrderRef::by_client_id("a2"), kNow, events);
  ASSERT_TRUE(by_client.ok());
  EXPECT_EQ(events_of<OrderCanceled>(events).size(), 2U);
  EXPECT_FALSE(engine.best_bid().has_value());
  auto again = engine.cancel("alice", OrderRef::by_client_id("a2"), kNow, events);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, VenueErrc::unknown_order);
}

TEST_F(OrderBookEngineTest, DoesNotCancelAnotherAccountsOrder) {
  const auto a = place_ok("alice", limit(OrderSide::buy, "1", "99.0"));
  EXPECT_FALSE(engine.cancel("bob", OrderRef::by_venue_id(std::stoll(a.venue_order_id)), kNow, events).ok());
  EXPECT_EQ(engine.open_order_count(), 1U);
}

TEST_F(OrderBookEngineTest, CancelAllCancelsOnlyThatAccountsOrders) {
  place_ok("alice", limit(OrderSide::buy, "1", "99.0"));
  place_ok("alice", limit(OrderSide::sell, "1", "101.0"));
  place_ok("bob", limit(OrderSide::buy, "1", "98.0"));
  const auto canceled = engine.cancel_all("alice", kNow, events);
  EXPECT_EQ(canceled.size(), 2U);
  EXPECT_TRUE(engine.open_orders("alice").empty());
  EXPECT_EQ(engine.open_orders("bob").size(), 1U);
  EXPECT_EQ(engine.best_bid(), dec("98.0"));
  EXPECT_FALSE(engine.best_ask().has_value());
}

TEST_F(OrderBookEngineTest, FindsAClosedOrderByClientId) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  place_ok("bob", limit(OrderSide::buy, "1", "100.0", TimeInForce::gtc, "hedge1"));
  const auto found = engine.find("bob", OrderRef::by_client_id("hedge1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, OrderStatus::filled);
  EXPECT_EQ(found->filled_quantity, dec("1"));
  EXPECT_FALSE(engine.find("alice", OrderRef::by_client_id("hedge1")).has_value());
}

TEST_F(OrderBookEngineTest, ForgetsTheOldestClosedOrdersBeyondTheLimit) {
  MatchingConfig config;
  config.max_closed_orders = 2;
  engine = OrderBookEngine(btc_rules(), config);
  for (const char* id : {"c1", "c2", "c3"}) {
    place_ok("alice", limit(OrderSide::buy, "1", "99.0", TimeInForce::gtc, id));
    ASSERT_TRUE(engine.cancel("alice", OrderRef::by_client_id(id), kNow, events).ok());
  }
  EXPECT_FALSE(engine.find("alice", OrderRef::by_client_id("c1")).has_value());
  EXPECT_TRUE(engine.find("alice", OrderRef::by_client_id("c3")).has_value());
}

TEST_F(OrderBookEngineTest, KeepsAtMostTheDefaultNumberOfClosedOrdersOldestFirstOut) {
  // Issue 11: an order loop must not grow the simulator past the default bound.
  constexpr std::size_t kExtra = 5;
  for (std::size_t i = 0; i < kDefaultMaxClosedOrders + kExtra; ++i) {
    const std::string id = "c" + std::to_string(i);
    ASSERT_TRUE(engine.place("alice", limit(OrderSide::buy, "1", "99.0", TimeInForce::gtc, id), kNow, hooks, events).ok());
    ASSERT_TRUE(engine.cancel("alice", OrderRef::by_client_id(id), kNow, events).ok());
    events.clear();
  }
  EXPECT_EQ(engine.closed_order_count(), kDefaultMaxClosedOrders);
  for (std::size_t i = 0; i < kExtra; ++i) {
    EXPECT_FALSE(engine.find("alice", OrderRef::by_client_id("c" + std::to_string(i))).has_value()) << i;
  }
  EXPECT_TRUE(engine.find("alice", OrderRef::by_client_id("c" + std::to_string(kExtra))).has_value());
  EXPECT_TRUE(
      engine.find("alice", OrderRef::by_client_id("c" + std::to_string(kDefaultMaxClosedOrders + kExtra - 1))).has_value());
}

TEST_F(OrderBookEngineTest, TellsOnForgetAboutEveryOrderItForgets) {
  std::vector<std::pair<std::string, OrderState>> forgotten;
  MatchingConfig config;
  config.max_closed_orders = 2;
  config.on_forget = [&](const std::string& account, const OrderState& order) { forgotten.emplace_back(account, order); };
  engine = OrderBookEngine(btc_rules(), config);
  for (const char* id : {"c1", "c2", "c3"}) {
    place_ok("alice", limit(OrderSide::buy, "1", "99.0", TimeInForce::gtc, id));
    ASSERT_TRUE(engine.cancel("alice", OrderRef::by_client_id(id), kNow, events).ok());
  }
  ASSERT_EQ(forgotten.size(), 1U) << "c1 was pushed out of the closed store";
  EXPECT_EQ(forgotten[0].first, "alice");
  EXPECT_EQ(forgotten[0].second.client_order_id, "c1");
  EXPECT_EQ(forgotten[0].second.status, OrderStatus::canceled);

  // Replaced liquidity that never traded is forgotten at once, one call per order.
  engine.replace_liquidity("mm", {{dec("98.0"), dec("1")}}, {{dec("101.0"), dec("1")}}, kNow, hooks, events);
  forgotten.clear();
  engine.replace_liquidity("mm", {{dec("98.0"), dec("1")}}, {{dec("101.0"), dec("1")}}, kNow, hooks, events);
  ASSERT_EQ(forgotten.size(), 2U);
  EXPECT_EQ(forgotten[0].first, "mm");
  EXPECT_EQ(forgotten[1].first, "mm");
  EXPECT_EQ(engine.closed_order_count(), 2U) << "c2 and c3 are still known";
}

TEST_F(OrderBookEngineTest, RejectsPricesOffTheTickAndQuantitiesOffTheStep) {
  auto off_tick = engine.place("alice", limit(OrderSide::buy, "1", "99.05"), kNow, hooks, events);
  ASSERT_FALSE(off_tick.ok());
  EXPECT_EQ(off_tick.reason(), RejectReason::invalid_price);
  auto off_step = engine.place("alice", limit(OrderSide::buy, "0.0015", "99.0"), kNow, hooks, events);
  ASSERT_FALSE(off_step.ok());
  EXPECT_EQ(off_step.reason(), RejectReason::invalid_quantity);
  OrderRequest no_price = limit(OrderSide::buy, "1", "99.0");
  no_price.price.reset();
  EXPECT_EQ(engine.place("alice", no_price, kNow, hooks, events).reason(), RejectReason::missing_price);
  EXPECT_EQ(engine.open_order_count(), 0U);
}

TEST_F(OrderBookEngineTest, ReplacesTheMarketModelsLiquidityAtomically) {
  engine.replace_liquidity("mm", {{dec("99.0"), dec("1")}, {dec("98.0"), dec("2")}},
                           {{dec("101.0"), dec("1")}}, kNow, hooks, events);
  EXPECT_EQ(engine.open_orders("mm").size(), 3U);
  place_ok("alice", limit(OrderSide::sell, "0.5", "100.5"));
  events.clear();
  // The market moves up through alice's ask: the new bid at 100.6 takes it.
  engine.replace_liquidity("mm", {{dec("100.6"), dec("1")}}, {{dec("100.8"), dec("1")}}, kNow, hooks, events);
  const auto alice_fills = events_of<OrderFilled>(events, "alice");
  ASSERT_EQ(alice_fills.size(), 1U);
  EXPECT_TRUE(alice_fills[0].fill.maker);
  EXPECT_EQ(alice_fills[0].fill.price, dec("100.5"));
  EXPECT_EQ(events_of<OrderCanceled>(events, "mm").size(), 3U);
  EXPECT_EQ(engine.best_bid(), dec("100.6"));
  EXPECT_EQ(engine.depth(OrderSide::buy, 5).size(), 1U);
  EXPECT_EQ(engine.depth(OrderSide::buy, 5)[0].quantity, dec("0.5"));
  EXPECT_EQ(engine.best_ask(), dec("100.8"));
}

TEST_F(OrderBookEngineTest, LiquidityReplacedWithoutAFillIsNotKeptAsAClosedOrder) {
  // Issue 11: every market tick cancels and re-rests the market model's liquidity; each
  // cancelled order went into the closed-order store (100,000 per book), the largest
  // growth of an idle paper daemon. Nobody can query them: they are not kept (as Binance
  // drops cancelled orders without a fill); one that traded stays queryable.
  for (int tick = 0; tick < 1000; ++tick) {
    engine.replace_liquidity("mm", {{dec("99.0"), dec("1")}, {dec("98.0"), dec("2")}}, {{dec("101.0"), dec("1")}},
                             kNow, hooks, events);
    events.clear();
  }
  EXPECT_EQ(engine.closed_order_count(), 0U);
  place_ok("alice", limit(OrderSide::sell, "0.5", "99.0"));  // takes half of the 99.0 bid
  const std::string traded = engine.open_orders("mm").front().venue_order_id;
  engine.replace_liquidity("mm", {{dec("99.0"), dec("1")}}, {{dec("101.0"), dec("1")}}, kNow, hooks, events);
  EXPECT_EQ(engine.closed_order_count(), 2U) << "alice's filled order and the partly filled liquidity";
  const auto kept = engine.find("mm", OrderRef::by_venue_id(std::stoll(traded)));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->filled_quantity, dec("0.5"));
  // A client's own cancelled order, even unfilled, stays queryable.
  place_ok("bob", limit(OrderSide::buy, "1", "90.0", TimeInForce::gtc, "b1"));
  ASSERT_TRUE(engine.cancel("bob", OrderRef::by_client_id("b1"), kNow, events).ok());
  EXPECT_TRUE(engine.find("bob", OrderRef::by_client_id("b1")).has_value());
}

TEST_F(OrderBookEngineTest, EmitsAcceptedBeforeFillsAndMakerBeforeTaker) {
  place_ok("alice", limit(OrderSide::sell, "1", "100.0"));
  events.clear();
  place_ok("bob", limit(OrderSide::buy, "1", "100.0"));
  ASSERT_EQ(events.size(), 3U);
  EXPECT_TRUE(std::holds_alternative<OrderAccepted>(events[0]));
  EXPECT_EQ(std::get<OrderFilled>(events[1]).account, "alice");
  EXPECT_EQ(std::get<OrderFilled>(events[2]).account, "bob");
}

}  // namespace
}  // namespace propbot::venues::sim
