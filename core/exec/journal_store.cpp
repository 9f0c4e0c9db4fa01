#include "core/exec/journal_store.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <type_traits>
#include <variant>

#include "core/common/clock.hpp"
#include "core/common/stable_name.hpp"
#include "core/exec/journal_fields.hpp"
#include "core/store/migrations.hpp"
#include "core/store/transaction.hpp"

namespace propbot::exec {
namespace {

// "seq, ts_ms, venue, ...": an entry's columns, named and ordered as its fields.
template <typename Entry>
std::string column_list() {
  std::string columns;
  Entry entry;
  for_each_field(entry, [&columns](std::string_view name, const auto&) {
    if (!columns.empty()) columns += ", ";
    columns += name;
  });
  return columns;
}

template <typename Entry>
int column_count() {
  int count = 0;
  Entry entry;
  for_each_field(entry, [&count](std::string_view, const auto&) { ++count; });
  return count;
}

constexpr std::string_view kOrderColumnTypes = R"sql(
  seq             INTEGER PRIMARY KEY,
  ts_ms           INTEGER NOT NULL,
  venue           TEXT    NOT NULL,
  client_order_id TEXT    NOT NULL,
  event           TEXT    NOT NULL,  -- intent | new | sent | ack | partial | filled | cancelled | rejected | expired
  intent_id       INTEGER NOT NULL,
  position_id     INTEGER NOT NULL,
  strategy        TEXT    NOT NULL,
  leg             TEXT    NOT NULL,  -- single | a | b
  attempt         INTEGER NOT NULL,
  symbol          TEXT    NOT NULL,
  side            TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  time_in_force   TEXT    NOT NULL,
  reduce_only     INTEGER NOT NULL,
  quantity        TEXT    NOT NULL,  -- normalized decimal
  price           TEXT,              -- NULL: no limit price
  filled_quantity TEXT    NOT NULL,
  average_price   TEXT    NOT NULL,
  venue_order_id  TEXT    NOT NULL,
  reason          TEXT    NOT NULL,
  simulated       INTEGER NOT NULL)sql";

std::string journal_schema_sql() {
  std::string sql;
  sql += "CREATE TABLE order_events (";
  sql += kOrderColumnTypes;
  sql += ",\n  UNIQUE (venue, client_order_id, event, filled_quantity));\n";
  sql += "CREATE TABLE orders (";
  sql += kOrderColumnTypes;
  sql += ",\n  terminal INTEGER NOT NULL,\n  UNIQUE (venue, client_order_id));\n";
  sql += "CREATE INDEX orders_by_state ON orders(terminal, seq);\n";
  sql += "CREATE INDEX orders_by_attempt ON orders(intent_id, leg);\n";
  sql += "CREATE INDEX order_events_by_intent ON order_events(intent_id, seq);\n";
  sql += "CREATE INDEX orders_by_venue_order_id ON orders(venue, venue_order_id);\n";
  sql += R"sql(CREATE TABLE fills (
  seq             INTEGER PRIMARY KEY,
  ts_ms           INTEGER NOT NULL,
  venue           TEXT    NOT NULL,
  symbol          TEXT    NOT NULL,
  trade_id        TEXT    NOT NULL,
  client_order_id TEXT    NOT NULL,
  intent_id       INTEGER NOT NULL,
  position_id     INTEGER NOT NULL,
  strategy        TEXT    NOT NULL,
  leg             TEXT    NOT NULL,
  side            TEXT    NOT NULL,
  quantity        TEXT    NOT NULL,
  price           TEXT    NOT NULL,
  fee             TEXT    NOT NULL,
  fee_asset       TEXT    NOT NULL,
  maker           INTEGER NOT NULL,
  simulated       INTEGER NOT NULL,
  UNIQUE (venue, symbol, trade_id));
)sql";
  return sql;
}

// The ledger's cash entries that are not fills (core/ledger/ledger_entry.hpp): written
// by the ledger on its own connection, kept here so one database holds the whole ledger.
constexpr std::string_view kLedgerEntriesSchema = R"sql(CREATE TABLE ledger_entries (
  id      INTEGER PRIMARY KEY,
  ts_ms   INTEGER NOT NULL,
  venue   TEXT    NOT NULL,
  kind    TEXT    NOT NULL,  -- opening_balance | funding | adjustment
  asset   TEXT    NOT NULL,
  symbol  TEXT    NOT NULL,
  ref     TEXT    NOT NULL,
  amount  TEXT    NOT NULL,  -- normalized decimal, + credit
  strategy TEXT   NOT NULL,  -- funding: the strategy it is attributed to; else empty
  note    TEXT    NOT NULL,
  UNIQUE (venue, kind, ref));
)sql";

