// Venue conformance suite (SPEC S-2.3): one battery, run against every real adapter
// through its real simulator frontend in-process (tests/conformance/harness.hpp).
// A venue passes when the common Venue contract holds: same statuses, same error
// vocabulary, fills on the private stream, positions and balances as the venue keeps them.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/conformance/fixture.hpp"

namespace propbot::venues::conformance {
namespace {

TEST_P(VenueConformance, LimitOrderRestsThenCancelsByClientId) {
  auto placed = h().place_and_wait(limit_order("cfRest1", OrderSide::buy, "49000.0"));
  ASSERT_TRUE(placed.ok()) << placed.error().describe();
  EXPECT_EQ(placed.value().status, OrderStatus::new_order);
  EXPECT_EQ(placed.value().client_order_id, "cfRest1");
  EXPECT_EQ(placed.value().quantity, D("0.01"));

  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  ASSERT_EQ(open.value().size(), 1u);
  EXPECT_EQ(open.value()[0].client_order_id, "cfRest1");
  EXPECT_EQ(open.value()[0].price.value(), D("49000"));

  auto canceled = h().cancel_and_wait("cfRest1");
  ASSERT_TRUE(canceled.ok()) << canceled.error().describe();
  EXPECT_EQ(canceled.value().status, OrderStatus::canceled);
  EXPECT_TRUE(h().run_until([&] {
    const OrderState* last = rec().last_update("cfRest1");
    return last != nullptr && last->status == OrderStatus::canceled;
  })) << "no canceled update on the private stream";
  EXPECT_TRUE(rec().fills_for("cfRest1").empty());
}

TEST_P(VenueConformance, MarketOrderFillsOnThePrivateStreamAndOpensAPosition) {
  auto placed = h().place_and_wait(market_order("cfMkt1", OrderSide::buy));
  ASSERT_TRUE(placed.ok()) << placed.error().describe();
  ASSERT_TRUE(h().run_until([&] { return rec().filled_quantity("cfMkt1") == D("0.01"); }))
      << "filled on the stream: " << rec().filled_quantity("cfMkt1").to_string();
  const auto fills = rec().fills_for("cfMkt1");
  ASSERT_FALSE(fills.empty());
  EXPECT_EQ(fills[0].side, OrderSide::buy);
  EXPECT_FALSE(fills[0].maker);
  EXPECT_GT(fills[0].price.to_double(), 0.99 * kMid);
  EXPECT_LT(fills[0].price.to_double(), 1.01 * kMid);

  auto positions = h().positions_and_wait();
  ASSERT_TRUE(positions.ok()) << positions.error().describe();
  bool found = false;
  for (const auto& position : positions.value()) {
    if (position.symbol == kSymbol && !position.quantity.is_zero()) {
      found = true;
      EXPECT_EQ(position.quantity, D("0.01"));
    }
  }
  EXPECT_TRUE(found) << "no BTC-USDT position after the fill";
}

TEST_P(VenueConformance, IocRemainderExpires) {
  // Bids under the market: nothing to take, the whole quantity is the remainder.
  auto placed = h().place_and_wait(limit_order("cfIoc1", OrderSide::buy, "49000.0", TimeInForce::ioc));
  ASSERT_TRUE(placed.ok()) << placed.error().describe();
  OrderStatus status = placed.value().status;
  if (!is_final(status)) {
    ASSERT_TRUE(h().run_until([&] {
      const OrderState* last = rec().last_update("cfIoc1");
      return last != nullptr && is_final(last->status);
    }));
    status = rec().last_update("cfIoc1")->status;
  }
  EXPECT_TRUE(status == OrderStatus::expired || status == OrderStatus::canceled) << to_string(status);
  auto queried = h().query_and_wait("cfIoc1");
  ASSERT_TRUE(queried.ok()) << queried.error().describe();
  EXPECT_TRUE(is_final(queried.value().status)) << to_string(queried.value().status);
  EXPECT_TRUE(queried.value().filled_quantity.is_zero());
  EXPECT_TRUE(rec().fills_for("cfIoc1").empty());
  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  EXPECT_TRUE(open.value().empty());
}

TEST_P(VenueConformance, FokNotFillableIsExpiredWithoutFills) {
  auto placed = h().place_and_wait(limit_order("cfFok1", OrderSide::buy, "49000.0", TimeInForce::fok));
  if (placed.ok()) {
    auto queried = h().query_and_wait("cfFok1");
    ASSERT_TRUE(queried.ok()) << queried.error().describe();
    const OrderStatus status = queried.value().status;
    EXPECT_TRUE(status == OrderStatus::expired || status == OrderStatus::canceled || status == OrderStatus::rejected)
        << to_string(status);
    EXPECT_TRUE(queried.value().filled_quantity.is_zero());
  }
  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  EXPECT_TRUE(open.value().empty());
  EXPECT_TRUE(rec().fills_for("cfFok1").empty());
}

TEST_P(VenueConformance, PostOnlyThatWouldCrossIsRefusedWithoutFill) {
  auto placed = h().place_and_wait(limit_order("cfPo1", OrderSide::buy, "51000.0", TimeInForce::post_only));
  if (placed.ok()) {
    // OKX: accepted, then canceled by the venue.
    ASSERT_TRUE(h().run_until([&] {
      const OrderState* last = rec().last_update("cfPo1");
      return last != nullptr && is_final(last->status);
    })) << "post-only order that would cross was neither refused nor canceled";
    EXPECT_NE(rec().last_update("cfPo1")->status, OrderStatus::filled);
  } else {
    // Binance: refused up front.
    EXPECT_EQ(placed.error().code, VenueErrc::post_only_would_take) << placed.error().describe();
  }
  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  EXPECT_TRUE(open.value().empty());
  EXPECT_TRUE(rec().fills_for("cfPo1").empty());
}

TEST_P(VenueConformance, ReduceOnlyOnAFlatAccountIsRefused) {
  auto request = market_order("cfRo1", OrderSide::sell);
  request.reduce_only = true;
  auto placed = h().place_and_wait(request);
  if (placed.ok()) {
    // Accepted then killed is acceptable; a fill is not.
    ASSERT_TRUE(h().run_until([&] {
      const OrderState* last = rec().last_update("cfRo1");
      return last != nullptr && is_final(last->status);
    }));
    EXPECT_NE(rec().last_update("cfRo1")->status, OrderStatus::filled);
  }
  EXPECT_FALSE(placed.ok()) << "reduce-only sell on a flat account was accepted";
  EXPECT_TRUE(rec().fills_for("cfRo1").empty());
  auto positions = h().positions_and_wait();
  ASSERT_TRUE(positions.ok()) << positions.error().describe();
  for (const auto& position : positions.value()) EXPECT_TRUE(position.quantity.is_zero()) << position.symbol;
}

TEST_P(VenueConformance, DuplicateClientOrderIdIsDuplicateClientId) {
  ASSERT_NO_FATAL_FAILURE(rest("cfDup1"));
  auto again = h().place_and_wait(limit_order("cfDup1", OrderSide::buy, "48000.0"));
  ASSERT_FALSE(again.ok()) << "second order with the same client id was accepted";
  EXPECT_EQ(again.error().code, VenueErrc::duplicate_client_id) << again.error().describe();
  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  ASSERT_EQ(open.value().size(), 1u);
  EXPECT_EQ(open.value()[0].price.value(), D("49000"));
}

TEST_P(VenueConformance, CancelAllCancelsEveryOpenOrder) {
  ASSERT_NO_FATAL_FAILURE(rest("cfAll1"));
  ASSERT_NO_FATAL_FAILURE(rest("cfAll2"));
  ASSERT_NO_FATAL_FAILURE(rest("cfAll3"));
  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  ASSERT_EQ(open.value().size(), 3u);

  auto canceled = h().cancel_all_and_wait();
  ASSERT_TRUE(canceled.ok()) << canceled.error().describe();
  EXPECT_EQ(canceled.value(), 3);
  auto none = h().open_orders_and_wait();
  ASSERT_TRUE(none.ok()) << none.error().describe();
  EXPECT_TRUE(none.value().empty());
  for (const char* id : {"cfAll1", "cfAll2", "cfAll3"}) {
    EXPECT_TRUE(h().run_until([&] {
      const OrderState* last = rec().last_update(id);
      return last != nullptr && last->status == OrderStatus::canceled;
    })) << id << ": no canceled update on the private stream";
  }
}

TEST_P(VenueConformance, QueryByClientIdAfterCancelReturnsCanceled) {
  ASSERT_NO_FATAL_FAILURE(rest("cfQry1"));
  auto canceled = h().cancel_and_wait("cfQry1");
  ASSERT_TRUE(canceled.ok()) << canceled.error().describe();
  auto queried = h().query_and_wait("cfQry1");
  ASSERT_TRUE(queried.ok()) << queried.error().describe();
  EXPECT_EQ(queried.value().status, OrderStatus::canceled);
  EXPECT_EQ(queried.value().client_order_id, "cfQry1");
  EXPECT_TRUE(queried.value().filled_quantity.is_zero());

  auto unknown = h().query_and_wait("cfNever1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, VenueErrc::unknown_order) << unknown.error().describe();
}

TEST_P(VenueConformance, PartialFillRatioProducesTwoFills) {
  set_faults([](sim::FaultPlan& plan) { plan.partial_fill_ratio = 0.5; });
  // A GTC buy 1% through the market: half fills now, the rest rests and fills on re-quote.
  auto placed = h().place_and_wait(limit_order("cfPart1", OrderSide::buy, "50500.0"));
  ASSERT_TRUE(placed.ok()) << placed.error().describe();
  ASSERT_TRUE(h().run_until([&] { return rec().filled_quantity("cfPart1") == D("0.005"); }))
      << "first part on the private stream: " << rec().filled_quantity("cfPart1").to_string();
  auto partial = h().query_and_wait("cfPart1");
  ASSERT_TRUE(partial.ok()) << partial.error().describe();
  EXPECT_EQ(partial.value().status, OrderStatus::partially_filled) << to_string(partial.value().status);
  EXPECT_EQ(partial.value().filled_quantity, D("0.005"));
  set_faults([](sim::FaultPlan& plan) { plan.partial_fill_ratio = 0; });
  ASSERT_TRUE(h().run_until([&] { return rec().filled_quantity("cfPart1") == D("0.01"); }, kTimeout, 50ms))
      << "filled: " << rec().filled_quantity("cfPart1").to_string();
  EXPECT_GE(rec().fills_for("cfPart1").size(), 2u);
  EXPECT_TRUE(h().run_until([&] {
    const OrderState* last = rec().last_update("cfPart1");
    return last != nullptr && last->status == OrderStatus::filled;
  }));
}

TEST_P(VenueConformance, RejectNthOrderMapsToVenueErrorWithTheVenueCode) {
  const std::string code = h().insufficient_margin_code();
  set_faults([&](sim::FaultPlan& plan) {
    plan.reject_nth_order = 1;
    plan.reject_code = code;
  });
  auto rejected = h().place_and_wait(limit_order("cfRej1", OrderSide::buy, "49000.0"));
  ASSERT_FALSE(rejected.ok()) << "the faulted order was accepted";
  EXPECT_EQ(rejected.error().code, VenueErrc::insufficient_margin) << rejected.error().describe();
  EXPECT_EQ(rejected.error().venue_code, code);
  // Once only: the next order goes through.
  ASSERT_NO_FATAL_FAILURE(rest("cfRej2"));
}

TEST_P(VenueConformance, RateLimitStormIsRateLimitedThenRefusedLocally) {
  set_faults([](sim::FaultPlan& plan) {
    plan.rate_limit_429_count = 1;
    plan.retry_after_s = 30;
  });
  auto limited = h().place_and_wait(limit_order("cfRl1", OrderSide::buy, "49000.0"));
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, VenueErrc::rate_limited) << limited.error().describe();
  EXPECT_NE(limited.error().venue_code, "LOCAL") << "the first request must reach the venue";

  const std::uint64_t before = h().server_requests();
  const auto started = std::chrono::steady_clock::now();
  auto refused = h().place_and_wait(limit_order("cfRl2", OrderSide::buy, "49000.0"));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(refused.ok()) << "the adapter sent an order while backing off";
  EXPECT_EQ(refused.error().code, VenueErrc::rate_limited) << refused.error().describe();
  EXPECT_EQ(refused.error().venue_code, "LOCAL") << refused.error().describe();
  EXPECT_TRUE(refused.error().retry_after.has_value());
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
  EXPECT_EQ(h().server_requests(), before) << "the refused request reached the venue";
}

TEST_P(VenueConformance, MaintenanceIsAMaintenanceError) {
  set_faults([](sim::FaultPlan& plan) { plan.maintenance = true; });
  auto refused = h().place_and_wait(limit_order("cfMnt1", OrderSide::buy, "49000.0"));
  ASSERT_FALSE(refused.ok()) << "an order was accepted during maintenance";
  EXPECT_EQ(refused.error().code, VenueErrc::maintenance) << refused.error().describe();
  set_faults([](sim::FaultPlan& plan) { plan.maintenance = false; });
  ASSERT_NO_FATAL_FAILURE(rest("cfMnt2"));
}

TEST_P(VenueConformance, BalancesReportTheFundedUsdt) {
  auto balances = h().balances_and_wait();
  ASSERT_TRUE(balances.ok()) << balances.error().describe();
  bool found = false;
  for (const auto& balance : balances.value()) {
    if (balance.asset != "USDT") continue;
    found = true;
    EXPECT_EQ(balance.wallet, D("100000")) << balance.wallet.to_string();
    EXPECT_EQ(balance.available, D("100000")) << balance.available.to_string();
  }
  EXPECT_TRUE(found) << "no USDT balance";
}

INSTANTIATE_TEST_SUITE_P(Venues, VenueConformance, ::testing::Values(std::string("binance"), std::string("okx")),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace propbot::venues::conformance
