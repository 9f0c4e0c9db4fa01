// Binance GET /fapi/v1/userTrades (Account Trade List) from the exchange core's
// TradeHistory, with the official page's parameter rules and error codes.

#include "core/venues/sim/binance/frontend.hpp"

#include <limits>
#include <map>

namespace propbot::venues::sim::binance_frontend {

// Account Trade List (USER_DATA, weight 5), as the official page describes it:
// symbol required; fromId cannot be combined with startTime/endTime (-1128); at most
// 7 days between startTime and endTime (-1127); limit 1..1000, default 500 (-1130).
// With fromId: trades with id >= fromId; with startTime: the first `limit` trades from
// it (up to startTime + 7 days or endTime); otherwise the most recent `limit` of the 7
// days up to endTime (default now). Always oldest first. A window whose end is before
// its start holds no trade. commission is positive when paid (as the stream's `n`).
net::HttpResponse BinanceSimVenue::user_trades(Call& call) {
  std::string canonical;
  const SymbolState* symbol = symbol_from(call.params, canonical);
  if (symbol == nullptr) {
    return call.params.count("symbol") ? binance_error(-1121, "Invalid symbol.")
                                       : binance_error(-1102, mandatory_message("symbol"));
  }
  std::map<std::string, std::int64_t> numbers;
  for (const char* key : {"startTime", "endTime", "fromId", "orderId", "limit"}) {
    auto it = call.params.find(key);
    if (it == call.params.end()) continue;
    auto value = to_int(it->second);
    if (!value) return binance_error(-1102, mandatory_message(key));
    numbers[key] = *value;
  }
  auto number = [&](const char* key) -> std::optional<std::int64_t> {
    auto it = numbers.find(key);
    return it == numbers.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
  };
  constexpr std::int64_t kSevenDaysMs = 7LL * 24 * 3600 * 1000;
  const auto start = number("startTime");
  const auto end = number("endTime");
  const auto from_id = number("fromId");
  const auto order_id = number("orderId");
  const std::int64_t limit = number("limit").value_or(500);
  if (limit < 1 || limit > 1000) return binance_error(-1130, "Data sent for parameter 'limit' is not valid.");
  if (from_id && (start || end)) return binance_error(-1128, "Combination of optional parameters invalid.");
  if (start && end && *end - *start > kSevenDaysMs) {
    return binance_error(-1127, "More than 168 hours between startTime and endTime.");
  }
  std::int64_t window_start = std::numeric_limits<std::int64_t>::min();
  std::int64_t window_end = std::numeric_limits<std::int64_t>::max();
  if (!from_id) {
    if (start) {
      window_start = *start;
      window_end = end ? *end : *start + kSevenDaysMs;
    } else {
      window_end = end ? *end : to_unix_ms(call.utc);
      window_start = window_end - kSevenDaysMs;
    }
  }
  std::vector<Fill> selected;
  for (const auto& record : core_.trades(call.account, canonical)) {
    const Fill& fill = record.fill;
    const std::int64_t time = to_unix_ms(fill.ts);
    if (from_id && to_int(fill.trade_id).value_or(0) < *from_id) continue;
    if (time < window_start || time > window_end) continue;
    if (order_id && to_int(fill.venue_order_id).value_or(0) != *order_id) continue;
    selected.push_back(fill);
  }
  const auto count = static_cast<std::size_t>(limit);
  if (selected.size() > count) {
    if (from_id || start) {
      selected.resize(count);  // the first `limit` from the start point
    } else {
      selected.erase(selected.begin(), selected.end() - static_cast<std::ptrdiff_t>(count));  // the most recent
    }
  }
  json out = json::array();
  for (const Fill& fill : selected) {
    auto quote = fill.price.mul(fill.quantity);
    out.push_back({{"symbol", symbol->venue_symbol},
                   {"id", to_int(fill.trade_id).value_or(0)},
                   {"orderId", to_int(fill.venue_order_id).value_or(0)},
                   {"side", std::string(bn::to_wire(fill.side))},
                   {"price", fill.price.to_string()},
                   {"qty", fill.quantity.to_string()},
                   {"realizedPnl", fill.realized_pnl.to_string()},
                   {"quoteQty", quote ? quote->normalized().to_string() : "0"},
                   {"commission", fill.fee.to_string()},
                   {"commissionAsset", fill.fee_asset.empty() ? symbol->rules.margin_asset : fill.fee_asset},
                   {"time", to_unix_ms(fill.ts)},
                   {"positionSide", "BOTH"},
                   {"buyer", fill.side == OrderSide::buy},
                   {"maker", fill.maker}});
  }
  return ok_json(out);
}

}  // namespace propbot::venues::sim::binance_frontend
