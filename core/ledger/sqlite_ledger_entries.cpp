#include "core/ledger/sqlite_ledger_entries.hpp"

namespace propbot::ledger {

Result<std::unique_ptr<SqliteLedgerEntries>> SqliteLedgerEntries::open(const std::string& path) {
  store::OpenOptions options;
  options.create = false;
  auto database = store::Database::open(path, options);
  if (!database) return database.error();
  auto probe = database->prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ledger_entries'");
  if (!probe) return probe.error();
  auto row = probe->step();
  if (!row) return row.error();
  if (!*row || probe->column_int64(0) == 0) {
    return make_error(Errc::not_found, path + ": no table ledger_entries (open the journal first: it migrates the file)");
  }
  return std::unique_ptr<SqliteLedgerEntries>(new SqliteLedgerEntries(std::move(*database)));
}

Result<bool> SqliteLedgerEntries::append(LedgerEntry& entry) {
  auto insert = database_.prepare(
      "INSERT OR IGNORE INTO ledger_entries(ts_ms, venue, kind, asset, symbol, ref, amount, strategy, note) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return insert.error();
  const std::string amount = entry.amount.normalized().to_string();
  for (Status bound : {insert->bind(1, entry.ts_ms), insert->bind(2, std::string_view(entry.venue)),
                       insert->bind(3, to_string(entry.kind)), insert->bind(4, std::string_view(entry.asset)),
                       insert->bind(5, std::string_view(entry.symbol)), insert->bind(6, std::string_view(entry.ref)),
                       insert->bind(7, std::string_view(amount)), insert->bind(8, std::string_view(entry.strategy)),
                       insert->bind(9, std::string_view(entry.note))}) {
    if (!bound) return bound.error();
  }
  if (auto done = insert->step(); !done) return done.error();
  if (database_.changes() == 0) return false;
  entry.id = static_cast<std::uint64_t>(database_.last_insert_rowid());
  return true;
}

Result<std::vector<LedgerEntry>> SqliteLedgerEntries::all() const {
  auto select = database_.prepare(
      "SELECT id, ts_ms, venue, kind, asset, symbol, ref, amount, strategy, note FROM ledger_entries ORDER BY id");
  if (!select) return select.error();
  std::vector<LedgerEntry> out;
  while (true) {
    auto row = select->step();
    if (!row) return row.error();
    if (!*row) break;
    LedgerEntry entry;
    entry.id = static_cast<std::uint64_t>(select->column_int64(0));
    entry.ts_ms = select->column_int64(1);
    entry.venue = select->column_text(2);
    auto kind = parse_ledger_entry_kind(select->column_text(3));
    if (!kind) return make_error(Errc::parse_error, "ledger_entries row " + std::to_string(entry.id) + ": " + kind.error().message);
    entry.kind = *kind;
    entry.asset = select->column_text(4);
    entry.symbol = select->column_text(5);
    entry.ref = select->column_text(6);
    auto amount = Decimal::parse(select->column_text(7));
    if (!amount) return make_error(Errc::parse_error, "ledger_entries row " + std::to_string(entry.id) + ": amount: " + amount.error().message);
    entry.amount = *amount;
    entry.strategy = select->column_text(8);
    entry.note = select->column_text(9);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace propbot::ledger
