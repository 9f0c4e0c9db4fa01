// Venue conformance, part three: no fill is lost or repeated across a private-stream
// outage (venue.hpp PrivateListener contract). Every adapter recovers fills, order
// states, positions and balances by REST before it reports the stream back, and a
// fill seen both live and by REST reaches the caller once. Shared fixture:
// fixture.hpp; the suite is instantiated in conformance_test.cpp.
#include <chrono>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/conformance/fixture.hpp"

namespace propbot::venues::conformance {
namespace {

// The WebSocket client backs off while the venue refuses it; give the reconnect room.
constexpr std::chrono::milliseconds kReconnectTimeout = 20000ms;

// Number of fills whose (symbol, trade id) was delivered before.
std::size_t repeated_fills(const Recorder& rec) {
  std::set<std::string> seen;
  std::size_t repeated = 0;
  for (const auto& fill : rec.fills) repeated += seen.insert(fill.symbol + "/" + fill.trade_id).second ? 0 : 1;
  return repeated;
}

Decimal total_filled(const Recorder& rec) {
  Decimal total;
  for (const auto& fill : rec.fills) total = total.add(fill.quantity).value();
  return total;
}

TEST_P(VenueConformance, FillsDuringAWebSocketOutageArriveExactlyOnceBeforeTheStreamIsBack) {
  // A buy resting under the market, announced on the stream before the outage.
  auto resting = h().place_and_wait(limit_order("cfOutRest", OrderSide::buy, "49900.0"));
  ASSERT_TRUE(resting.ok()) << resting.error().describe();
  ASSERT_EQ(resting.value().status, OrderStatus::new_order);
  ASSERT_TRUE(h().run_until([&] { return rec().last_update("cfOutRest") != nullptr; }))
      << "the stream never announced the resting order";

  const int ups = rec().private_ups;
  set_faults([](sim::FaultPlan& plan) { plan.websockets_down = true; });
  ASSERT_TRUE(h().run_until([&] { return !rec().private_connected; })) << "the private stream was not reported down";
  const std::size_t positions_before = rec().positions.size();

  // While down: a market order, a limit through the market, and the resting order
  // filled by a market that comes down to it (the venue's REST still works).
  auto market = h().place_and_wait(market_order("cfOutMkt", OrderSide::buy));
  ASSERT_TRUE(market.ok()) << market.error().describe();
  auto crossing = h().place_and_wait(limit_order("cfOutLmt", OrderSide::buy, "50500.0"));
  ASSERT_TRUE(crossing.ok()) << crossing.error().describe();
  h().tick(49800.0);
  for (const char* id : {"cfOutMkt", "cfOutLmt", "cfOutRest"}) {
    auto queried = h().query_and_wait(id);
    ASSERT_TRUE(queried.ok()) << id << ": " << queried.error().describe();
    ASSERT_EQ(queried.value().status, OrderStatus::filled) << id << " did not fill during the outage";
  }
  EXPECT_TRUE(rec().fills.empty()) << "a fill arrived while every WebSocket was down";
  EXPECT_FALSE(rec().private_connected);

  set_faults([](sim::FaultPlan& plan) { plan.websockets_down = false; });
  ASSERT_TRUE(h().run_until([&] { return rec().private_connected && rec().private_ups > ups; }, kReconnectTimeout))
      << "the private stream was not reported back";

  // Checked at the moment the stream is reported back, before anything else runs:
  // the recovery delivered everything first.
  for (const char* id : {"cfOutMkt", "cfOutLmt", "cfOutRest"}) {
    EXPECT_EQ(rec().filled_quantity(id), D("0.01")) << id << ": " << rec().fills_for(id).size() << " fills delivered";
    const OrderState* last = rec().last_update(id);
    ASSERT_NE(last, nullptr) << id << ": no order update";
    EXPECT_EQ(last->status, OrderStatus::filled) << id << ": last update " << to_string(last->status);
  }
  EXPECT_EQ(repeated_fills(rec()), 0u) << "a fill was delivered twice";
  EXPECT_EQ(total_filled(rec()), D("0.03"));
  ASSERT_FALSE(rec().fills_for("cfOutRest").empty());
  EXPECT_TRUE(rec().fills_for("cfOutRest").front().maker) << "the resting order filled as maker";
  ASSERT_GT(rec().positions.size(), positions_before) << "no position update after the recovery";
  bool position_found = false;
  for (auto it = rec().positions.rbegin(); it != rec().positions.rend(); ++it) {
    if (it->symbol != kSymbol) continue;
    EXPECT_EQ(it->quantity, D("0.03")) << "the last position update";
    position_found = true;
    break;
  }
  EXPECT_TRUE(position_found);
}

TEST_P(VenueConformance, FillsAroundAReconnectAreNotDuplicated) {
  // A fill before the drop: the recovery reads it again (it looks back 5 s before the
  // last fill) and must not deliver it twice.
  auto first = h().place_and_wait(market_order("cfRcn0", OrderSide::buy));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  ASSERT_TRUE(h().run_until([&] { return rec().filled_quantity("cfRcn0") == D("0.01"); }));

  const int ups = rec().private_ups;
  const int downs = rec().private_downs;
  set_faults([](sim::FaultPlan& plan) { plan.disconnect_websockets = true; });
  ASSERT_TRUE(h().run_until([&] { return rec().private_downs > downs; })) << "the drop was not reported";
  // Right after the drop: these race the reconnect and the recovery.
  for (const char* id : {"cfRcn1", "cfRcn2"}) {
    auto placed = h().place_and_wait(market_order(id, OrderSide::buy));
    ASSERT_TRUE(placed.ok()) << id << ": " << placed.error().describe();
  }
  ASSERT_TRUE(h().run_until([&] { return rec().private_ups > ups; }, kReconnectTimeout))
      << "the private stream was not reported back";
  // Right after the stream is back.
  for (const char* id : {"cfRcn3", "cfRcn4"}) {
    auto placed = h().place_and_wait(market_order(id, OrderSide::buy));
    ASSERT_TRUE(placed.ok()) << id << ": " << placed.error().describe();
  }
  const char* ids[] = {"cfRcn0", "cfRcn1", "cfRcn2", "cfRcn3", "cfRcn4"};
  ASSERT_TRUE(h().run_until([&] {
    for (const char* id : ids) {
      if (rec().filled_quantity(id) < D("0.01")) return false;
    }
    return true;
  })) << "a fill never arrived";
  // A last order whose fill comes after anything the earlier ones could still cause.
  ASSERT_TRUE(h().place_and_wait(market_order("cfRcn5", OrderSide::buy)).ok());
  ASSERT_TRUE(h().run_until([&] { return rec().filled_quantity("cfRcn5") == D("0.01"); }));

  for (const char* id : ids) EXPECT_EQ(rec().filled_quantity(id), D("0.01")) << id;
  EXPECT_EQ(repeated_fills(rec()), 0u) << "a fill was delivered twice";
  EXPECT_EQ(total_filled(rec()), D("0.06"));
  EXPECT_EQ(rec().private_ups, ups + 1) << "one reconnect, reported once";
  EXPECT_TRUE(rec().private_connected);
}

}  // namespace
}  // namespace propbot::venues::conformance
