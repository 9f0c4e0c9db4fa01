#include "core/venues/sim/engine/exchange_core.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/venues/sim/engine/checked_math.hpp"
#include "sim_engine_test_support.hpp"

namespace propbot::venues::sim {
namespace {

using namespace testing;  // NOLINT

class ExchangeCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core.add_instrument(btc_rules());
    ASSERT_TRUE(core.open_account("mm", dec("10000000"), kNow, events, /*margin_exempt=*/true));
    ASSERT_TRUE(core.open_account("alice", dec("100"), kNow, events));
    ASSERT_TRUE(core.open_account("bob", dec("100000"), kNow, events));
    quote("2990.0", "3000.0", "0.5");
    events.clear();
  }
  void quote(std::string_view bid, std::string_view ask, std::string_view qty) {
    core.replace_liquidity("BTC-USDT", "mm", {{dec(bid), dec(qty)}}, {{dec(ask), dec(qty)}}, kNow, events);
  }
  OrderState place_ok(const std::string& account, const OrderRequest& request) {
    auto r = core.place(account, request, kNow, events);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    return r.ok() ? r.value() : OrderState{};
  }
  Decimal available(const std::string& account) { return core.balances(account, kNow).at(0).available; }
  Decimal wallet(const std::string& account) { return core.balances(account, kNow).at(0).wallet; }
  Decimal position(const std::string& account) {
    return core.accounts().position(account, "BTC-USDT").quantity;
  }
  // Σ wallets + fees + funding + Σ unrealised at `mark` − deposits: zero when money is conserved.
  Decimal leak(Decimal mark) {
    const AccountBook& book = core.accounts();
    Decimal total = math::add(book.fees_collected(), book.funding_pool());
    for (const auto& id : book.account_ids()) {
      total = math::add(total, book.wallet(id));
      total = math::add(total, book.unrealized_pnl_at(id, "BTC-USDT", mark));
    }
    return math::sub(total, book.total_deposits());
  }

  ExchangeCore core;
  std::vector<Event> events;
};

TEST_F(ExchangeCoreTest, RefusesAnOrderWithoutEnoughMargin) {
  // 1 × 3000 / 20 + 1.5 taker fee = 151.5 > 100
  auto r = core.place("alice", limit(OrderSide::buy, "1", "3000.0"), kNow, events);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VenueErrc::insufficient_margin);
  ASSERT_EQ(events_of<OrderRejected>(events).size(), 1U);
  EXPECT_EQ(core.book("BTC-USDT")->depth(OrderSide::sell, 1).at(0).quantity, dec("0.5"));
  // 0.5 × 3000 / 20 + 0.75 = 75.75 fits
  EXPECT_EQ(place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0")).status, OrderStatus::filled);
}

TEST_F(ExchangeCoreTest, ReservesMarginForRestingOrdersAndReleasesItOnCancel) {
  const auto resting = place_ok("alice", limit(OrderSide::buy, "0.5", "2900.0"));  // 72.5 + 0.725
  EXPECT_EQ(available("alice"), dec("26.775"));
  auto second = core.place("alice", limit(OrderSide::buy, "0.2", "2900.0"), kNow, events);  // 29.29
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.reason(), RejectReason::insufficient_margin);
  ASSERT_TRUE(core.cancel("alice", "BTC-USDT", OrderRef::by_client_id(resting.client_order_id), kNow, events).ok());
  EXPECT_EQ(available("alice"), dec("100"));
}

TEST_F(ExchangeCoreTest, RefusesAReduceOnlyOrderWithNothingToReduce) {
  auto r = core.place("alice", reduce_only(market(OrderSide::sell, "0.1")), kNow, events);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.reason(), RejectReason::reduce_only_rejected);
  place_ok("alice", limit(OrderSide::buy, "0.1", "3000.0"));
  auto same_side = core.place("alice", reduce_only(limit(OrderSide::buy, "0.1", "2900.0")), kNow, events);
  ASSERT_FALSE(same_side.ok());
  EXPECT_EQ(same_side.reason(), RejectReason::reduce_only_rejected);
}

TEST_F(ExchangeCoreTest, ClipsAReduceOnlyOrderToThePosition) {
  place_ok("alice", limit(OrderSide::buy, "0.3", "3000.0"));
  const auto closing = place_ok("alice", reduce_only(market(OrderSide::sell, "1")));
  EXPECT_EQ(closing.quantity, dec("0.3"));
  EXPECT_EQ(closing.status, OrderStatus::filled);
  EXPECT_TRUE(position("alice").is_zero());
}

