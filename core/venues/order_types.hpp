// Order vocabulary shared by every venue adapter, the simulator's matching engine and
// (later) the executor and journal. Quantities are in the base coin (an adapter
// converts to contracts at its boundary, e.g. OKX `sz` × `ctVal`), prices in the quote
// currency, both exact Decimals. Symbols are canonical `BASE-QUOTE` (e.g. BTC-USDT);
// adapters map them to venue symbols (BTCUSDT, BTC-USDT-SWAP).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/decimal.hpp"
#include "core/common/side.hpp"

namespace propbot::venues {

// The core's one buy/sell (core/common/side.hpp): an order's side is the side a
// strategy's Intent names; to_string(OrderSide) is propbot::to_string(Side).
using OrderSide = propbot::Side;
enum class OrderType { limit, market };
// post_only = maker-only (Binance GTX, OKX post_only): rejected or cancelled if it would take.
enum class TimeInForce { gtc, ioc, fok, post_only };
enum class OrderStatus { pending_new, new_order, partially_filled, filled, canceled, rejected, expired };

constexpr std::string_view to_string(OrderType v) { return v == OrderType::limit ? "limit" : "market"; }
constexpr std::string_view to_string(TimeInForce v) {
  switch (v) {
    case TimeInForce::gtc: return "gtc";
    case TimeInForce::ioc: return "ioc";
    case TimeInForce::fok: return "fok";
    case TimeInForce::post_only: return "post_only";
  }
  return "gtc";
}
constexpr std::string_view to_string(OrderStatus v) {
  switch (v) {
    case OrderStatus::pending_new: return "pending_new";
    case OrderStatus::new_order: return "new";
    case OrderStatus::partially_filled: return "partially_filled";
    case OrderStatus::filled: return "filled";
    case OrderStatus::canceled: return "canceled";
    case OrderStatus::rejected: return "rejected";
    case OrderStatus::expired: return "expired";
  }
  return "rejected";
}
constexpr bool is_final(OrderStatus v) {
  return v == OrderStatus::filled || v == OrderStatus::canceled || v == OrderStatus::rejected ||
         v == OrderStatus::expired;
}

struct OrderRequest {
  std::string symbol;           // canonical BASE-QUOTE
  OrderSide side = OrderSide::buy;
  OrderType type = OrderType::limit;
  TimeInForce time_in_force = TimeInForce::gtc;
  Decimal quantity;             // base coin
  std::optional<Decimal> price; // required for limit orders
  bool reduce_only = false;
  std::string client_order_id;  // ≤ 32 alphanumeric (DESIGN-NOTES "Client order ids")
};

struct OrderState {
  std::string symbol;
  std::string client_order_id;
  std::string venue_order_id;
  OrderSide side = OrderSide::buy;
  OrderType type = OrderType::limit;
  TimeInForce time_in_force = TimeInForce::gtc;
  std::optional<Decimal> price;
  Decimal quantity;
  Decimal filled_quantity;
  Decimal average_price;  // zero until something fills
  OrderStatus status = OrderStatus::pending_new;
  bool reduce_only = false;
  UtcTime updated_at{};
};

struct Fill {
  std::string symbol;
  std::string client_order_id;
  std::string venue_order_id;
  std::string trade_id;
  OrderSide side = OrderSide::buy;
  Decimal price;
  Decimal quantity;     // base coin
  Decimal fee;          // positive = paid, negative = rebate
  std::string fee_asset;
  bool maker = false;
  Decimal realized_pnl;
  UtcTime ts{};
};

struct Position {
  std::string symbol;
  Decimal quantity;     // signed base coin: > 0 long, < 0 short
  Decimal entry_price;
  Decimal mark_price;
  Decimal unrealized_pnl;
  Decimal leverage;
  Decimal liquidation_price;
  UtcTime updated_at{};
};

struct Balance {
  std::string asset;
  Decimal wallet;     // deposited + realised PnL − fees + funding
  Decimal available;  // what new orders may use as margin
  UtcTime updated_at{};
};

// One funding payment as the venue booked it in the account's history (Binance income
// FUNDING_FEE, OKX bill type 8).
struct FundingPayment {
  std::string symbol;      // canonical BASE-QUOTE
  std::string asset;       // e.g. USDT
  Decimal amount;          // + received, − paid
  std::string payment_id;  // the venue's tranId / billId
  UtcTime ts{};
};

struct FundingInfo {
  std::string symbol;
  Decimal mark_price;
  Decimal index_price;
  Decimal funding_rate;
  UtcTime next_funding_time{};
};

}  // namespace propbot::venues
