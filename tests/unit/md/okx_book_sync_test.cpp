#include "core/md/okx_book_sync.hpp"

#include <gtest/gtest.h>

#include "tests/unit/md/md_test_support.hpp"

namespace propbot::md {
namespace {

using testing::TextLevel;

constexpr SyncOutcome kApplied{SyncResult::applied, SyncReason::none};

OkxBookLevel raw(const char* price, const char* size) {
  OkxBookLevel level;
  EXPECT_TRUE(level.price_text.assign(price));
  EXPECT_TRUE(level.size_text.assign(size));
  return level;
}

TEST(OkxChecksumTest, MatchesTheTwoWorkedExamplesOfTheDocs) {
  const std::vector<OkxBookLevel> bids{raw("3366.1", "7"), raw("3366", "6")};
  const std::vector<OkxBookLevel> asks{raw("3366.8", "9"), raw("3368", "8")};
  EXPECT_EQ(okx_book_checksum(bids, asks), -1881014294);
  const std::vector<OkxBookLevel> one_bid{raw("3366.1", "7")};
  const std::vector<OkxBookLevel> three_asks{raw("3366.8", "9"), raw("3368", "8"), raw("3372", "8")};
  EXPECT_EQ(okx_book_checksum(one_bid, three_asks), 831078360);
  EXPECT_EQ(static_cast<std::int32_t>(testing::reference_crc32("3366.1:7:3366.8:9:3366:6:3368:8")), -1881014294);
}

TEST(OkxChecksumTest, UsesTheStringsAsReceivedAndOnlyTheTop25Levels) {
  std::vector<OkxBookLevel> bids{raw("3366.10", "7")};
  const std::vector<OkxBookLevel> asks{raw("3366.8", "9")};
  EXPECT_NE(okx_book_checksum(bids, asks), okx_book_checksum(std::vector<OkxBookLevel>{raw("3366.1", "7")}, asks));
  std::vector<OkxBookLevel> deep;
  for (int i = 0; i < 25; ++i) deep.push_back(raw(std::to_string(3000 - i).c_str(), "1"));
  const std::int32_t top25 = okx_book_checksum(deep, asks);
  deep.push_back(raw("2900", "5"));
  EXPECT_EQ(okx_book_checksum(deep, asks), top25);
}

class OkxBookSyncTest : public ::testing::Test {
 protected:
  OkxBookSync sync_{testing::okx_spec(), testing::okx_grid()};
  testing::ReferenceOkxBook reference_;
  MonoTime now_{std::chrono::seconds{100}};
  std::int64_t seq_ = 0;

