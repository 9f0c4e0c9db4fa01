// JournalIndex: the in-memory state every Journal keeps to answer the driving thread
// without touching storage, and the dedupe rules (journal.hpp) applied against it.
//
// It holds:
// - the last entry of every unfinished order (no bound of its own: an order leaves
//   when it reaches a terminal event; how many may be open is the risk caps' business);
// - the last entry of the most recent `recent_terminal_orders` finished orders, so a
//   late or repeated venue report about them is recognised;
// - the keys of the most recent `recent_fills` fills;
// - the highest attempt of the most recent `recent_attempts` (intent, leg) pairs;
// - the highest intent id seen, and the highest one whose attempts it may NOT all
//   hold (intents the store had at load, attempts evicted since): above that, an
//   (intent, leg) the index does not know has no attempt anywhere, and the owner need
//   not ask its store (holds_every_attempt_of).
// Beyond a bound the oldest entries are evicted, but only those with seq <=
// the `evictable_seq` passed to trim(): a store that has not committed an entry yet
// keeps it here (so a reader that misses the index may ask the store instead). What an
// evicted key means for dedupe is the owner's to say (SqliteJournal: SQLite's unique
// keys still suppress the row).
//
// Rules (classify), in this order, for an order event:
//  1. an order the index does not know: `intent` or `new` start it (recorded); any
//     other event is stale (nothing to follow — or it followed a finished order
//     evicted from the index);
//  2. `intent` or `new` for a known order that is already past it: duplicate;
//  3. the last event repeated with the same cumulative filled quantity: duplicate;
//  4. an event can_follow() does not allow after the last one: stale;
//  5. a partial or fill whose cumulative filled quantity is below the last one's: stale
//     (an out-of-order report must not move the order backwards);
//  6. otherwise recorded.
// A fill is duplicate when its (venue, symbol, trade_id) is in the index.
//
// Not thread-safe: owned by one journal, used on its driving thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/common/result.hpp"
#include "core/exec/journal.hpp"

namespace propbot::exec {

struct JournalBounds {
  std::size_t recent_terminal_orders = 65'536;
  std::size_t recent_fills = 65'536;
  std::size_t recent_attempts = 65'536;
};

// Entries a journal refuses before any rule: empty key fields, ids above INT64_MAX
// (the store keeps them as SQLite integers). Errors: invalid_argument naming the field.
Status check_entry(const OrderEntry& entry);
Status check_entry(const FillEntry& fill);

class JournalIndex {
 public:
  explicit JournalIndex(JournalBounds bounds);

  RecordOutcome classify(const OrderEntry& entry) const;
  RecordOutcome classify(const FillEntry& fill) const;  // recorded or duplicate

  // Takes in an entry that was recorded (its seq assigned), or one loaded at start.
  void apply(const OrderEntry& entry);
  void apply(const FillEntry& fill);
  // Evicts beyond the bounds, oldest first, never an entry with seq > evictable_seq.
  void trim(std::uint64_t evictable_seq);

  std::vector<OrderEntry> unfinished() const;  // in seq order
  const OrderEntry* find(std::string_view venue, std::string_view client_order_id) const;
  std::optional<int> last_attempt(std::uint64_t intent_id, Leg leg) const;
  // True when every attempt ever recorded for `intent_id` is in this index: the intent
  // is above everything the store held at load and nothing of it was evicted since.
  bool holds_every_attempt_of(std::uint64_t intent_id) const { return intent_id > incomplete_through_; }
  std::uint64_t max_intent_id() const { return max_intent_id_; }
  // At load: the highest intent id the store holds, beyond the entries applied (the
  // index may hold only some attempts of those intents).
  void raise_max_intent_id(std::uint64_t intent_id) {
    max_intent_id_ = std::max(max_intent_id_, intent_id);
    incomplete_through_ = std::max(incomplete_through_, intent_id);
  }

  std::size_t order_count() const { return orders_.size(); }
  std::size_t fill_key_count() const { return fill_keys_.size(); }

 private:
  // Two strings behind one key, looked up without building a string.
  struct PairKey {
    std::string first;
    std::string second;
  };
  struct PairView {
    std::string_view first;
    std::string_view second;
  };
  struct PairHash {
    using is_transparent = void;
    std::size_t operator()(const PairView& key) const;
    std::size_t operator()(const PairKey& key) const { return (*this)(PairView{key.first, key.second}); }
  };
  struct PairEqual {
    using is_transparent = void;
    static PairView view(const PairKey& key) { return {key.first, key.second}; }
    static PairView view(const PairView& key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return view(a).first == view(b).first && view(a).second == view(b).second;
    }
  };
  // A fill's (venue, symbol, trade_id): symbol and trade id joined, as the second half.
  static std::string fill_tail(std::string_view symbol, std::string_view trade_id);

  struct AttemptKey {
    std::uint64_t intent_id = 0;
    Leg leg = Leg::single;
    bool operator==(const AttemptKey&) const = default;
  };
  struct AttemptHash {
    std::size_t operator()(const AttemptKey& key) const;
  };
  struct AttemptSlot {
    int attempt = 0;
    std::uint64_t seq = 0;
  };

  JournalBounds bounds_;
  std::unordered_map<PairKey, OrderEntry, PairHash, PairEqual> orders_;
  std::deque<PairKey> finished_;  // keys of terminal orders, in the order they finished
  std::unordered_set<PairKey, PairHash, PairEqual> fill_keys_;
  std::deque<std::pair<PairKey, std::uint64_t>> fill_order_;  // (key, seq), oldest first
  std::unordered_map<AttemptKey, AttemptSlot, AttemptHash> attempts_;
  std::deque<AttemptKey> attempt_order_;  // first seen, oldest first
  std::uint64_t max_intent_id_ = 0;
  std::uint64_t incomplete_through_ = 0;  // see holds_every_attempt_of
};

}  // namespace propbot::exec
