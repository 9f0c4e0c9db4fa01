// OKX v5 error mapping (protocols.md B3, B4, B5): turns an HTTP status and an OKX body
// — top level `{"code":"50113","msg":"..."}`, per order
// `{"code":"1","msg":"","data":[{"sCode":"51016","sMsg":"..."}]}`, or a WS
// `{"event":"error","code":"60007",...}` — into a VenueError, and for the venue
// simulator turns a code back into the HTTP status and body OKX sends. One table
// drives both directions.
//
// Mapping (first rule that applies):
//  1. The code used is the first data[] item whose sCode is not "0" when the top-level
//     code is "1" or "2" (ccxt does the same); else the top-level code.
//  2. A code in the table: 50011, 50013, 50061, 60014 → rate_limited; 50102, 50112,
//     60004, 60006 → timestamp_out_of_window; 50113, 60007 and the other credential
//     codes (50101, 50103–50107, 50111, 50114, 60005, 60009, 60024) → bad_signature;
//     51008, 51119 → insufficient_margin; 51016 → duplicate_client_id; 51400, 51503,
//     51603 → unknown_order; 51020 → min_notional; 50001 → maintenance;
//     50004, 50026 → network (OKX: "result unknown").
//  3. HTTP 429 → rate_limited; HTTP 5XX → network (outcome UNKNOWN, resolve by query).
//  4. Anything else → rejected.
// OKX has no post-only error: a post_only order that would take is accepted and then
// canceled with cancelSource "31" (handled by the order parser, not here).
// venue_code is the OKX code text ("51016") or "HTTP <status>"; venue_message the
// sMsg/msg (redacted, at most 512 bytes). OKX sends no Retry-After; one is honoured
// if present.
//
// Guarantees: never throws (beyond std::bad_alloc). Threads: pure, safe anywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/venues/venue_error.hpp"

namespace propbot::venues::okx {

// Call for a response already known to be a failure (HTTP status not 2XX, or code not "0").
VenueError map_error(int http_status, std::string_view body, std::string_view retry_after_header = {});

// The VenueErrc an OKX code maps to (rule 2); nullopt when the code is not in the table.
std::optional<VenueErrc> classify_code(std::string_view code);

// Simulator: the HTTP status and body OKX sends for `code`; an empty `msg` takes the
// documented message. Order-level codes (51xxx) come as HTTP 200
// {"code":"1","msg":"All operations failed","data":[{"clOrdId":"","ordId":"","sCode":..,"sMsg":..,"tag":""}]};
// WS codes (6xxxx) as status 0 and {"event":"error","code":..,"msg":..}; other codes
// as {"code":..,"msg":..,"data":[]} with the documented status (401 for the
// credential codes, 429/503/500 where B4 says so, else 400).
std::pair<int, std::string> error_body(std::string_view code, std::string_view msg = {});

// Simulator: the code used for a VenueErrc (duplicate_client_id → "51016"); nullopt
// for categories the simulator signals otherwise (banned, post_only_would_take).
std::optional<std::string_view> code_for(VenueErrc code);

}  // namespace propbot::venues::okx
