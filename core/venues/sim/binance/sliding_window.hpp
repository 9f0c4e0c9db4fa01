// SlidingWindow: the sum of amounts added within the last `window` — the sliding minute
// (and ten seconds) behind Binance's X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-*
// headers (protocols.md A4). SlidingWindows: one SlidingWindow per key (a client
// address, an account), all over the same window.
//
// Guarantees: entries older than `window` at `now` no longer count; adding 0 only
// reads. Keeps one entry per non-zero add inside the window (bounded by the request
// rate). SlidingWindows keeps no key whose window is empty: an add that leaves it empty
// drops it, and drop_idle() drops every key whose entries all expired — so it holds the
// keys active within the last window, not every client ever seen (issue 11).
// Not synchronised: used under the Binance frontend's mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <iterator>
#include <map>
#include <string>
#include <utility>

#include "core/common/clock.hpp"

namespace propbot::venues::sim::binance_frontend {

class SlidingWindow {
 public:
  int add(MonoTime now, int amount, Nanos window) {
    expire(now, window);
    if (amount > 0) {
      entries_.emplace_back(now, amount);
      total_ += amount;
    }
    return total_;
  }
  // True when nothing counts any more at `now` (expired entries are dropped).
  bool idle(MonoTime now, Nanos window) {
    expire(now, window);
    return entries_.empty();
  }

 private:
  void expire(MonoTime now, Nanos window) {
    while (!entries_.empty() && entries_.front().first + window <= now) {
      total_ -= entries_.front().second;
      entries_.pop_front();
    }
  }
  std::deque<std::pair<MonoTime, int>> entries_;
  int total_ = 0;
};

class SlidingWindows {
 public:
  explicit SlidingWindows(Nanos window) : window_(window) {}

  // Adds to `key`'s window and returns its sum; reading (amount 0) an unknown key is 0
  // and creates nothing.
  int add(const std::string& key, MonoTime now, int amount) {
    auto it = windows_.find(key);
    if (it == windows_.end()) {
      if (amount <= 0) return 0;
      it = windows_.emplace(key, SlidingWindow{}).first;
    }
    const int total = it->second.add(now, amount, window_);
    if (it->second.idle(now, window_)) windows_.erase(it);
    return total;
  }
  // Drops every key whose window is empty at `now`. O(keys).
  void drop_idle(MonoTime now) {
    for (auto it = windows_.begin(); it != windows_.end();) {
      it = it->second.idle(now, window_) ? windows_.erase(it) : std::next(it);
    }
  }
  std::size_t keys() const { return windows_.size(); }

 private:
  Nanos window_;
  std::map<std::string, SlidingWindow> windows_;
};

}  // namespace propbot::venues::sim::binance_frontend
