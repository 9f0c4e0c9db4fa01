// OKX order management: cancel-order, cancel-batch-orders, the order query (including
// post-only orders canceled on arrival), orders-pending and cancel-all-after (the
// dead-man switch, fired by the market tick). Guarantees: cancels are refused while the
// venue is read-only (fault gate); unknown orders answer 51603, ended ones 51400.

#include "core/venues/sim/okx/frontend.hpp"

#include <exception>
#include <set>

namespace propbot::venues::sim::okx_frontend {

json OkxSimVenue::cancel_one(const std::string& account, const json& item, UtcTime now, std::vector<Event>& events) {
  const std::string ord_id = item.is_object() ? string_field(item, "ordId").value_or("") : "";
  const std::string cl_ord_id = item.is_object() ? string_field(item, "clOrdId").value_or("") : "";
  const auto fail = [&](std::string_view code, std::string_view msg) {
    return order_item(ord_id, cl_ord_id, code, msg, now);
  };
  const Instrument* instrument =
      instrument_by_inst_id(item.is_object() ? string_field(item, "instId").value_or("") : "");
  if (instrument == nullptr) return fail("51001", "Instrument ID doesn't exist");
  if (ord_id.empty() && cl_ord_id.empty()) return fail("51000", "Parameter ordId or clOrdId error");
  OrderRef ref;
  if (!ord_id.empty()) {
    if (synthetic_.count(ord_id))
      return fail("51400", "Cancellation failed: order filled, canceled or does not exist");
    try {
      ref = OrderRef::by_venue_id(std::stoll(ord_id));
    } catch (const std::exception&) {
      return fail("51000", "Parameter ordId error");
    }
  } else {
    ref = OrderRef::by_client_id(cl_ord_id);
  }
  auto outcome = core_.cancel(account, instrument->rules.symbol, ref, now, events);
  if (!outcome) {
    const bool known =
        core_.order(account, instrument->rules.symbol, ref).ok() || find_synthetic(account, ord_id, cl_ord_id);
    if (known) return fail("51400", "Cancellation failed: order filled, canceled or does not exist");
    return fail("51603", "Order does not exist");
  }
  return order_item(outcome->venue_order_id, client_id_of(outcome.value()), "0", "", now);
}

net::HttpResponse OkxSimVenue::post_cancel_order(const net::HttpRequest& request, const std::string& account) {
  return trade_request(request, /*batch=*/false, [&](const json& item, UtcTime in_time, std::vector<Event>& events) {
    return cancel_one(account, item, in_time, events);
  });
}

net::HttpResponse OkxSimVenue::post_cancel_batch(const net::HttpRequest& request, const std::string& account) {
  return trade_request(request, /*batch=*/true, [&](const json& item, UtcTime in_time, std::vector<Event>& events) {
    return cancel_one(account, item, in_time, events);
  });
}

const SyntheticOrder* OkxSimVenue::find_synthetic(const std::string& account, const std::string& ord_id,
                                     const std::string& cl_ord_id) const {
  if (!ord_id.empty()) {
    auto it = synthetic_.find(ord_id);
    return it != synthetic_.end() && it->second.account == account ? &it->second : nullptr;
  }
  if (cl_ord_id.empty()) return nullptr;
  auto newest = synthetic_by_client_.find({account, cl_ord_id});
  if (newest == synthetic_by_client_.end()) return nullptr;
  auto it = synthetic_.find(newest->second);
  return it != synthetic_.end() ? &it->second : nullptr;
}

net::HttpResponse OkxSimVenue::get_order(const net::HttpRequest& request, const std::string& account) {
  auto inst_id = request.query.find("instId");
  if (inst_id == request.query.end()) return top_level_error("51000", "Parameter instId error");
  const Instrument* instrument = instrument_by_inst_id(inst_id->second);
  if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
  const std::string ord_id = request.query.count("ordId") ? request.query.at("ordId") : "";
  const std::string cl_ord_id = request.query.count("clOrdId") ? request.query.at("clOrdId") : "";
  if (ord_id.empty() && cl_ord_id.empty()) return top_level_error("51000", "Parameter ordId or clOrdId error");
  std::optional<OrderState> found;
  if (!ord_id.empty()) {
    try {
      auto outcome = core_.order(account, instrument->rules.symbol, OrderRef::by_venue_id(std::stoll(ord_id)));
      if (outcome) found = outcome.value();
    } catch (const std::exception&) {
      return top_level_error("51000", "Parameter ordId error");
    }
  } else {
    auto outcome = core_.order(account, instrument->rules.symbol, OrderRef::by_client_id(cl_ord_id));
    if (outcome) found = outcome.value();
  }
  if (!found) {
    if (const SyntheticOrder* synthetic = find_synthetic(account, ord_id, cl_ord_id)) found = synthetic->state;
  }
  if (!found) return top_level_error("51603", "Order does not exist");
  return make_response(200, wire::ok_body(json::array({order_json(account, *found, false)})));
}

net::HttpResponse OkxSimVenue::get_orders_pending(const net::HttpRequest& request, const std::string& account) {
  std::optional<std::string> symbol;
  if (auto inst_id = request.query.find("instId"); inst_id != request.query.end()) {
    const Instrument* instrument = instrument_by_inst_id(inst_id->second);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    symbol = instrument->rules.symbol;
  }
  const std::string ord_type = request.query.count("ordType") ? request.query.at("ordType") : "";
  const std::string state = request.query.count("state") ? request.query.at("state") : "";
  std::vector<OrderState> orders = core_.open_orders(account, symbol);
  json data = json::array();
  for (auto it = orders.rbegin(); it != orders.rend() && data.size() < 100; ++it) {
    json item = order_json(account, *it, false);
    if (!ord_type.empty() && item["ordType"] != ord_type) continue;
    if (!state.empty() && item["state"] != state) continue;
    data.push_back(std::move(item));
  }
  return make_response(200, wire::ok_body(data));
}

net::HttpResponse OkxSimVenue::post_cancel_all_after(const net::HttpRequest& request, const std::string& account) {
  net::HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  const auto timeout_text = body->is_object() ? string_field(*body, "timeOut") : std::nullopt;
  int timeout_s = -1;
  try {
    if (timeout_text) timeout_s = std::stoi(*timeout_text);
  } catch (const std::exception&) {
    timeout_s = -1;
  }
  if (timeout_s != 0 && (timeout_s < 10 || timeout_s > 120))
    return top_level_error("51000", "Parameter timeOut error");
  // A tag-level switch would cancel only that tag's orders; arming the account-level one
  // instead would cancel more than asked, so it is refused.
  if (!string_field(*body, "tag").value_or("").empty()) {
    return top_level_error("51000", "Parameter tag error: tag-level Cancel All After is not simulated");
  }
  const UtcTime now = clock_.utc();
  std::string trigger = "0";
  if (timeout_s == 0) {
    dead_man_.erase(account);
  } else {
    dead_man_[account] = now + std::chrono::seconds(timeout_s);
    trigger = wire::ms_text(dead_man_[account]);
  }
  return make_response(
      200, wire::ok_body(json::array({json{{"triggerTime", trigger}, {"tag", ""}, {"ts", wire::ms_text(now)}}})));
}

}  // namespace propbot::venues::sim::okx_frontend
