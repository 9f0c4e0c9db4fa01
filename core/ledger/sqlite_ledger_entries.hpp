// SqliteLedgerEntries: the ledger's cash entries (ledger_entry.hpp) in the table
// ledger_entries of <data_dir>/journal.sqlite, on a connection of its own. The journal's
// writer creates the table (journal migration 2); open this after the journal.
//
// Guarantees: append() returns once the row is committed (synchronous=FULL: it
// survives a crash and power loss); an entry whose key is already kept is `false` and
// changes nothing. all() reads every row in id order.
//
// Cost: a committed insert is a disk flush (about a millisecond). The ledger appends
// rarely — an opening balance once per venue, a funding payment per position and
// settlement — so it writes on the driving thread.
//
// Thread: one thread (its Database is not shared).
#pragma once

#include <memory>
#include <string>

#include "core/ledger/ledger_entry.hpp"
#include "core/store/database.hpp"

namespace propbot::ledger {

class SqliteLedgerEntries final : public LedgerEntries {
 public:
  // `path`: the journal database. Errors: the store's (not_found when the table is
  // missing: the journal was not opened first).
  static Result<std::unique_ptr<SqliteLedgerEntries>> open(const std::string& path);

  Result<bool> append(LedgerEntry& entry) override;
  Result<std::vector<LedgerEntry>> all() const override;

 private:
  explicit SqliteLedgerEntries(store::Database database) : database_(std::move(database)) {}
  mutable store::Database database_;
};

}  // namespace propbot::ledger
