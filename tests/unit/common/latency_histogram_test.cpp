#include "core/common/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

namespace propbot {
namespace {

// Exact percentile with the same definition (smallest value with rank >= ceil(p% * n)).
std::int64_t exact_percentile(std::vector<std::int64_t>& values, double p) {
  if (!std::is_sorted(values.begin(), values.end())) {
    std::sort(values.begin(), values.end());
  }
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size()))));
  return values[rank - 1];
}

void expect_within(std::int64_t actual, std::int64_t expected, double relative) {
  EXPECT_LE(std::abs(static_cast<double>(actual - expected)), relative * static_cast<double>(expected) + 1.0)
      << "actual " << actual << " expected " << expected;
}

TEST(LatencyHistogramTest, HasFixedMemoryAndIsTriviallyCopyable) {
  static_assert(std::is_trivially_copyable_v<LatencyHistogram>);
  static_assert(sizeof(LatencyHistogram) < 40 * 1024);
  static_assert(LatencyHistogram::bucket_count == 4608);
  LatencyHistogram histogram;
  const auto size_before = sizeof(histogram);
  for (std::int64_t v = 1; v < 1'000'000; v += 7) {
    histogram.record(v);
  }
  EXPECT_EQ(sizeof(histogram), size_before);
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZeros) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.max(), 0);
  EXPECT_EQ(histogram.mean(), 0.0);
  EXPECT_EQ(histogram.percentile(50), 0);
  EXPECT_EQ(histogram.percentile(99.9), 0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (std::int64_t v = 1; v <= 100; ++v) {
    histogram.record(v);
  }
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.min(), 1);
  EXPECT_EQ(histogram.max(), 100);
  EXPECT_DOUBLE_EQ(histogram.mean(), 50.5);
  EXPECT_EQ(histogram.percentile(50), 50);
  EXPECT_EQ(histogram.percentile(95), 95);
  EXPECT_EQ(histogram.percentile(99), 99);
  EXPECT_EQ(histogram.percentile(0), 1);
  EXPECT_EQ(histogram.percentile(100), 100);
}

TEST(LatencyHistogramTest, UniformDistributionPercentilesWithinOnePercent) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> latency(1'000, 10'000'000);  // 1 us .. 10 ms
  LatencyHistogram histogram;
  std::vector<std::int64_t> values;
  for (int i = 0; i < 200'000; ++i) {
    values.push_back(latency(rng));
    histogram.record(values.back());
  }
  for (double p : {1.0, 10.0, 50.0, 90.0, 95.0, 99.0, 99.9}) {
    SCOPED_TRACE(p);
    expect_within(histogram.percentile(p), exact_percentile(values, p), 0.01);
  }
  EXPECT_EQ(histogram.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(histogram.max(), *std::max_element(values.begin(), values.end()));
}

TEST(LatencyHistogramTest, LogNormalTailPercentilesWithinOnePercent) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> latency(std::log(250'000.0), 1.2);  // ~250 us median, heavy tail
  LatencyHistogram histogram;
  std::vector<std::int64_t> values;
  double sum = 0;
  for (int i = 0; i < 100'000; ++i) {
    values.push_back(static_cast<std::int64_t>(latency(rng)) + 1);
    sum += static_cast<double>(values.back());
    histogram.record(values.back());
  }
  for (double p : {50.0, 95.0, 99.0, 99.99}) {
    SCOPED_TRACE(p);
    expect_within(histogram.percentile(p), exact_percentile(values, p), 0.01);
  }
  EXPECT_NEAR(histogram.mean(), sum / static_cast<double>(values.size()), 1e-6 * sum);
}

TEST(LatencyHistogramTest, RelativeErrorStaysBelowOnePercentAcrossTheRange) {
  // One hour in ns and a sweep of magnitudes: each single value must come back within
  // the bucket error.
  for (std::int64_t v = 1; v <= 3'600'000'000'000; v = v * 3 + 1) {
    LatencyHistogram histogram;
    histogram.record(v);
    histogram.record(v + v / 200);  // a neighbour in the same or the next bucket
    SCOPED_TRACE(v);
    expect_within(histogram.percentile(50), v, 0.01);
  }
}

TEST(LatencyHistogramTest, ClampsNegativeAndSaturatesHugeValues) {
  LatencyHistogram histogram;
  histogram.record(-5);
  histogram.record(LatencyHistogram::highest_trackable_value + 1000);
  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.saturated_count(), 1u);
  EXPECT_EQ(histogram.max(), LatencyHistogram::highest_trackable_value + 1000);
  EXPECT_EQ(histogram.percentile(0), 0);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::int64_t> latency(500, 5'000'000);
  LatencyHistogram a;
  LatencyHistogram b;
  LatencyHistogram all;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = latency(rng);
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  LatencyHistogram merged = a;
  merged.merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p : {50.0, 95.0, 99.0}) {
    EXPECT_EQ(merged.percentile(p), all.percentile(p));
  }
}

TEST(LatencyHistogramTest, MergeIntoEmptyTakesTheOthersExtremes) {
  LatencyHistogram empty;
  LatencyHistogram other;
  other.record(1000);
  other.record(2000);
  empty.merge(other);
  EXPECT_EQ(empty.min(), 1000);
  EXPECT_EQ(empty.max(), 2000);
  empty.merge(LatencyHistogram{});
  EXPECT_EQ(empty.count(), 2u);
}

TEST(LatencyHistogramTest, ResetForgetsEverything) {
  LatencyHistogram histogram;
  histogram.record(123'456);
  histogram.reset();
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile(50), 0);
  histogram.record(10);
  EXPECT_EQ(histogram.min(), 10);
  EXPECT_EQ(histogram.percentile(50), 10);
}

}  // namespace
}  // namespace propbot
