// IndexedJournal: what every Journal does the same way, whatever keeps its entries —
// the checks and dedupe rules against a JournalIndex (journal_index.hpp), sequence
// numbers, the counters, and the readers answered from the index. A concrete journal
// supplies only persist() (make one entry durable, or say why not) and, optionally,
// the store look-ups for keys the index has evicted.
//
// record() order: check_entry → classify (duplicate/stale: counted, nothing written) →
// seq = last + 1 → persist → index. A failed persist leaves seq and index untouched,
// so the caller may retry and nothing half-recorded is ever visible.
//
// Thread: record*, readers on the driving thread; stats() from any thread (atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/exec/journal.hpp"
#include "core/exec/journal_index.hpp"

namespace propbot::exec {

class IndexedJournal : public Journal {
 public:
  Result<RecordOutcome> record(OrderEntry& entry) final;
  Result<RecordOutcome> record_fill(FillEntry& fill) final;
  std::vector<OrderEntry> unfinished() const final;
  std::optional<OrderEntry> last(std::string_view venue, std::string_view client_order_id) const final;
  std::optional<int> last_attempt(std::uint64_t intent_id, Leg leg) const final;
  std::uint64_t max_intent_id() const final;
  // The counters; a store adds its own fields (committed_seq, group commits).
  JournalStats stats() const override;

 protected:
  explicit IndexedJournal(JournalBounds bounds) : index_(bounds) {}

  // Makes the entry (seq assigned) durable. An error means it was not recorded.
  virtual Status persist(const OrderEntry& entry) = 0;
  virtual Status persist(const FillEntry& fill) = 0;
  // The highest seq the index may forget (the store can answer for it).
  virtual std::uint64_t evictable_seq() const = 0;
  // Look-ups for keys the index no longer holds; default: the store knows nothing more.
  virtual std::optional<OrderEntry> load_last(std::string_view venue, std::string_view client_order_id) const;
  virtual std::optional<int> load_last_attempt(std::uint64_t intent_id, Leg leg) const;

  // For loading state at start, before the first record().
  JournalIndex& index() { return index_; }
  void restore_last_seq(std::uint64_t seq) { last_seq_.store(seq, std::memory_order_relaxed); }
  std::uint64_t last_seq() const { return last_seq_.load(std::memory_order_relaxed); }

 private:
  template <typename Entry>
  Result<RecordOutcome> record_entry(Entry& entry, std::atomic<std::uint64_t>& recorded);

  JournalIndex index_;
  std::atomic<std::uint64_t> last_seq_{0};
  std::atomic<std::uint64_t> orders_recorded_{0};
  std::atomic<std::uint64_t> fills_recorded_{0};
  std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace propbot::exec
