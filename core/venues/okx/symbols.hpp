// OKX v5 names (protocols.md B4): canonical symbols ↔ perpetual swap instIds, order
// enums ↔ wire strings, and clOrdId validation.
//
// Guarantees:
//  - Canonical BASE-QUOTE (BTC-USDT) ↔ instId BASE-QUOTE-SWAP (BTC-USDT-SWAP); other
//    instrument kinds (spot, futures with an expiry, options) are refused.
//  - ordType folds PropBot's (OrderType, TimeInForce): limit+gtc → limit, limit+ioc →
//    ioc, limit+fok → fok, limit+post_only → post_only, market+gtc/ioc → market.
//    market parses back as (market, gtc), PropBot's default for market orders (the
//    same as Binance reports). market+fok / market+post_only and optimal_limit_ioc /
//    mmp variants are refused.
//  - state: live → new_order, partially_filled, filled, canceled, mmp_canceled →
//    canceled; new_order/partially_filled/filled/canceled write back the first form.
//    pending_new, rejected and expired have no OKX state.
//  - Every to_wire/parse pair round-trips for each wire value PropBot writes.
//    Errors are invalid_argument and name the unknown value and the field.
//
// Threads: pure functions, safe from any thread. Never throw (beyond std::bad_alloc).
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::venues::okx {

Result<std::string> to_inst_id(std::string_view canonical);     // BTC-USDT → BTC-USDT-SWAP
Result<std::string> from_inst_id(std::string_view inst_id);     // BTC-USDT-SWAP → BTC-USDT

std::string_view to_wire(OrderSide side);  // buy / sell
Result<OrderSide> parse_side(std::string_view wire);

struct OrderKind {
  OrderType type = OrderType::limit;
  TimeInForce time_in_force = TimeInForce::gtc;

  friend bool operator==(const OrderKind&, const OrderKind&) = default;
};
Result<std::string_view> to_ord_type(OrderType type, TimeInForce time_in_force);
Result<OrderKind> parse_ord_type(std::string_view wire);

Result<std::string_view> to_wire(OrderStatus status);
Result<OrderStatus> parse_state(std::string_view wire);

// clOrdId: 1–32 ASCII letters or digits. Errors: invalid_argument giving the length or
// the position of the first bad character.
Status validate_client_order_id(std::string_view id);

}  // namespace propbot::venues::okx
