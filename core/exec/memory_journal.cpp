#include "core/exec/memory_journal.hpp"

#include <algorithm>
#include <string>

namespace propbot::exec {

MemoryJournal::MemoryJournal(std::size_t max_entries)
    : IndexedJournal(JournalBounds{max_entries, max_entries, max_entries}), max_entries_(max_entries) {}

Status MemoryJournal::make_room() const {
  if (entries_ < max_entries_) return {};
  return make_error(Errc::overflow, "memory journal is full (" + std::to_string(max_entries_) +
                                        " entries): use SqliteJournal for runs this long");
}

Status MemoryJournal::persist(const OrderEntry& entry) {
  if (Status room = make_room(); !room) return room;
  ++entries_;
  events_.push_back(entry);
  return {};
}

std::vector<OrderEntry> MemoryJournal::events_of(std::uint64_t intent_id) const {
  std::vector<OrderEntry> out;
  for (const auto& entry : events_) {
    if (entry.intent_id == intent_id) out.push_back(entry);
  }
  return out;
}

std::optional<OrderEntry> MemoryJournal::by_venue_order_id(std::string_view venue,
                                                          std::string_view venue_order_id) const {
  if (venue_order_id.empty()) return std::nullopt;
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->venue == venue && it->venue_order_id == venue_order_id) return last(it->venue, it->client_order_id);
  }
  return std::nullopt;
}

std::vector<OrderEntry> MemoryJournal::orders_of(std::uint64_t intent_id) const {
  std::vector<OrderEntry> out;
  for (const auto& entry : events_of(intent_id)) {
    auto same = std::find_if(out.begin(), out.end(), [&](const OrderEntry& known) {
      return known.venue == entry.venue && known.client_order_id == entry.client_order_id;
    });
    if (same == out.end()) {
      out.push_back(entry);
    } else {
      *same = entry;  // the later event is the last one
    }
  }
  std::sort(out.begin(), out.end(), [](const OrderEntry& a, const OrderEntry& b) { return a.seq < b.seq; });
  return out;
}

Status MemoryJournal::persist(const FillEntry& fill) {
  if (Status room = make_room(); !room) return room;
  ++entries_;
  fills_.push_back(fill);
  return {};
}

}  // namespace propbot::exec
