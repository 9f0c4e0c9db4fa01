// OKX v5 fill history: every fill of one swap since a time, read from
// GET /api/v5/trade/fills ("transaction details, last 3 days") — what the adapter's
// RecoveringListener asks after the private stream was down.
//
// Paging (the endpoint answers newest first, at most 100 per request):
//   first  ?instType=SWAP&instId=<id>&begin=<since ms>&limit=100
//   then, while a page is full, the same with &after=<smallest billId so far> (older).
// At most kMaxFillPages pages: more is a `rejected` error (venue_code
// "TOO_MANY_FILLS"), never a silent truncation. Fills come back newest first, as sent,
// in base coin (parse_fills); the recovery sorts them.
//
// Errors: okx::map_error's VenueErrc (RestClient); an unreadable page → network
// ("UNREADABLE_REPLY"). Threads: engine thread; `done` runs later on it, exactly once,
// unless the RestClient is destroyed first. The table must outlive the call.
// Uses RestClient, messages, parse.
#pragma once

#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/okx/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::okx {

inline constexpr int kFillsPageLimit = 100;
inline constexpr int kMaxFillPages = 100;

// The query of one page (exposed for tests); `after` empty for the first page.
std::string fills_query(const std::string& inst_id, UtcTime since, const std::string& after);

void fetch_fills_since(RestClient& rest, const InstrumentTable& instruments, const std::string& inst_id,
                       UtcTime since, VenueCallback<std::vector<Fill>> done);

}  // namespace propbot::venues::okx
