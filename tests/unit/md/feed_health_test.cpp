#include "core/md/feed_health.hpp"

#include <gtest/gtest.h>

namespace propbot::md {
namespace {

using std::chrono::milliseconds;

constexpr SyncOutcome kApplied{SyncResult::applied, SyncReason::none};

class FeedHealthTest : public ::testing::Test {
 protected:
  SimClock clock_;
  FeedHealth health_{"BINANCE", "BTC-USDT", FeedHealthConfig{std::chrono::seconds{2}}};

  void deliver(SyncOutcome outcome = kApplied) {
    health_.on_message(clock_.now());
    health_.on_outcome(outcome, clock_.now());
  }
};

TEST_F(FeedHealthTest, AFeedThatNeverAppliedAnythingIsStale) {
  EXPECT_TRUE(health_.stale(clock_.now()));
  health_.on_message(clock_.now());  // connected, frames arrive, but nothing applied
  health_.on_outcome({SyncResult::buffered, SyncReason::none}, clock_.now());
  const FeedHealthView view = health_.view(clock_.now());
  EXPECT_TRUE(view.stale);
  EXPECT_FALSE(view.book_freshness_ms.has_value());
  EXPECT_EQ(view.messages, 1u);
  EXPECT_EQ(view.updates_applied, 0u);
}

TEST_F(FeedHealthTest, GoesStaleWhenConnectedButSilentAndRecovers) {
  deliver();
  clock_.advance(milliseconds{1500});
  EXPECT_FALSE(health_.stale(clock_.now()));
  EXPECT_DOUBLE_EQ(*health_.view(clock_.now()).book_freshness_ms, 1500.0);
  clock_.advance(milliseconds{501});
  EXPECT_TRUE(health_.stale(clock_.now()));
  // Frames that apply nothing (stale events) do not make the book fresh.
  deliver({SyncResult::ignored_stale, SyncReason::none});
  EXPECT_TRUE(health_.stale(clock_.now()));
  deliver();
  EXPECT_FALSE(health_.stale(clock_.now()));
  EXPECT_DOUBLE_EQ(*health_.view(clock_.now()).book_freshness_ms, 0.0);
}

TEST_F(FeedHealthTest, ReportsGapPercentilesFromASimulatedSequence) {
  // 98 gaps of 100 ms, one of 1 s, one of 5 s: p50 = 100, p99 = 1000, max = 5000.
  deliver();
  for (int i = 0; i < 98; ++i) {
    clock_.advance(milliseconds{100});
    deliver();
  }
  clock_.advance(milliseconds{1000});
  deliver();
  clock_.advance(milliseconds{5000});
  deliver();
  const FeedHealthView view = health_.view(clock_.now());
  EXPECT_EQ(health_.ws_gap_ns().count(), 100u);
  EXPECT_NEAR(view.ws_gap_ms_p50, 100.0, 0.5);
  EXPECT_NEAR(view.ws_gap_ms_p95, 100.0, 0.5);
  EXPECT_NEAR(view.ws_gap_ms_p99, 1000.0, 4.0);
  EXPECT_NEAR(view.ws_gap_ms_max, 5000.0, 0.001);
  EXPECT_EQ(view.messages, 101u);
  EXPECT_EQ(view.updates_applied, 101u);
}

TEST_F(FeedHealthTest, ReconnectDoesNotCountTheOutageAsAGap) {
  deliver();
  clock_.advance(milliseconds{100});
  deliver();
  health_.on_reconnect();
  clock_.advance(milliseconds{30'000});
  deliver();
  EXPECT_EQ(health_.ws_gap_ns().count(), 1u);
  EXPECT_NEAR(health_.view(clock_.now()).ws_gap_ms_max, 100.0, 0.001);
}

TEST_F(FeedHealthTest, CountsResyncsByReasonAndCrossedOrLockedBooks) {
  deliver();
  deliver({SyncResult::needs_resync, SyncReason::gap});
  FeedHealthView view = health_.view(clock_.now());
  EXPECT_EQ(view.resync_count, 1u);
  EXPECT_EQ(view.last_resync_reason, "gap");
  EXPECT_FALSE(view.book_valid);
  deliver({SyncResult::needs_resync, SyncReason::crossed});
  deliver({SyncResult::needs_resync, SyncReason::locked});
  deliver({SyncResult::needs_resync, SyncReason::checksum_mismatch});
  view = health_.view(clock_.now());
  EXPECT_EQ(view.resync_count, 4u);
  EXPECT_EQ(view.crossed_count, 1u);
  EXPECT_EQ(view.locked_count, 1u);
  EXPECT_EQ(view.last_resync_reason, "checksum_mismatch");
  deliver();
  EXPECT_TRUE(health_.view(clock_.now()).book_valid);
}

}  // namespace
}  // namespace propbot::md
