#include "core/common/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace propbot {
namespace {
constexpr std::int64_t kSubBuckets = std::int64_t{1} << LatencyHistogram::sub_bucket_bits;
}  // namespace

// Layout: values below 2^7 map to themselves; a value with highest set bit e >= 7
// keeps its top 8 bits m in [2^7, 2^8) and lands in bucket (e - 6) * 2^7 + (m - 2^7),
// which continues the exact range seamlessly (127 → 127, 128 → 128).
std::size_t LatencyHistogram::bucket_of(std::int64_t value) {
  const auto v = static_cast<std::uint64_t>(value);
  if (value < kSubBuckets) {
    return static_cast<std::size_t>(v);
  }
  const int exponent = std::bit_width(v) - 1;
  const int shift = exponent - sub_bucket_bits;
  const std::uint64_t top_bits = v >> shift;
  return static_cast<std::size_t>(shift + 1) * static_cast<std::size_t>(kSubBuckets) +
         static_cast<std::size_t>(top_bits - static_cast<std::uint64_t>(kSubBuckets));
}

std::int64_t LatencyHistogram::bucket_middle(std::size_t bucket) {
  const auto index = static_cast<std::int64_t>(bucket);
  if (index < kSubBuckets) {
    return index;
  }
  const std::int64_t shift = index / kSubBuckets - 1;
  const std::int64_t top_bits = index % kSubBuckets + kSubBuckets;
  const std::int64_t lowest = top_bits << shift;
  const std::int64_t width = std::int64_t{1} << shift;
  return lowest + (width - 1) / 2;
}

void LatencyHistogram::record(std::int64_t value) {
  value = std::max<std::int64_t>(value, 0);
  if (value > highest_trackable_value) {
    ++saturated_;
  }
  ++counts_[bucket_of(std::min(value, highest_trackable_value))];
  if (count_ == 0) {
    min_ = value;
    max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) {
    return;
  }
  for (std::size_t i = 0; i < bucket_count; ++i) {
    counts_[i] += other.counts_[i];
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  saturated_ += other.saturated_;
  sum_ += other.sum_;
}

void LatencyHistogram::reset() {
  counts_.fill(0);
  count_ = 0;
  saturated_ = 0;
  min_ = 0;
  max_ = 0;
  sum_ = 0;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) {
    return 0;
  }
  if (!(p > 0.0)) {  // also catches NaN
    return min_;
  }
  if (p >= 100.0) {
    return max_;
  }
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::clamp(bucket_middle(i), min_, max_);
    }
  }
  return max_;
}

}  // namespace propbot