TEST_F(ExchangeCoreTest, ExpiresARestingReduceOnlyOrderOnceThePositionIsGone) {
  place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0"));  // takes all mm asks
  place_ok("alice", limit(OrderSide::sell, "0.5", "3050.0"));
  const auto ro = place_ok("alice", reduce_only(limit(OrderSide::sell, "0.5", "3100.0")));
  events.clear();
  const auto bob = place_ok("bob", limit(OrderSide::buy, "1", "3100.0"));
  EXPECT_EQ(bob.filled_quantity, dec("0.5"));
  EXPECT_EQ(bob.status, OrderStatus::partially_filled);
  const auto expired = events_of<OrderExpired>(events, "alice");
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0].order.venue_order_id, ro.venue_order_id);
  EXPECT_EQ(expired[0].reason, ExpireReason::reduce_only);
  EXPECT_TRUE(position("alice").is_zero());
}

TEST_F(ExchangeCoreTest, RefusesNotionalBelowTheMinimumUnlessReduceOnly) {
  auto r = core.place("alice", limit(OrderSide::buy, "0.001", "3000.0"), kNow, events);  // 3 < 5
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, VenueErrc::min_notional);
  place_ok("alice", limit(OrderSide::buy, "0.01", "3000.0"));
  EXPECT_EQ(place_ok("alice", reduce_only(limit(OrderSide::sell, "0.001", "2990.0"))).status, OrderStatus::filled);
}

TEST_F(ExchangeCoreTest, PutsFeeAndRealisedPnlOnFillEvents) {
  place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0"));
  auto taker = events_of<OrderFilled>(events, "alice").back();
  EXPECT_EQ(taker.fill.fee, dec("0.75"));
  EXPECT_FALSE(taker.fill.maker);
  auto maker = events_of<OrderFilled>(events, "mm").back();
  EXPECT_EQ(maker.fill.fee, dec("0.3"));
  EXPECT_TRUE(maker.fill.maker);
  events.clear();
  place_ok("alice", market(OrderSide::sell, "0.5"));
  taker = events_of<OrderFilled>(events, "alice").back();
  EXPECT_EQ(taker.fill.realized_pnl, dec("-5"));
  EXPECT_EQ(taker.cumulative_realized_pnl, dec("-5"));
  EXPECT_EQ(taker.fill.fee, dec("0.7475"));
  EXPECT_EQ(wallet("alice"), dec("93.5025"));  // 100 − 0.75 − 5 − 0.7475
  ASSERT_FALSE(events_of<BalanceChanged>(events, "alice").empty());
  EXPECT_EQ(events_of<BalanceChanged>(events, "alice").back().change, dec("-5.7475"));
}

TEST_F(ExchangeCoreTest, AnswersAQueryByClientIdAfterTheOrderFilled) {
  place_ok("alice", limit(OrderSide::buy, "0.1", "3000.0", TimeInForce::gtc, "leg1a"));
  const auto found = core.order("alice", "BTC-USDT", OrderRef::by_client_id("leg1a"));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->status, OrderStatus::filled);
  EXPECT_EQ(found->average_price, dec("3000"));
  EXPECT_EQ(core.order("alice", "BTC-USDT", OrderRef::by_client_id("nope")).error().code, VenueErrc::unknown_order);
}

TEST_F(ExchangeCoreTest, ReplacesLiquidityWithoutEventsForTheMarketModelUnlessAsked) {
  core.replace_liquidity("BTC-USDT", "mm", {{dec("2995.0"), dec("1")}}, {{dec("3005.0"), dec("1")}}, kNow, events);
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(core.open_orders("mm").size(), 2U);
  core.replace_liquidity("BTC-USDT", "mm", {{dec("2995.0"), dec("1")}}, {{dec("3005.0"), dec("1")}}, kNow, events,
                         /*emit_own_events=*/true);
  EXPECT_EQ(events_of<OrderCanceled>(events, "mm").size(), 2U);
  EXPECT_EQ(events_of<OrderAccepted>(events, "mm").size(), 2U);
}

TEST_F(ExchangeCoreTest, CancelAllCancelsTheAccountsOrdersOnThatSymbol) {
  place_ok("bob", limit(OrderSide::buy, "0.1", "2900.0"));
  place_ok("bob", limit(OrderSide::sell, "0.1", "3100.0"));
  place_ok("alice", limit(OrderSide::buy, "0.01", "2900.0"));
  EXPECT_EQ(core.cancel_all("bob", "BTC-USDT", kNow, events).size(), 2U);
  EXPECT_TRUE(core.open_orders("bob").empty());
  EXPECT_EQ(core.open_orders("alice", "BTC-USDT").size(), 1U);
  EXPECT_EQ(available("bob"), dec("100000"));
}

