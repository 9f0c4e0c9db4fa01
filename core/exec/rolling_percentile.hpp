// Nearest-rank percentiles for the execution desk's latency figures: the index rule
// (nearest_rank_index) and RollingPercentile, the last N samples kept in arrival order
// and in value order, so a percentile is one lookup and adding a sample never sorts.
//
// Guarantees:
//  - Nearest rank: the percentile p of n samples is the smallest sample with at least
//    p % of the samples at or below it — sorted[ceil(p·n/100) − 1], at least sorted[0].
//  - RollingPercentile is bounded: at most `capacity` samples (the newest kept);
//    add() is O(capacity) (one insert and at most one erase in a sorted vector).
//
// Thread: the owner's thread; not thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

namespace propbot::exec {

// Index into `n` (> 0) sorted samples of the nearest-rank `percent` (0..100) percentile.
constexpr std::size_t nearest_rank_index(std::size_t n, std::size_t percent) {
  const std::size_t rank = (n * percent + 99) / 100;  // ceil(n · percent / 100)
  return rank == 0 ? 0 : rank - 1;
}

class RollingPercentile {
 public:
  explicit RollingPercentile(std::size_t capacity) : capacity_(capacity) {}

  void add(double value);
  std::size_t size() const { return arrival_.size(); }
  // The nearest-rank `percent` percentile of the samples kept; none when there are none.
  std::optional<double> percentile(std::size_t percent) const;

 private:
  std::size_t capacity_;
  std::deque<double> arrival_;  // oldest first
  std::vector<double> sorted_;  // the same samples, ascending
};

}  // namespace propbot::exec
