// OKX GET /api/v5/trade/fills from the exchange core's TradeHistory: filters, billId
// cursors and limits as OKX documents them (history_query.cpp), newest first.

#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

// GET /api/v5/trade/fills ("Transaction details, last 3 days"): the account's fills,
// newest first. instType (SWAP; another listed type answers no fills), instId,
// ordId, begin / end (ts, ms, inclusive), after / before (billId: older / newer than
// it; with `before` the `limit` fills just above it), limit 1..100 (default 100).
// Bad values answer 51000 "Parameter <name> error"; an unknown instId 51001. fee is
// negative when charged, as OKX sends it; fillSz in contracts.
net::HttpResponse OkxSimVenue::get_fills(const net::HttpRequest& request, const std::string& account) {
  HistoryQuery query;
  if (auto refused = parse_history_query(request, query)) return *refused;
  const auto ord_id = request.query.find("ordId");
  const bool by_order = ord_id != request.query.end() && !ord_id->second.empty();
  std::vector<TradeRecord> selected;
  if (query.wants_swaps()) {
    for (const TradeRecord& record : core_.trades(account, query.symbol)) {
      if (by_order && record.fill.venue_order_id != ord_id->second) continue;
      if (query.admits(record.sequence, record.fill.ts)) selected.push_back(record);
    }
  }
  query.keep_page(selected);
  json data = json::array();
  for (auto it = selected.rbegin(); it != selected.rend(); ++it) data.push_back(fill_json(*it));
  return make_response(200, wire::ok_body(data));
}

}  // namespace propbot::venues::sim::okx_frontend
