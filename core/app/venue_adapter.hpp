// connect_adapter(): the one place that turns a binance / okx venue entry — its
// endpoints and its keys — into the real Binance USDⓈ-M or OKX v5 adapter. Used for
// both destinations a venue can have: the endpoints it names in the configuration (an
// exchange, its test network, an outside `propbot venue-sim`) and the simulator
// embedded in the daemon (EmbeddedVenues fills in that simulator's URLs).
//
// Mapping: binance: rest_url -> rest_base_url, ws_url -> ws_base_url (market data and
// the user stream, routed paths appended by the adapter). okx: rest_url ->
// rest_base_url, ws_url -> ws_public_url, ws_private_url -> ws_private_url, demo ->
// demo (x-simulated-trading: 1).
//
// Secrets: the keys are copied into the adapter's options and from there into its
// signers only; nothing here logs or returns them (errors come from the adapter
// factories, which name URLs and symbols, never keys).
//
// Threads: call on the thread that owns `io` before another thread runs it (the OKX
// factory runs `io` until its start-up requests are answered).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/venues/venue.hpp"

namespace propbot::app {

struct AdapterKeys {
  std::string_view api_key;
  std::string_view api_secret;
  std::string_view passphrase;  // okx only
};

// Errors: invalid_argument for a kind other than binance / okx; the adapter
// factories' errors, prefixed with the venue id.
Result<std::unique_ptr<venues::Venue>> connect_adapter(const config::VenueConfig& venue, const AdapterKeys& keys,
                                                       const std::vector<std::string>& symbols,
                                                       boost::asio::io_context& io, const Clock& clock, Logger log,
                                                       RawMessageTap raw_tap = {});

}  // namespace propbot::app
