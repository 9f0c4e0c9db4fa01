// Binance USDⓈ-M market data (protocols.md A1, A7; DESIGN-NOTES "Order books and
// streams"): per symbol a local order book kept with BinanceBookSync, mark price and
// funding, and a FeedHealth judged by data freshness.
//
// Connections (routed paths, A1 — a stream on the wrong path silently delivers nothing):
//   <ws base><public_prefix>/stream?streams=<s>@depth@100ms/<s>@bookTicker/...  (books)
//   <ws base><market_prefix>/stream?streams=<s>@markPrice@1s/...                (funding)
// Both prefixes are configurable; set them empty for the legacy unrouted URLs.
//
// Book procedure per symbol: on every (re)connection of the public stream each book is
// reset and announced invalid ("reconnect"), diffs are buffered, and the REST snapshot
// GET /fapi/v1/depth?limit=N is fetched through the RestClient (its weight charged to
// the rate tracker); the sync applies it and the buffered diffs. A book is announced
// valid (on_book_state true, "resynced") when it turns live, and then every applied
// diff calls on_book; on_book_state(false, reason) is sent on each valid → invalid
// transition (reasons: the SyncReason string, "disconnected", "reconnect"). A needs_resync outcome (pu gap, crossed book, parse error)
// announces it invalid with the SyncReason and re-fetches the snapshot; consecutive
// failed snapshots back off exponentially (snapshot_retry_initial .. _max) and stop
// after snapshot_max_attempts until the next reconnection (logged as an error; the
// feed then shows stale). A refused snapshot (rate limit) waits for retry_after.
// bookTicker frames count as traffic for FeedHealth only.
//
// Guarantees: no listener callback after stop() returns. Threads: engine thread.
// Uses WsClient, RestClient, BinanceBookSync, FeedHealth, parse (mark price).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/md/binance_book_sync.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/md/feed_health.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

struct DataStreamOptions {
  std::string venue_id = "BINANCE";
  std::string ws_base_url = "wss://fstream.binance.com";
  std::string public_prefix = "/public";  // depth, bookTicker
  std::string market_prefix = "/market";  // markPrice
  std::string depth_stream_suffix = "@depth@100ms";
  std::string mark_price_suffix = "@markPrice@1s";
  bool book_ticker = true;
  int depth_limit = 1000;
  net::TlsClientOptions tls;
  net::WsReconnectOptions reconnect;
  Nanos stale_after = std::chrono::seconds(5);
  std::chrono::milliseconds snapshot_retry_initial{250};
  std::chrono::milliseconds snapshot_retry_max{30000};
  int snapshot_max_attempts = 10;
  RawMessageTap raw_tap;  // every message of both streams, before parsing (capture); may be empty
};

class DataStream {
 public:
  DataStream(boost::asio::io_context& io, const Clock& clock, RestClient& rest, std::vector<BinanceInstrument> instruments,
             DataStreamOptions options, Logger logger);
  ~DataStream();
  DataStream(const DataStream&) = delete;
  DataStream& operator=(const DataStream&) = delete;

  // Connects both streams. Errors: invalid_argument (URL), config_invalid (TLS).
  Status start(MarketDataListener& listener);
  void stop();

  std::vector<md::FeedHealthView> feed_health() const;
  md::BookSyncState book_state(const std::string& symbol) const;
  std::uint64_t snapshots_requested() const { return snapshots_requested_; }

 private:
  struct Book {
    BinanceInstrument instrument;
    std::unique_ptr<md::BinanceBookSync> sync;
    std::unique_ptr<md::FeedHealth> health;
    bool announced_valid = false;
    bool snapshot_pending = false;  // requested or scheduled
    std::uint64_t generation = 0;   // bumps on reset: late snapshots are dropped
    int attempts = 0;
  };

  void on_public_open();
  void on_public_message(std::string_view text);
  void on_public_close(const net::WsCloseInfo& info);
  void on_market_message(std::string_view text);
  void handle_outcome(Book& book, md::SyncOutcome outcome, bool from_snapshot);
  void announce_invalid(Book& book, std::string_view reason);
  void request_snapshot(Book& book, std::chrono::milliseconds delay);
  void fetch_snapshot(std::size_t index, std::uint64_t generation);
  void snapshot_failed(Book& book, std::chrono::milliseconds at_least);
  Book* book_for_stream(std::string_view stream_symbol);

  boost::asio::io_context& io_;
  const Clock& clock_;
  RestClient& rest_;
  DataStreamOptions options_;
  Logger logger_;
  std::vector<Book> books_;
  MarketDataListener* listener_ = nullptr;
  std::unique_ptr<net::WsClient> public_ws_;
  std::unique_ptr<net::WsClient> market_ws_;
  std::uint64_t snapshots_requested_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace propbot::venues::binance
