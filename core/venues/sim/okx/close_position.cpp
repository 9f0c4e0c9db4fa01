// OKX POST /api/v5/trade/close-position: closes the whole net position of one instrument
// with a market reduce-only order (so it can never flip the position), optionally
// cancelling the instrument's pending orders first (autoCxl=true). Validation and codes
// as OKX: instId (51001), mgnMode required (51000), posSide only "net" (51000), no
// position → 51023; refused while the venue is read-only (50001). Answers
// {"code":"0","data":[{instId, posSide, clOrdId, tag}]}; the order itself shows on the
// orders channel and in trade/order as any other.
//
// Not emulated: OKX's refusal when pending close orders exist and autoCxl is false.

#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

net::HttpResponse OkxSimVenue::post_close_position(const net::HttpRequest& request, const std::string& account) {
  net::HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  if (!body->is_object()) return top_level_error("51000", "Parameter error");
  if (auto refused = refuse_writes()) return *refused;
  const Instrument* instrument = instrument_by_inst_id(string_field(*body, "instId").value_or(""));
  if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
  const std::string mgn_mode = string_field(*body, "mgnMode").value_or("");
  if (mgn_mode != "cross" && mgn_mode != "isolated") return top_level_error("51000", "Parameter mgnMode error");
  const std::string pos_side = string_field(*body, "posSide").value_or("");
  if (!pos_side.empty() && pos_side != "net") return top_level_error("51000", "Parameter posSide error");
  const std::string cl_ord_id = string_field(*body, "clOrdId").value_or("");
  const std::string tag = string_field(*body, "tag").value_or("");

  const std::string& symbol = instrument->rules.symbol;
  const Position position = core_.accounts().position(account, symbol);
  if (position.quantity.is_zero()) return top_level_error("51023", "Position does not exist");
  const UtcTime now = clock_.utc();
  std::vector<Event> events;
  if (string_field(*body, "autoCxl").value_or("false") == "true") core_.cancel_all(account, symbol, now, events);
  OrderRequest close;
  close.symbol = symbol;
  close.side = position.quantity.is_negative() ? OrderSide::buy : OrderSide::sell;
  close.type = OrderType::market;
  close.time_in_force = TimeInForce::ioc;
  close.quantity = position.quantity.abs().ok() ? *position.quantity.abs() : position.quantity;
  close.reduce_only = true;
  close.client_order_id = cl_ord_id;
  auto placed = core_.place(account, close, now, events);
  if (placed) {
    OrderExtra& extra = extras_[{placed->symbol, placed->venue_order_id}];
    if (extra.created == UtcTime{}) extra.created = now;
    extra.auto_client_id = cl_ord_id.empty();
  }
  push_events(events, now);
  if (!placed) return top_level_error("51000", "Close position failed: " + placed.error().venue_message);
  return make_response(200, wire::ok_body(json::array(
                                {json{{"instId", instrument->inst_id}, {"posSide", pos_side}, {"clOrdId", cl_ord_id},
                                      {"tag", tag}}})));
}

}  // namespace propbot::venues::sim::okx_frontend
