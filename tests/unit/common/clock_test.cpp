#include "core/common/clock.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace propbot {
namespace {

using namespace std::chrono_literals;

// 2026-11-23T15:21:25Z
constexpr UtcTime kKnownInstant{std::chrono::seconds{1'795'447'285}};

TEST(ClockFormatTest, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(format_iso8601_ms(kKnownInstant + 123ms), "2026-11-23T15:21:25.123Z");
  EXPECT_EQ(format_iso8601_ms(kKnownInstant + 123'999'999ns), "2026-11-23T15:21:25.123Z");
  EXPECT_EQ(format_iso8601_ms(UtcTime{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(UtcTime{} - 1ms), "1969-12-31T23:59:59.999Z");
}

TEST(ClockFormatTest, ConvertsToUnixMilliseconds) {
  EXPECT_EQ(to_unix_ms(kKnownInstant + 123ms), 1'795'447'285'123);
  EXPECT_EQ(to_unix_ms(UtcTime{} - 1ns), -1);
}

class SimClockTest : public ::testing::Test {
 protected:
  SimClock clock{kKnownInstant};
  std::vector<int> fired;
};

TEST_F(SimClockTest, StartsAtTheGivenUtcAndAdvancesUtcWithNow) {
  EXPECT_EQ(clock.utc(), kKnownInstant);
  const MonoTime start = clock.now();
  clock.advance(1500ms);
  EXPECT_EQ(clock.now() - start, 1500ms);
  EXPECT_EQ(format_iso8601_ms(clock.utc()), "2026-11-23T15:21:26.500Z");
}

TEST_F(SimClockTest, FiresTimersInDeadlineOrder) {
  const MonoTime start = clock.now();
  clock.call_after(30ms, [&] { fired.push_back(3); });
  clock.call_after(10ms, [&] { fired.push_back(1); });
  clock.call_after(20ms, [&] { fired.push_back(2); });
  clock.advance(15ms);
  EXPECT_EQ(fired, (std::vector<int>{1}));
  clock.advance(100ms);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(clock.now(), start + 115ms);
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST_F(SimClockTest, FiresEqualDeadlinesInCreationOrder) {
  const MonoTime deadline = clock.now() + 5ms;
  for (int i = 0; i < 5; ++i) {
    clock.call_at(deadline, [this, i] { fired.push_back(i); });
  }
  clock.advance_to(deadline);
  EXPECT_EQ(fired, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(SimClockTest, NowEqualsTheDeadlineWhileACallbackRuns) {
  const MonoTime start = clock.now();
  std::vector<MonoTime> seen;
  clock.call_after(7ms, [&] { seen.push_back(clock.now()); });
  clock.call_after(9ms, [&] { seen.push_back(clock.now()); });
  clock.advance(1s);
  EXPECT_EQ(seen, (std::vector<MonoTime>{start + 7ms, start + 9ms}));
}

TEST_F(SimClockTest, CancelledTimersDoNotFire) {
  const auto keep = clock.call_after(10ms, [&] { fired.push_back(1); });
  const auto drop = clock.call_after(10ms, [&] { fired.push_back(2); });
  EXPECT_TRUE(clock.cancel(drop));
  EXPECT_FALSE(clock.cancel(drop));
  EXPECT_FALSE(clock.cancel(987654));
  EXPECT_EQ(clock.pending_timers(), 1u);
  clock.advance(1s);
  EXPECT_EQ(fired, (std::vector<int>{1}));
  EXPECT_FALSE(clock.cancel(keep));  // already fired
}

TEST_F(SimClockTest, CallbacksMayScheduleTimersThatFireInTheSameAdvance) {
  const MonoTime start = clock.now();
  std::vector<MonoTime> seen;
  std::function<void()> tick = [&] {
    seen.push_back(clock.now());
    if (seen.size() < 5) {
      clock.call_after(10ms, tick);
    }
  };
  clock.call_after(10ms, tick);
  clock.advance(35ms);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen.back(), start + 30ms);
  EXPECT_EQ(clock.pending_timers(), 1u);  // the one due at +40ms
  clock.advance(1s);
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(SimClockTest, CallbackMayCancelALaterTimer) {
  SimClock::TimerId later = 0;
  clock.call_after(1ms, [&] { EXPECT_TRUE(clock.cancel(later)); });
  later = clock.call_after(2ms, [&] { fired.push_back(2); });
  clock.advance(10ms);
  EXPECT_TRUE(fired.empty());
}

TEST_F(SimClockTest, OverdueTimersFireWithoutMovingTimeBackwards) {
  clock.advance(1s);
  const MonoTime now = clock.now();
  clock.call_at(now - 500ms, [&] { fired.push_back(static_cast<int>((clock.now() - now).count())); });
  clock.advance(0ns);
  EXPECT_EQ(fired, (std::vector<int>{0}));
  clock.advance_to(now - 1s);
  EXPECT_EQ(clock.now(), now);
}

TEST(RealClockTest, ReadsTheSystemClocks) {
  RealClock clock;
  const auto system_now = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(clock.utc() - system_now), 1s);
  const MonoTime a = clock.now();
  const MonoTime b = clock.now();
  EXPECT_LE(a, b);
}

TEST(RealClockTest, RefusesTimersWithoutAnIoContext) {
  RealClock clock;
  EXPECT_THROW(clock.call_after(1ms, [] {}), std::logic_error);
}

TEST(RealClockTest, FiresATimerOnTheIoContext) {
  boost::asio::io_context io;
  RealClock clock(io);
  const MonoTime start = clock.now();
  MonoTime fired_at{};
  int calls = 0;
  clock.call_after(20ms, [&] {
    ++calls;
    fired_at = clock.now();
  });
  io.run_for(500ms);
  EXPECT_EQ(calls, 1);
  EXPECT_GE(fired_at - start, 20ms);
  EXPECT_FALSE(clock.cancel(1));  // a fired timer removed itself
}

TEST(RealClockTest, CancelledTimerNeverRuns) {
  boost::asio::io_context io;
  RealClock clock(io);
  bool cancelled_ran = false;
  bool kept_ran = false;
  const auto cancelled = clock.call_after(10ms, [&] { cancelled_ran = true; });
  clock.call_after(30ms, [&] { kept_ran = true; });
  EXPECT_TRUE(clock.cancel(cancelled));
  EXPECT_FALSE(clock.cancel(cancelled));
  io.run_for(500ms);
  EXPECT_FALSE(cancelled_ran);
  EXPECT_TRUE(kept_ran);
}

TEST(RealClockTest, CancelAfterExpiryButBeforeTheHandlerRunsStillPreventsTheCallback) {
  boost::asio::io_context io;
  RealClock clock(io);
  bool ran = false;
  const auto id = clock.call_after(1ms, [&] { ran = true; });
  std::this_thread::sleep_for(5ms);  // expired, but the io_context has not run yet
  EXPECT_TRUE(clock.cancel(id));
  io.run_for(50ms);
  EXPECT_FALSE(ran);
}

TEST(RealClockTest, DestroyingTheClockDropsPendingTimers) {
  boost::asio::io_context io;
  bool ran = false;
  {
    RealClock clock(io);
    clock.call_after(1ms, [&] { ran = true; });
  }
  io.run_for(50ms);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace propbot
