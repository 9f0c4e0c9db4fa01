// RollingPercentile: the nearest-rank percentile of the newest `capacity` samples, the
// same as sorting the window and picking sorted[ceil(p·n/100) − 1].
#include "core/exec/rolling_percentile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <vector>

namespace propbot::exec {
namespace {

TEST(RollingPercentileTest, NearestRankIndexFollowsTheDefinition) {
  EXPECT_EQ(nearest_rank_index(1, 95), 0u);
  EXPECT_EQ(nearest_rank_index(20, 95), 18u);   // ceil(19) − 1
  EXPECT_EQ(nearest_rank_index(19, 95), 18u);   // ceil(18.05) − 1
  EXPECT_EQ(nearest_rank_index(200, 95), 189u);
  EXPECT_EQ(nearest_rank_index(10, 0), 0u);
  EXPECT_EQ(nearest_rank_index(10, 100), 9u);
}

TEST(RollingPercentileTest, EmptyHasNoPercentile) {
  RollingPercentile window(5);
  EXPECT_FALSE(window.percentile(95).has_value());
}

TEST(RollingPercentileTest, TheWindowKeepsTheNewestSamplesAndMatchesASortedCopy) {
  RollingPercentile window(50);
  std::deque<double> kept;
  std::mt19937 random(7);
  std::uniform_real_distribution<double> latency(0.1, 40.0);
  for (int i = 0; i < 2000; ++i) {
    const double sample = i % 97 == 0 ? 500.0 : latency(random);  // now and then a spike
    window.add(sample);
    kept.push_back(sample);
    if (kept.size() > 50) kept.pop_front();
    ASSERT_EQ(window.size(), kept.size());
    std::vector<double> sorted(kept.begin(), kept.end());
    std::sort(sorted.begin(), sorted.end());
    for (const std::size_t percent : {50u, 95u, 100u}) {
      ASSERT_EQ(*window.percentile(percent), sorted[nearest_rank_index(sorted.size(), percent)])
          << "sample " << i << ", p" << percent;
    }
  }
}

}  // namespace
}  // namespace propbot::exec