const std::vector<store::Migration>& journal_migrations() {
  static const std::vector<store::Migration> migrations = {{1, "journal", journal_schema_sql()},
                                                            {2, "ledger_entries", std::string(kLedgerEntriesSchema)}};
  return migrations;
}

std::string placeholders(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i) text += (i == 1 ? "?" : ", ?") + std::to_string(i);
  return text;
}

std::string upsert_order_sql() {
  std::string sql = "INSERT INTO orders(" + column_list<OrderEntry>() + ", terminal) VALUES (" +
                    placeholders(column_count<OrderEntry>() + 1) + ") ON CONFLICT(venue, client_order_id) DO UPDATE SET ";
  OrderEntry entry;
  bool first = true;
  for_each_field(entry, [&](std::string_view column, const auto&) {
    sql += (first ? "" : ", ") + std::string(column) + " = excluded." + std::string(column);
    first = false;
  });
  sql += ", terminal = excluded.terminal WHERE excluded.seq > orders.seq";
  return sql;
}

std::string decimal_text(const Decimal& value) { return value.normalized().to_string(); }

// Binds each field to the next parameter, stopping at the first failure (a visitor
// of for_each_field): integers as INTEGER, decimals as normalized text, enums by name.
class Binder {
 public:
  explicit Binder(store::Statement& statement) : statement_(statement) {}

  template <typename Value>
  void operator()(std::string_view, const Value& value) {
    if (!status_) return;
    ++index_;
    if constexpr (std::is_enum_v<Value>) {
      status_ = statement_.bind(index_, to_string(value));
    } else if constexpr (std::is_same_v<Value, Decimal>) {
      status_ = statement_.bind(index_, decimal_text(value));
    } else if constexpr (std::is_same_v<Value, std::optional<Decimal>>) {
      status_ = value ? statement_.bind(index_, decimal_text(*value)) : statement_.bind(index_, nullptr);
    } else if constexpr (std::is_same_v<Value, std::string>) {
      status_ = statement_.bind(index_, std::string_view(value));
    } else {
      status_ = statement_.bind(index_, value);
    }
  }
  const Status& status() const { return status_; }

 private:
  store::Statement& statement_;
  int index_ = 0;
  Status status_;
};

template <typename Entry>
Status bind_entry(store::Statement& statement, const Entry& entry) {
  Binder binder(statement);
  for_each_field(entry, binder);
  return binder.status();
}

// Reads each field from the next column (a visitor of for_each_field); the first value
// that does not parse is remembered as the row's problem.
class ColumnReader {
 public:
  explicit ColumnReader(const store::Statement& row) : row_(row) {}

  template <typename Value>
  void operator()(std::string_view name, Value& value) {
    const int column = column_++;
    if constexpr (std::is_enum_v<Value>) {
      const std::string text = row_.column_text(column);
      if (auto parsed = find_by_name(text, enum_values<Value>())) {
        value = *parsed;
      } else {
        fail(name, "unknown name '" + text + "'");
      }
    } else if constexpr (std::is_same_v<Value, Decimal>) {
      value = parse_decimal(name, row_.column_text(column));
    } else if constexpr (std::is_same_v<Value, std::optional<Decimal>>) {
      if (row_.column_is_null(column)) {
        value.reset();
      } else {
        value = parse_decimal(name, row_.column_text(column));
      }
    } else if constexpr (std::is_same_v<Value, std::string>) {
      value = row_.column_text(column);
    } else if constexpr (std::is_same_v<Value, bool>) {
      value = row_.column_int64(column) != 0;
    } else {
      value = static_cast<Value>(row_.column_int64(column));
    }
  }
  const std::optional<std::string>& problem() const { return problem_; }

 private:
  Decimal parse_decimal(std::string_view name, const std::string& text) {
    Result<Decimal> value = Decimal::parse(text);
    if (value) return *value;
    fail(name, "bad decimal '" + text + "'");
    return Decimal{};
  }
  void fail(std::string_view name, std::string what) {
    if (!problem_) problem_ = std::string(name) + ": " + std::move(what);
  }

  const store::Statement& row_;
  int column_ = 0;
  std::optional<std::string> problem_;
};

std::string_view entry_noun(const OrderEntry&) { return "order"; }
std::string_view entry_noun(const FillEntry&) { return "fill"; }

template <typename Entry>
Result<Entry> read_entry(const store::Statement& row) {
  ColumnReader reader(row);
  Entry entry;
  for_each_field(entry, reader);
  if (reader.problem()) {
    return make_error(Errc::store_error, "journal " + std::string(entry_noun(entry)) + " seq " +
                                             std::to_string(entry.seq) + ": " + *reader.problem());
  }
  return entry;
}

