// SlidingWindow: the sum of amounts added within the last `window` — the sliding minute
// (and ten seconds) behind Binance's X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-*
// headers (protocols.md A4).
//
// Guarantees: entries older than `window` at `now` no longer count; adding 0 only
// reads. Keeps one entry per non-zero add inside the window (bounded by the request
// rate). Not synchronised: used under the Binance frontend's mutex.
#pragma once

#include <deque>
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

}  // namespace propbot::venues::sim::binance_frontend
