#include "core/exec/journal_store.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <variant>

#include "core/common/clock.hpp"
#include "core/common/stable_name.hpp"
#include "core/store/migrations.hpp"
#include "core/store/transaction.hpp"

namespace propbot::exec {
namespace {

constexpr std::array<venues::OrderType, 2> kAllOrderTypes = {venues::OrderType::limit, venues::OrderType::market};
constexpr std::array<venues::TimeInForce, 4> kAllTimesInForce = {
    venues::TimeInForce::gtc, venues::TimeInForce::ioc, venues::TimeInForce::fok, venues::TimeInForce::post_only};

// The columns of an order event, in OrderEntry's order; `orders` adds `terminal`.
constexpr std::string_view kOrderColumns =
    "seq, ts_ms, venue, client_order_id, event, intent_id, position_id, strategy, leg, attempt, symbol, side, type, "
    "time_in_force, reduce_only, quantity, price, filled_quantity, average_price, venue_order_id, reason, simulated";
constexpr int kOrderColumnCount = 22;
constexpr std::string_view kFillColumns =
    "seq, ts_ms, venue, symbol, trade_id, client_order_id, intent_id, position_id, leg, side, quantity, price, fee, "
    "fee_asset, maker, simulated";

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
  sql += R"sql(CREATE TABLE fills (
  seq             INTEGER PRIMARY KEY,
  ts_ms           INTEGER NOT NULL,
  venue           TEXT    NOT NULL,
  symbol          TEXT    NOT NULL,
  trade_id        TEXT    NOT NULL,
  client_order_id TEXT    NOT NULL,
  intent_id       INTEGER NOT NULL,
  position_id     INTEGER NOT NULL,
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

const std::vector<store::Migration>& journal_migrations() {
  static const std::vector<store::Migration> migrations = {{1, "journal", journal_schema_sql()}};
  return migrations;
}

std::string placeholders(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i) text += (i == 1 ? "?" : ", ?") + std::to_string(i);
  return text;
}

std::string upsert_order_sql() {
  std::string sql = "INSERT INTO orders(" + std::string(kOrderColumns) + ", terminal) VALUES (" +
                    placeholders(kOrderColumnCount + 1) + ") ON CONFLICT(venue, client_order_id) DO UPDATE SET ";
  std::string_view columns = kOrderColumns;
  bool first = true;
  while (!columns.empty()) {
    const std::size_t comma = columns.find(',');
    std::string_view column = columns.substr(0, comma);
    columns = comma == std::string_view::npos ? std::string_view{} : columns.substr(comma + 2);
    sql += (first ? "" : ", ") + std::string(column) + " = excluded." + std::string(column);
    first = false;
  }
  sql += ", terminal = excluded.terminal WHERE excluded.seq > orders.seq";
  return sql;
}

std::string decimal_text(const Decimal& value) { return value.normalized().to_string(); }

// Binds each value to the next parameter, stopping at the first failure.
class Binder {
 public:
  explicit Binder(store::Statement& statement) : statement_(statement) {}
  template <typename Value>
  Binder& operator()(Value&& value) {
    if (status_) status_ = statement_.bind(++index_, std::forward<Value>(value));
    return *this;
  }
  Binder& decimal(const Decimal& value) { return (*this)(decimal_text(value)); }
  Status status() const { return status_; }

 private:
  store::Statement& statement_;
  int index_ = 0;
  Status status_;
};

Status bind_entry(store::Statement& statement, const OrderEntry& e) {
  Binder bind(statement);
  bind(e.seq)(e.ts_ms)(std::string_view(e.venue))(std::string_view(e.client_order_id))(to_string(e.event))(
      e.intent_id)(e.position_id)(std::string_view(e.strategy))(to_string(e.leg))(e.attempt)(
      std::string_view(e.symbol))(to_string(e.side))(to_string(e.type))(to_string(e.time_in_force))(e.reduce_only)
      .decimal(e.quantity);
  if (e.price) {
    bind.decimal(*e.price);
  } else {
    bind(nullptr);
  }
  bind.decimal(e.filled_quantity).decimal(e.average_price)(std::string_view(e.venue_order_id))(
      std::string_view(e.reason))(e.simulated);
  return bind.status();
}

Status bind_entry(store::Statement& statement, const FillEntry& f) {
  Binder bind(statement);
  bind(f.seq)(f.ts_ms)(std::string_view(f.venue))(std::string_view(f.symbol))(std::string_view(f.trade_id))(
      std::string_view(f.client_order_id))(f.intent_id)(f.position_id)(to_string(f.leg))(to_string(f.side))
      .decimal(f.quantity)
      .decimal(f.price)
      .decimal(f.fee)(std::string_view(f.fee_asset))(f.maker)(f.simulated);
  return bind.status();
}

// Reads columns in order; the first value that does not parse makes the row an error.
class ColumnReader {
 public:
  explicit ColumnReader(const store::Statement& row) : row_(row) {}

  std::uint64_t id() { return static_cast<std::uint64_t>(row_.column_int64(next())); }
  std::int64_t integer() { return row_.column_int64(next()); }
  bool flag() { return row_.column_int64(next()) != 0; }
  std::string text() { return row_.column_text(next()); }
  Decimal decimal() { return parse_decimal(row_.column_text(next())); }
  std::optional<Decimal> optional_decimal() {
    const int column = next();
    if (row_.column_is_null(column)) return std::nullopt;
    return parse_decimal(row_.column_text(column));
  }
  template <typename Enum, std::size_t N>
  Enum name(const std::array<Enum, N>& all) {
    const std::string text = row_.column_text(next());
    if (auto value = find_by_name(text, all)) return *value;
    fail("unknown name '" + text + "'");
    return Enum{};
  }
  const std::optional<std::string>& problem() const { return problem_; }

