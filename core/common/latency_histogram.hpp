// LatencyHistogram: fixed-memory latency distribution (HDR-style log-linear buckets)
// for the engine's hot-path timings — tick-to-intent, intent-to-send, hedge latency.
//
// Guarantees: values 0..2^42 ns (~73 minutes) are tracked with at most 1/128 (0.79 %)
// bucket width relative to the value, and percentile() reports the bucket middle, so
// its error is below 0.4 %; values below 128 are exact. Larger values are counted in
// the top bucket (saturated_count() says how many), negative values count as 0.
// count/min/max/mean are exact. record() is O(1), never allocates and never fails;
// the whole state is one fixed array (sizeof is a compile-time constant, ~37 KB — keep
// one per metric, not one per order).
//
// Threads: not thread-safe. One instance belongs to one thread (the engine thread);
// publish a copy (it is trivially copyable) to let another thread read it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace propbot {

class LatencyHistogram {
 public:
  // 2^7 linear sub-buckets per power of two: bucket width / value <= 1/128.
  static constexpr int sub_bucket_bits = 7;
  static constexpr int highest_exponent = 41;  // top octave is [2^41, 2^42)
  static constexpr std::int64_t highest_trackable_value = (std::int64_t{1} << (highest_exponent + 1)) - 1;
  static constexpr std::size_t bucket_count =
      static_cast<std::size_t>(highest_exponent - sub_bucket_bits + 2) << sub_bucket_bits;

  void record(std::int64_t value);
  // Adds another histogram's samples, as if they had been recorded here.
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t saturated_count() const { return saturated_; }
  // Exact extremes and mean of the recorded (clamped) values; 0 when empty.
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return count_ == 0 ? 0 : max_; }
  double mean() const;
  // Value at percentile p in [0, 100] (clamped): the smallest recorded value such
  // that p % of samples are at or below it, within bucket error, and always within
  // [min(), max()]. percentile(0) == min(), percentile(100) == max(). 0 when empty.
  std::int64_t percentile(double p) const;

 private:
  static std::size_t bucket_of(std::int64_t value);
  static std::int64_t bucket_middle(std::size_t bucket);

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace propbot
