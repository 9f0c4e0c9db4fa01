#include "core/venues/sim/binance/wire_format.hpp"

#include <chrono>

#include "core/venues/binance/symbols.hpp"

namespace propbot::venues::sim::binance_wire {

namespace {

std::int64_t ms(UtcTime t) { return to_unix_ms(t); }

std::string money(Decimal d) { return d.to_string(); }

std::string cum_quote(const OrderState& o) {
  auto product = o.filled_quantity.mul(o.average_price);
  return product ? product->normalized().to_string() : "0";
}

std::string_view expire_code(ExpireReason reason) {
  switch (reason) {
    case ExpireReason::self_trade_prevention: return "1";
    case ExpireReason::ioc_remainder: return "2";
    case ExpireReason::fok_not_fillable: return "2";
    case ExpireReason::market_remainder: return "9";
    case ExpireReason::reduce_only: return "0";
  }
  return "0";
}

nlohmann::json order_body(const OrderState& o, std::string_view execution, std::string status) {
  const std::string type(venues::binance::to_wire(o.type));
  return nlohmann::json{{"s", venue_symbol(o.symbol)},
                        {"c", o.client_order_id},
                        {"S", std::string(venues::binance::to_wire(o.side))},
                        {"o", type},
                        {"f", std::string(venues::binance::to_wire(o.time_in_force))},
                        {"q", o.quantity.to_string()},
                        {"p", o.price ? o.price->to_string() : "0"},
                        {"ap", o.average_price.to_string()},
                        {"sp", "0"},
                        {"x", std::string(execution)},
                        {"X", std::move(status)},
                        {"i", std::stoll(o.venue_order_id)},
                        {"l", "0"},
                        {"z", o.filled_quantity.to_string()},
                        {"L", "0"},
                        {"N", "USDT"},
                        {"n", "0"},
                        {"T", ms(o.updated_at)},
                        {"t", 0},
                        {"b", "0"},
                        {"a", "0"},
                        {"m", false},
                        {"R", o.reduce_only},
                        {"wt", "CONTRACT_PRICE"},
                        {"ot", type},
                        {"ps", "BOTH"},
                        {"cp", false},
                        {"pP", false},
                        {"si", 0},
                        {"ss", 0},
                        {"rp", "0"},
                        {"V", "EXPIRE_TAKER"},
                        {"pm", "NONE"},
                        {"gtd", 0},
                        {"er", "0"}};
}

std::string frame(nlohmann::json body, std::int64_t event_time_ms, std::int64_t transaction_ms) {
  nlohmann::json out{{"e", "ORDER_TRADE_UPDATE"}, {"E", event_time_ms}, {"T", transaction_ms}, {"o", std::move(body)}};
  return out.dump();
}

}  // namespace

std::string venue_symbol(std::string_view canonical) {
  std::string out;
  for (char c : canonical) {
    if (c != '-') out.push_back(c);
  }
  return out;
}

std::string order_status(OrderStatus status) {
  auto wire = venues::binance::to_wire(status);
  return wire ? std::string(*wire) : "NEW";
}

std::pair<int, std::string> reject_code(const Rejection& rejection) {
  const std::string& detail = rejection.error.venue_message;
  switch (rejection.reason) {
    case RejectReason::unknown_symbol: return {-1121, "Invalid symbol."};
    case RejectReason::unknown_account: return {-2015, ""};
    case RejectReason::invalid_quantity: return {-4023, "Quantity not increased by step size. " + detail};
    case RejectReason::quantity_below_min: return {-4004, ""};
    case RejectReason::missing_price:
      return {-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."};
    case RejectReason::invalid_price: return {-4014, "Price not increased by tick size."};
    case RejectReason::notional_below_min: return {-4164, ""};
    case RejectReason::insufficient_margin: return {-2019, ""};
    case RejectReason::reduce_only_rejected: return {-2022, "ReduceOnly Order is rejected."};
    case RejectReason::post_only_would_take: return {-5022, ""};
    case RejectReason::duplicate_client_id: return {-4116, ""};
    case RejectReason::invalid_client_id: return {-4015, "Client order id is not valid."};
    case RejectReason::invalid_leverage: return {-4028, "Leverage is not valid."};
    case RejectReason::unknown_order: return {-2013, ""};
  }
  return {-2010, "New order rejected."};
}

nlohmann::json order_json(const OrderState& o, std::int64_t time_ms) {
  const std::string type(venues::binance::to_wire(o.type));
  return nlohmann::json{{"orderId", std::stoll(o.venue_order_id)},
                        {"symbol", venue_symbol(o.symbol)},
                        {"status", order_status(o.status)},
                        {"clientOrderId", o.client_order_id},
                        {"price", o.price ? o.price->to_string() : "0"},
                        {"avgPrice", o.average_price.to_string()},
                        {"origQty", o.quantity.to_string()},
                        {"executedQty", o.filled_quantity.to_string()},
                        {"cumQty", o.filled_quantity.to_string()},
                        {"cumQuote", cum_quote(o)},
                        {"timeInForce", std::string(venues::binance::to_wire(o.time_in_force))},
                        {"type", type},
                        {"reduceOnly", o.reduce_only},
                        {"closePosition", false},
                        {"side", std::string(venues::binance::to_wire(o.side))},
                        {"positionSide", "BOTH"},
                        {"stopPrice", "0"},
                        {"workingType", "CONTRACT_PRICE"},
                        {"priceProtect", false},
                        {"origType", type},
                        {"priceMatch", "NONE"},
                        {"selfTradePreventionMode", "EXPIRE_TAKER"},
                        {"goodTillDate", 0},
                        {"time", time_ms},
                        {"updateTime", ms(o.updated_at)}};
}

bool order_trade_update(const Event& event, std::int64_t event_time_ms, std::string& out) {
  if (const auto* accepted = std::get_if<OrderAccepted>(&event)) {
    out = frame(order_body(accepted->order, "NEW", "NEW"), event_time_ms, ms(accepted->order.updated_at));
    return true;
  }
  if (const auto* filled = std::get_if<OrderFilled>(&event)) {
    auto body = order_body(filled->order, "TRADE", order_status(filled->order.status));
    const Fill& f = filled->fill;
    body["l"] = f.quantity.to_string();
    body["L"] = f.price.to_string();
    body["n"] = money(f.fee);
    body["N"] = f.fee_asset.empty() ? "USDT" : f.fee_asset;
    body["t"] = std::stoll(f.trade_id);
    body["m"] = f.maker;
    body["rp"] = money(f.realized_pnl);
    body["T"] = ms(f.ts);
    out = frame(std::move(body), event_time_ms, ms(f.ts));
    return true;
  }
  if (const auto* canceled = std::get_if<OrderCanceled>(&event)) {
    out = frame(order_body(canceled->order, "CANCELED", "CANCELED"), event_time_ms, ms(canceled->order.updated_at));
    return true;
  }
  if (const auto* expired = std::get_if<OrderExpired>(&event)) {
    const bool stp = expired->reason == ExpireReason::self_trade_prevention;
    auto body = order_body(expired->order, "EXPIRED", stp ? "EXPIRED_IN_MATCH" : "EXPIRED");
    body["er"] = std::string(expire_code(expired->reason));
    out = frame(std::move(body), event_time_ms, ms(expired->order.updated_at));
    return true;
  }
  return false;
}

std::string account_update(const std::vector<const Event*>& run, std::int64_t event_time_ms) {
  nlohmann::json balances = nlohmann::json::array();
  nlohmann::json positions = nlohmann::json::array();
  std::string reason = "ORDER";
  std::int64_t transaction_ms = event_time_ms;
  auto reason_of = [](BalanceReason r) -> std::string {
    switch (r) {
      case BalanceReason::deposit: return "DEPOSIT";
      case BalanceReason::order: return "ORDER";
      case BalanceReason::funding_fee: return "FUNDING_FEE";
      case BalanceReason::liquidation: return "ORDER";
      case BalanceReason::insurance_clear: return "INSURANCE_CLEAR";
    }
    return "ORDER";
  };
  for (const Event* e : run) {
    if (const auto* b = std::get_if<BalanceChanged>(e)) {
      reason = reason_of(b->reason);
      transaction_ms = ms(b->balance.updated_at);
      balances.push_back({{"a", b->balance.asset},
                          {"wb", money(b->balance.wallet)},
                          {"cw", money(b->balance.wallet)},
                          {"bc", money(b->change)}});
    } else if (const auto* p = std::get_if<PositionChanged>(e)) {
      reason = reason_of(p->reason);
      positions.push_back({{"s", venue_symbol(p->position.symbol)},
                           {"pa", p->position.quantity.to_string()},
                           {"ep", p->position.entry_price.to_string()},
                           {"bep", p->position.entry_price.to_string()},
                           {"cr", money(p->accumulated_realized)},
                           {"up", money(p->position.unrealized_pnl)},
                           {"mt", "cross"},
                           {"iw", "0"},
                           {"ps", "BOTH"}});
    }
  }
  nlohmann::json out{{"e", "ACCOUNT_UPDATE"},
                     {"E", event_time_ms},
                     {"T", transaction_ms},
                     {"a", {{"m", reason}, {"B", balances}, {"P", positions}}}};
  return out.dump();
}

}  // namespace propbot::venues::sim::binance_wire
