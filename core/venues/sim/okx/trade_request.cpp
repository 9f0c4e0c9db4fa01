// The shape every OKX trade POST shares (order, batch-orders, cancel-order,
// cancel-batch-orders): parse the body, check a batch's size, refuse writes while the
// venue is read-only (fault gate), handle each item at one in-time, push the events,
// answer {"code","msg","data","inTime","outTime"} with code 0/1/2 from the items (B4).

#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

std::optional<net::HttpResponse> OkxSimVenue::refuse_writes() const {
  if (faults_.refuse_writes() != WriteRefusal::none) return error_response("50001");
  return std::nullopt;
}

net::HttpResponse OkxSimVenue::trade_request(const net::HttpRequest& request, bool batch, const TradeItem& one) {
  net::HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  if (batch && (!body->is_array() || body->empty() || body->size() > kMaxBatch)) {
    return top_level_error("51000", "Parameter error: 1 to 20 orders per batch");
  }
  if (auto refused = refuse_writes()) return *refused;
  const UtcTime in_time = clock_.utc();
  std::vector<Event> events;
  json data = json::array();
  if (batch) {
    for (const json& item : *body) data.push_back(one(item, in_time, events));
  } else {
    data.push_back(one(*body, in_time, events));
  }
  push_events(events, in_time);
  return make_response(200, wire::trade_body(data, in_time, clock_.utc()));
}

}  // namespace propbot::venues::sim::okx_frontend
