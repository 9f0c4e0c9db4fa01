// OpportunityBoard (core/engine/opportunity_board.hpp): a close (reduce_only) is shown
// as one, and never merges with an entry that goes the same way.
#include <gtest/gtest.h>

#include "core/engine/opportunity_board.hpp"

namespace propbot::engine {
namespace {

Intent pair(const char* long_venue, const char* short_venue, bool reduce_only, double net_spread_bps) {
  Intent intent;
  intent.strategy = "cross_exchange_arb";
  intent.symbol = "BTC-USDT";
  intent.long_venue = long_venue;
  intent.short_venue = short_venue;
  intent.notional_usdt = Decimal::from_mantissa(1000, 0);
  intent.reduce_only = reduce_only;
  intent.net_spread_bps = net_spread_bps;
  return intent;
}

class OpportunityBoardTest : public ::testing::Test {
 protected:
  void record(const Intent& intent) {
    board_.record(intent, PolicyOutcome{}, OpportunityStatus::blocked_by_hold, MonoTime{}, UtcTime{});
  }
  OpportunityBoard board_;
};

TEST_F(OpportunityBoardTest, ACloseShowsReduceOnly) {
  record(pair("SIM-B", "SIM-A", true, -1.5));
  const auto views = board_.views(OpportunityStatus::blocked_by_hold);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_TRUE(views[0].reduce_only);
  EXPECT_EQ(views[0].long_venue, "SIM-B");
  EXPECT_EQ(views[0].short_venue, "SIM-A");
}

TEST_F(OpportunityBoardTest, ACloseAndAnEntryTheSameWayAreTwoOpportunities) {
  record(pair("SIM-B", "SIM-A", false, 6));
  record(pair("SIM-B", "SIM-A", true, -1.5));
  record(pair("SIM-B", "SIM-A", false, 7));  // refreshes the entry, not the close
  const auto views = board_.views(OpportunityStatus::blocked_by_hold);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_FALSE(views[0].reduce_only) << "best net spread first";
  EXPECT_DOUBLE_EQ(views[0].net_spread_bps, 7);
  EXPECT_TRUE(views[1].reduce_only);
  EXPECT_DOUBLE_EQ(views[1].net_spread_bps, -1.5);
}

}  // namespace
}  // namespace propbot::engine
