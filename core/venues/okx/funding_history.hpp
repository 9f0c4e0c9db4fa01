// OKX v5 funding history: every funding payment booked on the account since a time,
// all swaps, read from GET /api/v5/account/bills?type=8 ("bills details, last 7 days";
// 5 requests / s, the rate governor's query class) — what the recon compares the
// desk's funding with.
//
// Paging (the endpoint answers newest first, at most 100 per request):
//   first  ?instType=SWAP&type=8&begin=<since ms>&limit=100
//   then, while a page is full, the same with &after=<smallest billId so far> (older).
// At most kMaxBillPages pages: more is a `rejected` error (venue_code
// "TOO_MANY_PAYMENTS"), never a silent truncation. Payments come back OLDEST first
// (billId order), amounts (balChg) exactly as OKX printed them. Bills older than 7 days
// are only in bills-archive, which this does not read: `since` is meant to be recent.
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

inline constexpr int kBillsPageLimit = 100;
inline constexpr int kMaxBillPages = 10;

// The query of one page (exposed for tests); `after` empty for the first page.
std::string funding_bills_query(UtcTime since, const std::string& after);

void fetch_funding_since(RestClient& rest, const InstrumentTable& instruments, UtcTime since,
                         VenueCallback<std::vector<FundingPayment>> done);

}  // namespace propbot::venues::okx
