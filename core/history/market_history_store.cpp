#include "core/history/market_history_store.hpp"

#include <filesystem>
#include <vector>

#include <sys/stat.h>

#include "core/store/database.hpp"
#include "core/store/statement.hpp"
#include "core/store/transaction.hpp"

namespace propbot::history {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS market_history (
  id INTEGER PRIMARY KEY,
  ts_ms INTEGER NOT NULL,
  ts TEXT NOT NULL,
  symbol TEXT NOT NULL,
  spread_bps REAL,
  spread_pair TEXT NOT NULL DEFAULT '',
  std_spread_bps REAL,
  venues_json TEXT NOT NULL,
  ws_gap_p95_json TEXT NOT NULL,
  hedge_latency_p95_ms REAL,
  breaker_flags_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS market_history_ts ON market_history(ts_ms);
)sql";

constexpr std::string_view kInsert =
    "INSERT INTO market_history(ts_ms, ts, symbol, spread_bps, spread_pair, std_spread_bps, venues_json, "
    "ws_gap_p95_json, hedge_latency_p95_ms, breaker_flags_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

Status bind_optional(store::Statement& statement, int index, const std::optional<double>& value) {
  return value ? statement.bind(index, *value) : statement.bind(index, nullptr);
}

Status insert_row(store::Statement& insert, const MarketSample& sample, const SymbolSample& symbol,
                  const std::string& ws_gap, const std::string& flags) {
  insert.reset();
  const std::string ts = format_iso8601_ms(sample.ts);
  const std::string venues = venues_json(symbol).dump();
  for (Status bound : {insert.bind(1, to_unix_ms(sample.ts)), insert.bind(2, std::string_view(ts)),
                       insert.bind(3, std::string_view(symbol.symbol)), bind_optional(insert, 4, symbol.spread_bps),
                       insert.bind(5, std::string_view(symbol.spread_pair)),
                       bind_optional(insert, 6, symbol.std_spread_bps), insert.bind(7, std::string_view(venues)),
                       insert.bind(8, std::string_view(ws_gap)), bind_optional(insert, 9, sample.hedge_latency_p95_ms),
                       insert.bind(10, std::string_view(flags))}) {
    if (!bound) return bound;
  }
  if (auto stepped = insert.step(); !stepped) return stepped.error();
  return {};
}

nlohmann::json parsed(const std::string& text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  return value.is_discarded() ? nlohmann::json(nullptr) : value;
}

nlohmann::json real_or_null(const store::Statement& row, int column) {
  return row.column_is_null(column) ? nlohmann::json(nullptr) : nlohmann::json(row.column_double(column));
}

}  // namespace

std::string market_history_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kMarketHistoryDir / kMarketHistoryFile).string();
}

Result<nlohmann::json> read_market_history(const std::string& path, UtcTime since, std::size_t max_rows) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(Errc::not_found, "no market history at " + path);
  store::OpenOptions options;
  options.read_only = true;
  auto db = store::Database::open(path, options);
  if (!db) return db.error();
  // The newest max_rows of the window, returned oldest first.
  auto select = db->prepare(
      "SELECT ts_ms, ts, symbol, spread_bps, spread_pair, std_spread_bps, venues_json, ws_gap_p95_json, "
      "hedge_latency_p95_ms, breaker_flags_json FROM (SELECT * FROM market_history WHERE ts_ms >= ? "
      "ORDER BY ts_ms DESC, id DESC LIMIT ?) ORDER BY ts_ms, id");
  if (!select) return select.error();
  if (auto bound = select->bind(1, to_unix_ms(since)); !bound) return bound.error();
  if (auto bound = select->bind(2, static_cast<std::int64_t>(max_rows)); !bound) return bound.error();
  nlohmann::json rows = nlohmann::json::array();
  while (true) {
    auto stepped = select->step();
    if (!stepped) return stepped.error();
    if (!*stepped) break;
    rows.push_back({{"ts_ms", select->column_int64(0)},
                    {"ts", select->column_text(1)},
                    {"symbol", select->column_text(2)},
                    {"spread_bps", real_or_null(*select, 3)},
                    {"spread_pair", select->column_text(4)},
                    {"std_spread_bps", real_or_null(*select, 5)},
                    {"venues", parsed(select->column_text(6))},
                    {"ws_gap_p95_ms", parsed(select->column_text(7))},
                    {"hedge_latency_p95_ms", real_or_null(*select, 8)},
                    {"breaker_flags", parsed(select->column_text(9))}});
  }
  return rows;
}

struct MarketHistoryStore::Writer {
  store::Database db;
  store::Statement insert;
  store::Statement prune;
  std::optional<MonoTime> pruned_at;  // none: prune at the first pass
};

