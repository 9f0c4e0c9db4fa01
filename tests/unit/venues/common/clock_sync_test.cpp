// ClockSync: offset = server − midpoint of send/receive; one re-measure at a time.
#include "core/venues/common/clock_sync.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace propbot::venues {
namespace {

Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

TEST(ClockSync, OffsetIsServerTimeMinusTheRoundTripMidpointAndResyncsOneAtATime) {
  SimClock clock;
  std::vector<std::function<void(VenueResult<std::int64_t>)>> pending;  // probes in flight
  ClockSync sync(clock, [&](auto done) { pending.push_back(std::move(done)); }, quiet(), "test");

  const std::int64_t sent = to_unix_ms(clock.utc());
  std::optional<VenueResult<std::int64_t>> measured;
  sync.sync([&](VenueResult<std::int64_t> r) { measured.emplace(std::move(r)); });
  clock.advance(std::chrono::milliseconds(100));  // 100 ms round trip: midpoint = sent + 50
  ASSERT_EQ(pending.size(), 1u);
  pending[0](sent + 60'050);
  ASSERT_TRUE(measured && measured->ok());
  EXPECT_EQ(measured->value(), 60'000);
  EXPECT_EQ(sync.offset_ms(), 60'000);

  sync.resync();
  sync.resync();  // a second timestamp error while the first re-measure runs
  ASSERT_EQ(pending.size(), 2u) << "two re-measures at once";
  VenueError down;
  down.code = VenueErrc::network;
  pending[1](down);
  EXPECT_EQ(sync.offset_ms(), 60'000) << "a failed probe keeps the last offset";
  sync.resync();
  EXPECT_EQ(pending.size(), 3u) << "after a finished re-measure the next one may start";
}

}  // namespace
}  // namespace propbot::venues
