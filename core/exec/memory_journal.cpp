#include "core/exec/memory_journal.hpp"

#include <string>

namespace propbot::exec {

MemoryJournal::MemoryJournal(std::size_t max_entries)
    : IndexedJournal(JournalBounds{max_entries, max_entries, max_entries}), max_entries_(max_entries) {}

Status MemoryJournal::make_room() const {
  if (entries_ < max_entries_) return {};
  return make_error(Errc::overflow, "memory journal is full (" + std::to_string(max_entries_) +
                                        " entries): use SqliteJournal for runs this long");
}

Status MemoryJournal::persist(const OrderEntry&) {
  if (Status room = make_room(); !room) return room;
  ++entries_;
  return {};
}

Status MemoryJournal::persist(const FillEntry& fill) {
  if (Status room = make_room(); !room) return room;
  ++entries_;
  fills_.push_back(fill);
  return {};
}

}  // namespace propbot::exec
