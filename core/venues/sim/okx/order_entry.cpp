// OKX order entry: trade/order and trade/batch-orders (≤ 20, duplicate clOrdIds in a
// batch refused), each item validated in OKX's order with its sCode, the fault gate's
// read-only and reject_nth_order refusals, and post-only orders that would take
// accepted then canceled (cancelSource 31) as OKX does. stpMode, when sent, must be
// cancel_maker, cancel_taker or cancel_both, and cancel_both not on a FOK order (51000
// "Parameter stpMode error"); the matching core itself always cancels the taker.

#include "core/venues/sim/okx/frontend.hpp"

#include <set>

#include "core/venues/okx/symbols.hpp"
#include "core/venues/self_trade_prevention.hpp"

namespace propbot::venues::sim::okx_frontend {

namespace {

std::string_view okx_code(RejectReason reason) {
  switch (reason) {
    case RejectReason::duplicate_client_id:
      return "51016";
    case RejectReason::insufficient_margin:
      return "51008";
    case RejectReason::notional_below_min:
      return "51020";
    case RejectReason::quantity_below_min:
      return "51020";
    case RejectReason::invalid_quantity:
      return "51121";
    case RejectReason::unknown_symbol:
      return "51001";
    case RejectReason::reduce_only_rejected:
      return "51169";
    case RejectReason::unknown_order:
      return "51603";
    default:
      return "51000";
  }
}

std::string okx_message(RejectReason reason, const std::string& fallback) {
  switch (reason) {
    case RejectReason::duplicate_client_id:
      return "Client order ID already exists.";
    case RejectReason::insufficient_margin:
      return "Order failed. Insufficient USDT margin in account";
    case RejectReason::notional_below_min:
    case RejectReason::quantity_below_min:
      return "Below the minimum order amount";
    case RejectReason::invalid_quantity:
      return "Order quantity must be a multiple of the lot size";
    case RejectReason::unknown_symbol:
      return "Instrument ID doesn't exist";
    case RejectReason::reduce_only_rejected:
      return "Order failed because you don't have any positions in this direction for this contract to reduce or "
             "close";
    case RejectReason::missing_price:
    case RejectReason::invalid_price:
      return "Parameter px error";
    case RejectReason::invalid_client_id:
      return "Parameter clOrdId error";
    default:
      return fallback;
  }
}

}  // namespace

// Places one order item; appends events; returns the data[] item.
json OkxSimVenue::place_one(const std::string& account, const json& item, UtcTime now, std::vector<Event>& events) {
  const std::string cl_ord_id = string_field(item, "clOrdId").value_or("");
  const auto fail = [&](std::string_view code, std::string msg) { return order_item("", cl_ord_id, code, msg, now); };
  if (!item.is_object()) return fail("51000", "Parameter error");
  ++counters_.orders;
  if (faults_.take_order_rejection()) {
    const std::string code = faults_.reject_code().empty() ? "51000" : faults_.reject_code();
    return fail(code, "Order rejected (simulated fault)");
  }
  const auto inst_id = string_field(item, "instId");
  if (!inst_id) return fail("51000", "Parameter instId error");
  const Instrument* instrument = instrument_by_inst_id(*inst_id);
  if (instrument == nullptr) return fail("51001", "Instrument ID doesn't exist");
  const auto td_mode = string_field(item, "tdMode");
  if (!td_mode || (*td_mode != "cross" && *td_mode != "isolated")) return fail("51000", "Parameter tdMode error");
  const auto side = venues::okx::parse_side(string_field(item, "side").value_or(""));
  if (!side) return fail("51000", "Parameter side error");
  const auto kind = venues::okx::parse_ord_type(string_field(item, "ordType").value_or(""));
  if (!kind) return fail("51000", "Parameter ordType error");
  if (auto pos_side = string_field(item, "posSide"); pos_side && !pos_side->empty() && *pos_side != "net") {
    return fail("51000", "Parameter posSide error");
  }
  if (auto stp = string_field(item, "stpMode"); stp && !stp->empty()) {
    if (!is_stp_mode("okx", *stp) || (*stp == "cancel_both" && kind->time_in_force == TimeInForce::fok)) {
      return fail("51000", "Parameter stpMode error");
    }
  }
  const auto sz_text = string_field(item, "sz");
  auto sz = sz_text ? Decimal::parse(*sz_text) : Result<Decimal>(make_error(Errc::parse_error, "sz"));
  if (!sz || sz->sign() <= 0) return fail("51000", "Parameter sz error");
  auto quantity = wire::contracts_to_base(*sz, instrument->ct_val);
  if (!quantity) return fail("51000", "Parameter sz error");
  OrderRequest request;
  request.symbol = instrument->rules.symbol;
  request.side = *side;
  request.type = kind->type;
  request.time_in_force = kind->time_in_force;
  request.quantity = *quantity;
  if (kind->type == OrderType::limit) {
    const auto px_text = string_field(item, "px");
    auto px = px_text ? Decimal::parse(*px_text) : Result<Decimal>(make_error(Errc::parse_error, "px"));
    if (!px || px->sign() <= 0) return fail("51000", "Parameter px error");
    request.price = *px;
  }
  const std::string reduce_only = string_field(item, "reduceOnly").value_or("false");
  request.reduce_only = reduce_only == "true";
  if (!cl_ord_id.empty()) {
    if (!venues::okx::validate_client_order_id(cl_ord_id)) return fail("51000", "Parameter clOrdId error");
    request.client_order_id = cl_ord_id;
  }
  if (auto ratio = faults_.partial_fill_ratio()) thin_liquidity_for(request, *ratio, now, events);
  auto outcome = core_.place(account, request, now, events);
  if (!outcome) {
    if (outcome.reason() == RejectReason::post_only_would_take) {
      return accept_post_only_cancel(account, request, cl_ord_id, now);
    }
    return fail(okx_code(outcome.reason()), okx_message(outcome.reason(), outcome.error().venue_message));
  }
  OrderExtra& extra = extras_[{outcome->symbol, outcome->venue_order_id}];
  if (extra.created == UtcTime{}) extra.created = now;
  extra.auto_client_id = cl_ord_id.empty();
  return order_item(outcome->venue_order_id, cl_ord_id, "0", "Order placed", now);
}

// post_only that would take: accepted, then canceled with cancelSource 31 (B4, E).
json OkxSimVenue::accept_post_only_cancel(const std::string& account, const OrderRequest& request, const std::string& cl_ord_id,
                             UtcTime now) {
  OrderState state;
  state.symbol = request.symbol;
  state.venue_order_id = std::to_string(next_synthetic_id_++);
  state.client_order_id = cl_ord_id;
  state.side = request.side;
  state.type = request.type;
  state.time_in_force = request.time_in_force;
  state.price = request.price;
  state.quantity = request.quantity;
  state.status = OrderStatus::canceled;
  state.reduce_only = request.reduce_only;
  state.updated_at = now;
  OrderExtra& extra = extras_[{state.symbol, state.venue_order_id}];
  extra.created = now;
  extra.cancel_source = "31";
  extra.auto_client_id = cl_ord_id.empty();
  pending_pushes_.push_back({account, "orders", order_json(account, state, true)});
  if (auto key = api_key_of(account)) order_log_.accepted(*key, state, now);
  remember_synthetic(SyntheticOrder{account, state});
  return order_item(state.venue_order_id, cl_ord_id, "0", "Order placed", now);
}

void OkxSimVenue::remember_synthetic(SyntheticOrder order) {
  const std::string ord_id = order.state.venue_order_id;
  if (!order.state.client_order_id.empty()) {
    synthetic_by_client_[{order.account, order.state.client_order_id}] = ord_id;
  }
  synthetic_.insert_or_assign(ord_id, std::move(order));
  synthetic_order_ids_.push_back(ord_id);
  while (synthetic_order_ids_.size() > config_.max_closed_orders) {
    const std::string oldest = std::move(synthetic_order_ids_.front());
    synthetic_order_ids_.pop_front();
    auto it = synthetic_.find(oldest);
    if (it == synthetic_.end()) continue;
    extras_.erase({it->second.state.symbol, oldest});
    // A newer cancel with the same client id keeps its index entry.
    const auto key = std::make_pair(it->second.account, it->second.state.client_order_id);
    if (auto c = synthetic_by_client_.find(key); c != synthetic_by_client_.end() && c->second == oldest) {
      synthetic_by_client_.erase(c);
    }
    synthetic_.erase(it);
  }
}

net::HttpResponse OkxSimVenue::post_order(const net::HttpRequest& request, const std::string& account) {
  return trade_request(request, /*batch=*/false, [&](const json& item, UtcTime in_time, std::vector<Event>& events) {
    return place_one(account, item, in_time, events);
  });
}

net::HttpResponse OkxSimVenue::post_batch_orders(const net::HttpRequest& request, const std::string& account) {
  std::set<std::string> batch_ids;
  return trade_request(request, /*batch=*/true, [&](const json& item, UtcTime in_time, std::vector<Event>& events) {
    const std::string cl_ord_id = item.is_object() ? string_field(item, "clOrdId").value_or("") : "";
    if (!cl_ord_id.empty() && !batch_ids.insert(cl_ord_id).second) {
      return order_item("", cl_ord_id, "51016", "Client order ID already exists.", in_time);
    }
    return place_one(account, item, in_time, events);
  });
}

}  // namespace propbot::venues::sim::okx_frontend
