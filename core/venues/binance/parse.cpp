#include "core/venues/binance/parse.hpp"

#include <chrono>

#include "core/common/json_util.hpp"
#include "core/venues/binance/symbols.hpp"

// Unwraps a Result into `var` or returns its error (with `what` prefixed).
#define PB_TRY(var, expr)                       \
  auto var##_result = (expr);                   \
  if (!var##_result) return var##_result.error(); \
  auto var = std::move(var##_result.value())

namespace propbot::venues::binance {

namespace {

using nlohmann::json;

Error with_context(const Error& error, std::string_view context) {
  return make_error(error.code, std::string(context) + ": " + error.message);
}

Result<std::int64_t> int_field(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end()) return make_error(Errc::not_found, "field '" + std::string(key) + "' missing");
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    std::int64_t value = 0;
    auto parsed = Decimal::parse(text);
    if (!parsed || parsed->scale() != 0) {
      return make_error(Errc::parse_error, "field '" + std::string(key) + "' is not an integer: " + text);
    }
    value = parsed->mantissa();
    return value;
  }
  return make_error(Errc::invalid_argument, "field '" + std::string(key) + "' is not an integer");
}

Result<std::string> id_field(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end()) return make_error(Errc::not_found, "field '" + std::string(key) + "' missing");
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  if (it->is_string()) return it->get<std::string>();
  return make_error(Errc::invalid_argument, "field '" + std::string(key) + "' is not an id");
}

UtcTime from_ms(std::int64_t ms) { return UtcTime{std::chrono::milliseconds(ms)}; }

UtcTime optional_time(const json& object, std::string_view key) {
  auto value = int_field(object, key);
  return value ? from_ms(value.value()) : UtcTime{};
}

Decimal optional_decimal(const json& object, std::string_view key) {
  auto value = json_decimal(object, key);
  return value ? value.value() : Decimal{};
}

Result<json> parse_text(std::string_view text) { return parse_json(text); }

}  // namespace

const json& unwrap_stream(const json& frame) {
  if (frame.is_object()) {
    auto data = frame.find("data");
    if (data != frame.end() && data->is_object() && frame.contains("stream")) return *data;
  }
  return frame;
}

Result<OrderState> parse_order(const json& object) {
  if (!object.is_object()) return make_error(Errc::parse_error, "order: not a JSON object");
  PB_TRY(venue_symbol, json_string(object, "symbol"));
  PB_TRY(symbol, from_venue_symbol(venue_symbol));
  PB_TRY(client_id, json_string(object, "clientOrderId"));
  PB_TRY(order_id, id_field(object, "orderId"));
  PB_TRY(side_text, json_string(object, "side"));
  PB_TRY(side, parse_side(side_text));
  PB_TRY(type_text, json_string(object, "type"));
  PB_TRY(type, parse_order_type(type_text));
  PB_TRY(status_text, json_string(object, "status"));
  PB_TRY(status, parse_order_status(status_text));
  PB_TRY(quantity, json_decimal(object, "origQty"));
  PB_TRY(filled, json_decimal(object, "executedQty"));

  OrderState order;
  order.symbol = std::move(symbol);
  order.client_order_id = std::move(client_id);
  order.venue_order_id = std::move(order_id);
  order.side = side;
  order.type = type;
  if (type == OrderType::limit) {
    PB_TRY(tif_text, json_string(object, "timeInForce"));
    PB_TRY(tif, parse_time_in_force(tif_text));
    order.time_in_force = tif;
    PB_TRY(price, json_decimal(object, "price"));
    order.price = price;
  } else {
    auto tif_text = json_string(object, "timeInForce");
    if (tif_text) {
      auto tif = parse_time_in_force(tif_text.value());
      if (tif) order.time_in_force = tif.value();
    }
  }
  order.quantity = quantity;
  order.filled_quantity = filled;
  order.average_price = optional_decimal(object, "avgPrice");
  order.status = status;
  auto reduce_only = json_bool(object, "reduceOnly");
  order.reduce_only = reduce_only ? reduce_only.value() : false;
  order.updated_at = object.contains("updateTime") ? optional_time(object, "updateTime") : optional_time(object, "time");
  return order;
}

Result<OrderState> parse_order_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  auto order = parse_order(document);
  if (!order) return with_context(order.error(), "order");
  return order;
}