  SyncOutcome send_snapshot(const std::vector<TextLevel>& bids, const std::vector<TextLevel>& asks) {
    reference_.clear();
    reference_.apply(bids, asks);
    seq_ = 1000;
    now_ += std::chrono::milliseconds{100};
    return sync_.on_frame(testing::okx_books_json(true, -1, seq_, reference_.checksum(), bids, asks), now_);
  }
  // An update whose checksum the reference computes; `checksum_offset` corrupts it.
  SyncOutcome send_update(const std::vector<TextLevel>& bids, const std::vector<TextLevel>& asks,
                          std::int64_t prev_offset = 0, std::int32_t checksum_offset = 0) {
    reference_.apply(bids, asks);
    const std::int64_t prev = seq_ + prev_offset;
    seq_ += 3;
    now_ += std::chrono::milliseconds{100};
    return sync_.on_frame(
        testing::okx_books_json(false, prev, seq_, reference_.checksum() + checksum_offset, bids, asks), now_);
  }
  void expect_book_matches_raw() const {
    ASSERT_EQ(sync_.book().bids().size(), sync_.raw_bids().size());
    ASSERT_EQ(sync_.book().asks().size(), sync_.raw_asks().size());
    for (std::size_t i = 0; i < sync_.raw_bids().size(); ++i) {
      EXPECT_EQ(sync_.book().bids()[i].price_ticks, sync_.raw_bids()[i].price_ticks);
      EXPECT_EQ(sync_.book().bids()[i].qty_lots, sync_.raw_bids()[i].size_lots);
    }
    for (std::size_t i = 0; i < sync_.raw_asks().size(); ++i) {
      EXPECT_EQ(sync_.book().asks()[i].price_ticks, sync_.raw_asks()[i].price_ticks);
      EXPECT_EQ(sync_.book().asks()[i].qty_lots, sync_.raw_asks()[i].size_lots);
    }
  }
};

TEST_F(OkxBookSyncTest, AppliesTheCanonicalFixturesWithTheirChecksums) {
  EXPECT_EQ(sync_.on_frame(testing::read_fixture("okx/books_snapshot.json"), now_), kApplied);
  EXPECT_EQ(sync_.state(), BookSyncState::live);
  EXPECT_EQ(sync_.book().bids().size(), 30u);
  EXPECT_EQ(sync_.raw_bids()[4].price_text.view(), "96998.90");
  EXPECT_EQ(sync_.on_frame(testing::read_fixture("okx/books_update.json"), now_), kApplied) << sync_.last_error();
  EXPECT_EQ(sync_.last_seq_id(), 1200007);
  EXPECT_EQ(sync_.book().best_bid()->qty_lots, 150);
  EXPECT_EQ(sync_.book().best_ask()->price_ticks, 970'002);
  EXPECT_EQ(sync_.on_frame(testing::read_fixture("okx/books_heartbeat.json"), now_), kApplied);
  ASSERT_NO_FATAL_FAILURE(expect_book_matches_raw());
}

TEST_F(OkxBookSyncTest, FollowsSnapshotAndUpdatesAgainstAnIndependentReference) {
  std::vector<TextLevel> bids;
  std::vector<TextLevel> asks;
  for (int i = 0; i < 40; ++i) {
    bids.push_back({std::to_string(2000 - i) + ".5", std::to_string(i + 1)});
    asks.push_back({std::to_string(2001 + i) + ".50", std::to_string(i + 1) + ".25"});
  }
  ASSERT_EQ(send_snapshot(bids, asks), kApplied);
  EXPECT_EQ(sync_.current_checksum(), reference_.checksum());
  // Replace, delete, insert at the top and deep, remove an absent level.
  ASSERT_EQ(send_update({{"2000.5", "99"}, {"1999.5", "0"}, {"2000.7", "3"}, {"1000.1", "0"}},
                        {{"2001.50", "0"}, {"2001.1", "4.5"}, {"2050.50", "2"}}),
            kApplied)
      << sync_.last_error();
  EXPECT_EQ(sync_.book().best_bid()->price_ticks, 20'007);
  EXPECT_EQ(sync_.book().best_ask()->price_ticks, 20'011);
  EXPECT_EQ(sync_.raw_asks()[0].size_text.view(), "4.5");
  ASSERT_NO_FATAL_FAILURE(expect_book_matches_raw());
  // Levels beyond 25 change without moving the checksum, and still apply.
  ASSERT_EQ(send_update({{"1965.5", "0"}}, {}), kApplied);
  EXPECT_EQ(sync_.book().bids().size(), reference_.bid_count());
  EXPECT_EQ(sync_.book().asks().size(), reference_.ask_count());
}

TEST_F(OkxBookSyncTest, AChecksumMismatchInvalidatesTheBook) {
  ASSERT_EQ(send_snapshot({{"100.1", "1"}}, {{"100.2", "1"}}), kApplied);
  EXPECT_EQ(send_update({{"100.0", "2"}}, {}, 0, 1), (SyncOutcome{SyncResult::needs_resync, SyncReason::checksum_mismatch}));
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
  EXPECT_FALSE(sync_.book().valid());
  EXPECT_TRUE(sync_.raw_bids().empty());
  EXPECT_EQ(send_update({{"100.0", "2"}}, {}), (SyncOutcome{SyncResult::ignored_stale, SyncReason::none}));
  EXPECT_EQ(send_snapshot({{"100.1", "1"}}, {{"100.2", "1"}}), kApplied);  // resubscribe recovers
  EXPECT_EQ(sync_.state(), BookSyncState::live);
}

TEST_F(OkxBookSyncTest, ASnapshotWithAWrongChecksumIsRefused) {
  const std::string text = testing::okx_books_json(true, -1, 5, 12345, {{"100.1", "1"}}, {{"100.2", "1"}});
  EXPECT_EQ(sync_.on_frame(text, now_), (SyncOutcome{SyncResult::needs_resync, SyncReason::checksum_mismatch}));
  EXPECT_FALSE(sync_.book().valid());
}

TEST_F(OkxBookSyncTest, ASequenceGapNeedsAResync) {
  ASSERT_EQ(send_snapshot({{"100.1", "1"}}, {{"100.2", "1"}}), kApplied);
  ASSERT_EQ(send_update({{"100.0", "2"}}, {}), kApplied);
  EXPECT_EQ(send_update({{"99.9", "2"}}, {}, -1), (SyncOutcome{SyncResult::needs_resync, SyncReason::gap}));
  EXPECT_EQ(sync_.last_resync_reason(), SyncReason::gap);
  EXPECT_EQ(sync_.state(), BookSyncState::invalid);
}

TEST_F(OkxBookSyncTest, AcceptsHeartbeatsAndTheMaintenanceResetOfTheDocsSequence) {
  // The docs' sequence: (-1,10), (10,15), (15,15) heartbeat, (15,3) reset, (3,5).
  reference_.apply({{"100.1", "1"}}, {{"100.2", "1"}});
  const std::int32_t c = reference_.checksum();
  EXPECT_EQ(sync_.on_frame(testing::okx_books_json(true, -1, 10, c, {{"100.1", "1"}}, {{"100.2", "1"}}), now_),
            kApplied);
  reference_.apply({{"100.0", "3"}}, {});
  const std::int32_t c2 = reference_.checksum();
  EXPECT_EQ(sync_.on_frame(testing::okx_books_json(false, 10, 15, c2, {{"100.0", "3"}}, {}), now_), kApplied);
  EXPECT_EQ(sync_.on_frame(testing::okx_books_json(false, 15, 15, c2, {}, {}), now_), kApplied);
  EXPECT_EQ(sync_.on_frame(testing::okx_books_json(false, 15, 3, c2, {}, {}), now_), kApplied);
  EXPECT_EQ(sync_.last_seq_id(), 3);
  reference_.apply({}, {{"100.3", "2"}});
  EXPECT_EQ(sync_.on_frame(testing::okx_books_json(false, 3, 5, reference_.checksum(), {}, {{"100.3", "2"}}), now_),
            kApplied);
  EXPECT_EQ(sync_.book().sequence(), 5u);
  // The old numbering after the reset is now a gap.
  EXPECT_EQ(sync_.on_frame(testing::okx_books_json(false, 15, 16, reference_.checksum(), {}, {}), now_),
            (SyncOutcome{SyncResult::needs_resync, SyncReason::gap}));
}

TEST_F(OkxBookSyncTest, ACrossedBookIsInvalidEvenWithAMatchingChecksum) {
  ASSERT_EQ(send_snapshot({{"100.1", "1"}}, {{"100.2", "1"}}), kApplied);
  EXPECT_EQ(send_update({{"100.3", "1"}}, {}), (SyncOutcome{SyncResult::needs_resync, SyncReason::crossed}));
  EXPECT_FALSE(sync_.book().valid());
  ASSERT_EQ(send_snapshot({{"100.1", "1"}}, {{"100.2", "1"}}), kApplied);
  EXPECT_EQ(send_update({}, {{"100.1", "1"}}), (SyncOutcome{SyncResult::needs_resync, SyncReason::locked}));
}

TEST_F(OkxBookSyncTest, ASnapshotInAnyOrderIsSortedAndARepeatedPriceKeepsItsLastEntry) {
  ASSERT_EQ(send_snapshot({{"99.0", "1"}, {"100.1", "2"}, {"99.0", "5"}, {"99.5", "0"}}, {{"101.0", "1"}, {"100.5", "1"}}),
            kApplied)
      << sync_.last_error();
  ASSERT_EQ(sync_.book().bids().size(), 2u);
  EXPECT_EQ(sync_.book().bids()[0].price_ticks, 1'001);
  EXPECT_EQ(sync_.book().bids()[1].qty_lots, 500);
  EXPECT_EQ(sync_.book().best_ask()->price_ticks, 1'005);
  ASSERT_NO_FATAL_FAILURE(expect_book_matches_raw());
}

TEST_F(OkxBookSyncTest, UpdatesBeforeTheFirstSnapshotAreIgnored) {
  EXPECT_EQ(sync_.on_frame(testing::read_fixture("okx/books_update.json"), now_),
            (SyncOutcome{SyncResult::ignored_stale, SyncReason::none}));
  EXPECT_EQ(sync_.state(), BookSyncState::awaiting_snapshot);
}

}  // namespace
}  // namespace propbot::md
