// ClockSync: the venue clock offset a REST client signs its timestamps with — measured
// as server time − the midpoint of send and receive — and the re-measure after a
// timestamp_out_of_window reply, never two at once. The venue-specific part (which
// endpoint, how its answer parses) is the probe the client passes in.
//
// Threads: the owning client's (engine) thread. The probe's callback must not run after
// the owner is gone (the REST clients guard every reply with their alive token).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues {

class ClockSync {
 public:
  // Asks the venue for its time; completes with server epoch ms.
  using Probe = std::function<void(std::function<void(VenueResult<std::int64_t>)>)>;

  ClockSync(const Clock& clock, Probe probe, Logger logger, std::string venue);

  // Measures and stores the offset; `done` gets it (or the probe's error).
  void sync(std::function<void(VenueResult<std::int64_t>)> done);
  // After a timestamp error: one background sync unless one is already running.
  void resync();
  std::int64_t offset_ms() const { return offset_ms_; }

 private:
  const Clock& clock_;
  Probe probe_;
  Logger logger_;
  std::string venue_;
  std::int64_t offset_ms_ = 0;
  bool resync_in_flight_ = false;
};

}  // namespace propbot::venues