Result<store::Statement> prepare(store::Database& database, const std::string& sql) { return database.prepare(sql); }

Status run(store::Statement& statement) {
  statement.reset();
  Result<bool> stepped = statement.step();
  statement.reset();
  if (!stepped) return stepped.error();
  return {};
}

Result<std::uint64_t> single_integer(store::Database& database, std::string_view sql) {
  Result<store::Statement> statement = database.prepare(sql);
  if (!statement) return statement.error();
  Result<bool> row = statement->step();
  if (!row) return row.error();
  if (!*row || statement->column_is_null(0)) return std::uint64_t{0};
  return static_cast<std::uint64_t>(statement->column_int64(0));
}

}  // namespace

Result<std::unique_ptr<JournalStore>> JournalStore::open_writer(const std::string& path,
                                                                store::Synchronous synchronous) {
  store::OpenOptions options;
  options.synchronous = synchronous;
  Result<store::Database> database = store::Database::open(path, options);
  if (!database) return database.error();
  const std::string now = format_iso8601_ms(std::chrono::time_point_cast<Nanos>(std::chrono::system_clock::now()));
  if (Result<int> applied = store::apply_migrations(*database, journal_migrations(), now); !applied) {
    return applied.error();
  }
  auto journal_store = std::make_unique<JournalStore>(std::move(*database));
  store::Database& db = journal_store->database_;
  Result<store::Statement> insert_event = prepare(
      db, "INSERT OR IGNORE INTO order_events(" + column_list<OrderEntry>() + ") VALUES (" +
              placeholders(column_count<OrderEntry>()) + ")");
  if (!insert_event) return insert_event.error();
  Result<store::Statement> upsert_order = prepare(db, upsert_order_sql());
  if (!upsert_order) return upsert_order.error();
  Result<store::Statement> insert_fill =
      prepare(db, "INSERT OR IGNORE INTO fills(" + column_list<FillEntry>() + ") VALUES (" + placeholders(column_count<FillEntry>()) + ")");
  if (!insert_fill) return insert_fill.error();
  journal_store->insert_event_.emplace(std::move(*insert_event));
  journal_store->upsert_order_.emplace(std::move(*upsert_order));
  journal_store->insert_fill_.emplace(std::move(*insert_fill));
  return journal_store;
}

Result<std::unique_ptr<JournalStore>> JournalStore::open_reader(const std::string& path) {
  store::OpenOptions options;
  options.read_only = true;
  Result<store::Database> database = store::Database::open(path, options);
  if (!database) return database.error();
  return std::make_unique<JournalStore>(std::move(*database));
}

Status JournalStore::write(const OrderEntry& entry) {
  store::Statement& insert = *insert_event_;
  insert.clear_bindings();
  if (Status bound = bind_entry(insert, entry); !bound) return bound;
  if (Status inserted = run(insert); !inserted) return inserted;
  if (database_.changes() == 0) return {};  // already there (a replayed outbox record)
  store::Statement& upsert = *upsert_order_;
  upsert.clear_bindings();
  if (Status bound = bind_entry(upsert, entry); !bound) return bound;
  static const int terminal_parameter = column_count<OrderEntry>() + 1;
  if (Status bound = upsert.bind(terminal_parameter, is_terminal(entry.event)); !bound) return bound;
  return run(upsert);
}

Status JournalStore::write(const FillEntry& fill) {
  store::Statement& insert = *insert_fill_;
  insert.clear_bindings();
  if (Status bound = bind_entry(insert, fill); !bound) return bound;
  return run(insert);
}

Status JournalStore::write_group(std::span<const OutboxRecord> records) {
  if (!insert_event_) return make_error(Errc::invalid_argument, "journal store opened for reading cannot write");
  Result<store::Transaction> transaction = store::Transaction::begin(database_);
  if (!transaction) return transaction.error();
  for (const OutboxRecord& record : records) {
    Status written = std::visit([this](const auto& entry) { return write(entry); }, record);
    if (!written) return written;  // the transaction rolls back
  }
  return transaction->commit();
}

template <typename Entry, typename Bind>
Result<std::vector<Entry>> JournalStore::select(std::string_view sql, Bind&& bind) {
  Result<store::Statement> statement = database_.prepare(sql);
  if (!statement) return statement.error();
  if (Status bound = bind(*statement); !bound) return bound.error();
  std::vector<Entry> rows;
  while (true) {
    Result<bool> row = statement->step();
    if (!row) return row.error();
    if (!*row) break;
    Result<Entry> entry = read_entry<Entry>(*statement);
    if (!entry) return entry.error();
    rows.push_back(std::move(*entry));
  }
  return rows;
}

