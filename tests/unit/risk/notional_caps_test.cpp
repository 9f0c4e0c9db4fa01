// The one notional clamp: a cap of 0 is off, headroom never goes negative, and a size
// is only ever cut down, never raised.
#include "core/risk/notional_caps.hpp"

#include <gtest/gtest.h>

namespace propbot::risk {
namespace {

TEST(NotionalCapsTest, AZeroCapSwitchesThatGuardOff) {
  const NotionalCaps caps = caps_from_config(0, 5000);
  EXPECT_EQ(caps.per_position_usdt, kNoCap);
  EXPECT_EQ(caps.total_usdt, 5000);
  EXPECT_EQ(notional_headroom(caps, 0, 0), 5000);
  EXPECT_EQ(notional_headroom(caps_from_config(0, 0), 0, 0), kNoCap);
}

TEST(NotionalCapsTest, HeadroomIsTheTighterCapLessWhatIsOpenAndNeverNegative) {
  const NotionalCaps caps = caps_from_config(1000, 5000);
  EXPECT_EQ(notional_headroom(caps, 0, 0), 1000);
  EXPECT_EQ(notional_headroom(caps, 400, 0), 600);
  EXPECT_EQ(notional_headroom(caps, 0, 4700), 300);
  EXPECT_EQ(notional_headroom(caps, 1200, 0), 0);
  EXPECT_EQ(notional_headroom(caps, 0, 9000), 0);
}

TEST(NotionalCapsTest, AClampOnlyEverCutsDown) {
  EXPECT_EQ(clamp_notional(250, 1000).notional_usdt, 250);
  EXPECT_FALSE(clamp_notional(250, 1000).clamped);
  EXPECT_EQ(clamp_notional(1000, 1000).notional_usdt, 1000);
  EXPECT_FALSE(clamp_notional(1000, 1000).clamped);
  const ClampedNotional cut = clamp_notional(1500, 1000);
  EXPECT_EQ(cut.notional_usdt, 1000);
  EXPECT_TRUE(cut.clamped);
  EXPECT_EQ(clamp_notional(10, 0).notional_usdt, 0);
}

}  // namespace
}  // namespace propbot::risk
