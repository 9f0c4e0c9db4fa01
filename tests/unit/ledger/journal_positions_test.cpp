// JournalPositions' answers to the executor: the real notional held per venue (the
// router's cap headroom), at the mark or the entry price, simulated positions apart.
#include "core/ledger/journal_positions.hpp"

#include <gtest/gtest.h>

#include "core/exec/memory_journal.hpp"
#include "ledger_test_support.hpp"

namespace propbot::ledger {
namespace {

using exec::Leg;
using testing::dec;
using testing::fill;
using testing::pair_opening;

TEST(JournalPositionsTest, VenueNotionalIsTheRealLegsHeldThereAtTheMarkOrTheEntry) {
  exec::MemoryJournal journal;
  JournalPositions positions(journal);
  EXPECT_EQ(positions.venue_notional_usdt("BINANCE"), 0);

  ASSERT_TRUE(positions.book().open_position(pair_opening(1, "0.5")));
  ASSERT_TRUE(positions.book().on_fill(fill(1, "BINANCE", Leg::a, Side::buy, "0.5", "65000")));
  ASSERT_TRUE(positions.book().on_fill(fill(1, "OKX", Leg::b, Side::sell, "0.5", "65100")));
  EXPECT_DOUBLE_EQ(positions.venue_notional_usdt("BINANCE"), 32500) << "no mark yet: the entry price";
  EXPECT_DOUBLE_EQ(positions.venue_notional_usdt("OKX"), 32550) << "a short leg uses the cap as much";

  positions.book().on_mark("BINANCE", "BTC-USDT", dec("66000"));
  EXPECT_DOUBLE_EQ(positions.venue_notional_usdt("BINANCE"), 33000);

  PositionOpening simulated = pair_opening(2, "1");
  simulated.simulated = true;
  ASSERT_TRUE(positions.book().open_position(simulated));
  exec::FillEntry paper = fill(2, "BINANCE", Leg::a, Side::buy, "1", "65000");
  paper.simulated = true;
  ASSERT_TRUE(positions.book().on_fill(paper));
  EXPECT_DOUBLE_EQ(positions.venue_notional_usdt("BINANCE"), 33000) << "dry-run positions take no cap";

  // Closed: nothing held.
  ASSERT_TRUE(positions.book().mark_closing(1));
  ASSERT_TRUE(positions.book().on_fill(fill(1, "BINANCE", Leg::a, Side::sell, "0.5", "66000")));
  EXPECT_EQ(positions.venue_notional_usdt("BINANCE"), 0);
}

}  // namespace
}  // namespace propbot::ledger
