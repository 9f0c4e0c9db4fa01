// OKX v5 market data (protocols.md B5, B6; DESIGN-NOTES "Order books and streams"): one
// public WebSocket carrying, per instId, the `books` channel (400 levels, snapshot then
// 100 ms incremental updates), `mark-price` and `funding-rate`; per symbol an
// OkxBookSync (seqId/prevSeqId chain + CRC32 checksum over the strings as received)
// and a FeedHealth judged by data freshness.
//
// Book procedure per symbol:
//  - every (re)connection subscribes all channels in one message; each book is reset
//    and, if it was valid, announced invalid ("reconnect") — nothing is replayed across
//    connections, the subscription brings a fresh snapshot;
//  - the snapshot makes the book live: on_book_state(symbol, true, "resynced") once,
//    then on_book for it and for every applied update (heartbeats included);
//  - a needs_resync outcome (gap, checksum mismatch, crossed/locked, unreadable frame)
//    announces on_book_state(symbol, false, <SyncReason>) and sends unsubscribe +
//    subscribe for that book's channel on the same connection: OKX answers a subscribe
//    with a new snapshot. Updates still in flight are ignored (ignored_stale);
//  - a dropped connection announces every valid book invalid ("disconnected").
// Keepalive: WsClient sends the text "ping" after ping_interval (< 30 s, OKX drops a
// silent connection at 30 s) without a message and reconnects when no "pong" or data
// follows within pong_timeout; reconnection backs off with jitter (WsClient).
//
// Guarantees: no listener callback after stop() returns. Threads: engine thread.
// Uses WsClient, OkxBookSync, FeedHealth, parse (funding).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/md/feed_health.hpp"
#include "core/md/okx_book_sync.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::okx {

struct DataStreamOptions {
  std::string venue_id = "OKX";
  std::string ws_public_url = "wss://ws.okx.com:8443/ws/v5/public";
  std::string books_channel = "books";
  bool funding = true;  // mark-price + funding-rate
  net::TlsClientOptions tls;
  net::WsReconnectOptions reconnect;
  std::chrono::milliseconds ping_interval{20000};  // < 30 s
  std::chrono::milliseconds pong_timeout{8000};
  Nanos stale_after = std::chrono::seconds(5);
  RawMessageTap raw_tap;  // every message, before parsing (capture); may be empty
};

class DataStream {
 public:
  // `instruments`: the symbols to stream (their grids come from lotSz / tickSz).
  // Errors are reported by start().
  DataStream(boost::asio::io_context& io, const Clock& clock, std::vector<OkxInstrument> instruments,
             DataStreamOptions options, Logger logger);
  ~DataStream();
  DataStream(const DataStream&) = delete;
  DataStream& operator=(const DataStream&) = delete;

  // Connects. Errors: invalid_argument (URL, grid), config_invalid (TLS).
  Status start(MarketDataListener& listener);
  void stop();

  std::vector<md::FeedHealthView> feed_health() const;
  const md::FeedHealth* feed_health(const std::string& symbol) const;
  md::BookSyncState book_state(const std::string& symbol) const;
  std::uint64_t resubscribes() const { return resubscribes_; }
  std::uint64_t connections_opened() const;

 private:
  struct Book {
    OkxInstrument instrument;
    std::unique_ptr<md::OkxBookSync> sync;
    std::unique_ptr<md::FeedHealth> health;
    FundingInfo funding;
    bool announced_valid = false;
  };

  void on_open();
  void on_message(std::string_view text);
  void on_close(const net::WsCloseInfo& info);
  void on_event(std::string_view text);
  void handle_outcome(Book& book, md::SyncOutcome outcome);
  // Tells the listener when the book was valid (or `always`, for a sync failure).
  void announce_invalid(Book& book, std::string_view reason, bool always = false);
  void resubscribe(Book& book);
  std::string channel_arg(std::string_view channel, const std::string& inst_id) const;
  Book* book_for(std::string_view inst_id);

  boost::asio::io_context& io_;
  const Clock& clock_;
  DataStreamOptions options_;
  Logger logger_;
  std::vector<Book> books_;
  MarketDataListener* listener_ = nullptr;
  std::unique_ptr<net::WsClient> ws_;
  std::uint64_t resubscribes_ = 0;
};

// The value of the first `"key":"value"` in `text` (routing without a full parse; OKX
// pushes start with the `arg` object). Empty when absent.
std::string_view find_string_field(std::string_view text, std::string_view key);

}  // namespace propbot::venues::okx
