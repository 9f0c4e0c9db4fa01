#include "core/venues/common/clock_sync.hpp"

namespace propbot::venues {

ClockSync::ClockSync(const Clock& clock, Probe probe, Logger logger, std::string venue)
    : clock_(clock), probe_(std::move(probe)), logger_(std::move(logger)), venue_(std::move(venue)) {}

void ClockSync::sync(std::function<void(VenueResult<std::int64_t>)> done) {
  const std::int64_t sent_ms = to_unix_ms(clock_.utc());
  probe_([this, sent_ms, done = std::move(done)](VenueResult<std::int64_t> server_ms) {
    if (!server_ms) {
      done(server_ms.error());
      return;
    }
    const std::int64_t received_ms = to_unix_ms(clock_.utc());
    offset_ms_ = server_ms.value() - (sent_ms + received_ms) / 2;
    done(offset_ms_);
  });
}

void ClockSync::resync() {
  if (resync_in_flight_) return;
  resync_in_flight_ = true;
  const std::int64_t before = offset_ms_;
  sync([this, before](VenueResult<std::int64_t> offset) {
    resync_in_flight_ = false;
    if (offset) {
      logger_.warn("clock_resynced", {{"venue", venue_}, {"old_offset_ms", before}, {"offset_ms", offset.value()}});
    } else {
      logger_.warn("clock_resync_failed", {{"venue", venue_}, {"error", offset.error().describe()}});
    }
  });
}

}  // namespace propbot::venues
