// MarketHistoryStore: the desk's market history (SPEC S-9.6) in its own SQLite
// database, <data dir>/market_history/market_history.sqlite (WAL, synchronous=NORMAL:
// a power cut may lose the last samples, never corrupt the file), one row per sample
// per symbol. Written by the store's own writer thread; read by anyone through
// recent() (forensic bundles: "the last N minutes of market history").
//
// Guarantees:
// - on_market_sample() never blocks its caller (the engine thread): samples go through
//   a WriterThread's DropOldestQueue of `queue_capacity`; when the writer falls behind the oldest
//   samples are dropped and counted (stats().dropped).
// - Retention: rows older than `retention` are deleted by the writer every
//   `prune_every` (and once at open), so the table holds at most retention ÷ interval
//   samples × symbols rows plus one pruning period's.
// - recent() returns at most `max_rows` rows (newest kept when more match), oldest first.
// - The directory is made 0700 and the database file 0600.
//
// Table market_history(ts_ms, ts, symbol, spread_bps, spread_pair, std_spread_bps,
// venues_json, ws_gap_p95_json, hedge_latency_p95_ms, breaker_flags_json); the
// desk-wide columns repeat on each symbol's row of one sample.
//
// Threads: on_market_sample() and stats() from any thread; recent() from any thread on
// its own read-only connection (blocks on disk: not on the engine thread). close()
// (or the destructor) drains the queue and joins the writer. Uses core/store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/history/market_sample.hpp"
#include "core/history/writer_thread.hpp"

namespace propbot::history {

inline constexpr std::string_view kMarketHistoryDir = "market_history";
inline constexpr std::string_view kMarketHistoryFile = "market_history.sqlite";

struct MarketHistoryOptions {
  std::chrono::hours retention{72};             // market_history.retention_h
  std::chrono::minutes prune_every{10};
  std::size_t queue_capacity = 1024;            // samples waiting for the writer
  std::size_t max_recent_rows = 20'000;         // recent()'s default bound
};

struct MarketHistoryStats {
  std::uint64_t samples_written = 0;
  std::uint64_t rows_written = 0;
  std::uint64_t dropped = 0;       // samples the queue dropped (writer behind, or closed)
  std::uint64_t write_errors = 0;  // batches that failed (their samples are lost)
  std::uint64_t rows_pruned = 0;
  std::string last_error;
};

// <data_dir>/market_history/market_history.sqlite
std::string market_history_path(const std::string& data_dir);

// Rows of the database at `path` with ts >= since (at most max_rows, the newest), oldest
// first, as [{"ts", "ts_ms", "symbol", "spread_bps", "spread_pair", "std_spread_bps",
// "venues": {...}, "ws_gap_p95_ms": {...}, "hedge_latency_p95_ms", "breaker_flags": [...]}].
// Opens its own read-only connection. Errors: not_found (no database yet), store_error.
Result<nlohmann::json> read_market_history(const std::string& path, UtcTime since, std::size_t max_rows);

class MarketHistoryStore final : public MarketSampleSink {
 public:
  // Creates the directory and the database (idempotent) and starts the writer. Errors:
  // io_error / permission_denied (directory), store_error (database).
  static Result<std::unique_ptr<MarketHistoryStore>> open(const std::string& data_dir, const Clock& clock,
                                                          MarketHistoryOptions options, Logger log);
  ~MarketHistoryStore() override;
  MarketHistoryStore(const MarketHistoryStore&) = delete;
  MarketHistoryStore& operator=(const MarketHistoryStore&) = delete;

  // MarketSampleSink: queues the sample; never blocks.
  void on_market_sample(MarketSample sample) override;

  // The last `window` of history (see read_market_history), at most `max_rows`
  // (0: options.max_recent_rows). Samples still queued are not included.
  Result<nlohmann::json> recent(std::chrono::minutes window, std::size_t max_rows = 0) const;

  MarketHistoryStats stats() const;
  const std::string& path() const { return path_; }

  // Writes what is queued, stops the writer. Idempotent.
  void close();

 private:
  struct Writer;
  MarketHistoryStore(std::string path, const Clock& clock, MarketHistoryOptions options, Logger log);
  void write(Writer& writer, const std::vector<MarketSample>& batch);

  std::string path_;
  const Clock& clock_;
  MarketHistoryOptions options_;
  Logger log_;
  mutable std::mutex stats_mutex_;
  MarketHistoryStats stats_;
  WriterThread<MarketSample> writer_;  // last: its thread stops first
};

}  // namespace propbot::history