Result<std::vector<OrderState>> parse_orders_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  if (!document.is_array()) return make_error(Errc::parse_error, "openOrders: not a JSON array");
  std::vector<OrderState> orders;
  orders.reserve(document.size());
  for (const auto& item : document) {
    auto order = parse_order(item);
    if (!order) return with_context(order.error(), "openOrders item");
    orders.push_back(std::move(order.value()));
  }
  return orders;
}

Result<std::vector<Fill>> parse_user_trades_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  if (!document.is_array()) return make_error(Errc::parse_error, "userTrades: not a JSON array");
  std::vector<Fill> fills;
  fills.reserve(document.size());
  for (const auto& item : document) {
    if (!item.is_object()) return make_error(Errc::parse_error, "userTrades item: not a JSON object");
    PB_TRY(venue_symbol, json_string(item, "symbol"));
    PB_TRY(symbol, from_venue_symbol(venue_symbol));
    PB_TRY(trade_id, id_field(item, "id"));
    PB_TRY(order_id, id_field(item, "orderId"));
    PB_TRY(side_text, json_string(item, "side"));
    PB_TRY(side, parse_side(side_text));
    PB_TRY(price, json_decimal(item, "price"));
    PB_TRY(quantity, json_decimal(item, "qty"));
    PB_TRY(time, int_field(item, "time"));
    Fill fill;
    fill.symbol = std::move(symbol);
    fill.venue_order_id = std::move(order_id);
    fill.trade_id = std::move(trade_id);
    fill.side = side;
    fill.price = price;
    fill.quantity = quantity;
    fill.fee = optional_decimal(item, "commission");
    auto fee_asset = json_string(item, "commissionAsset");
    fill.fee_asset = fee_asset ? fee_asset.value() : std::string();
    auto maker = json_bool(item, "maker");
    fill.maker = maker ? maker.value() : false;
    fill.realized_pnl = optional_decimal(item, "realizedPnl");
    fill.ts = from_ms(time);
    fills.push_back(std::move(fill));
  }
  return fills;
}

Result<std::vector<FundingPayment>> parse_funding_income_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  if (!document.is_array()) return make_error(Errc::parse_error, "income: not a JSON array");
  std::vector<FundingPayment> payments;
  for (const auto& item : document) {
    if (!item.is_object()) return make_error(Errc::parse_error, "income item: not a JSON object");
    PB_TRY(type, json_string(item, "incomeType"));
    if (type != "FUNDING_FEE") continue;
    PB_TRY(venue_symbol, json_string(item, "symbol"));
    auto symbol = from_venue_symbol(venue_symbol);
    if (!symbol) return with_context(symbol.error(), "income item");
    PB_TRY(amount, json_decimal(item, "income"));
    PB_TRY(asset, json_string(item, "asset"));
    PB_TRY(tran_id, id_field(item, "tranId"));
    PB_TRY(time, int_field(item, "time"));
    FundingPayment payment;
    payment.symbol = std::move(symbol.value());
    payment.asset = std::move(asset);
    payment.amount = amount;
    payment.payment_id = std::move(tran_id);
    payment.ts = from_ms(time);
    payments.push_back(std::move(payment));
  }
  return payments;
}

Result<std::vector<Position>> parse_position_risk_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  if (!document.is_array()) return make_error(Errc::parse_error, "positionRisk: not a JSON array");
  std::vector<Position> positions;
  for (const auto& item : document) {
    PB_TRY(venue_symbol, json_string(item, "symbol"));
    auto symbol = from_venue_symbol(venue_symbol);
    if (!symbol) continue;  // delivery contracts and unknown quotes are not ours
    PB_TRY(amount, json_decimal(item, "positionAmt"));
    PB_TRY(entry, json_decimal(item, "entryPrice"));
    Position position;
    position.symbol = std::move(symbol.value());
    position.quantity = amount;
    position.entry_price = entry;
    position.mark_price = optional_decimal(item, "markPrice");
    position.unrealized_pnl = optional_decimal(item, "unRealizedProfit");
    position.leverage = optional_decimal(item, "leverage");
    position.liquidation_price = optional_decimal(item, "liquidationPrice");
    position.updated_at = optional_time(item, "updateTime");
    positions.push_back(std::move(position));
  }
  return positions;
}

Result<std::vector<Balance>> parse_balances_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  if (!document.is_array()) return make_error(Errc::parse_error, "balance: not a JSON array");
  std::vector<Balance> balances;
  for (const auto& item : document) {
    PB_TRY(asset, json_string(item, "asset"));
    PB_TRY(wallet, json_decimal(item, "balance"));
    PB_TRY(available, json_decimal(item, "availableBalance"));
    balances.push_back(Balance{std::move(asset), wallet, available, optional_time(item, "updateTime")});
  }
  return balances;
}

