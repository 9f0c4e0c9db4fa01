// The per-second sliding window: an event counts while its second is one of the last W,
// jumps in time clear what left the window, and time never moves the window backwards.
#include "core/risk/sliding_window_counter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace propbot::risk {
namespace {

TEST(SlidingWindowCounterTest, AnEventCountsForTheWindowOfSecondsThatHoldIt) {
  SlidingWindowCounter counter(60);
  counter.add(10, 3);
  EXPECT_EQ(counter.count(10), 3u);
  EXPECT_EQ(counter.count(69), 3u) << "seconds 10..69 are the window at 69";
  EXPECT_EQ(counter.count(70), 0u) << "second 10 has left it";
}

TEST(SlidingWindowCounterTest, EventsLeaveOneSecondAtATime) {
  SlidingWindowCounter counter(5);
  for (std::int64_t s = 0; s < 5; ++s) counter.add(s, static_cast<std::uint32_t>(s + 1));  // 1..5
  EXPECT_EQ(counter.count(4), 15u);
  EXPECT_EQ(counter.count(5), 14u);
  EXPECT_EQ(counter.count(7), 9u);
  counter.add(7);
  EXPECT_EQ(counter.count(8), 6u) << "seconds 4..8 hold 5 + 1";
}

TEST(SlidingWindowCounterTest, AJumpPastTheWindowClearsEverything) {
  SlidingWindowCounter counter(60);
  counter.add(0, 100);
  counter.add(30, 100);
  EXPECT_EQ(counter.count(1'000'000), 0u);
  counter.add(1'000'000);
  EXPECT_EQ(counter.count(1'000'000), 1u);
}

TEST(SlidingWindowCounterTest, AnEarlierTimeCountsInTheNewestSecond) {
  SlidingWindowCounter counter(60);
  counter.add(100);
  counter.add(90);  // late: counted at 100
  EXPECT_EQ(counter.newest_second(), 100);
  EXPECT_EQ(counter.count(159), 2u);
  EXPECT_EQ(counter.count(160), 0u);
}

TEST(SlidingWindowCounterTest, NegativeSecondsWork) {
  SlidingWindowCounter counter(3);
  counter.add(-5);
  counter.add(-4);
  EXPECT_EQ(counter.count(-3), 2u);
  EXPECT_EQ(counter.count(-2), 1u);
  EXPECT_EQ(counter.count(-1), 0u);
}

TEST(SlidingWindowCounterTest, TheWindowMustBeUsable) {
  EXPECT_THROW(SlidingWindowCounter(0), std::invalid_argument);
  EXPECT_THROW(SlidingWindowCounter(SlidingWindowCounter::kMaxWindowSeconds + 1), std::invalid_argument);
}

}  // namespace
}  // namespace propbot::risk
