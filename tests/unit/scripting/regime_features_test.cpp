#include "scripting/regime_features.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

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

// The running sums against a plain recomputation from every observation kept, over a
// long random sequence: gaps of zero to many windows, reads at the latest time, ahead
// of it, back in time (the walk) and before the newest observation, mids and spreads
// that wander — thousands of ring overwrites, window drops and sum rebuilds.
struct Observation {
  MonoTime at;
  double mid, spread, depth;
};

bool reference_features(const std::vector<Observation>& kept, MonoTime now, Nanos window, RegimeFeatures& out) {
  std::vector<Observation> in;
  for (const auto& o : kept) {
    if (o.at <= now && o.at > now - window) in.push_back(o);
  }
  if (in.empty()) return false;
  double sum_sq = 0, spread_sum = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i > 0) {
      const double r = std::log(in[i].mid / in[i - 1].mid) * 1e4;
      sum_sq += r * r;
    }
    spread_sum += in[i].spread;
  }
  const double mean = spread_sum / static_cast<double>(in.size());
  double var = 0;
  for (const auto& o : in) var += (o.spread - mean) * (o.spread - mean);
  out.realised_vol_bps = std::sqrt(sum_sq);
  out.spread_std_bps = std::sqrt(var / static_cast<double>(in.size()));
  out.depth_usdt = in.back().depth;
  out.trend_bps = std::log(in.back().mid / in.front().mid) * 1e4;
  return true;
}

TEST(FeatureTrackerRollingTest, RunningSumsGiveTheFeaturesOfARecomputation) {
  constexpr std::size_t kCapacity = 32;  // often full inside one window: overwrites drop from the sums
  const Nanos window = seconds(10);
  FeatureTracker tracker{FeatureTrackerConfig{.capacity = kCapacity, .window = window}};
  const auto id = tracker.series("SIM-A", "BTC-USDT");
  std::mt19937_64 random(20261207);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Observation> all;
  MonoTime t = MonoTime{} + seconds(1000);
  MonoTime last_read = t;
  double mid = 100.0;
  int reads = 0, walks = 0, empty = 0;
  for (int step = 0; step < 40'000; ++step) {
    const double gap = unit(random);
    if (gap < 0.1) {
      // same instant
    } else if (gap < 0.97) {
      t += std::chrono::milliseconds(static_cast<int>(unit(random) * 400));
    } else {
      t += std::chrono::milliseconds(static_cast<int>(unit(random) * 30'000));  // up to three windows quiet
    }
    mid *= std::exp((unit(random) - 0.5) * 2e-3);
    const double spread = 0.5 + 4.0 * unit(random) * unit(random);
    const double depth = 1e4 + 1e5 * unit(random);
    tracker.record(id, t, mid, spread, depth);
    all.push_back({t, mid, spread, depth});
    if (all.size() > kCapacity) all.erase(all.begin());
    if (unit(random) < 0.5) {
      MonoTime now = t;
      const double kind = unit(random);
      if (kind < 0.6) {
        now = t + std::chrono::milliseconds(static_cast<int>(unit(random) * 12'000));
      } else if (kind < 0.7) {
        now = last_read - std::chrono::milliseconds(static_cast<int>(unit(random) * 3'000));  // back in time
        ++walks;
      } else if (kind < 0.75) {
        now = t - std::chrono::milliseconds(1 + static_cast<int>(unit(random) * 2'000));  // before the newest
        ++walks;
      }
      last_read = std::max(last_read, now);
      RegimeFeatures got, want;
      got.funding_rate = want.funding_rate = 0;
      const bool have = tracker.features(id, now, got);
      ASSERT_EQ(have, reference_features(all, now, window, want)) << "step " << step;
      ++reads;
      if (!have) {
        ++empty;
        continue;
      }
      const auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); };
      // Squared: a sum that cancels to ~0 leaves ~1e-13 of rounding, whose square root
      // (~3e-7 bps) is still far below any threshold but not "close" in relative terms.
      // Mean-of-squares minus square-of-mean (what the tracker computes, walk or sums)
      // loses digits against the two-pass reference the same way.
      EXPECT_TRUE(close(got.realised_vol_bps * got.realised_vol_bps, want.realised_vol_bps * want.realised_vol_bps))
          << "step " << step << ": " << got.realised_vol_bps << " vs " << want.realised_vol_bps;
      EXPECT_TRUE(close(got.spread_std_bps * got.spread_std_bps, want.spread_std_bps * want.spread_std_bps))
          << "step " << step << ": " << got.spread_std_bps << " vs " << want.spread_std_bps;
      EXPECT_DOUBLE_EQ(got.depth_usdt, want.depth_usdt) << "step " << step;
      EXPECT_TRUE(close(got.trend_bps, want.trend_bps)) << "step " << step;
    }
  }
  EXPECT_GT(reads, 15'000);
  EXPECT_GT(walks, 1'000);
  EXPECT_GT(empty, 10);
}

// A series read only now and then still drops what aged out between reads, and a read
// back in time still sees what the running window has already dropped.
TEST_F(FeatureTrackerTest, AReadBackInTimeSeesWhatTheWindowDropped) {
  const auto id = tracker_.series("SIM-A", "BTC-USDT");
  tracker_.record(id, at(0), 100.0, 1.0, 1.0);
  tracker_.record(id, at(5), 101.0, 3.0, 2.0);
  RegimeFeatures f;
  ASSERT_TRUE(tracker_.features(id, at(12), f));  // the at(0) observation has left the window
  EXPECT_DOUBLE_EQ(f.trend_bps, 0);
  EXPECT_DOUBLE_EQ(f.spread_std_bps, 0);
  ASSERT_TRUE(tracker_.features(id, at(6), f));  // back in time: both are in (−4, 6]
  EXPECT_NEAR(f.trend_bps, std::log(101.0 / 100.0) * 1e4, 1e-9);
  EXPECT_NEAR(f.spread_std_bps, 1.0, 1e-9);
  ASSERT_TRUE(tracker_.features(id, at(14), f));  // forward again: only at(5)
  EXPECT_DOUBLE_EQ(f.trend_bps, 0);
  EXPECT_FALSE(tracker_.features(id, at(15), f));
}

TEST(FeatureTrackerConfigTest, RefusesAUselessConfiguration) {
  EXPECT_THROW(FeatureTracker(FeatureTrackerConfig{.capacity = 1, .window = seconds(1)}), std::invalid_argument);
  EXPECT_THROW(FeatureTracker(FeatureTrackerConfig{.capacity = 8, .window = Nanos::zero()}), std::invalid_argument);
}

}  // namespace
}  // namespace propbot::scripting
