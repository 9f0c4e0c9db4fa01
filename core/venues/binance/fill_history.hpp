// Binance USDⓈ-M fill history: every fill of one symbol since a time, read from
// GET /fapi/v1/userTrades (weight 5) — what the adapter's RecoveringListener asks after
// the user data stream was down.
//
// Paging (the endpoint refuses fromId together with startTime/endTime, -1128):
//   first  symbol=<S>&startTime=<since ms>&limit=1000  (oldest first from `since`)
//   then, while a page is full, symbol=<S>&fromId=<last id + 1>&limit=1000.
// At most kMaxPages pages: more is a `rejected` error (venue_code "TOO_MANY_FILLS"),
// never a silent truncation. Fills come back oldest first with EMPTY client order ids
// (userTrades has none; the RecoveringListener fills them in).
//
// Errors: the RestClient's mapping; an unreadable page → network ("UNREADABLE_REPLY").
// Threads: engine thread; `done` runs later on it, exactly once, unless the RestClient
// is destroyed first. Uses RestClient, messages, parse.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

inline constexpr int kUserTradesPageLimit = 1000;
inline constexpr int kMaxUserTradePages = 100;

// The query parameters of one page (exposed for tests): the first page by time, the
// next ones by id.
std::vector<QueryParam> user_trades_first_page(const std::string& venue_symbol, UtcTime since);
std::vector<QueryParam> user_trades_next_page(const std::string& venue_symbol, std::int64_t last_trade_id);

void fetch_fills_since(RestClient& rest, const std::string& venue_symbol, UtcTime since,
                       VenueCallback<std::vector<Fill>> done);

}  // namespace propbot::venues::binance
