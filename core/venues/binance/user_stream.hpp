// Binance USDⓈ-M user data stream (protocols.md A8): the listenKey life cycle and the
// private WebSocket, turned into PrivateListener calls.
//
//   POST /fapi/v1/listenKey (API key only) → key → WS <ws base><private target>;
//   PUT every keepalive_interval (30–50 min recommended; the key lives 60 min);
//   ORDER_TRADE_UPDATE → on_order_update, plus on_fill when x is TRADE with l > 0;
//   ACCOUNT_UPDATE → on_balance per B item, on_position per P item;
//   listenKeyExpired, or a keepalive answered -1125 → on_private_stream(false), a new
//   key, a new connection, then on_private_stream(true).
// Every open connection reports on_private_stream(true), every loss (false), once per
// transition. A failed key request is retried with backoff (1 s doubling to 60 s).
// Events missed while the stream was down are NOT this unit's concern: the adapter
// gives it a RecoveringListener (core/venues/common), which turns a true after a drop
// into "recover by REST (fills, orders, positions, balances), then report true" and
// drops fills it already delivered, so the caller never reconciles by itself.
//
// The private target is a template where {listenKey} is replaced: by default the
// routed path "/private/ws?listenKey={listenKey}&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired"
// (A1; our sources show one event only, "A/B" for several is the simulator's reading
// — use "/ws/{listenKey}" for the legacy route, which the simulator does not serve).
//
// Guarantees: no listener callback after stop() returns. Threads: engine thread.
// Uses RestClient, WsClient, parse.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::binance {

struct UserStreamOptions {
  std::string ws_base_url = "wss://fstream.binance.com";
  std::string private_target = "/private/ws?listenKey={listenKey}&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired";
  std::chrono::milliseconds keepalive_interval = std::chrono::minutes(30);
  net::TlsClientOptions tls;
  net::WsReconnectOptions reconnect;
  RawMessageTap raw_tap;  // every private message, before parsing (capture); may be empty
};

class UserStream {
 public:
  UserStream(boost::asio::io_context& io, RestClient& rest, UserStreamOptions options, Logger logger);
  ~UserStream();
  UserStream(const UserStream&) = delete;
  UserStream& operator=(const UserStream&) = delete;

  // Errors: invalid_argument (URL), conflict (already started).
  Status start(PrivateListener& listener);
  void stop();

  bool connected() const { return connected_; }
  const std::string& listen_key() const { return listen_key_; }
  std::uint64_t keys_created() const { return keys_created_; }

 private:
  void create_key();
  void key_failed(const VenueError& error);
  void open_connection();
  void on_message(std::string_view text);
  void set_connected(bool connected);
  void renew(std::string_view why);
  void schedule_keepalive();

  boost::asio::io_context& io_;
  RestClient& rest_;
  UserStreamOptions options_;
  Logger logger_;
  PrivateListener* listener_ = nullptr;
  std::unique_ptr<net::WsClient> ws_;
  std::unique_ptr<net::WsClient> retired_ws_;  // closed from its own callback; freed later
  std::string listen_key_;
  bool connected_ = false;
  bool renewing_ = false;
  std::uint64_t generation_ = 0;  // bumps on every new key
  std::uint64_t keys_created_ = 0;
  std::chrono::milliseconds key_retry_{1000};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace propbot::venues::binance
