// JournalStore: the journal's own SQLite database, <data_dir>/journal.sqlite (WAL),
// apart from propbot.db so the journal's group commits never wait for another writer.
//
// Tables (schema: journal migration 1, kept in journal_store.cpp and applied with
// core/store's apply_migrations, so it evolves like the main database):
//   order_events  every recorded order event; seq primary key;
//                 UNIQUE (venue, client_order_id, event, filled_quantity)
//   orders        the last event of each order, key (venue, client_order_id), with a
//                 `terminal` flag: what start-up loads and evicted look-ups read
//   fills         every fill; seq primary key; UNIQUE (venue, symbol, trade_id)
//   ledger_entries  (migration 2) the ledger's cash entries that are not fills — opening
//                 balances, funding payments, adjustments; written by
//                 core/ledger's SqliteLedgerEntries on its own connection
// Decimals are stored as normalized text (so "0.30" and "0.3" are one key), enums by
// their stable names, ids as integers (journal entries refuse ids above 2^63-1).
//
// write_group() is idempotent: rows go in with INSERT OR IGNORE, and an order's row in
// `orders` is only replaced by an event that was newly inserted and has a higher seq, so
// replaying an outbox segment that was already committed changes nothing.
//
// Threads: one JournalStore per thread (it owns its Database); every call blocks on
// disk. Errors are the store's (io_error, store_error, permission_denied).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/exec/journal.hpp"
#include "core/exec/outbox_record.hpp"
#include "core/store/database.hpp"

namespace propbot::exec {

inline constexpr std::string_view kJournalDatabaseFileName = "journal.sqlite";

class JournalStore {
 public:
  // The writer: creates the file and brings its schema up to date.
  static Result<std::unique_ptr<JournalStore>> open_writer(const std::string& path, store::Synchronous synchronous);
  // A reader on its own connection (the writer must have created the file).
  static Result<std::unique_ptr<JournalStore>> open_reader(const std::string& path);

  // One transaction: all of `records` or none.
  Status write_group(std::span<const OutboxRecord> records);

  Result<std::uint64_t> max_seq();
  Result<std::uint64_t> max_intent_id();
  Result<std::vector<OrderEntry>> unfinished_orders();                   // seq order
  Result<std::vector<OrderEntry>> recent_finished_orders(std::size_t limit);  // the newest, seq order
  Result<std::vector<FillEntry>> recent_fills(std::size_t limit);            // the newest, seq order
  Result<std::vector<FillEntry>> all_fills();                                // seq order
  Result<std::optional<OrderEntry>> order(std::string_view venue, std::string_view client_order_id);
  Result<std::optional<int>> last_attempt(std::uint64_t intent_id, Leg leg);
  Result<std::vector<OrderEntry>> orders_of_intent(std::uint64_t intent_id);  // last entries, seq order
  Result<std::optional<OrderEntry>> order_by_venue_id(std::string_view venue, std::string_view venue_order_id);
  Result<std::vector<OrderEntry>> events_of_intent(std::uint64_t intent_id);  // every event, seq order

  explicit JournalStore(store::Database database) : database_(std::move(database)) {}

 private:
  Status write(const OrderEntry& entry);
  Status write(const FillEntry& fill);
  // Runs a query whose columns are Entry's (bind: Status(store::Statement&)).
  template <typename Entry, typename Bind>
  Result<std::vector<Entry>> select(std::string_view sql, Bind&& bind);

  store::Database database_;
  // Prepared once by open_writer (a reader never writes).
  std::optional<store::Statement> insert_event_;
  std::optional<store::Statement> upsert_order_;
  std::optional<store::Statement> insert_fill_;
};

}  // namespace propbot::exec
