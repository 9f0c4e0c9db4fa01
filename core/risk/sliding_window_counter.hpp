// SlidingWindowCounter: how many events happened in the last W seconds, in one bucket
// per second — what the runaway breakers (runaway_breaker.hpp) count orders, cancels
// and place→cancel cycles with.
//
// Guarantees:
//  - Memory: W 32-bit buckets, allocated once at construction (W ≤ kMaxWindowSeconds).
//  - count() and add() are O(1) amortised: moving the window forward clears at most W
//    buckets however far time jumped, and a running total is kept.
//  - The window at second s is the buckets of seconds s−W+1 … s, so an event counts
//    for between W−1 and W seconds depending on where in its second it fell: any
//    (W−1)-second span holds at most what one window holds. Time is whole seconds of
//    the caller's monotonic clock; a time earlier than one already seen counts in the
//    newest bucket (the window never moves backwards).
//
// Thread: not synchronised; owned by one caller.
#pragma once

#include <cstdint>
#include <vector>

namespace propbot::risk {

class SlidingWindowCounter {
 public:
  static constexpr int kMaxWindowSeconds = 3600;

  // window_seconds in 1..kMaxWindowSeconds (a programming error otherwise: throws
  // std::invalid_argument).
  explicit SlidingWindowCounter(int window_seconds);

  // Events in the window ending at `second`.
  std::uint64_t count(std::int64_t second);
  void add(std::int64_t second, std::uint32_t events = 1);
  // The last second any event was added (or the window moved to); INT64_MIN before any.
  std::int64_t newest_second() const { return head_second_; }
  int window_seconds() const { return static_cast<int>(buckets_.size()); }

 private:
  void advance(std::int64_t second);

  std::vector<std::uint32_t> buckets_;  // bucket of second s at s mod W
  std::int64_t head_second_;
  std::uint64_t total_ = 0;
};

}  // namespace propbot::risk
