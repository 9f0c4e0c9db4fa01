// OrderLog, the back office's record of accepted orders: records on OrderAccepted, follows
// fills / cancels / expiries, ignores refused orders and accounts without an API key, and
// stays within its capacity (oldest dropped, counted), even for orders that are still
// open when their record is dropped.
#include "core/venues/sim/engine/order_log.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace propbot::venues::sim {
namespace {

OrderState order(std::int64_t id, OrderStatus status, const std::string& client_id = "") {
  OrderState o;
  o.symbol = "BTC-USDT";
  o.venue_order_id = std::to_string(id);
  o.client_order_id = client_id.empty() ? "c" + std::to_string(id) : client_id;
  o.side = OrderSide::sell;
  o.type = OrderType::limit;
  o.price = Decimal::from_mantissa(500001, 1);
  o.quantity = Decimal::from_mantissa(2, 2);
  o.status = status;
  o.reduce_only = true;
  o.updated_at = UtcTime{std::chrono::milliseconds{1'700'000'000'123}};
  return o;
}

std::optional<std::string> key_of(const std::string& account) {
  if (account == "market-maker") return std::nullopt;
  return "key-" + account;
}

TEST(OrderLogTest, RecordsAcceptedOrdersAndFollowsThemToTheirEnd) {
  OrderLog log(10);
  OrderState filled = order(1, OrderStatus::filled);
  filled.filled_quantity = filled.quantity;
  std::vector<Event> events{OrderAccepted{"a", order(1, OrderStatus::new_order)},
                            OrderAccepted{"a", order(2, OrderStatus::new_order)},
                            OrderAccepted{"market-maker", order(3, OrderStatus::new_order)},
                            OrderRejected{"a", OrderRequest{}, make_rejection(RejectReason::invalid_price, "x"), {}},
                            OrderFilled{"a", filled, Fill{}, {}, {}},
                            OrderCanceled{"a", order(2, OrderStatus::canceled), CancelReason::user}};
  log.on_events(events, key_of);
  const nlohmann::json out = log.to_json();
  ASSERT_EQ(out["orders"].size(), 2u) << out.dump(1);
  const auto& first = out["orders"][0];
  EXPECT_EQ(first["api_key"], "key-a");
  EXPECT_EQ(first["order_id"], "1");
  EXPECT_EQ(first["client_order_id"], "c1");
  EXPECT_EQ(first["symbol"], "BTC-USDT");
  EXPECT_EQ(first["side"], "sell");
  EXPECT_EQ(first["type"], "limit");
  EXPECT_EQ(first["qty"], "0.02");
  EXPECT_EQ(first["price"], "50000.1");
  EXPECT_EQ(first["reduce_only"], true);
  EXPECT_EQ(first["status"], "filled");
  EXPECT_EQ(first["filled_qty"], "0.02");
  EXPECT_EQ(first["created_ms"], 1'700'000'000'123);
  EXPECT_EQ(out["orders"][1]["status"], "canceled");
  EXPECT_EQ(log.tracked_open(), 0u) << "finished orders leave the index";
}

TEST(OrderLogTest, KeepsAtMostItsCapacityDroppingTheOldestAndCountingThem) {
  OrderLog log(3);
  std::vector<Event> events;
  for (int id = 1; id <= 5; ++id) events.push_back(OrderAccepted{"a", order(id, OrderStatus::new_order)});
  log.on_events(events, key_of);
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.dropped(), 2u);
  const nlohmann::json out = log.to_json();
  EXPECT_TRUE(out["truncated"].get<bool>());
  EXPECT_EQ(out["dropped"], 2);
  EXPECT_EQ(out["capacity"], 3);
  EXPECT_EQ(out["orders"][0]["order_id"], "3");
  // The dropped order 1 ends later: nothing breaks, and the index forgets it.
  log.on_events({OrderCanceled{"a", order(1, OrderStatus::canceled), CancelReason::user},
                 OrderCanceled{"a", order(4, OrderStatus::canceled), CancelReason::user}},
                key_of);
  // 2, 3 and 5 are still open: the index follows the venue's open orders, records or not.
  EXPECT_EQ(log.tracked_open(), 3u);
  EXPECT_EQ(log.to_json()["orders"][1]["status"], "canceled");
}

TEST(OrderLogTest, AnOrderAcceptedOutsideTheEngineIsRecordedWithItsFinalStateAndLongIdsAreCut) {
  OrderLog log;
  EXPECT_EQ(log.capacity(), kDefaultOrderLogCapacity);
  const std::string long_id(40, 'x');
  log.accepted("key-b", order(9'000'000'000'000, OrderStatus::canceled, long_id), UtcTime{});
  const nlohmann::json out = log.to_json();
  EXPECT_EQ(out["orders"][0]["status"], "canceled");
  EXPECT_EQ(out["orders"][0]["order_id"], "9000000000000");
  EXPECT_EQ(out["orders"][0]["client_order_id"], std::string(kMaxClientIdLength, 'x'));
  EXPECT_EQ(log.tracked_open(), 0u);
}

}  // namespace
}  // namespace propbot::venues::sim