namespace {

Status no_parameters(store::Statement&) { return {}; }

template <typename Entry>
Result<std::vector<Entry>> oldest_first(Result<std::vector<Entry>> newest_first) {
  if (newest_first) std::reverse(newest_first->begin(), newest_first->end());
  return newest_first;
}

}  // namespace

Result<std::uint64_t> JournalStore::max_seq() {
  return single_integer(database_,
                        "SELECT MAX(m) FROM (SELECT MAX(seq) AS m FROM order_events UNION ALL SELECT MAX(seq) FROM fills)");
}

Result<std::uint64_t> JournalStore::max_intent_id() { return single_integer(database_, "SELECT MAX(intent_id) FROM orders"); }

Result<std::vector<OrderEntry>> JournalStore::unfinished_orders() {
  return select<OrderEntry>("SELECT " + column_list<OrderEntry>() + " FROM orders WHERE terminal = 0 ORDER BY seq",
                            no_parameters);
}

Result<std::vector<OrderEntry>> JournalStore::recent_finished_orders(std::size_t limit) {
  return oldest_first(select<OrderEntry>(
      "SELECT " + column_list<OrderEntry>() + " FROM orders WHERE terminal = 1 ORDER BY seq DESC LIMIT ?1",
      [limit](store::Statement& s) { return s.bind(1, static_cast<std::int64_t>(limit)); }));
}

Result<std::vector<FillEntry>> JournalStore::recent_fills(std::size_t limit) {
  return oldest_first(select<FillEntry>("SELECT " + column_list<FillEntry>() + " FROM fills ORDER BY seq DESC LIMIT ?1",
                                        [limit](store::Statement& s) {
                                          return s.bind(1, static_cast<std::int64_t>(limit));
                                        }));
}

Result<std::vector<FillEntry>> JournalStore::all_fills() {
  return select<FillEntry>("SELECT " + column_list<FillEntry>() + " FROM fills ORDER BY seq", no_parameters);
}

Result<std::optional<OrderEntry>> JournalStore::order(std::string_view venue, std::string_view client_order_id) {
  Result<std::vector<OrderEntry>> rows = select<OrderEntry>(
      "SELECT " + column_list<OrderEntry>() + " FROM orders WHERE venue = ?1 AND client_order_id = ?2",
      [&](store::Statement& s) -> Status {
        if (Status bound = s.bind(1, venue); !bound) return bound;
        return s.bind(2, client_order_id);
      });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<OrderEntry>{};
  return std::optional<OrderEntry>(std::move(rows->front()));
}

Result<std::optional<OrderEntry>> JournalStore::order_by_venue_id(std::string_view venue,
                                                                 std::string_view venue_order_id) {
  Result<std::vector<OrderEntry>> rows = select<OrderEntry>(
      "SELECT " + column_list<OrderEntry>() + " FROM orders WHERE venue = ?1 AND venue_order_id = ?2 ORDER BY seq DESC",
      [&](store::Statement& s) -> Status {
        if (Status bound = s.bind(1, venue); !bound) return bound;
        return s.bind(2, venue_order_id);
      });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<OrderEntry>{};
  return std::optional<OrderEntry>(std::move(rows->front()));
}

Result<std::vector<OrderEntry>> JournalStore::orders_of_intent(std::uint64_t intent_id) {
  return select<OrderEntry>("SELECT " + column_list<OrderEntry>() + " FROM orders WHERE intent_id = ?1 ORDER BY seq",
                            [intent_id](store::Statement& s) { return s.bind(1, intent_id); });
}

Result<std::vector<OrderEntry>> JournalStore::events_of_intent(std::uint64_t intent_id) {
  return select<OrderEntry>(
      "SELECT " + column_list<OrderEntry>() + " FROM order_events WHERE intent_id = ?1 ORDER BY seq",
      [intent_id](store::Statement& s) { return s.bind(1, intent_id); });
}

Result<std::optional<int>> JournalStore::last_attempt(std::uint64_t intent_id, Leg leg) {
  Result<store::Statement> statement =
      database_.prepare("SELECT MAX(attempt) FROM orders WHERE intent_id = ?1 AND leg = ?2");
  if (!statement) return statement.error();
  if (Status bound = statement->bind(1, intent_id); !bound) return bound.error();
  if (Status bound = statement->bind(2, to_string(leg)); !bound) return bound.error();
  Result<bool> row = statement->step();
  if (!row) return row.error();
  if (!*row || statement->column_is_null(0)) return std::optional<int>{};
  return std::optional<int>(static_cast<int>(statement->column_int64(0)));
}

}  // namespace propbot::exec
