// VenueSet: the venues a profile trades on, built from its configuration — the one
// place that turns `venues[].kind` into objects. Every venue is a full venues::Venue:
// - `binance` / `okx` with endpoints (rest_url, ws_url, …; any profile): the real
//   adapter connected there with the venue's keys from the secrets store (VenueKeyring)
//   — an exchange, its test network, or an outside `propbot venue-sim`;
// - `binance` / `okx` without endpoints (paper only): the real adapter connected to the
//   loopback venue simulator embedded in the daemon (EmbeddedVenues) — paper exercises
//   the exchange code;
// - `sim`: a RandomWalkVenue's books behind the paper broker (core/venues/paper), which
//   answers order entry with its own matching engine; all `sim` venues quote one shared
//   random-walk market, so their prices stay related.
// The Engine gets plain pointers and never learns which kind it talks to.
//
// Threads: build() on the owning thread before the engine's driving thread starts
// (the OKX adapter's start-up runs `io` until instruments arrive); afterwards the
// venues belong to the engine's thread. Destroying the set stops the simulator after
// the adapters are gone.
#pragma once

#include <memory>
#include <vector>

#include "core/app/embedded_venues.hpp"
#include "core/app/venue_keys.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::sim {
class RandomWalkMarket;
}

namespace propbot::app {

class VenueSet {
 public:
  // One venue per configured venue, in config order. `keys` holds the keys of every
  // venue with endpoints (may be null when none has). Errors name the venue and what
  // failed (a venue with endpoints but no keys: the secrets store entry to add);
  // nothing is left running on error. `taps` (may be empty) gives every binance/okx
  // adapter its raw-message tap (run --capture); sim venues have no raw messages.
  static Result<std::unique_ptr<VenueSet>> build(const config::Config& config, const VenueKeyring* keys,
                                                 boost::asio::io_context& io, Clock& engine_clock, Logger log,
                                                 const RawTapSource& taps = {});
  ~VenueSet();
  VenueSet(const VenueSet&) = delete;
  VenueSet& operator=(const VenueSet&) = delete;

  std::vector<venues::Venue*> venues() const;

 private:
  VenueSet() = default;
  std::shared_ptr<venues::sim::RandomWalkMarket> market_;
  EmbeddedVenues embedded_;  // declared before `venues_`: the simulator outlives the adapters
  std::vector<std::unique_ptr<venues::Venue>> venues_;
};

}  // namespace propbot::app