Result<std::vector<BinanceInstrument>> parse_exchange_info_text(std::string_view text, const std::string& venue_id,
                                                                 const std::vector<std::string>& wanted) {
  PB_TRY(document, parse_text(text));
  auto symbols = document.find("symbols");
  if (symbols == document.end() || !symbols->is_array()) {
    return make_error(Errc::parse_error, "exchangeInfo: field 'symbols' missing");
  }
  std::vector<BinanceInstrument> out;
  for (const auto& canonical : wanted) {
    PB_TRY(venue_symbol, to_venue_symbol(canonical));
    const json* found = nullptr;
    for (const auto& item : *symbols) {
      auto name = json_string(item, "symbol");
      if (name && name.value() == venue_symbol) {
        found = &item;
        break;
      }
    }
    if (found == nullptr) return make_error(Errc::not_found, "exchangeInfo has no symbol " + venue_symbol);
    const json& item = *found;
    auto status = json_string(item, "status");
    if (status && status.value() != "TRADING") {
      return make_error(Errc::unavailable, "symbol " + venue_symbol + " is " + status.value() + ", not TRADING");
    }
    BinanceInstrument instrument;
    instrument.symbol = canonical;
    instrument.venue_symbol = venue_symbol;
    PB_TRY(stream, to_stream_symbol(canonical));
    instrument.stream_symbol = std::move(stream);
    auto filters = item.find("filters");
    if (filters == item.end() || !filters->is_array()) {
      return make_error(Errc::parse_error, "exchangeInfo " + venue_symbol + ": field 'filters' missing");
    }
    bool has_price = false;
    bool has_lot = false;
    for (const auto& filter : *filters) {
      auto type = json_string(filter, "filterType");
      if (!type) continue;
      if (type.value() == "PRICE_FILTER") {
        PB_TRY(tick, json_decimal(filter, "tickSize"));
        instrument.tick_size = tick.normalized();
        has_price = true;
      } else if (type.value() == "LOT_SIZE") {
        PB_TRY(step, json_decimal(filter, "stepSize"));
        instrument.step_size = step.normalized();
        instrument.min_qty = optional_decimal(filter, "minQty").normalized();
        has_lot = true;
      } else if (type.value() == "MIN_NOTIONAL") {
        instrument.min_notional = optional_decimal(filter, "notional").normalized();
      }
    }
    if (!has_price || !has_lot || instrument.tick_size.sign() <= 0 || instrument.step_size.sign() <= 0) {
      return make_error(Errc::parse_error,
                        "exchangeInfo " + venue_symbol + ": PRICE_FILTER tickSize and LOT_SIZE stepSize required");
    }
    instrument.spec.venue = venue_id;
    instrument.spec.symbol = canonical;
    instrument.spec.kind = "PERP";
    instrument.spec.tick_size = instrument.tick_size.to_double();
    instrument.spec.lot_size = instrument.step_size.to_double();
    instrument.spec.min_notional = instrument.min_notional.to_double();
    out.push_back(std::move(instrument));
  }
  return out;
}

Result<std::int64_t> parse_server_time_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  return int_field(document, "serverTime");
}

Result<std::string> parse_listen_key_text(std::string_view text) {
  PB_TRY(document, parse_text(text));
  return json_string(document, "listenKey");
}

Result<FundingInfo> parse_mark_price(const json& frame) {
  const json& event = unwrap_stream(frame);
  PB_TRY(venue_symbol, json_string(event, "s"));
  PB_TRY(symbol, from_venue_symbol(venue_symbol));
  PB_TRY(mark, json_decimal(event, "p"));
  FundingInfo info;
  info.symbol = std::move(symbol);
  info.mark_price = mark;
  info.index_price = optional_decimal(event, "i");
  info.funding_rate = optional_decimal(event, "r");
  info.next_funding_time = optional_time(event, "T");
  return info;
}

