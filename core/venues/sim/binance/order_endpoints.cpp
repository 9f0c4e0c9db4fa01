// Binance order management endpoints: query, cancel, cancel-all, open orders and the
// countdownCancelAll dead-man switch. Guarantees: cancels are refused while the venue is
// in maintenance or read-only (fault gate); answers use the venue's codes (-2011, -2013).

#include "core/venues/sim/binance/frontend.hpp"

#include <chrono>

namespace propbot::venues::sim::binance_frontend {

std::optional<OrderRef> BinanceSimVenue::order_ref(const Params& params) const {
  if (auto it = params.find("orderId"); it != params.end() && !it->second.empty()) {
    auto id = to_int(it->second);
    if (!id) return std::nullopt;
    return OrderRef::by_venue_id(*id);
  }
  if (auto it = params.find("origClientOrderId"); it != params.end() && !it->second.empty()) {
    return OrderRef::by_client_id(it->second);
  }
  return std::nullopt;
}

net::HttpResponse BinanceSimVenue::query_order(Call& call) {
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto ref = order_ref(call.params);
  if (!ref) return binance_error(-1102, "Either orderId or origClientOrderId must be sent.");
  auto found = core_.order(call.account, canonical, *ref);
  if (!found) return binance_error(-2013);
  return ok_json(wire::order_json(found.value(), to_unix_ms(found->updated_at)));
}

net::HttpResponse BinanceSimVenue::cancel_order(Call& call) {
  if (faults_.refuse_writes() != WriteRefusal::none) return binance_error(-1016, "Service is under maintenance.");
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto ref = order_ref(call.params);
  if (!ref) return binance_error(-1102, "Either orderId or origClientOrderId must be sent.");
  std::vector<Event> events;
  auto canceled = core_.cancel(call.account, canonical, *ref, call.utc, events);
  deliver(events, call.utc);
  if (!canceled) return binance_error(-2011);
  return ok_json(wire::order_json(canceled.value(), call.server_ms));
}

net::HttpResponse BinanceSimVenue::cancel_all(Call& call) {
  if (faults_.refuse_writes() != WriteRefusal::none) return binance_error(-1016, "Service is under maintenance.");
  std::string canonical;
  if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
  std::vector<Event> events;
  (void)core_.cancel_all(call.account, canonical, call.utc, events);
  deliver(events, call.utc);
  return ok_json(json{{"code", 200}, {"msg", "The operation of cancel all open order is done."}});
}

net::HttpResponse BinanceSimVenue::open_orders(Call& call) {
  std::optional<std::string> filter;
  if (call.params.count("symbol")) {
    std::string canonical;
    if (symbol_from(call.params, canonical) == nullptr) return binance_error(-1121, "Invalid symbol.");
    filter = canonical;
  }
  json out = json::array();
  for (const auto& order : core_.open_orders(call.account, filter)) {
    out.push_back(wire::order_json(order, to_unix_ms(order.updated_at)));
  }
  return ok_json(out);
}

net::HttpResponse BinanceSimVenue::countdown_cancel_all(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) return binance_error(-1121, "Invalid symbol.");
  auto countdown = call.params.count("countdownTime") ? to_int(call.params["countdownTime"]) : std::nullopt;
  if (!countdown || *countdown < 0) return binance_error(-1102, mandatory_message("countdownTime"));
  const auto key = std::make_pair(call.account, canonical);
  if (*countdown == 0) {
    countdowns_.erase(key);
  } else {
    countdowns_[key] = call.now + std::chrono::milliseconds(*countdown);
  }
  return ok_json(json{{"symbol", symbol->venue_symbol}, {"countdownTime", std::to_string(*countdown)}});
}

}  // namespace propbot::venues::sim::binance_frontend
