// Binance USDⓈ-M funding history: every funding payment booked on the account since a
// time, all symbols, read from GET /fapi/v1/income?incomeType=FUNDING_FEE (weight 30,
// the rate governor's query class) — what the recon compares the desk's funding with.
//
// Paging (the endpoint answers oldest first from startTime, `limit` rows at most, and
// has no id cursor):
//   first  incomeType=FUNDING_FEE&startTime=<since ms>&limit=1000
//   then, while a page is full, startTime=<time of its last row> again — rows of that
//   millisecond already taken are recognised by tranId (unique within an incomeType)
//   and dropped. A full page that brings nothing new (more than 1000 payments in one
//   millisecond) is an error, as is needing more than kMaxIncomePages pages: `rejected`,
//   venue_code "TOO_MANY_PAYMENTS" — never a silent truncation.
// Payments come back oldest first, amounts exactly as Binance printed them.
// The official page documents no window cap for startTime alone; `since` is meant to be
// recent (a recon horizon), well inside the three months the venue keeps.
//
// Errors: the RestClient's mapping; an unreadable page → network ("UNREADABLE_REPLY").
// Threads: engine thread; `done` runs later on it, exactly once, unless the RestClient
// is destroyed first. Uses RestClient, messages, parse.
#pragma once

#include <cstdint>
#include <vector>

#include "core/common/clock.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

inline constexpr int kIncomePageLimit = 1000;
inline constexpr int kMaxIncomePages = 10;

// The query parameters of one page (exposed for tests).
std::vector<QueryParam> funding_income_page(std::int64_t start_ms);

void fetch_funding_since(RestClient& rest, UtcTime since, VenueCallback<std::vector<FundingPayment>> done);

}  // namespace propbot::venues::binance
