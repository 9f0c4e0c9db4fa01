#include "core/md/order_book.hpp"

#include <gtest/gtest.h>

namespace propbot::md {
namespace {

InstrumentSpec btc() { return {"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0}; }

TEST(OrderBookTest, SnapshotSortsSidesBestFirstAndDropsEmptyLevels) {
  OrderBook book(btc());
  const std::vector<BookLevel> bids{{599'990, 5}, {600'000, 2}, {599'995, 0}};
  const std::vector<BookLevel> asks{{600'020, 1}, {600'010, 3}};
  book.apply_snapshot(bids, asks, 7, MonoTime{});
  ASSERT_TRUE(book.valid());
  EXPECT_EQ(book.sequence(), 7u);
  ASSERT_EQ(book.bids().size(), 2u);
  EXPECT_EQ(book.best_bid()->price_ticks, 600'000);
  EXPECT_EQ(book.best_ask()->price_ticks, 600'010);
  EXPECT_DOUBLE_EQ(*book.mid_price(), 60'000.5);
  EXPECT_NEAR(*book.spread_bps(), 1.0 / 60'000.5 * 1e4, 1e-9);
}

TEST(OrderBookTest, LevelUpdatesInsertReplaceAndRemove) {
  OrderBook book(btc());
  book.apply_snapshot(std::vector<BookLevel>{{100, 1}}, std::vector<BookLevel>{{105, 1}}, 1, MonoTime{});
  book.apply_level(BookSide::bid, {102, 4});
  book.apply_level(BookSide::bid, {101, 2});
  book.apply_level(BookSide::bid, {102, 9});
  ASSERT_EQ(book.bids().size(), 3u);
  EXPECT_EQ(book.bids()[0].price_ticks, 102);
  EXPECT_EQ(book.bids()[0].qty_lots, 9);
  EXPECT_EQ(book.bids()[1].price_ticks, 101);
  book.apply_level(BookSide::bid, {102, 0});
  EXPECT_EQ(book.best_bid()->price_ticks, 101);
  book.apply_level(BookSide::ask, {104, 1});
  EXPECT_EQ(book.best_ask()->price_ticks, 104);
  book.apply_level(BookSide::ask, {999, 0});  // removing an absent level is a no-op
  EXPECT_EQ(book.asks().size(), 2u);
}

TEST(OrderBookTest, ASideKeepsAtMostTheBestLevelsAsFarLevelsArrive) {
  // Issue 11: far levels a venue reports one by one must not grow the book forever.
  OrderBook book(btc());
  book.apply_snapshot(std::vector<BookLevel>{}, std::vector<BookLevel>{}, 1, MonoTime{});
  constexpr std::int64_t kExtra = 7;
  constexpr auto kMax = static_cast<std::int64_t>(kMaxLevelsPerSide);
  for (std::int64_t i = 0; i < kMax + kExtra; ++i) {
    book.apply_level(BookSide::bid, {1'000'000 - i, 1});  // each one worse than the last
    book.apply_level(BookSide::ask, {1'000'001 + i, 1});
  }
  ASSERT_EQ(book.bids().size(), kMaxLevelsPerSide);
  ASSERT_EQ(book.asks().size(), kMaxLevelsPerSide);
  EXPECT_EQ(book.bids().back().price_ticks, 1'000'000 - (kMax - 1)) << "the worst levels were not kept";
  EXPECT_EQ(book.asks().back().price_ticks, 1'000'001 + (kMax - 1));

  // A better level on a full side pushes the worst one out.
  book.apply_level(BookSide::bid, {1'000'000 - kMax / 2, 5});  // exists: a change, nothing goes
  ASSERT_EQ(book.bids().size(), kMaxLevelsPerSide);
  book.apply_level(BookSide::ask, {1'000'000, 3});  // new best ask
  ASSERT_EQ(book.asks().size(), kMaxLevelsPerSide);
  EXPECT_EQ(book.best_ask()->price_ticks, 1'000'000);
  EXPECT_EQ(book.asks().back().price_ticks, 1'000'001 + (kMax - 2));
  book.apply_level(BookSide::ask, {1'000'001 + (kMax - 2) + 1, 1});  // worse than all kept: not kept
  EXPECT_EQ(book.asks().back().price_ticks, 1'000'001 + (kMax - 2));
  EXPECT_EQ(book.asks().size(), kMaxLevelsPerSide);
}

TEST(OrderBookTest, ASnapshotKeepsAtMostTheBestLevels) {
  OrderBook book(btc());
  std::vector<BookLevel> bids;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(kMaxLevelsPerSide) + 3; ++i) bids.push_back({100 + i, 1});
  book.apply_snapshot(bids, std::vector<BookLevel>{{1'000'000, 1}}, 1, MonoTime{});
  ASSERT_EQ(book.bids().size(), kMaxLevelsPerSide);
  EXPECT_EQ(book.best_bid()->price_ticks, 100 + static_cast<std::int64_t>(kMaxLevelsPerSide) + 2);
  EXPECT_EQ(book.bids().back().price_ticks, 103) << "the three worst bids were dropped";
}

TEST(OrderBookTest, DetectsCrossedBooksAndInvalidation) {
  OrderBook book(btc());
  book.apply_snapshot(std::vector<BookLevel>{{100, 1}}, std::vector<BookLevel>{{101, 1}}, 1, MonoTime{});
  EXPECT_FALSE(book.crossed());
  book.apply_level(BookSide::bid, {101, 1});
  EXPECT_TRUE(book.crossed());
  book.invalidate();
  EXPECT_FALSE(book.valid());
  EXPECT_FALSE(book.best_bid().has_value());
}

TEST(OrderBookTest, FillForNotionalWalksTheBook) {
  OrderBook book(btc());
  // Asks: 1 BTC at 100.0, 1 BTC at 110.0.
  book.apply_snapshot(std::vector<BookLevel>{{990, 1000}}, std::vector<BookLevel>{{1000, 1000}, {1100, 1000}}, 1, MonoTime{});
  const auto small = book.fill_for_notional(BookSide::ask, 50);
  EXPECT_TRUE(small.complete);
  EXPECT_DOUBLE_EQ(small.avg_price, 100.0);
  const auto across = book.fill_for_notional(BookSide::ask, 210);  // 100 at 100 + 110 at 110 = 2 BTC
  EXPECT_TRUE(across.complete);
  EXPECT_NEAR(across.avg_price, 105.0, 1e-9);
  const auto too_big = book.fill_for_notional(BookSide::ask, 1'000);
  EXPECT_FALSE(too_big.complete);
  EXPECT_NEAR(too_big.filled_notional, 210.0, 1e-9);
}

}  // namespace
}  // namespace propbot::md

namespace propbot::md {
namespace {

TEST(InstrumentSpecTest, TickPricesConvertToTheNearestDouble) {
  const InstrumentSpec spec{"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
  EXPECT_EQ(spec.price_of(599'627), 59962.7);
  EXPECT_EQ(spec.qty_of(206), 0.206);
  const InstrumentSpec odd{"SIM-A", "X-USDT", "PERP", 0.25, 0.5, 5.0};
  EXPECT_EQ(odd.price_of(3), 0.75);
}

}  // namespace
}  // namespace propbot::md
