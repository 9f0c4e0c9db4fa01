// WsClient: an asynchronous WebSocket client (ws or wss, text messages) for venue
// streams, with a small explicit state machine, an optional application-level ping
// (OKX: send the text "ping" after N < 30 s without a message, expect "pong") and
// automatic reconnection with exponential backoff and jitter. This header includes no
// Boost: Beast/Asio live in ws_client.cpp (TOOLCHAIN.md).
//
// States:  idle --connect()--> connecting --handshake ok--> open --close()--> closing
//          connecting/open --failure or peer close--> backoff --timer--> connecting
//          (or closed, when reconnect is disabled); close() from any state -> closed.
//          closed is final.
//
// Guarantees
// - on_open is called for every successful handshake (re-send subscriptions there:
//   nothing is replayed across connections); on_close exactly once per failed attempt
//   or per ended connection, with the reason and whether a reconnect is scheduled.
// - A connection is judged by data, not by socket state (DESIGN-NOTES, "Order books and
//   streams"): last_message_at() is the arrival time of the last data message (pongs
//   excluded); with ping_text set, a connection that stays silent for ping_interval +
//   pong_timeout is torn down and reconnected. A caller should still treat a stream as
//   stale when last_message_at() is too old for its channel.
// - The backoff delay grows from initial_delay by multiplier up to max_delay, each
//   randomised by ±jitter; it is reset only when a connection delivers a data message,
//   so a server that accepts and then stays silent or drops us is not hammered.
// - Every phase is bounded: connect_timeout covers resolve, TCP, TLS and the WebSocket
//   handshake; the closing handshake is bounded by connect_timeout too.
//
// Threads: not thread-safe. Create, call and destroy it on the thread that runs the
// io_context; callbacks run on that thread, never from inside a call of this class. The
// destructor drops the connection without calling back. Callbacks may call any method
// (e.g. close() from on_message).
// Uses: tls_client, url, core/common/clock (MonoTime); Beast/Asio and OpenSSL in the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/net/tls_client.hpp"

namespace boost::asio {
class io_context;
}

namespace propbot::net {

enum class WsState { idle, connecting, open, closing, backoff, closed };
std::string_view to_string(WsState state);

struct WsCloseInfo {
  std::uint16_t code = 0;   // close code from the close frame; 0 when there was none
  std::string reason;       // close frame reason, or why the attempt/connection failed
  bool was_open = false;    // false: a connect attempt failed
  bool by_peer = false;     // the server sent the close frame
  bool will_reconnect = false;
};

struct WsReconnectOptions {
  bool enabled = true;
  std::chrono::milliseconds initial_delay{500};
  std::chrono::milliseconds max_delay{30000};
  double multiplier = 2.0;
  double jitter = 0.2;     // each delay is multiplied by a uniform factor in [1-jitter, 1+jitter]
  std::uint64_t seed = 0;  // 0 = seeded from std::random_device
};

struct WsClientOptions {
  std::string scheme = "wss";  // ws or wss
  std::string host;
  std::uint16_t port = 0;  // 0 = the scheme's default
  TlsClientOptions tls;    // used for wss
  std::vector<std::pair<std::string, std::string>> handshake_headers;
  std::chrono::milliseconds connect_timeout{10000};
  std::size_t max_message_bytes = 4 << 20;  // larger incoming message -> connection fails (1009)
  std::size_t max_queued_messages = 1024;   // outgoing; send() refuses beyond
  // Application-level keepalive; empty ping_text disables it. After ping_interval without
  // any message the client sends ping_text; when nothing arrives within pong_timeout
  // the connection is considered dead. Messages equal to pong_text are consumed.
  std::string ping_text;
  std::string pong_text = "pong";
  std::chrono::milliseconds ping_interval{20000};
  std::chrono::milliseconds pong_timeout{10000};
  WsReconnectOptions reconnect;
  std::function<void(std::string_view)> log;  // state changes and callback exceptions
};

struct WsCallbacks {
  std::function<void()> on_open;
  // `text` is valid only during the call.
  std::function<void(std::string_view text)> on_message;
  std::function<void(const WsCloseInfo&)> on_close;
};

class WsClient {
 public:
  // Errors: invalid_argument (scheme, empty host, zero limits), config_invalid (CA file).
  static Result<std::unique_ptr<WsClient>> create(boost::asio::io_context& io, WsClientOptions options,
                                                  WsCallbacks callbacks);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Starts connecting to `target` ("/ws/v5/public"); reconnects reuse it. Errors:
  // conflict unless the state is idle.
  Status connect(std::string target);

  // Queues one text message on the open connection. Errors: unavailable when not open
  // (nothing is kept for a later connection) or when max_queued_messages are waiting.
  Status send(std::string text);

  // Closing handshake with `code`/`reason`, then closed; no reconnect. Idempotent.
  void close(std::uint16_t code = 1000, std::string reason = {});

  WsState state() const;
  // Arrival time (steady clock) of the last data message; MonoTime{} before the first.
  MonoTime last_message_at() const;
  // Successful handshakes so far.
  std::uint64_t connections_opened() const;
  // Delay of the scheduled reconnect while in backoff (for status pages and tests).
  std::chrono::milliseconds current_backoff() const;

 private:
  struct Impl;
  explicit WsClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace propbot::net