TEST_F(ExchangeCoreTest, LiquidatesWhenTheMarkTakesEquityBelowMaintenance) {
  place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0"));  // wallet 99.25
  place_ok("alice", limit(OrderSide::buy, "0.01", "2000.0"));
  core.set_mark("BTC-USDT", dec("2820.0"), kNow, events);  // equity 99.25 − 90 = 9.25 ≥ 5.64
  EXPECT_TRUE(events_of<PositionLiquidated>(events).empty());
  events.clear();
  core.set_mark("BTC-USDT", dec("2810.0"), kNow, events);  // equity 4.25 < 5.62
  const auto liquidated = events_of<PositionLiquidated>(events, "alice");
  ASSERT_EQ(liquidated.size(), 1U);
  EXPECT_EQ(liquidated[0].quantity, dec("0.5"));
  EXPECT_EQ(liquidated[0].price, dec("2810.0"));
  EXPECT_EQ(liquidated[0].realized_pnl, dec("-95"));
  EXPECT_TRUE(liquidated[0].insurance_cover.is_zero());
  ASSERT_EQ(events_of<OrderCanceled>(events, "alice").size(), 1U);
  EXPECT_EQ(events_of<OrderCanceled>(events, "alice")[0].reason, CancelReason::liquidation);
  EXPECT_TRUE(position("alice").is_zero());
  EXPECT_EQ(wallet("alice"), dec("4.25"));
  EXPECT_EQ(core.accounts().position("insurance", "BTC-USDT").quantity, dec("0.5"));
  EXPECT_TRUE(leak(dec("2810.0")).is_zero());
}

TEST_F(ExchangeCoreTest, CoversANegativeWalletFromTheInsuranceAccount) {
  place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0"));
  core.set_mark("BTC-USDT", dec("2700.0"), kNow, events);  // −150 on a 99.25 wallet
  const auto liquidated = events_of<PositionLiquidated>(events, "alice");
  ASSERT_EQ(liquidated.size(), 1U);
  EXPECT_EQ(liquidated[0].insurance_cover, dec("50.75"));
  EXPECT_TRUE(wallet("alice").is_zero());
  EXPECT_EQ(core.accounts().wallet("insurance"), dec("-50.75"));
  EXPECT_TRUE(leak(dec("2700.0")).is_zero());
  EXPECT_TRUE(leak(dec("3100.0")).is_zero());
}

TEST_F(ExchangeCoreTest, KeepsAtMostTheDefaultNumberOfFillsPerAccountOldestFirstOut) {
  // Issue 11: an account trading in a loop must not grow the simulator past the bound.
  constexpr std::size_t kExtra = 5;
  const std::size_t total = kDefaultMaxTradesPerAccount + kExtra;
  std::vector<std::string> order_ids;
  for (std::size_t i = 0; i < total; ++i) {
    quote("2990.0", "3000.0", "0.5");
    order_ids.push_back(place_ok("bob", market(i % 2 == 0 ? OrderSide::buy : OrderSide::sell, "0.1")).venue_order_id);
    events.clear();
  }
  const auto trades = core.trades("bob");
  ASSERT_EQ(trades.size(), kDefaultMaxTradesPerAccount);
  // One fill per order: the first kExtra orders' fills went, the newest is kept.
  EXPECT_EQ(trades.front().fill.venue_order_id, order_ids[kExtra]);
  EXPECT_EQ(trades.back().fill.venue_order_id, order_ids.back());
}

TEST_F(ExchangeCoreTest, ChargesFundingThroughTheCore) {
  place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0"));
  events.clear();
  core.apply_funding("BTC-USDT", dec("0.0001"), dec("3000.0"), kNow, events);
  const auto paid = events_of<FundingPaid>(events, "alice");
  ASSERT_EQ(paid.size(), 1U);
  EXPECT_EQ(paid[0].amount, dec("0.15"));
  EXPECT_EQ(events_of<FundingPaid>(events, "mm")[0].amount, dec("-0.15"));
}

