#include "scripting/regime_features.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace propbot::scripting {
namespace {

using std::chrono::seconds;

class FeatureTrackerTest : public ::testing::Test {
 protected:
  MonoTime at(int s) const { return MonoTime{} + seconds(1000 + s); }
  FeatureTracker tracker_{FeatureTrackerConfig{.capacity = 8, .window = seconds(10)}};
};

TEST_F(FeatureTrackerTest, ReportsNothingWithoutObservations) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  RegimeFeatures f;
  EXPECT_FALSE(tracker_.features(id, at(0), f));
}

TEST_F(FeatureTrackerTest, FlatSeriesHasNoVolatilityNorTrend) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  for (int i = 0; i < 5; ++i) tracker_.record(id, at(i), 100.0, 2.0, 50'000);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(4), f));
  EXPECT_DOUBLE_EQ(f.realised_vol_bps, 0);
  EXPECT_DOUBLE_EQ(f.trend_bps, 0);
  EXPECT_NEAR(f.spread_std_bps, 0, 1e-9);
  EXPECT_DOUBLE_EQ(f.depth_usdt, 50'000);
}

TEST_F(FeatureTrackerTest, AlternatingMidGivesKnownRealisedVol) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  const double mids[] = {100, 101, 100, 101, 100};
  for (int i = 0; i < 5; ++i) tracker_.record(id, at(i), mids[i], 1.0, 1.0);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(4), f));
  const double r = std::log(101.0 / 100.0) * 1e4;  // ≈ 99.5 bps, 4 returns of ±r
  EXPECT_NEAR(f.realised_vol_bps, std::sqrt(4.0) * r, 1e-9);
  EXPECT_NEAR(f.trend_bps, 0, 1e-9);
}

TEST_F(FeatureTrackerTest, TrendIsTheDriftFromOldestToNewestInWindow) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  for (int i = 0; i <= 4; ++i) tracker_.record(id, at(i), 100.0 + i * 0.25, 1.0, 1.0);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(4), f));
  EXPECT_NEAR(f.trend_bps, std::log(101.0 / 100.0) * 1e4, 1e-9);
}

TEST_F(FeatureTrackerTest, SpreadStdIsPopulationStd) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  const double spreads[] = {1, 3, 1, 3};
  for (int i = 0; i < 4; ++i) tracker_.record(id, at(i), 100.0, spreads[i], 10.0 * i);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(3), f));
  EXPECT_NEAR(f.spread_std_bps, 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(f.depth_usdt, 30.0);  // the latest
}

TEST_F(FeatureTrackerTest, ObservationsOutsideTheWindowAreIgnored) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  tracker_.record(id, at(0), 50.0, 1.0, 1.0);  // a jump 20 s before "now": out of the 10 s window
  tracker_.record(id, at(15), 100.0, 1.0, 1.0);
  tracker_.record(id, at(16), 100.0, 1.0, 1.0);
  tracker_.record(id, at(20), 100.0, 1.0, 1.0);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(20), f));
  EXPECT_DOUBLE_EQ(f.realised_vol_bps, 0);
  EXPECT_DOUBLE_EQ(f.trend_bps, 0);
  EXPECT_FALSE(tracker_.features(id, at(40), f));
}

TEST_F(FeatureTrackerTest, RingKeepsOnlyTheLastCapacityObservations) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  tracker_.record(id, at(0), 50.0, 1.0, 1.0);
  for (int i = 1; i <= 8; ++i) tracker_.record(id, at(i), 100.0, 1.0, 1.0);  // overwrites the 50
  EXPECT_EQ(tracker_.observations(id), 8u);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(8), f));
  EXPECT_DOUBLE_EQ(f.realised_vol_bps, 0);  // the 50 → 100 jump has left the ring
  EXPECT_DOUBLE_EQ(f.trend_bps, 0);
}

TEST_F(FeatureTrackerTest, RejectsBadAndOutOfOrderObservations) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  tracker_.record(id, at(5), 100.0, 1.0, 1.0);
  tracker_.record(id, at(4), 101.0, 1.0, 1.0);
  tracker_.record(id, at(6), std::nan(""), 1.0, 1.0);
  tracker_.record(id, at(6), -1.0, 1.0, 1.0);
  tracker_.record(id, at(6), 100.0, INFINITY, 1.0);
  EXPECT_EQ(tracker_.rejected(), 4u);
  EXPECT_EQ(tracker_.observations(id), 1u);
}

TEST_F(FeatureTrackerTest, SeriesAreKeptApartAndFundingPassesThrough) {
  const auto a = tracker_.series("SIM-A", "BTC-USDT");
  const auto b = tracker_.series("SIM-B", "BTC-USDT");
  EXPECT_NE(a, b);
  EXPECT_EQ(tracker_.series("SIM-A", "BTC-USDT"), a);
  tracker_.record(a, at(0), 100.0, 1.0, 1.0);
  tracker_.record(b, at(0), 200.0, 1.0, 7.0);
  tracker_.set_funding(b, 0.0004, -12.5);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(b, at(0), f));
  EXPECT_DOUBLE_EQ(f.depth_usdt, 7.0);
  EXPECT_DOUBLE_EQ(f.funding_rate, 0.0004);
  EXPECT_DOUBLE_EQ(f.basis_bps, -12.5);
}

TEST(FeatureTrackerConfigTest, RefusesAUselessConfiguration) {
  EXPECT_THROW(FeatureTracker(FeatureTrackerConfig{.capacity = 1, .window = seconds(1)}), std::invalid_argument);
  EXPECT_THROW(FeatureTracker(FeatureTrackerConfig{.capacity = 8, .window = Nanos::zero()}), std::invalid_argument);
}

}  // namespace
}  // namespace propbot::scripting