MarketHistoryStore::MarketHistoryStore(std::string path, const Clock& clock, MarketHistoryOptions options, Logger log)
    : path_(std::move(path)),
      clock_(clock),
      options_(options),
      log_(std::move(log)),
      writer_(options.queue_capacity, static_cast<std::size_t>(-1), 1, std::chrono::seconds(1), log_,
              "market_history") {}

Result<std::unique_ptr<MarketHistoryStore>> MarketHistoryStore::open(const std::string& data_dir, const Clock& clock,
                                                                     MarketHistoryOptions options, Logger log) {
  const std::filesystem::path dir = std::filesystem::path(data_dir) / kMarketHistoryDir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return make_error(ec == std::errc::permission_denied ? Errc::permission_denied : Errc::io_error,
                      "cannot create " + dir.string() + ": " + ec.message());
  }
  ::chmod(dir.c_str(), 0700);
  const std::string path = market_history_path(data_dir);
  store::OpenOptions open_options;
  open_options.synchronous = store::Synchronous::normal;
  auto db = store::Database::open(path, open_options);
  if (!db) return db.error();
  ::chmod(path.c_str(), 0600);
  if (auto created = db->exec(kSchema); !created) return created.error();
  auto insert = db->prepare(kInsert);
  if (!insert) return insert.error();
  auto prune = db->prepare("DELETE FROM market_history WHERE ts_ms < ?");
  if (!prune) return prune.error();
  // Shared only to fit std::function; the writer thread is its one user.
  auto writer = std::make_shared<Writer>(Writer{std::move(*db), std::move(*insert), std::move(*prune), std::nullopt});
  std::unique_ptr<MarketHistoryStore> store(new MarketHistoryStore(path, clock, options, std::move(log)));
  store->writer_.start([raw = store.get(), writer](std::vector<MarketSample>& batch) { raw->write(*writer, batch); });
  return store;
}

MarketHistoryStore::~MarketHistoryStore() { close(); }

void MarketHistoryStore::close() { writer_.close(); }

void MarketHistoryStore::on_market_sample(MarketSample sample) { writer_.push(std::move(sample)); }

Result<nlohmann::json> MarketHistoryStore::recent(std::chrono::minutes window, std::size_t max_rows) const {
  return read_market_history(path_, clock_.utc() - window, max_rows == 0 ? options_.max_recent_rows : max_rows);
}

MarketHistoryStats MarketHistoryStore::stats() const {
  std::lock_guard lock(stats_mutex_);
  MarketHistoryStats out = stats_;
  out.dropped = writer_.dropped();
  return out;
}

// The writer thread: the batch in one transaction, then the retention's prune when due.
void MarketHistoryStore::write(Writer& writer, const std::vector<MarketSample>& batch) {
  std::uint64_t rows = 0;
  Status written;
  if (!batch.empty()) {
    auto transaction = store::Transaction::begin(writer.db);
    written = transaction ? Status{} : Status(transaction.error());
    for (const MarketSample& sample : batch) {
      if (!written) break;
      const std::string ws_gap = ws_gap_json(sample).dump();
      const std::string flags = nlohmann::json(sample.breaker_flags).dump();
      for (const SymbolSample& symbol : sample.symbols) {
        written = insert_row(writer.insert, sample, symbol, ws_gap, flags);
        if (!written) break;
        ++rows;
      }
    }
    if (written) written = transaction->commit();
  }
  std::uint64_t pruned = 0;
  Status pruning;
  if (const MonoTime now = clock_.now(); !writer.pruned_at || now - *writer.pruned_at >= options_.prune_every) {
    writer.pruned_at = now;
    writer.prune.reset();
    pruning = writer.prune.bind(1, to_unix_ms(clock_.utc() - options_.retention));
    if (pruning) {
      if (auto stepped = writer.prune.step(); !stepped) pruning = stepped.error();
    }
    if (pruning) pruned = static_cast<std::uint64_t>(writer.db.changes());
  }
  std::lock_guard lock(stats_mutex_);
  stats_.rows_pruned += pruned;
  if (written) {
    stats_.samples_written += batch.size();
    stats_.rows_written += rows;
  } else {
    ++stats_.write_errors;
    stats_.last_error = written.error().message;
    log_.error("market_history_write_failed", {{"error", written.error().message}, {"samples", batch.size()}});
  }
  if (!pruning) {
    stats_.last_error = pruning.error().message;
    log_.error("market_history_prune_failed", {{"error", pruning.error().message}});
  }
}

}  // namespace propbot::history
