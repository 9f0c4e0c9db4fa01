// DropOldestQueue: the hand-over between a producer that must never wait (the engine
// thread, a venue's network thread) and one writer thread that may block on disk.
//
// Guarantees:
// - push() never waits for the consumer: it takes a mutex held only for O(1) work by
//   either side (the consumer swaps the whole batch out), and when the queue is full it
//   drops the OLDEST items until the new one fits, counting each drop.
// - Bounds: at most `max_items` items and `max_bytes` of caller-declared weight (an
//   item heavier than max_bytes on its own is dropped and counted, never queued).
// - pop_all() moves every queued item out at once, waiting at most `wait` for the
//   first; after close() it returns what is left and then false.
// - The consumer is woken only when `wake_at` items are queued (1: on every push).
//   Above 1 it finds the rest on its next poll (its `wait`): waking a sleeping thread
//   is a futex call that costs the producer microseconds, polling costs it nothing.
//
// Thread: any number of producers, one consumer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace propbot::history {

template <typename T>
class DropOldestQueue {
 public:
  DropOldestQueue(std::size_t max_items, std::size_t max_bytes, std::size_t wake_at = 1)
      : max_items_(max_items), max_bytes_(max_bytes), wake_at_(wake_at) {}

  // Queues `item` of weight `bytes`; false when it (or an older item) was dropped.
  bool push(T item, std::size_t bytes = 1) {
    bool dropped = false;
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_ || bytes > max_bytes_ || max_items_ == 0) {
        ++dropped_;
        return false;
      }
      while (!items_.empty() && (items_.size() >= max_items_ || queued_bytes_ + bytes > max_bytes_)) {
        queued_bytes_ -= items_.front().second;
        items_.pop_front();
        ++dropped_;
        dropped = true;
      }
      items_.emplace_back(std::move(item), bytes);
      queued_bytes_ += bytes;
      wake = items_.size() == wake_at_;
    }
    if (wake) ready_.notify_one();
    return !dropped;
  }

  // Appends every queued item to `out` (waiting up to `wait` while empty). false once
  // closed and drained.
  bool pop_all(std::vector<T>& out, std::chrono::milliseconds wait) {
    std::deque<std::pair<T, std::size_t>> taken;
    {
      std::unique_lock lock(mutex_);
      ready_.wait_for(lock, wait, [this] { return closed_ || !items_.empty(); });
      if (items_.empty()) return !closed_;
      taken.swap(items_);
      queued_bytes_ = 0;
    }
    for (auto& [item, bytes] : taken) out.push_back(std::move(item));
    return true;
  }

  // Refuses further pushes (counted as dropped) and wakes the consumer.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  const std::size_t max_items_;
  const std::size_t max_bytes_;
  const std::size_t wake_at_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<T, std::size_t>> items_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace propbot::history
