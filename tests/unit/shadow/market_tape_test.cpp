// MarketTape: what it keeps of each event (the top `depth` levels, funding, never an
// invalid book) and its bounds (the window, max_events), and that a view is an immutable
// copy later events do not change.
#include "core/engine/market_tape.hpp"

#include <gtest/gtest.h>

#include "tests/unit/shadow/tape_books.hpp"

namespace propbot::engine {
namespace {

using shadow::testing::book_of;

MarketTape::Options options(int window_s, std::size_t max_events, int depth, std::size_t block_events) {
  MarketTape::Options o;
  o.window = std::chrono::seconds(window_s);
  o.max_events = max_events;
  o.depth = depth;
  o.block_events = block_events;
  o.seal_after = std::chrono::milliseconds(100);
  return o;
}

std::vector<const TapeEvent*> events_of(const MarketTapeView& view) {
  std::vector<const TapeEvent*> out;
  view.for_each([&](const TapeEvent& event, const TapeBlock&) { out.push_back(&event); });
  return out;
}

TEST(MarketTape, KeepsTheTopDepthLevelsOfEachSideBestFirst) {
  MarketTape tape(options(300, 1000, 3, 100));
  const MonoTime t0{std::chrono::seconds(10)};
  tape.on_book(book_of("SIM-A", 100.00, 100.02, 20, 7, t0), t0);
  auto view = tape.view(t0 + std::chrono::seconds(1), UtcTime{std::chrono::seconds(1'700'000'000)});
  ASSERT_TRUE(view);
  ASSERT_EQ(view->events(), 1u);
  const TapeBlock& block = *view->blocks.front();
  const TapeEvent& event = block.events.front();
  EXPECT_EQ(event.kind, TapeEventKind::book);
  EXPECT_EQ(event.sequence, 7u);
  ASSERT_EQ(event.bids, 3);
  ASSERT_EQ(event.asks, 3);
  EXPECT_EQ(block.levels[event.first_level].price_ticks, 10000);      // best bid
  EXPECT_EQ(block.levels[event.first_level + 2].price_ticks, 9998);
  EXPECT_EQ(block.levels[event.first_level + 3].price_ticks, 10002);  // best ask
  EXPECT_EQ(block.levels[event.first_level + 5].price_ticks, 10004);
  ASSERT_EQ(view->instruments->size(), 1u);
  EXPECT_EQ((*view->instruments)[event.instrument].venue, "SIM-A");
  EXPECT_DOUBLE_EQ((*view->instruments)[event.instrument].tick_size, 0.01);
}

TEST(MarketTape, KeepsFundingAndSkipsInvalidBooks) {
  MarketTape tape(options(300, 1000, 10, 100));
  const MonoTime t0{std::chrono::seconds(10)};
  md::OrderBook invalid(shadow::testing::btc_on("SIM-A"));
  tape.on_book(invalid, t0);
  venues::FundingInfo info;
  info.symbol = "BTC-USDT";
  info.funding_rate = *Decimal::parse("0.0001");
  info.mark_price = *Decimal::parse("100.5");
  tape.on_funding("SIM-B", info, t0 + std::chrono::milliseconds(5));
  auto view = tape.view(t0 + std::chrono::seconds(1), UtcTime{});
  ASSERT_TRUE(view);
  const auto events = events_of(*view);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]->kind, TapeEventKind::funding);
  EXPECT_EQ(events[0]->funding_rate.to_string(), "0.0001");
  EXPECT_EQ(events[0]->mark_price.to_string(), "100.5");
  EXPECT_EQ((*view->instruments)[events[0]->instrument].venue, "SIM-B");
}

TEST(MarketTape, HoldsAtMostMaxEvents) {
  MarketTape tape(options(3600, 1000, 2, 250));
  MonoTime at{std::chrono::seconds(10)};
  for (int i = 0; i < 10'000; ++i) {
    at += std::chrono::milliseconds(1);
    tape.on_book(book_of("SIM-A", 100.00, 100.02, 5, static_cast<std::uint64_t>(i + 1), at), at);
    EXPECT_LE(tape.events(), 1000u);
  }
  auto view = tape.view(at, UtcTime{});
  EXPECT_LE(view->events(), 1000u);
  EXPECT_GE(view->events(), 750u);  // whole blocks of 250 go
  // The newest events are the ones kept.
  EXPECT_EQ(events_of(*view).back()->sequence, 10'000u);
  // The stated bound: (max_events + block_events) × (sizeof(TapeEvent) + 2 × depth × 16).
  EXPECT_LE(tape.bytes(), (1000u + 250u) * (sizeof(TapeEvent) + 2 * 2 * sizeof(md::BookLevel)));
}

TEST(MarketTape, DropsEventsOlderThanTheWindow) {
  MarketTape tape(options(10, 100'000, 2, 50));
  MonoTime at{std::chrono::seconds(100)};
  for (int i = 0; i < 300; ++i) {  // 30 s at 10 events a second
    at += std::chrono::milliseconds(100);
    tape.on_book(book_of("SIM-A", 100.00, 100.02, 2, static_cast<std::uint64_t>(i + 1), at), at);
  }
  auto view = tape.view(at, UtcTime{});
  const auto events = events_of(*view);
  ASSERT_FALSE(events.empty());
  for (const TapeEvent* event : events) EXPECT_GE(event->at, at - std::chrono::seconds(10));
  EXPECT_GE(events.size(), 95u);  // the last 10 s, minus the open block's lag
  EXPECT_LE(tape.events(), 200u);  // older blocks were freed, not only skipped
  EXPECT_EQ(view->window_s, 10);
}

TEST(MarketTape, AViewIsNotChangedByLaterEvents) {
  MarketTape tape(options(300, 1000, 2, 100));
  MonoTime at{std::chrono::seconds(10)};
  tape.on_book(book_of("SIM-A", 100.00, 100.02, 2, 1, at), at);
  auto first = tape.view(at + std::chrono::seconds(1), UtcTime{});
  EXPECT_EQ(first->events(), 1u);
  at += std::chrono::seconds(2);
  tape.on_book(book_of("SIM-A", 100.00, 100.02, 2, 2, at), at);
  auto second = tape.view(at + std::chrono::seconds(1), UtcTime{});
  EXPECT_EQ(first->events(), 1u);
  EXPECT_EQ(second->events(), 2u);
  // Nothing new: the same view.
  EXPECT_EQ(tape.view(at + std::chrono::milliseconds(1100), UtcTime{}), second);
}

TEST(MarketTape, OffRecordsNothing) {
  MarketTape tape(tape_options(0, 100'000, 10));
  const MonoTime t0{std::chrono::seconds(10)};
  tape.on_book(book_of("SIM-A", 100.00, 100.02, 2, 1, t0), t0);
  EXPECT_EQ(tape.events(), 0u);
  EXPECT_EQ(tape.view(t0, UtcTime{}), nullptr);
}

}  // namespace
}  // namespace propbot::engine
