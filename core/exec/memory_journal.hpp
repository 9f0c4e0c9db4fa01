// MemoryJournal: the Journal with no disk, for tests and replay. Same rules, sequence
// numbers and readers as SqliteJournal (both are IndexedJournals), but an entry
// "survives" only as long as this object: never use it where a crash must not lose
// an order.
//
// Bound: at most `max_entries` recorded entries (order events + fills, default
// 1,000,000); beyond that record() answers Errc::overflow and records nothing. Every
// order's last entry and every fill stay in memory (the index is unbounded up to that
// cap), so last() and fills() are exact.
//
// Thread: as Journal (driving thread; stats() from any thread).
#pragma once

#include <cstddef>
#include <vector>

#include "core/exec/indexed_journal.hpp"

namespace propbot::exec {

class MemoryJournal final : public IndexedJournal {
 public:
  explicit MemoryJournal(std::size_t max_entries = 1'000'000);

  std::vector<FillEntry> fills() const override { return fills_; }
  std::vector<OrderEntry> orders_of(std::uint64_t intent_id) const override;
  std::vector<OrderEntry> events_of(std::uint64_t intent_id) const override;
  std::optional<OrderEntry> by_venue_order_id(std::string_view venue, std::string_view venue_order_id) const override;

 private:
  Status persist(const OrderEntry& entry) override;
  Status persist(const FillEntry& fill) override;
  std::uint64_t evictable_seq() const override { return last_seq(); }
  Status make_room() const;

  std::size_t max_entries_;
  std::size_t entries_ = 0;
  std::vector<FillEntry> fills_;
  std::vector<OrderEntry> events_;  // every order event, seq order (bounded with fills by max_entries)
};

}  // namespace propbot::exec
