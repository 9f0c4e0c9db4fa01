// Events of the venue simulator's exchange core: what happened to orders, balances and
// positions, in the order it happened. The matching engine, the account book and the
// exchange core append them to a caller-supplied std::vector<Event>; the protocol
// layers (Binance, OKX) translate them into wire frames: ORDER_TRADE_UPDATE /
// ACCOUNT_UPDATE (protocols.md A8) and the OKX orders / positions / account pushes
// (B7). So each event carries everything those frames need: the full OrderState
// (c, S, o, f, q, p, ap, X, i, z, R, T), the last Fill (l, L, n, N, t, m, rp), running
// fee and PnL totals (OKX fee, pnl), the expire reason (Binance er, OKX cancelSource)
// and the balance/position snapshots after the change (wb, pa, ep, cr, up).
//
// Also Outcome<T>: a value or a Rejection (VenueError + stable RejectReason) — the
// synchronous answer of place/cancel/query.
//
// Value types; no I/O. Uses order_types.hpp and venue_error.hpp.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/venues/order_types.hpp"
#include "core/venues/venue_error.hpp"

namespace propbot::venues::sim {

// Why an order ended EXPIRED. Binance `er` / OKX cancelSource in comments.
enum class ExpireReason {
  self_trade_prevention,  // EXPIRE_TAKER: the taker met its own resting order (X=EXPIRED_IN_MATCH, er 1; OKX 32)
  ioc_remainder,          // IOC did not fill completely (er 2; OKX 14)
  fok_not_fillable,       // FOK could not fill completely: nothing traded (OKX 13)
  market_remainder,       // market order ran out of book or hit the protection band (er 9)
  reduce_only,            // a reduce-only order would have increased |position|
};

// Why an order ended CANCELED.
enum class CancelReason {
  user,                // cancel by id (OKX cancelSource 1)
  cancel_all,          // cancel_all(account, symbol)
  liquidity_replaced,  // replace_liquidity refreshed the market model's levels
  liquidation,         // the account was liquidated; its working orders go first
};

// Why place() refused an order. Stable strings (to_string) for logs and the protocol
// layers' code tables (-1121, -4014, -4023, -4004, -4164, -2019, -2022, -5022, -4116).
enum class RejectReason {
  unknown_symbol,
  unknown_account,
  invalid_quantity,       // <= 0 or not a multiple of step
  quantity_below_min,
  missing_price,          // limit order without price
  invalid_price,          // <= 0 or not on the tick grid
  notional_below_min,
  insufficient_margin,
  reduce_only_rejected,   // reduce-only with no position to reduce on that side
  post_only_would_take,
  duplicate_client_id,
  invalid_client_id,
  invalid_leverage,
  unknown_order,          // cancel/query of an order the venue does not know
};

// Why a balance changed (Binance ACCOUNT_UPDATE `m`).
enum class BalanceReason { deposit, order, funding_fee, liquidation, insurance_clear };

constexpr std::string_view to_string(ExpireReason v) {
  switch (v) {
    case ExpireReason::self_trade_prevention: return "self_trade_prevention";
    case ExpireReason::ioc_remainder: return "ioc_remainder";
    case ExpireReason::fok_not_fillable: return "fok_not_fillable";
    case ExpireReason::market_remainder: return "market_remainder";
    case ExpireReason::reduce_only: return "reduce_only";
  }
  return "ioc_remainder";
}
constexpr std::string_view to_string(CancelReason v) {
  switch (v) {
    case CancelReason::user: return "user";
    case CancelReason::cancel_all: return "cancel_all";
    case CancelReason::liquidity_replaced: return "liquidity_replaced";
    case CancelReason::liquidation: return "liquidation";
  }
  return "user";
}
constexpr std::string_view to_string(RejectReason v) {
  switch (v) {
    case RejectReason::unknown_symbol: return "unknown_symbol";
    case RejectReason::unknown_account: return "unknown_account";
    case RejectReason::invalid_quantity: return "invalid_quantity";
    case RejectReason::quantity_below_min: return "quantity_below_min";
    case RejectReason::missing_price: return "missing_price";
    case RejectReason::invalid_price: return "invalid_price";
    case RejectReason::notional_below_min: return "notional_below_min";
    case RejectReason::insufficient_margin: return "insufficient_margin";
    case RejectReason::reduce_only_rejected: return "reduce_only_rejected";
    case RejectReason::post_only_would_take: return "post_only_would_take";
    case RejectReason::duplicate_client_id: return "duplicate_client_id";
    case RejectReason::invalid_client_id: return "invalid_client_id";
    case RejectReason::invalid_leverage: return "invalid_leverage";
    case RejectReason::unknown_order: return "unknown_order";
  }
  return "unknown_order";
}
constexpr std::string_view to_string(BalanceReason v) {
  switch (v) {
    case BalanceReason::deposit: return "deposit";
    case BalanceReason::order: return "order";
    case BalanceReason::funding_fee: return "funding_fee";
    case BalanceReason::liquidation: return "liquidation";
    case BalanceReason::insurance_clear: return "insurance_clear";
  }
  return "order";
}

// The VenueErrc a RejectReason maps to.
constexpr VenueErrc venue_errc(RejectReason r) {
  switch (r) {
    case RejectReason::insufficient_margin: return VenueErrc::insufficient_margin;
    case RejectReason::notional_below_min: return VenueErrc::min_notional;
    case RejectReason::post_only_would_take: return VenueErrc::post_only_would_take;
    case RejectReason::duplicate_client_id: return VenueErrc::duplicate_client_id;
    case RejectReason::unknown_order: return VenueErrc::unknown_order;
    default: return VenueErrc::rejected;
  }
}

struct Rejection {
  RejectReason reason = RejectReason::unknown_order;
  VenueError error;  // code = venue_errc(reason); venue_code = to_string(reason) (the
                     // protocol layer replaces it with the real venue's code)
};

inline Rejection make_rejection(RejectReason reason, std::string message) {
  VenueError e;
  e.code = venue_errc(reason);
  e.venue_code = std::string(to_string(reason));
  e.venue_message = std::move(message);
  return Rejection{reason, std::move(e)};
}

// A value or a Rejection. Reading the wrong alternative is a bug (asserted).
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(implicit)
  Outcome(Rejection r) : state_(std::in_place_index<1>, std::move(r)) {}      // NOLINT(implicit)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { assert(ok()); return std::get<0>(state_); }
  const T* operator->() const { return &value(); }
  const Rejection& rejection() const { assert(!ok()); return std::get<1>(state_); }
  const VenueError& error() const { return rejection().error; }
  RejectReason reason() const { return rejection().reason; }

