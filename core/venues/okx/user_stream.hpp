// OKX v5 private stream (protocols.md B5, B7): one WebSocket to the private URL that
// logs in (okx::RequestSigner::login_message, timestamp = venue time in seconds), then
// subscribes `orders` and `positions` (instType SWAP) and `account`, and turns the
// pushes into PrivateListener calls:
//   orders    → on_order_update for every item, then on_fill when fillSz > 0 (base
//               quantity, fee positive = paid). A post_only order that would have
//               taken arrives as canceled with cancelSource "31": it is reported as
//               OrderStatus::canceled and logged as okx_post_only_would_take (warn)
//               with its clOrdId; `post_only_rejections()` counts them;
//   positions → on_position (signed base quantity);
//   account   → on_balance per currency.
// on_private_stream(true) once the orders subscription is acknowledged on a fresh
// login; on_private_stream(false) when that connection drops. Pushes missed while it
// was down are not this unit's concern: the adapter gives it a RecoveringListener
// (core/venues/common), which turns a true after a drop into "recover by REST (fills,
// orders, positions, balances), then report true" and drops fills it already delivered,
// so the caller never reconciles by itself. Every reconnection logs in again (WsClient
// reconnects with backoff and jitter; "ping"/"pong" keepalive as on the public URL).
// A login error (60009, 60007, ...) is logged as an error; the stream then stays
// disconnected (on_private_stream not called with true) until the connection drops and
// the reconnect logs in again — fix the credentials.
//
// Guarantees: no listener callback after stop(); the login message (API key,
// passphrase, signature) is never logged. Threads: engine thread.
// Uses WsClient, RequestSigner, parse.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/okx/signing.hpp"
#include "core/venues/venue.hpp"

namespace propbot::venues::okx {

struct UserStreamOptions {
  std::string ws_private_url = "wss://ws.okx.com:8443/ws/v5/private";
  net::TlsClientOptions tls;
  net::WsReconnectOptions reconnect;
  std::chrono::milliseconds ping_interval{20000};
  std::chrono::milliseconds pong_timeout{8000};
  RawMessageTap raw_tap;  // every private message, before parsing (capture); may be empty
};

class UserStream {
 public:
  // `venue_time` gives the login timestamp (local UTC + the REST clock offset).
  UserStream(boost::asio::io_context& io, const Credentials& credentials, const InstrumentTable& instruments,
             std::function<UtcTime()> venue_time, UserStreamOptions options, Logger logger);
  ~UserStream();
  UserStream(const UserStream&) = delete;
  UserStream& operator=(const UserStream&) = delete;

  Status start(PrivateListener& listener);
  void stop();

  bool connected() const { return connected_; }
  std::uint64_t post_only_rejections() const { return post_only_rejections_; }
  std::uint64_t logins() const { return logins_; }

 private:
  void on_open();
  void on_message(std::string_view text);
  void on_close(const net::WsCloseInfo& info);
  void on_event(const nlohmann::json& event);

  boost::asio::io_context& io_;
  RequestSigner signer_;
  const InstrumentTable& instruments_;
  std::function<UtcTime()> venue_time_;
  UserStreamOptions options_;
  Logger logger_;
  PrivateListener* listener_ = nullptr;
  std::unique_ptr<net::WsClient> ws_;
  bool connected_ = false;
  std::uint64_t post_only_rejections_ = 0;
  std::uint64_t logins_ = 0;
};

}  // namespace propbot::venues::okx