// Random order flow from a fixed seed: money is conserved to the last digit and every
// position equals the sum of its account's signed fills.
TEST(ExchangeCorePropertyTest, ConservesMoneyAndPositionsUnderRandomOrderFlow) {
  ExchangeCore core;
  core.add_instrument(btc_rules());
  std::vector<Event> events;
  const std::vector<std::string> users = {"u0", "u1", "u2", "u3", "u4"};
  ASSERT_TRUE(core.open_account("mm", dec("10000000"), kNow, events, true));
  for (const auto& u : users) {
    ASSERT_TRUE(core.open_account(u, dec("800"), kNow, events));
    ASSERT_TRUE(core.set_leverage(u, "BTC-USDT", 50).ok());
  }

  std::mt19937_64 rng(20240611);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const Decimal tick = dec("0.1");
  const Decimal step = dec("0.001");
  std::int64_t mid_ticks = 30000;  // 3000.0
  auto price_at = [&](std::int64_t ticks) { return *Decimal::from_ticks(ticks, tick); };
  auto qty_of = [&](std::int64_t steps) { return *Decimal::from_ticks(steps, step); };

  std::map<std::string, Decimal> signed_fills;
  std::size_t fills = 0, rejections = 0, liquidations = 0, processed = 0;
  auto absorb = [&] {
    for (; processed < events.size(); ++processed) {
      const Event& e = events[processed];
      if (const auto* f = std::get_if<OrderFilled>(&e)) {
        ++fills;
        Decimal& sum = signed_fills[f->account];
        sum = f->fill.side == OrderSide::buy ? math::add(sum, f->fill.quantity) : math::sub(sum, f->fill.quantity);
      } else if (const auto* l = std::get_if<PositionLiquidated>(&e)) {
        ++liquidations;
        signed_fills[l->account] = math::sub(signed_fills[l->account], l->quantity);
        signed_fills["insurance"] = math::add(signed_fills["insurance"], l->quantity);
      } else if (std::holds_alternative<OrderRejected>(e)) {
        ++rejections;
      }
    }
  };
  auto check = [&](int step_no) {
    const AccountBook& book = core.accounts();
    Decimal net;
    for (const auto& id : book.account_ids()) {
      const Decimal q = book.position(id, "BTC-USDT").quantity;
      ASSERT_EQ(q, signed_fills[id]) << id << " at step " << step_no;
      net = math::add(net, q);
    }
    ASSERT_TRUE(net.is_zero()) << "step " << step_no;
    for (const Decimal mark : {price_at(mid_ticks), dec("1234.5"), dec("5000.7")}) {
      Decimal total = math::add(book.fees_collected(), book.funding_pool());
      for (const auto& id : book.account_ids()) {
        total = math::add(total, math::add(book.wallet(id), book.unrealized_pnl_at(id, "BTC-USDT", mark)));
      }
      ASSERT_EQ(total, book.total_deposits()) << "step " << step_no << " mark " << mark.to_string();
    }
    const auto* b = core.book("BTC-USDT");
    if (b->best_bid() && b->best_ask()) {
      ASSERT_LT(*b->best_bid(), *b->best_ask()) << "crossed at step " << step_no;
    }
  };

  const TimeInForce tifs[] = {TimeInForce::gtc, TimeInForce::ioc, TimeInForce::fok, TimeInForce::post_only};
  for (int i = 0; i < 4000; ++i) {
    mid_ticks += uniform(-3, 3);
    const auto now = kNow + std::chrono::milliseconds(i);
    const auto action = uniform(0, 99);
    if (action < 10) {
      std::vector<PriceLevel> bids, asks;
      for (int level = 1; level <= 5; ++level) {
        bids.push_back({price_at(mid_ticks - level * uniform(1, 4)), qty_of(uniform(1, 2000))});
        asks.push_back({price_at(mid_ticks + level * uniform(1, 4)), qty_of(uniform(1, 2000))});
      }
      core.replace_liquidity("BTC-USDT", "mm", bids, asks, now, events, /*emit_own_events=*/true);
    } else if (action < 70) {
      const std::string& user = users[static_cast<std::size_t>(uniform(0, 4))];
      OrderRequest r;
      r.symbol = "BTC-USDT";
      r.side = uniform(0, 1) == 0 ? OrderSide::buy : OrderSide::sell;
      r.type = uniform(0, 4) == 0 ? OrderType::market : OrderType::limit;
      r.time_in_force = tifs[uniform(0, 3)];
      if (r.type == OrderType::market) r.time_in_force = TimeInForce::ioc;
      r.quantity = qty_of(uniform(1, 1500));
      if (r.type == OrderType::limit) r.price = price_at(mid_ticks + uniform(-15, 15));
      r.reduce_only = uniform(0, 6) == 0;
      if (uniform(0, 1) == 0) r.client_order_id = "c" + std::to_string(uniform(0, 40));
      (void)core.place(user, r, now, events);
    } else if (action < 85) {
      const std::string& user = users[static_cast<std::size_t>(uniform(0, 4))];
      const auto open = core.open_orders(user);
      if (uniform(0, 4) == 0) {
        core.cancel_all(user, "BTC-USDT", now, events);
      } else if (!open.empty()) {
        const auto& victim = open[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(open.size()) - 1))];
        ASSERT_TRUE(core.cancel(user, "BTC-USDT", OrderRef::by_client_id(victim.client_order_id), now, events).ok());
      }
    } else if (action < 95) {
      // Now and then a shock of up to ±8%: leveraged accounts get liquidated.
      const std::int64_t shock = uniform(0, 4) == 0 ? uniform(-2400, 2400) : uniform(-20, 20);
      core.set_mark("BTC-USDT", price_at(mid_ticks + shock), now, events);
    } else {
      core.apply_funding("BTC-USDT", *Decimal::from_ticks(uniform(-50, 50), dec("0.00001")), price_at(mid_ticks), now,
                         events);
    }
    absorb();
    if (i % 100 == 0) check(i);
  }
  absorb();
  check(4000);
  EXPECT_GT(fills, 500U);
  EXPECT_GT(rejections, 50U);
  EXPECT_GT(liquidations, 0U);
  RecordProperty("fills", static_cast<int>(fills));
  RecordProperty("liquidations", static_cast<int>(liquidations));
}

