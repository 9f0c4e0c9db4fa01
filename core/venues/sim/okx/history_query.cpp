// The filters and billId cursor OKX's history lists share (GET /api/v5/trade/fills and
// GET /api/v5/account/bills): parsed once here with OKX's error answers, applied by
// each list to its own records.

#include "core/venues/sim/okx/frontend.hpp"

#include <charconv>
#include <set>

namespace propbot::venues::sim::okx_frontend {

bool HistoryQuery::admits(std::int64_t bill_id, UtcTime ts) const {
  const std::int64_t ms = to_unix_ms(ts);
  if (begin && ms < *begin) return false;
  if (end && ms > *end) return false;
  if (after && bill_id >= *after) return false;
  if (before && bill_id <= *before) return false;
  return true;
}

std::optional<net::HttpResponse> OkxSimVenue::parse_history_query(const net::HttpRequest& request,
                                                                  HistoryQuery& query) const {
  const auto param = [&](const char* key) -> std::optional<std::string> {
    auto it = request.query.find(key);
    if (it == request.query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  const auto bad = [](const char* key) { return top_level_error("51000", std::string("Parameter ") + key + " error"); };
  for (auto [key, field] : {std::pair{"begin", &HistoryQuery::begin}, std::pair{"end", &HistoryQuery::end},
                            std::pair{"after", &HistoryQuery::after}, std::pair{"before", &HistoryQuery::before}}) {
    const auto text = param(key);
    if (!text) continue;
    std::int64_t value = 0;
    const auto [last, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || last != text->data() + text->size()) return bad(key);
    query.*field = value;
  }
  if (const auto text = param("limit")) {
    std::int64_t value = 0;
    const auto [last, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || last != text->data() + text->size() || value < 1 || value > 100) return bad("limit");
    query.limit = static_cast<std::size_t>(value);
  }
  static const std::set<std::string> kInstTypes = {"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"};
  query.inst_type = param("instType");
  if (query.inst_type && !kInstTypes.count(*query.inst_type)) return bad("instType");
  if (const auto inst_id = param("instId")) {
    const Instrument* instrument = instrument_by_inst_id(*inst_id);
    if (instrument == nullptr) return top_level_error("51001", "Instrument ID doesn't exist");
    query.symbol = instrument->rules.symbol;
  }
  return std::nullopt;
}

}  // namespace propbot::venues::sim::okx_frontend