 private:
  std::variant<T, Rejection> state_;
};

// --- order events (ORDER_TRADE_UPDATE / OKX orders channel) --------------------------

// The order passed validation and has a venue order id (x=NEW). Always precedes any
// fill, even for IOC/FOK/market orders that never rest.
struct OrderAccepted {
  std::string account;
  OrderState order;  // status new_order
};

// One execution of one order (x=TRADE). A trade emits two: the maker's first, then the
// taker's. order.status is partially_filled or filled after this fill.
struct OrderFilled {
  std::string account;
  OrderState order;               // cumulative z = order.filled_quantity, ap = average_price
  Fill fill;                      // l, L, n, N, t, m, rp
  Decimal cumulative_fee;         // Σ fill.fee of this order (OKX `fee`, sign flipped)
  Decimal cumulative_realized_pnl;  // Σ fill.realized_pnl (OKX `pnl`)
};

struct OrderCanceled {
  std::string account;
  OrderState order;  // status canceled
  CancelReason reason = CancelReason::user;
};

struct OrderExpired {
  std::string account;
  OrderState order;  // status expired
  ExpireReason reason = ExpireReason::ioc_remainder;
};

// place() refused the order; nothing changed. The same Rejection is returned.
struct OrderRejected {
  std::string account;
  OrderRequest request;
  Rejection rejection;
  UtcTime ts{};
};

// --- account events (ACCOUNT_UPDATE / OKX positions, account) ------------------------

struct BalanceChanged {
  std::string account;
  Balance balance;  // after the change: wallet (wb), available
  Decimal change;   // wallet delta of this change (realised PnL − fee, funding, deposit)
  BalanceReason reason = BalanceReason::order;
};

struct PositionChanged {
  std::string account;
  Position position;             // after the change (pa, ep, up at the last mark)
  Decimal accumulated_realized;  // Σ realised PnL on this symbol, before fees (cr)
  BalanceReason reason = BalanceReason::order;
};

// Funding settled for one position: amount > 0 means the account paid (longs pay
// when rate > 0), amount < 0 means it received. amount = quantity × mark × rate.
struct FundingPaid {
  std::string account;
  std::string symbol;
  Decimal rate;
  Decimal mark_price;
  Decimal position_quantity;  // signed
  Decimal amount;
  UtcTime ts{};
};

// A position was closed by the venue at the mark price (Binance order type
// LIQUIDATION, client id "autoclose-..."). The insurance account takes the position;
// insurance_cover is what it paid to bring a negative wallet back to zero.
struct PositionLiquidated {
  std::string account;
  std::string symbol;
  Decimal quantity;      // signed position that was closed
  Decimal price;         // the mark
  Decimal realized_pnl;
  Decimal insurance_cover;
  UtcTime ts{};
};

using Event = std::variant<OrderAccepted, OrderFilled, OrderCanceled, OrderExpired, OrderRejected,
                           BalanceChanged, PositionChanged, FundingPaid, PositionLiquidated>;

// The account an event belongs to.
inline const std::string& event_account(const Event& e) {
  return std::visit([](const auto& v) -> const std::string& { return v.account; }, e);
}

}  // namespace propbot::venues::sim
