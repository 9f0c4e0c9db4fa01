// BookBoard: the engine's copies of venue books and what the feeds said about them.
#include "core/engine/book_board.hpp"

#include <array>

#include <gtest/gtest.h>

namespace propbot::engine {
namespace {

md::InstrumentSpec spec(const char* venue) {
  md::InstrumentSpec s;
  s.venue = venue;
  s.symbol = "BTC-USDT";
  return s;
}

md::OrderBook valid_book(const char* venue, std::uint64_t sequence) {
  md::OrderBook book(spec(venue));
  const std::array<md::BookLevel, 1> bids{md::BookLevel{500000, 10}};
  const std::array<md::BookLevel, 1> asks{md::BookLevel{500010, 10}};
  book.apply_snapshot(bids, asks, sequence, MonoTime{} + std::chrono::seconds(1));
  return book;
}

const UtcTime kNow = UtcTime{} + std::chrono::hours(24 * 365 * 56);

TEST(BookBoard, FirstBookCreatesTheEntryAndIsFoundByVenueAndSymbol) {
  BookBoard board;
  board.on_book(valid_book("BINANCE", 7));
  ASSERT_NE(board.find("BINANCE", "BTC-USDT"), nullptr);
  EXPECT_TRUE(board.find("BINANCE", "BTC-USDT")->valid());
  EXPECT_EQ(board.find("OKX", "BTC-USDT"), nullptr);
  const auto views = board.views(MonoTime{} + std::chrono::seconds(3));
  ASSERT_EQ(views.size(), 1u);
  EXPECT_TRUE(views[0].valid);
  EXPECT_EQ(views[0].sequence, 7u);
  EXPECT_EQ(views[0].age_ms, 2000);
  EXPECT_EQ(views[0].invalid_reason, "");
  EXPECT_EQ(views[0].invalidations, 0u);
}

TEST(BookBoard, FeedVerdictInvalidatesTheCopyUntilAFreshValidBookArrives) {
  BookBoard board;
  board.on_book(valid_book("BINANCE", 7));
  board.on_book(valid_book("OKX", 3));
  board.on_book_state("BINANCE", "BTC-USDT", false, "gap", kNow);
  EXPECT_FALSE(board.find("BINANCE", "BTC-USDT")->valid()) << "strategies would still trade a book the feed gave up on";
  EXPECT_TRUE(board.find("OKX", "BTC-USDT")->valid()) << "the verdict hit the other venue's book";

  // A second verdict during the same outage is not a second invalidation.
  board.on_book_state("BINANCE", "BTC-USDT", false, "checksum", kNow + std::chrono::seconds(1));
  auto views = board.views(MonoTime{});
  EXPECT_EQ(views[0].invalid_reason, "checksum");
  EXPECT_EQ(views[0].invalid_since, kNow);
  EXPECT_EQ(views[0].invalidations, 1u);

  // "resynced" alone does not make the stale copy valid: the fresh book does.
  board.on_book_state("BINANCE", "BTC-USDT", true, "resynced", kNow);
  EXPECT_FALSE(board.find("BINANCE", "BTC-USDT")->valid());
  board.on_book(valid_book("BINANCE", 20));
  views = board.views(MonoTime{});
  EXPECT_TRUE(views[0].valid);
  EXPECT_EQ(views[0].invalid_reason, "");
  EXPECT_EQ(views[0].invalidations, 1u);
  EXPECT_EQ(views[0].sequence, 20u);
}

TEST(BookBoard, VerdictsAndFundingForUnknownBooksAreIgnored) {
  BookBoard board;
  board.on_book_state("BINANCE", "BTC-USDT", false, "gap", kNow);
  venues::FundingInfo info;
  info.symbol = "BTC-USDT";
  board.on_funding("BINANCE", info);
  EXPECT_TRUE(board.views(MonoTime{}).empty());
}

TEST(BookBoard, FundingIsKeptPerVenue) {
  BookBoard board;
  board.on_book(valid_book("BINANCE", 1));
  board.on_book(valid_book("OKX", 1));
  venues::FundingInfo info;
  info.symbol = "BTC-USDT";
  info.mark_price = Decimal::parse("50001.5").value();
  info.funding_rate = Decimal::parse("0.0001").value();
  info.next_funding_time = kNow;
  board.on_funding("OKX", info);
  const auto views = board.views(MonoTime{});
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].mark_price, 0.0);
  EXPECT_DOUBLE_EQ(views[1].mark_price, 50001.5);
  EXPECT_DOUBLE_EQ(views[1].funding_rate, 0.0001);
  EXPECT_EQ(views[1].next_funding_time, kNow);
}

TEST(BookBoard, AnUnseenBookReportsNoAge) {
  BookBoard board;
  board.add(md::OrderBook(spec("SIM-A")));
  const auto views = board.views(MonoTime{} + std::chrono::seconds(5));
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].age_ms, -1);
  EXPECT_FALSE(views[0].valid);
  EXPECT_EQ(views[0].invalid_reason, "awaiting_first_book") << "an operator sees why, not an empty reason";
  EXPECT_EQ(views[0].invalidations, 0u) << "waiting for the first book is not a resync";
}

}  // namespace
}  // namespace propbot::engine
