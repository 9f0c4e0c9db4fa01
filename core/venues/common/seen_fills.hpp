// SeenFills: the bounded memory of which fills a venue adapter has already delivered,
// keyed by (symbol, trade id) — the key both the private stream and the venue's trade
// list carry for one execution of one order. The stream path and the REST recovery
// path of an adapter ask the same SeenFills, so a fill seen on both is delivered once
// (RecoveringListener).
//
// Guarantees: insert() answers true exactly once per key while the key is remembered;
// at most `capacity` keys are remembered, the oldest inserted is forgotten first. So a
// duplicate is caught as long as fewer than `capacity` newer fills were delivered in
// between (recovery re-reads a few seconds of history: size the capacity for that).
// An empty trade id is never remembered (insert answers true, nothing to match on).
//
// Threads: not thread-safe; the adapter's engine thread. No I/O.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace propbot::venues {

class SeenFills {
 public:
  explicit SeenFills(std::size_t capacity = 10'000);

  // True when (symbol, trade_id) was not remembered: it is now.
  bool insert(std::string_view symbol, std::string_view trade_id);
  bool contains(std::string_view symbol, std::string_view trade_id) const;

  std::size_t size() const { return keys_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  static std::string key(std::string_view symbol, std::string_view trade_id);

  std::size_t capacity_;
  std::unordered_set<std::string> keys_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace propbot::venues
