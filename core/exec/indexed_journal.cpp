#include "core/exec/indexed_journal.hpp"

namespace propbot::exec {

template <typename Entry>
Result<RecordOutcome> IndexedJournal::record_entry(Entry& entry, std::atomic<std::uint64_t>& recorded) {
  if (Status checked = check_entry(entry); !checked) return checked.error();
  if (RecordOutcome outcome = index_.classify(entry); outcome != RecordOutcome::recorded) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return outcome;
  }
  entry.seq = last_seq() + 1;
  if (Status persisted = persist(entry); !persisted) {
    entry.seq = 0;
    return persisted.error();
  }
  last_seq_.store(entry.seq, std::memory_order_relaxed);
  recorded.fetch_add(1, std::memory_order_relaxed);
  index_.apply(entry);
  index_.trim(evictable_seq());
  return RecordOutcome::recorded;
}

Result<RecordOutcome> IndexedJournal::record(OrderEntry& entry) { return record_entry(entry, orders_recorded_); }

Result<RecordOutcome> IndexedJournal::record_fill(FillEntry& fill) { return record_entry(fill, fills_recorded_); }

std::vector<OrderEntry> IndexedJournal::unfinished() const { return index_.unfinished(); }

std::optional<OrderEntry> IndexedJournal::last(std::string_view venue, std::string_view client_order_id) const {
  if (const OrderEntry* entry = index_.find(venue, client_order_id)) return *entry;
  return load_last(venue, client_order_id);
}

std::optional<int> IndexedJournal::last_attempt(std::uint64_t intent_id, Leg leg) const {
  if (std::optional<int> attempt = index_.last_attempt(intent_id, leg)) return attempt;
  // Never recorded, or recorded only in this process and all still indexed (a new
  // trade's leg B, planned right after its leg A): no store look-up.
  if (intent_id > index_.max_intent_id() || index_.holds_every_attempt_of(intent_id)) return std::nullopt;
  return load_last_attempt(intent_id, leg);
}

std::uint64_t IndexedJournal::max_intent_id() const { return index_.max_intent_id(); }

JournalStats IndexedJournal::stats() const {
  JournalStats stats;
  stats.orders_recorded = orders_recorded_.load(std::memory_order_relaxed);
  stats.fills_recorded = fills_recorded_.load(std::memory_order_relaxed);
  stats.duplicate_suppressed_total = suppressed_.load(std::memory_order_relaxed);
  stats.last_seq = last_seq();
  return stats;
}

std::optional<OrderEntry> IndexedJournal::load_last(std::string_view, std::string_view) const { return std::nullopt; }

std::optional<int> IndexedJournal::load_last_attempt(std::uint64_t, Leg) const { return std::nullopt; }

}  // namespace propbot::exec