Result<OrderTradeUpdate> parse_order_trade_update(const json& frame) {
  const json& event = unwrap_stream(frame);
  auto o = event.find("o");
  if (o == event.end() || !o->is_object()) return make_error(Errc::parse_error, "ORDER_TRADE_UPDATE: field 'o' missing");
  const json& body = *o;
  PB_TRY(venue_symbol, json_string(body, "s"));
  PB_TRY(symbol, from_venue_symbol(venue_symbol));
  PB_TRY(client_id, json_string(body, "c"));
  PB_TRY(order_id, id_field(body, "i"));
  PB_TRY(side_text, json_string(body, "S"));
  PB_TRY(side, parse_side(side_text));
  PB_TRY(type_text, json_string(body, "o"));
  PB_TRY(execution, json_string(body, "x"));
  PB_TRY(status_text, json_string(body, "X"));
  PB_TRY(status, parse_order_status(status_text));
  PB_TRY(quantity, json_decimal(body, "q"));
  PB_TRY(cumulative, json_decimal(body, "z"));

  OrderTradeUpdate update;
  update.execution_type = execution;
  OrderState& order = update.order;
  order.symbol = symbol;
  order.client_order_id = client_id;
  order.venue_order_id = order_id;
  order.side = side;
  // LIQUIDATION and other exchange-side types are reported as market orders.
  auto type = parse_order_type(type_text);
  order.type = type ? type.value() : OrderType::market;
  auto tif_text = json_string(body, "f");
  if (tif_text) {
    auto tif = parse_time_in_force(tif_text.value());
    if (tif) order.time_in_force = tif.value();
  }
  if (order.type == OrderType::limit) order.price = optional_decimal(body, "p");
  order.quantity = quantity;
  order.filled_quantity = cumulative;
  order.average_price = optional_decimal(body, "ap");
  order.status = status;
  auto reduce_only = json_bool(body, "R");
  order.reduce_only = reduce_only ? reduce_only.value() : false;
  order.updated_at = body.contains("T") ? optional_time(body, "T") : optional_time(event, "E");

  if (execution == "TRADE" || execution == "CALCULATED") {
    PB_TRY(last_qty, json_decimal(body, "l"));
    if (last_qty.sign() > 0) {
      PB_TRY(last_price, json_decimal(body, "L"));
      PB_TRY(trade_id, id_field(body, "t"));
      Fill fill;
      fill.symbol = symbol;
      fill.client_order_id = client_id;
      fill.venue_order_id = order_id;
      fill.trade_id = std::move(trade_id);
      fill.side = side;
      fill.price = last_price;
      fill.quantity = last_qty;
      // Binance reports the commission as a positive amount paid; a rebate is negative.
      fill.fee = optional_decimal(body, "n");
      auto fee_asset = json_string(body, "N");
      fill.fee_asset = fee_asset ? fee_asset.value() : std::string();
      auto maker = json_bool(body, "m");
      fill.maker = maker ? maker.value() : false;
      fill.realized_pnl = optional_decimal(body, "rp");
      fill.ts = order.updated_at;
      update.fill = std::move(fill);
    }
  }
  return update;
}

Result<AccountUpdate> parse_account_update(const json& frame) {
  const json& event = unwrap_stream(frame);
  auto a = event.find("a");
  if (a == event.end() || !a->is_object()) return make_error(Errc::parse_error, "ACCOUNT_UPDATE: field 'a' missing");
  const UtcTime at = event.contains("T") ? optional_time(event, "T") : optional_time(event, "E");
  AccountUpdate update;
  auto reason = json_string(*a, "m");
  update.reason = reason ? reason.value() : std::string();
  if (auto balances = a->find("B"); balances != a->end() && balances->is_array()) {
    for (const auto& item : *balances) {
      PB_TRY(asset, json_string(item, "a"));
      PB_TRY(wallet, json_decimal(item, "wb"));
      PB_TRY(cross, json_decimal(item, "cw"));
      update.balances.push_back(Balance{std::move(asset), wallet, cross, at});
    }
  }
  if (auto positions = a->find("P"); positions != a->end() && positions->is_array()) {
    for (const auto& item : *positions) {
      PB_TRY(venue_symbol, json_string(item, "s"));
      auto symbol = from_venue_symbol(venue_symbol);
      if (!symbol) continue;
      PB_TRY(amount, json_decimal(item, "pa"));
      PB_TRY(entry, json_decimal(item, "ep"));
      Position position;
      position.symbol = std::move(symbol.value());
      position.quantity = amount;
      position.entry_price = entry;
      position.unrealized_pnl = optional_decimal(item, "up");
      position.updated_at = at;
      update.positions.push_back(std::move(position));
    }
  }
  return update;
}

}  // namespace propbot::venues::binance
