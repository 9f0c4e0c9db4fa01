#include "core/md/binance_book_sync.hpp"

#include <gtest/gtest.h>

#include "tests/unit/md/md_test_support.hpp"

namespace propbot::md {
namespace {

using testing::binance_snapshot_json;
using testing::binance_update_json;

constexpr SyncOutcome kApplied{SyncResult::applied, SyncReason::none};
constexpr SyncOutcome kBuffered{SyncResult::buffered, SyncReason::none};
constexpr SyncOutcome kStale{SyncResult::ignored_stale, SyncReason::none};
constexpr SyncOutcome kGap{SyncResult::needs_resync, SyncReason::gap};

class BinanceBookSyncTest : public ::testing::Test {
 protected:
  BinanceBookSync sync_{testing::binance_spec(), testing::binance_grid(), BinanceBookSyncConfig{8, 64}};
  MonoTime now_{std::chrono::seconds{100}};

  SyncOutcome update(std::int64_t first, std::int64_t last, std::int64_t prev,
                     const std::vector<testing::TextLevel>& bids = {},
                     const std::vector<testing::TextLevel>& asks = {}) {
    now_ += std::chrono::milliseconds{100};
    return sync_.on_update_frame(binance_update_json(first, last, prev, bids, asks), now_);
  }
  SyncOutcome snapshot(std::int64_t last_update_id) {
    now_ += std::chrono::milliseconds{1};
    return sync_.on_snapshot_frame(
        binance_snapshot_json(last_update_id, {{"100.0", "1"}, {"99.9", "2"}}, {{"100.2", "1"}, {"100.3", "3"}}), now_);
  }
  std::int64_t bid_qty(std::int64_t ticks) const {
    for (const BookLevel& level : sync_.book().bids()) {
      if (level.price_ticks == ticks) return level.qty_lots;
    }
    return 0;
  }
};

TEST_F(BinanceBookSyncTest, FollowsTheDocumentedProcedureStepByStep) {
  EXPECT_EQ(sync_.state(), BookSyncState::awaiting_snapshot);
  // 2. Buffer events while the snapshot is in flight.
  EXPECT_EQ(update(150, 155, 140, {{"100.0", "5"}}), kBuffered);   // u < lastUpdateId: will be dropped
  EXPECT_EQ(update(156, 162, 155, {{"99.9", "7"}}), kBuffered);    // bridges 160
  EXPECT_EQ(update(163, 170, 162, {{"99.8", "4"}}), kBuffered);
  EXPECT_EQ(sync_.buffered_events(), 3u);
  EXPECT_FALSE(sync_.book().valid());
  // 3–6. Snapshot, drop u < 160, first event has U <= 160 <= u, then pu continuity.
  EXPECT_EQ(snapshot(160), kApplied);
  EXPECT_EQ(sync_.state(), BookSyncState::live);
  EXPECT_EQ(sync_.last_update_id(), 170);
  EXPECT_EQ(sync_.buffered_events(), 0u);
  EXPECT_EQ(bid_qty(1000), 1'000);  // the stale event's 5 was dropped
  EXPECT_EQ(bid_qty(999), 7'000);
  EXPECT_EQ(bid_qty(998), 4'000);
  // 7–9. Absolute quantities; 0 removes; removing an absent level is fine.
  EXPECT_EQ(update(171, 175, 170, {{"99.9", "0"}, {"90.0", "0"}}, {{"100.2", "0.5"}}), kApplied);
  EXPECT_EQ(bid_qty(999), 0);
  EXPECT_EQ(sync_.book().best_ask()->qty_lots, 500);
  EXPECT_EQ(sync_.book().sequence(), 175u);
  EXPECT_EQ(sync_.book().last_update(), now_);
}

TEST_F(BinanceBookSyncTest, WaitsInSyncingUntilAnEventBridgesTheSnapshot) {
  EXPECT_EQ(snapshot(200), kApplied);
  EXPECT_EQ(sync_.state(), BookSyncState::syncing);
  EXPECT_TRUE(sync_.book().valid());
  EXPECT_EQ(update(190, 199, 180), kStale);
  EXPECT_EQ(update(200, 205, 199, {{"99.5", "1"}}), kApplied);  // U <= 200 <= u
  EXPECT_EQ(sync_.state(), BookSyncState::live);
}

TEST_F(BinanceBookSyncTest, FirstEventPastTheSnapshotIsAGapAndTheEventIsKeptForTheNextSnapshot) {
  EXPECT_EQ(snapshot(200), kApplied);
  EXPECT_EQ(update(205, 210, 204), kGap);
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
  EXPECT_FALSE(sync_.book().valid());
  EXPECT_EQ(sync_.buffered_events(), 1u);
  EXPECT_EQ(update(211, 215, 210, {{"99.0", "9"}}), kBuffered);
  EXPECT_EQ(snapshot(207), kApplied);  // a newer snapshot bridges the kept event
  EXPECT_EQ(sync_.state(), BookSyncState::live);
  EXPECT_EQ(sync_.last_update_id(), 215);
  EXPECT_EQ(bid_qty(990), 9'000);
}

TEST_F(BinanceBookSyncTest, PuDiscontinuityNeedsAResyncAndASnapshotRecovers) {
  EXPECT_EQ(snapshot(100), kApplied);
  EXPECT_EQ(update(95, 105, 90), kApplied);
  EXPECT_EQ(update(106, 110, 105), kApplied);
  EXPECT_EQ(update(115, 120, 112), kGap);  // pu 112 != previous u 110
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
  EXPECT_EQ(sync_.last_resync_reason(), SyncReason::gap);
  EXPECT_TRUE(sync_.book().bids().empty());
  EXPECT_EQ(update(121, 125, 120), kBuffered);
  EXPECT_EQ(snapshot(118), kApplied);  // re-init from step 3
  EXPECT_EQ(sync_.state(), BookSyncState::live);
  EXPECT_EQ(sync_.last_update_id(), 125);
  EXPECT_EQ(update(126, 130, 125), kApplied);
}

TEST_F(BinanceBookSyncTest, DuplicatedOrLateEventsAreIgnoredWithoutTouchingTheBook) {
  EXPECT_EQ(snapshot(100), kApplied);
  EXPECT_EQ(update(95, 105, 90, {{"99.0", "1"}}), kApplied);
  EXPECT_EQ(update(106, 110, 105, {{"99.0", "2"}}), kApplied);
  EXPECT_EQ(update(106, 110, 105, {{"99.0", "2"}}), kStale);  // duplicate
  EXPECT_EQ(update(95, 105, 90, {{"99.0", "1"}}), kStale);    // late replay
  EXPECT_EQ(bid_qty(990), 2'000);
  EXPECT_EQ(sync_.state(), BookSyncState::live);
}

TEST_F(BinanceBookSyncTest, BufferOverflowInvalidatesAndTheNextSnapshotStartsClean) {
  for (int i = 0; i < 8; ++i) EXPECT_EQ(update(10 * i + 1, 10 * i + 10, 10 * i), kBuffered);
  EXPECT_EQ(update(81, 90, 80), (SyncOutcome{SyncResult::needs_resync, SyncReason::buffer_overflow}));
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
  EXPECT_EQ(sync_.buffered_events(), 0u);
  EXPECT_EQ(update(91, 100, 90), kBuffered);
  EXPECT_EQ(snapshot(95), kApplied);
  EXPECT_EQ(sync_.state(), BookSyncState::live);
}

TEST_F(BinanceBookSyncTest, ACrossedOrLockedBookIsInvalid) {
  EXPECT_EQ(snapshot(100), kApplied);
  EXPECT_EQ(update(95, 105, 90, {{"100.2", "1"}}), (SyncOutcome{SyncResult::needs_resync, SyncReason::locked}));
  EXPECT_FALSE(sync_.book().valid());
  EXPECT_EQ(snapshot(110), kApplied);
  EXPECT_EQ(update(105, 111, 100, {{"100.5", "1"}}), (SyncOutcome{SyncResult::needs_resync, SyncReason::crossed}));
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
}

TEST_F(BinanceBookSyncTest, AnUnreadableFrameInvalidatesAndRecordsTheError) {
  EXPECT_EQ(snapshot(100), kApplied);
  EXPECT_EQ(sync_.on_update_frame("{\"e\":\"depthUpdate\"", now_),
            (SyncOutcome{SyncResult::needs_resync, SyncReason::parse_error}));
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
  EXPECT_NE(sync_.last_error().find("malformed JSON"), std::string::npos);
  EXPECT_EQ(sync_.on_snapshot_frame("{}", now_), (SyncOutcome{SyncResult::needs_resync, SyncReason::parse_error}));
  EXPECT_EQ(sync_.last_error(), "depth snapshot: field 'lastUpdateId' missing");
}

}  // namespace
}  // namespace propbot::md
