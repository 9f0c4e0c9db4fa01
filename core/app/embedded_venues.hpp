// EmbeddedVenues: the paper profile's real venue stack. For every configured venue of
// kind `binance` or `okx` that names no endpoint of its own (no rest_url) it starts the
// loopback venue simulator (the same protocol frontends as `propbot venue-sim`) inside
// the daemon, funds a generated paper account there, and connects the real Binance /
// OKX adapter to it over HTTP and WebSocket (connect_adapter) — so paper trading
// exercises the very code that talks to the exchanges.
//
// Threads: build() runs on the owning thread before the engine thread starts (the OKX
// adapter's start-up runs the engine io_context until instruments arrive); the adapters
// then live on the engine thread; the simulator runs its own server and tick threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::sim {
class VenueSimHost;
}

namespace propbot::app {

class EmbeddedVenues {
 public:
  EmbeddedVenues();
  ~EmbeddedVenues();  // stops the simulator after the adapters are gone
  EmbeddedVenues(const EmbeddedVenues&) = delete;
  EmbeddedVenues& operator=(const EmbeddedVenues&) = delete;

  // Builds one adapter per binance/okx venue in `config` without a rest_url (none: does
  // nothing, no simulator is started). Errors
  // name the venue and what failed; nothing is left running on error.
  // `taps` (may be empty) gives each adapter its raw-message tap (run --capture).
  Status build(const config::Config& config, boost::asio::io_context& io, const Clock& engine_clock, Logger log,
               const RawTapSource& taps = {});

  // The adapters, in config order; the engine takes ownership.
  std::vector<std::unique_ptr<venues::Venue>> take_adapters() { return std::move(adapters_); }

 private:
  RealClock host_clock_;  // readings only: the simulator's own notion of now
  std::unique_ptr<venues::sim::VenueSimHost> host_;
  std::vector<std::unique_ptr<venues::Venue>> adapters_;
};

}  // namespace propbot::app
