// Binance order entry: POST /fapi/v1/order and /fapi/v1/batchOrders — parameter
// validation in the venue's order and wording, the fault gate's maintenance / read-only /
// reject_nth_order refusals, and the placement itself. selfTradePreventionMode, when
// sent, must be one of the venue's modes (self_trade_prevention.hpp; NONE and unknown
// ones → -5039); the matching core itself always expires the taker. Guarantees: an order the venue
// would refuse never reaches the exchange core; order counts are charged per request.

#include "core/venues/sim/binance/frontend.hpp"

#include <optional>
#include <string_view>

#include "core/common/json_util.hpp"
#include "core/venues/binance/errors.hpp"
#include "core/venues/self_trade_prevention.hpp"

namespace propbot::venues::sim::binance_frontend {

json BinanceSimVenue::place(const std::string& account, const Params& p, UtcTime utc, bool& ok, int& http_status) {
  ok = false;
  auto fail = [&](int code, std::string_view msg = {}) {
    ++orders_rejected_;
    auto [status, body] = bn::error_body(code, msg);
    http_status = status;
    return json::parse(body);
  };
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = p.find(key);
    if (it == p.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  switch (faults_.refuse_writes()) {
    case WriteRefusal::maintenance:
      return fail(-1016, "Service is under maintenance.");
    case WriteRefusal::read_only:
      return fail(-1016, "This service is no longer available: the venue is read-only.");
    case WriteRefusal::none:
      break;
  }

  std::string canonical;
  if (symbol_from(p, canonical) == nullptr) {
    return get("symbol") ? fail(-1121, "Invalid symbol.") : fail(-1102, mandatory_message("symbol"));
  }
  OrderRequest request;
  request.symbol = canonical;
  auto side_text = get("side");
  if (!side_text) return fail(-1102, mandatory_message("side"));
  auto side = bn::parse_side(*side_text);
  if (!side) return fail(-1117, "Invalid side.");
  request.side = *side;
  auto type_text = get("type");
  if (!type_text) return fail(-1102, mandatory_message("type"));
  auto type = bn::parse_order_type(*type_text);
  if (!type) return fail(-1116, "Invalid orderType.");
  request.type = *type;
  if (request.type == OrderType::limit) {
    auto tif_text = get("timeInForce");
    if (!tif_text) return fail(-1102, mandatory_message("timeInForce"));
    auto tif = bn::parse_time_in_force(*tif_text);
    if (!tif) return fail(-1115, "Invalid timeInForce.");
    request.time_in_force = *tif;
    auto price_text = get("price");
    if (!price_text) return fail(-1102, mandatory_message("price"));
    auto price = Decimal::parse(*price_text);
    if (!price) return fail(-1102, mandatory_message("price"));
    if (price->sign() <= 0) return fail(-4013, "Price less than min price.");
    request.price = *price;
  } else {
    if (get("price")) return fail(-1106, "Parameter 'price' sent when not required.");
    request.time_in_force = TimeInForce::ioc;
  }
  auto quantity_text = get("quantity");
  if (!quantity_text) return fail(-1102, mandatory_message("quantity"));
  auto quantity = Decimal::parse(*quantity_text);
  if (!quantity) return fail(-1102, mandatory_message("quantity"));
  if (quantity->sign() <= 0) return fail(-4003, "Quantity less than or equal to zero.");
  request.quantity = *quantity;
  if (auto reduce = get("reduceOnly")) {
    if (*reduce != "true" && *reduce != "false") return fail(-1102, mandatory_message("reduceOnly"));
    request.reduce_only = *reduce == "true";
  }
  if (auto position_side = get("positionSide"); position_side && *position_side != "BOTH") {
    return fail(-4061, "Order's position side does not match user's setting.");
  }
  if (auto stp = get("selfTradePreventionMode"); stp && !is_stp_mode("binance", *stp)) {
    return fail(-5039, "Invalid self trade prevention mode.");
  }
  if (auto client_id = get("newClientOrderId")) {
    if (!bn::validate_client_order_id(*client_id).ok()) return fail(-4015, "Client order id is not valid.");
    request.client_order_id = *client_id;
  }
  if (faults_.take_order_rejection()) {
    const auto code = to_int(faults_.reject_code());
    return fail(code.value_or(-2010), code ? std::string_view{} : std::string_view("New order rejected."));
  }

  std::vector<Event> events;
  const bool capped = cap_first_match(request, utc, events);
  auto placed = core_.place(account, request, utc, events);
  if (capped) restore_liquidity(request, placed, utc, events);
  deliver(events, utc);
  if (!placed) {
    auto [code, msg] = wire::reject_code(placed.rejection());
    return fail(code, msg);
  }
  ++orders_placed_;
  ok = true;
  http_status = 200;
  return wire::order_json(placed.value(), to_unix_ms(utc));
}

net::HttpResponse BinanceSimVenue::new_order(Call& call) {
  orders_10s_.add(call.account, call.now, 1);
  orders_1m_.add(call.account, call.now, 1);
  bool ok = false;
  int status = 200;
  json answer = place(call.account, call.params, call.utc, ok, status);
  net::HttpResponse response;
  response.status = status;
  response.body = answer.dump();
  return response;
}

net::HttpResponse BinanceSimVenue::batch_orders(Call& call) {
  orders_10s_.add(call.account, call.now, 5);
  orders_1m_.add(call.account, call.now, 1);
  auto it = call.params.find("batchOrders");
  if (it == call.params.end()) return binance_error(-1102, mandatory_message("batchOrders"));
  json list = parse_json_or_discarded(it->second);
  if (!list.is_array() || list.empty()) return binance_error(-1102, mandatory_message("batchOrders"));
  if (list.size() > 5) return binance_error(-4079, "Invalid batch order size: at most 5 orders.");
  json out = json::array();
  for (const auto& item : list) {
    if (!item.is_object()) {
      out.push_back(json::parse(bn::error_body(-1102, mandatory_message("batchOrders")).second));
      continue;
    }
    Params p;
    for (const auto& [key, value] : item.items()) {
      p[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    bool ok = false;
    int status = 200;
    out.push_back(place(call.account, p, call.utc, ok, status));
  }
  return ok_json(out);
}

}  // namespace propbot::venues::sim::binance_frontend
