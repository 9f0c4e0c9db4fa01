#include "core/risk/sliding_window_counter.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace propbot::risk {

SlidingWindowCounter::SlidingWindowCounter(int window_seconds)
    : head_second_(std::numeric_limits<std::int64_t>::min()) {
  if (window_seconds < 1 || window_seconds > kMaxWindowSeconds) {
    throw std::invalid_argument("sliding window of " + std::to_string(window_seconds) + " s: must be 1.." +
                                std::to_string(kMaxWindowSeconds));
  }
  buckets_.assign(static_cast<std::size_t>(window_seconds), 0);
}

void SlidingWindowCounter::advance(std::int64_t second) {
  if (second <= head_second_) return;
  const auto width = static_cast<std::int64_t>(buckets_.size());
  if (head_second_ == std::numeric_limits<std::int64_t>::min() || second - head_second_ >= width) {
    buckets_.assign(buckets_.size(), 0);
    total_ = 0;
  } else {
    for (std::int64_t s = head_second_ + 1; s <= second; ++s) {
      std::uint32_t& bucket = buckets_[static_cast<std::size_t>(((s % width) + width) % width)];
      total_ -= bucket;
      bucket = 0;
    }
  }
  head_second_ = second;
}

std::uint64_t SlidingWindowCounter::count(std::int64_t second) {
  advance(second);
  return total_;
}

void SlidingWindowCounter::add(std::int64_t second, std::uint32_t events) {
  advance(second);
  const auto width = static_cast<std::int64_t>(buckets_.size());
  buckets_[static_cast<std::size_t>(((head_second_ % width) + width) % width)] += events;
  total_ += events;
}

}  // namespace propbot::risk
