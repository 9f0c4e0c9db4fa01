#include "core/venues/common/rate_limit_tracker.hpp"

#include <gtest/gtest.h>

namespace propbot::venues {
namespace {

using namespace std::chrono_literals;

class RateLimitTrackerTest : public ::testing::Test {
 protected:
  RateLimitPolicy small() {
    RateLimitPolicy p;
    p.weight_per_minute = 100;
    p.orders_per_10s = 10;
    p.orders_per_minute = 50;
    return p;
  }
  SimClock clock_;
};

TEST_F(RateLimitTrackerTest, RefusesPlacesNearTheLimitButStillAdmitsCancels) {
  RateLimitTracker tracker(small(), clock_);
  int queries = 0;
  for (int i = 0; i < 100; ++i) queries += tracker.admit(RequestPriority::query, 1, false).allowed ? 1 : 0;
  EXPECT_EQ(queries, 60);  // queries stop at 60% of the weight limit
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(tracker.admit(RequestPriority::place, 1, false).allowed);
  const auto place = tracker.admit(RequestPriority::place, 1, true);
  EXPECT_FALSE(place.allowed);
  EXPECT_EQ(place.reason, "weight_limit");
  EXPECT_TRUE(tracker.admit(RequestPriority::cancel, 1, false).allowed);
  EXPECT_EQ(tracker.state(), RateLimitState::throttled);
}

TEST_F(RateLimitTrackerTest, WeightFallsOutOfTheWindowAfterAMinute) {
  RateLimitTracker tracker(small(), clock_);
  while (tracker.admit(RequestPriority::place, 5, false).allowed) {
  }
  EXPECT_FALSE(tracker.admit(RequestPriority::place, 5, false).allowed);
  clock_.advance(61s);
  EXPECT_TRUE(tracker.admit(RequestPriority::place, 5, false).allowed);
}

TEST_F(RateLimitTrackerTest, OrderCountLimitsTenSecondBursts) {
  RateLimitTracker tracker(small(), clock_);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += tracker.admit(RequestPriority::place, 1, true).allowed ? 1 : 0;
  EXPECT_EQ(admitted, 8);  // 80% of 10 orders per 10 s
  const auto refused = tracker.admit(RequestPriority::place, 1, true);
  EXPECT_EQ(refused.reason, "order_limit");
  clock_.advance(11s);
  EXPECT_TRUE(tracker.admit(RequestPriority::place, 1, true).allowed);
}

TEST_F(RateLimitTrackerTest, VenueHeadersOverrideOurCount) {
  RateLimitTracker tracker(small(), clock_);
  EXPECT_TRUE(tracker.admit(RequestPriority::place, 1, false).allowed);
  RateLimitFeedback feedback;
  feedback.used_weight_1m = 95;  // someone else on this IP used the rest
  tracker.on_response(feedback);
  EXPECT_FALSE(tracker.admit(RequestPriority::place, 1, false).allowed);
  EXPECT_NEAR(tracker.view().utilization, 0.95, 1e-9);
}

TEST_F(RateLimitTrackerTest, A429BacksOffHonouringRetryAfterAndRefusesEverythingMeanwhile) {
  RateLimitTracker tracker(small(), clock_);
  RateLimitFeedback feedback;
  feedback.http_status = 429;
  feedback.retry_after = 3s;
  tracker.on_response(feedback);
  EXPECT_EQ(tracker.state(), RateLimitState::backing_off);
  const auto refused = tracker.admit(RequestPriority::cancel, 1, false);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reason, "backing_off");
  EXPECT_GE(refused.retry_at - clock_.now(), 3s);
  clock_.advance(2900ms);
  EXPECT_FALSE(tracker.admit(RequestPriority::place, 1, false).allowed);
  clock_.advance(200ms);
  EXPECT_TRUE(tracker.admit(RequestPriority::place, 1, false).allowed);
  EXPECT_EQ(tracker.view().hits_total, 1u);
}

TEST_F(RateLimitTrackerTest, Repeated429sGrowTheBackoffExponentiallyUpToTheCap) {
  RateLimitPolicy policy = small();
  policy.base_backoff = 100ms;
  policy.max_backoff = 2s;
  RateLimitTracker tracker(policy, clock_, 7);
  Nanos previous{0};
  for (int i = 0; i < 8; ++i) {
    RateLimitFeedback feedback;
    feedback.http_status = 429;
    tracker.on_response(feedback);
    const auto wait = tracker.admit(RequestPriority::place, 1, false).retry_at - clock_.now();
    const auto ceiling = std::min<Nanos>(2s, 100ms * (1 << i));
    EXPECT_LE(wait, ceiling);
    EXPECT_GE(wait, ceiling / 2);
    if (i < 4) {
      EXPECT_GE(wait, previous / 2) << "backoff does not collapse";
    }
    previous = wait;
    clock_.advance(wait);
  }
}

TEST_F(RateLimitTrackerTest, A418BansTheVenueUntilTheBanEnds) {
  RateLimitTracker tracker(small(), clock_);
  RateLimitFeedback feedback;
  feedback.http_status = 418;
  tracker.on_response(feedback);
  EXPECT_EQ(tracker.state(), RateLimitState::banned);
  EXPECT_EQ(tracker.admit(RequestPriority::cancel, 1, false).reason, "banned");
  clock_.advance(119s);
  EXPECT_FALSE(tracker.admit(RequestPriority::cancel, 1, false).allowed);
  clock_.advance(2s);
  EXPECT_TRUE(tracker.admit(RequestPriority::cancel, 1, false).allowed);
  EXPECT_EQ(tracker.view().bans_total, 1u);
}

TEST_F(RateLimitTrackerTest, SuccessResetsTheBackoffExponent) {
  RateLimitPolicy policy = small();
  policy.base_backoff = 100ms;
  RateLimitTracker tracker(policy, clock_);
  for (int i = 0; i < 5; ++i) {
    RateLimitFeedback hit;
    hit.http_status = 429;
    tracker.on_response(hit);
    clock_.advance(10s);
  }
  tracker.on_response(RateLimitFeedback{});
  RateLimitFeedback hit;
  hit.http_status = 429;
  tracker.on_response(hit);
  EXPECT_LE(tracker.admit(RequestPriority::place, 1, false).retry_at - clock_.now(), 100ms);
}

}  // namespace
}  // namespace propbot::venues