// The margin picture the venues report (Binance account, OKX positions / balance): the
// position's margin at the mark and leverage, the resting orders' reservations, and the
// totals that make up available().
TEST_F(ExchangeCoreTest, ReportsPositionAndOpenOrderMarginThatAddUpToAvailable) {
  ASSERT_TRUE(core.set_leverage("bob", "BTC-USDT", 10).ok());
  place_ok("bob", market(OrderSide::buy, "0.2"));                 // at 3000
  place_ok("bob", limit(OrderSide::buy, "0.1", "2900.0"));         // 29 + 0.145 reserved
  core.set_mark("BTC-USDT", dec("3100"), kNow, events);
  const SymbolMargin symbol = core.accounts().symbol_margin("bob", "BTC-USDT");
  EXPECT_EQ(symbol.notional, dec("620"));
  EXPECT_EQ(symbol.unrealized_pnl, dec("20"));
  EXPECT_EQ(symbol.position_initial, dec("62"));
  EXPECT_EQ(symbol.open_order_initial, dec("29.145"));
  EXPECT_EQ(symbol.maintenance, dec("2.48"));  // 620 × 0.004
  const AccountMargin account = core.accounts().account_margin("bob");
  EXPECT_EQ(account.wallet, wallet("bob"));
  EXPECT_EQ(account.position_initial, symbol.position_initial);
  EXPECT_EQ(account.open_order_initial, symbol.open_order_initial);
  EXPECT_EQ(account.available, available("bob"));
  EXPECT_EQ(account.available, math::sub(math::sub(math::add(account.wallet, dec("20")), dec("62")), dec("29.145")));
  EXPECT_EQ(core.accounts().maintenance_margin("bob"), dec("2.48"));
}

// The liquidation price a position reports is where liquidation really starts: a mark
// just above it keeps the long, one just below liquidates it.
TEST_F(ExchangeCoreTest, ReportsTheMarkAtWhichThePositionIsLiquidated) {
  place_ok("alice", limit(OrderSide::buy, "0.5", "3000.0"));  // 100 USDT at 20x
  // (1500 − 99.25) / (0.5 × (1 − 0.004))
  const Decimal liquidation = core.accounts().liquidation_price("alice", "BTC-USDT");
  EXPECT_EQ(liquidation, dec("2812.75100402"));
  EXPECT_EQ(core.positions("alice").at(0).liquidation_price, liquidation);
  EXPECT_EQ(core.accounts().liquidation_price("bob", "BTC-USDT"), Decimal{}) << "flat";
  core.set_mark("BTC-USDT", dec("2813"), kNow, events);
  EXPECT_EQ(position("alice"), dec("0.5"));
  core.set_mark("BTC-USDT", dec("2812.5"), kNow, events);
  EXPECT_EQ(position("alice"), Decimal{});
}

}  // namespace
}  // namespace propbot::venues::sim
