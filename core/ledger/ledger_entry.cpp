#include "core/ledger/ledger_entry.hpp"

#include "core/common/stable_name.hpp"

namespace propbot::ledger {

Result<LedgerEntryKind> parse_ledger_entry_kind(std::string_view text) {
  if (auto kind = find_by_name(text, kAllLedgerEntryKinds)) return *kind;
  return make_error(Errc::invalid_argument, "ledger entry kind '" + std::string(text) +
                                                "' is unknown; use " + join_names(kAllLedgerEntryKinds, [](auto) {
                                                  return false;
                                                }));
}

Result<bool> MemoryLedgerEntries::append(LedgerEntry& entry) {
  if (keys_.contains({entry.venue, entry.kind, entry.ref})) return false;
  if (entries_.size() >= max_entries_) {
    return make_error(Errc::overflow, "ledger entries are full (" + std::to_string(max_entries_) + ")");
  }
  entry.id = entries_.empty() ? 1 : entries_.back().id + 1;
  entries_.push_back(entry);
  keys_.emplace(entry.venue, entry.kind, entry.ref);
  return true;
}

}  // namespace propbot::ledger