 private:
  int next() { return column_++; }
  Decimal parse_decimal(const std::string& text) {
    Result<Decimal> value = Decimal::parse(text);
    if (value) return *value;
    fail("bad decimal '" + text + "'");
    return Decimal{};
  }
  void fail(std::string what) {
    if (!problem_) problem_ = "column " + std::to_string(column_ - 1) + ": " + std::move(what);
  }

  const store::Statement& row_;
  int column_ = 0;
  std::optional<std::string> problem_;
};

template <typename Entry>
Result<Entry> read_entry(const store::Statement& row);

template <>
Result<OrderEntry> read_entry<OrderEntry>(const store::Statement& row) {
  ColumnReader r(row);
  OrderEntry e;
  e.seq = r.id();
  e.ts_ms = r.integer();
  e.venue = r.text();
  e.client_order_id = r.text();
  e.event = r.name(kAllOrderEvents);
  e.intent_id = r.id();
  e.position_id = r.id();
  e.strategy = r.text();
  e.leg = r.name(kAllLegs);
  e.attempt = static_cast<int>(r.integer());
  e.symbol = r.text();
  e.side = r.name(kAllSides);
  e.type = r.name(kAllOrderTypes);
  e.time_in_force = r.name(kAllTimesInForce);
  e.reduce_only = r.flag();
  e.quantity = r.decimal();
  e.price = r.optional_decimal();
  e.filled_quantity = r.decimal();
  e.average_price = r.decimal();
  e.venue_order_id = r.text();
  e.reason = r.text();
  e.simulated = r.flag();
  if (r.problem()) return make_error(Errc::store_error, "journal order seq " + std::to_string(e.seq) + ": " + *r.problem());
  return e;
}

template <>
Result<FillEntry> read_entry<FillEntry>(const store::Statement& row) {
  ColumnReader r(row);
  FillEntry f;
  f.seq = r.id();
  f.ts_ms = r.integer();
  f.venue = r.text();
  f.symbol = r.text();
  f.trade_id = r.text();
  f.client_order_id = r.text();
  f.intent_id = r.id();
  f.position_id = r.id();
  f.leg = r.name(kAllLegs);
  f.side = r.name(kAllSides);
  f.quantity = r.decimal();
  f.price = r.decimal();
  f.fee = r.decimal();
  f.fee_asset = r.text();
  f.maker = r.flag();
  f.simulated = r.flag();
  if (r.problem()) return make_error(Errc::store_error, "journal fill seq " + std::to_string(f.seq) + ": " + *r.problem());
  return f;
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
      db, "INSERT OR IGNORE INTO order_events(" + std::string(kOrderColumns) + ") VALUES (" +
              placeholders(kOrderColumnCount) + ")");
  if (!insert_event) return insert_event.error();
  Result<store::Statement> upsert_order = prepare(db, upsert_order_sql());
  if (!upsert_order) return upsert_order.error();
  Result<store::Statement> insert_fill =
      prepare(db, "INSERT OR IGNORE INTO fills(" + std::string(kFillColumns) + ") VALUES (" + placeholders(16) + ")");
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
  if (Status bound = upsert.bind(kOrderColumnCount + 1, is_terminal(entry.event)); !bound) return bound;
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
  return select<OrderEntry>("SELECT " + std::string(kOrderColumns) + " FROM orders WHERE terminal = 0 ORDER BY seq",
                            no_parameters);
}

Result<std::vector<OrderEntry>> JournalStore::recent_finished_orders(std::size_t limit) {
  return oldest_first(select<OrderEntry>(
      "SELECT " + std::string(kOrderColumns) + " FROM orders WHERE terminal = 1 ORDER BY seq DESC LIMIT ?1",
      [limit](store::Statement& s) { return s.bind(1, static_cast<std::int64_t>(limit)); }));
}

Result<std::vector<FillEntry>> JournalStore::recent_fills(std::size_t limit) {
  return oldest_first(select<FillEntry>("SELECT " + std::string(kFillColumns) + " FROM fills ORDER BY seq DESC LIMIT ?1",
                                        [limit](store::Statement& s) {
                                          return s.bind(1, static_cast<std::int64_t>(limit));
                                        }));
}

Result<std::vector<FillEntry>> JournalStore::all_fills() {
  return select<FillEntry>("SELECT " + std::string(kFillColumns) + " FROM fills ORDER BY seq", no_parameters);
}

Result<std::optional<OrderEntry>> JournalStore::order(std::string_view venue, std::string_view client_order_id) {
  Result<std::vector<OrderEntry>> rows = select<OrderEntry>(
      "SELECT " + std::string(kOrderColumns) + " FROM orders WHERE venue = ?1 AND client_order_id = ?2",
      [&](store::Statement& s) -> Status {
        if (Status bound = s.bind(1, venue); !bound) return bound;
        return s.bind(2, client_order_id);
      });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<OrderEntry>{};
  return std::optional<OrderEntry>(std::move(rows->front()));
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
