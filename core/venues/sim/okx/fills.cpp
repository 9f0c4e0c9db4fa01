// OKX GET /api/v5/trade/fills from the exchange core's TradeHistory: filters, billId
// cursors and limits as OKX documents them, newest first.

#include "core/venues/sim/okx/frontend.hpp"

#include <charconv>
#include <map>
#include <set>

namespace propbot::venues::sim::okx_frontend {

// GET /api/v5/trade/fills ("Transaction details, last 3 days"): the account's fills,
// newest first. instType (SWAP; another listed type answers no fills), instId,
// ordId, begin / end (ts, ms, inclusive), after / before (billId: older / newer than
// it; with `before` the `limit` fills just above it), limit 1..100 (default 100).
// Bad values answer 51000 "Parameter <name> error"; an unknown instId 51001. fee is
// negative when charged, as OKX sends it; fillSz in contracts.
net::HttpResponse OkxSimVenue::get_fills(const net::HttpRequest& request, const std::string& account) {
  const auto param = [&](const char* key) -> std::optional<std::string> {
    auto it = request.query.find(key);
    if (it == request.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  std::map<std::string, std::int64_t> numbers;
  for (const char* key : {"after", "before", "begin", "end", "limit"}) {
    const auto text = param(key);
    if (!text) continue;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) {
      return top_level_error("51000", std::string("Parameter ") + key + " error");
    }
    numbers[key] = value;
  }
  const auto number = [&](const char* key) -> std::optional<std::int64_t> {
    auto it = numbers.find(key);
    return it == numbers.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
  };
  const std::int64_t limit = number("limit").value_or(100);
  if (limit < 1 || limit > 100) return top_level_error("51000", "Parameter limit error");
  static const std::set<std::string> kInstTypes = {"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"};
  const auto inst_type = param("instType");
  if (inst_type && !kInstTypes.count(*inst_type)) return top_level_error("51000", "Parameter instType error");
  std::optional<std::string> symbol;
  if (const auto inst_id = param("instId")) {
    const Instrument* instrument = instrument_by_inst_id(*inst_id);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    symbol = instrument->rules.symbol;
  }
  const auto ord_id = param("ordId");
  std::vector<TradeRecord> selected;
  if (!inst_type || *inst_type == "SWAP") {
    for (const TradeRecord& record : core_.trades(account, symbol)) {
      const std::int64_t ts = to_unix_ms(record.fill.ts);
      if (ord_id && record.fill.venue_order_id != *ord_id) continue;
      if (number("begin") && ts < *number("begin")) continue;
      if (number("end") && ts > *number("end")) continue;
      if (number("after") && record.sequence >= *number("after")) continue;
      if (number("before") && record.sequence <= *number("before")) continue;
      selected.push_back(record);
    }
  }
  // `selected` is oldest first: keep the `limit` nearest the cursor, answer newest first.
  const auto count = static_cast<std::size_t>(limit);
  if (selected.size() > count) {
    if (number("before") && !number("after")) {
      selected.resize(count);
    } else {
      selected.erase(selected.begin(), selected.end() - static_cast<std::ptrdiff_t>(count));
    }
  }
  json data = json::array();
  for (auto it = selected.rbegin(); it != selected.rend(); ++it) data.push_back(fill_json(*it));
  return make_response(200, wire::ok_body(data));
}

}  // namespace propbot::venues::sim::okx_frontend
