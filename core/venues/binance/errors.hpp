// Binance USDⓈ-M error mapping (protocols.md A4, A5, A6): turns an HTTP status, the
// `{"code":-1022,"msg":"..."}` body and the Retry-After header into a VenueError the
// executor can act on, and — for the venue simulator — turns a Binance code back into
// the HTTP status and body the real venue sends. One table drives both directions.
//
// Mapping (first rule that applies):
//  1. HTTP 418 → banned; HTTP 429 → rate_limited; both carry Retry-After (seconds).
//  2. A body code in the table: -1021, -5028 → timestamp_out_of_window; -1022, -2014,
//     -2015 → bad_signature; -2018, -2019 → insufficient_margin; -4164, -4004 →
//     min_notional; -5022 → post_only_would_take; -4116 → duplicate_client_id;
//     -2011, -2013 → unknown_order; -1003, -1008, -1015 → rate_limited; -1001, -1006,
//     -1007 → network (Binance: "execution status unknown"); -1016 → maintenance.
//  3. HTTP 5XX or 408 without a table code → network: the outcome is UNKNOWN and is
//     resolved by query (DESIGN-NOTES), even for a 503 "Service Unavailable.".
//  4. HTTP 403 (WAF limit) → banned.
//  5. Anything else → rejected.
// venue_code is the numeric code as text ("-1022") or "HTTP <status>" when the body
// has none; venue_message is the venue's msg (redacted, at most 512 bytes).
//
// Guarantees: never throws (beyond std::bad_alloc); never copies request data, only
// the response. Threads: pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/venues/venue_error.hpp"

namespace propbot::venues::binance {

// `retry_after_header` is the raw Retry-After value (seconds) or empty.
VenueError map_error(int http_status, std::string_view body, std::string_view retry_after_header = {});

// The end of an IP ban (epoch ms) as a -1003 message states it: "Way too many requests;
// IP banned until 1570000000000. ..." (the body or its msg); nullopt when absent.
std::optional<std::int64_t> ban_end_ms(std::string_view body);

// The VenueErrc a Binance code maps to (rule 2), nullopt when the code is not in the table.
std::optional<VenueErrc> classify_code(int code);

// Simulator: the HTTP status and body Binance sends for `code`. An empty `msg` takes
// the documented message. Status: 429 for -1003/-1015, 503 for -1008 and -1016,
// 408 for -1007, 400 otherwise. Body: {"code":<code>,"msg":"<msg>"}.
std::pair<int, std::string> error_body(int code, std::string_view msg = {});

// Simulator: the code the simulator uses for a VenueErrc (e.g. duplicate_client_id →
// -4116); nullopt for categories with no single code (banned, network via HTTP status).
std::optional<int> code_for(VenueErrc code);

}  // namespace propbot::venues::binance
