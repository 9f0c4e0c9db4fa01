// Venue endpoints: the rules for where a `binance` / `okx` venue connects
// (`venues[].rest_url`, `ws_url`, `ws_private_url`, `demo`) and the environment names
// that override them. schema.cpp calls check_venue_endpoints() for every venue; the
// loader calls venue_env_name() to map PROPBOT_VENUES__<ID>__<KEY> variables.
//
// The rules, per profile (configs/README.md says the same to operators):
//  - kind `sim` takes none of the keys: it is the in-process random walk.
//  - kind `binance`: rest_url + ws_url (one stream host: the adapter appends the routed
//    /public, /market and /private paths, so market data and the user stream share
//    it); ws_private_url and demo are refused (Binance's test network is its own host).
//  - kind `okx`: rest_url + ws_url (public WebSocket) + ws_private_url; demo: true
//    sends `x-simulated-trading: 1` (OKX demo trading shares the production REST
//    host). testnet requires demo: true, live refuses it.
//  - All or nothing: a venue that sets one of its URLs must set all of them. None set
//    means the embedded simulator, which only the paper profile has.
//  - Schemes: https:// for rest_url, wss:// for the WebSocket URLs. http:// and ws://
//    are accepted only in the paper profile and only for a loopback host (127.0.0.0/8,
//    ::1, localhost): an outside `propbot venue-sim` on this machine.
//  - A URL has a host, an optional port in [1, 65535] and an optional path; no
//    user-info, query, fragment, whitespace or control characters.
//
// Guarantees: pure functions of their arguments; never throw (beyond bad_alloc); at
// most one problem per key. Uses: config.hpp.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace propbot::config {

inline constexpr std::string_view kVenueRestUrl = "rest_url";
inline constexpr std::string_view kVenueWsUrl = "ws_url";
inline constexpr std::string_view kVenueWsPrivateUrl = "ws_private_url";
inline constexpr std::string_view kVenueDemo = "demo";

// The four keys above, in that order.
std::span<const std::string_view> venue_endpoint_keys();

// One thing wrong with a venue's endpoint keys. `key` is the key inside the venue entry
// ("rest_url"); the caller prefixes "venues[i].".
struct EndpointProblem {
  std::string key;
  std::string value;
  std::string rule;
};

std::vector<EndpointProblem> check_venue_endpoints(const VenueConfig& venue, Profile profile);

// "PROPBOT_VENUES__OKX_DEMO__WS_PRIVATE_URL" for venue "OKX-DEMO", key "ws_private_url":
// the id upper-cased with '-' as '_' (ids hold no '_', so the mapping is one to one).
std::string venue_env_name(std::string_view venue_id, std::string_view key);
inline constexpr std::string_view kVenueEnvPrefix = "PROPBOT_VENUES__";

}  // namespace propbot::config
