#include "core/venues/binance/user_stream.hpp"

#include <algorithm>

#include "core/common/json_util.hpp"
#include "core/net/url.hpp"
#include "core/venues/binance/parse.hpp"

namespace propbot::venues::binance {

UserStream::UserStream(boost::asio::io_context& io, RestClient& rest, UserStreamOptions options, Logger logger)
    : io_(io), rest_(rest), options_(std::move(options)), logger_(std::move(logger)) {}

UserStream::~UserStream() { stop(); }

Status UserStream::start(PrivateListener& listener) {
  if (listener_ != nullptr) return make_error(Errc::conflict, "Binance user stream already started");
  auto base = net::parse_url(options_.ws_base_url);
  if (!base) return base.error();
  if (options_.private_target.find("{listenKey}") == std::string::npos) {
    return make_error(Errc::invalid_argument, "private_target must contain {listenKey}");
  }
  listener_ = &listener;
  create_key();
  return {};
}

void UserStream::stop() {
  const bool was_running = listener_ != nullptr;
  listener_ = nullptr;
  ++generation_;
  connected_ = false;
  if (ws_) ws_->close(1000, "stop");
  if (was_running && !listen_key_.empty()) {
    // Best effort: closing the key ends the venue's stream.
    rest_.send(endpoints::kListenKeyClose, {}, [](VenueResult<std::string>) {});
  }
}

void UserStream::set_connected(bool connected) {
  if (connected_ == connected) return;
  connected_ = connected;
  if (listener_ != nullptr) listener_->on_private_stream(connected);
}

void UserStream::create_key() {
  if (listener_ == nullptr) return;
  const std::uint64_t generation = ++generation_;
  std::weak_ptr<bool> alive = alive_;
  rest_.send(endpoints::kListenKeyStart, {}, [this, alive, generation](VenueResult<std::string> reply) {
    if (alive.expired() || listener_ == nullptr || generation != generation_) return;
    retired_ws_.reset();  // safe here: not inside that client's callback
    if (!reply) {
      key_failed(reply.error());
      return;
    }
    auto key = parse_listen_key_text(reply.value());
    if (!key) {
      key_failed(VenueError{VenueErrc::rejected, "PARSE", key.error().message, 200, std::nullopt});
      return;
    }
    listen_key_ = std::move(key.value());
    ++keys_created_;
    key_retry_ = std::chrono::milliseconds(1000);
    renewing_ = false;
    logger_.info("binance_listen_key_created", {});
    open_connection();
    schedule_keepalive();
  });
}

void UserStream::key_failed(const VenueError& error) {
  logger_.warn("binance_listen_key_failed", {{"error", error.describe()}});
  const auto delay = std::max(key_retry_, error.retry_after.value_or(std::chrono::milliseconds(0)));
  key_retry_ = std::min(key_retry_ * 2, std::chrono::milliseconds(60000));
  std::weak_ptr<bool> alive = alive_;
  rest_.call_after(delay, [this, alive] {
    if (!alive.expired()) create_key();
  });
}

void UserStream::open_connection() {
  auto base = net::parse_url(options_.ws_base_url);
  if (!base) return;  // checked in start()
  std::string base_path = base->target == "/" ? std::string() : base->target;
  if (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  std::string target = options_.private_target;
  target.replace(target.find("{listenKey}"), std::string_view("{listenKey}").size(), listen_key_);

  net::WsClientOptions ws;
  ws.scheme = base->scheme;
  ws.host = base->host;
  ws.port = base->port;
  ws.tls = options_.tls;
  ws.reconnect = options_.reconnect;
  const std::uint64_t generation = generation_;
  std::weak_ptr<bool> alive = alive_;
  net::WsCallbacks callbacks;
  callbacks.on_open = [this, alive, generation] {
    if (alive.expired() || generation != generation_) return;
    logger_.info("binance_private_stream_open", {});
    set_connected(true);
  };
  callbacks.on_message = [this, alive, generation](std::string_view text) {
    if (alive.expired() || generation != generation_) return;
    if (options_.raw_tap) options_.raw_tap(RawChannel::private_ws, text);
    on_message(text);
  };
  callbacks.on_close = [this, alive, generation](const net::WsCloseInfo& info) {
    if (alive.expired() || generation != generation_) return;
    logger_.warn("binance_private_stream_closed", {{"reason", info.reason}, {"will_reconnect", info.will_reconnect}});
    set_connected(false);
  };
  auto client = net::WsClient::create(io_, std::move(ws), std::move(callbacks));
  if (!client) {
    logger_.error("binance_private_stream_failed", {{"error", client.error().describe()}});
    return;
  }
  if (ws_) {
    ws_->close(1000, "new listen key");
    retired_ws_ = std::move(ws_);
  }
  ws_ = std::move(client.value());
  if (auto s = ws_->connect(base_path + target); !s) {
    logger_.error("binance_private_stream_failed", {{"error", s.error().describe()}});
  }
}

void UserStream::renew(std::string_view why) {
  if (listener_ == nullptr || renewing_) return;
  renewing_ = true;
  logger_.warn("binance_listen_key_renew", {{"reason", why}});
  set_connected(false);
  if (ws_) {
    ws_->close(1000, std::string(why));
    retired_ws_ = std::move(ws_);  // may be inside its on_message: freed in create_key's reply
  }
  create_key();
}

void UserStream::schedule_keepalive() {
  const std::uint64_t generation = generation_;
  std::weak_ptr<bool> alive = alive_;
  rest_.call_after(options_.keepalive_interval, [this, alive, generation] {
    if (alive.expired() || listener_ == nullptr || generation != generation_) return;
    rest_.send(endpoints::kListenKeyKeepalive, {}, [this, alive, generation](VenueResult<std::string> reply) {
      if (alive.expired() || listener_ == nullptr || generation != generation_) return;
      if (!reply && reply.error().venue_code == "-1125") {
        renew("listen key unknown on keepalive");
        return;
      }
      if (!reply) logger_.warn("binance_listen_key_keepalive_failed", {{"error", reply.error().describe()}});
      schedule_keepalive();
    });
  });
}

void UserStream::on_message(std::string_view text) {
  if (listener_ == nullptr) return;
  auto document = parse_json(text);
  if (!document) {
    logger_.warn("binance_user_event_unreadable", {{"error", document.error().message}});
    return;
  }
  const auto& event = unwrap_stream(document.value());
  auto type = json_string(event, "e");
  if (!type) return;  // subscription replies and the like
  if (type.value() == "ORDER_TRADE_UPDATE") {
    auto update = parse_order_trade_update(event);
    if (!update) {
      logger_.error("binance_order_update_unreadable", {{"error", update.error().message}});
      return;
    }
    listener_->on_order_update(update->order);
    if (listener_ != nullptr && update->fill) listener_->on_fill(*update->fill);
  } else if (type.value() == "ACCOUNT_UPDATE") {
    auto update = parse_account_update(event);
    if (!update) {
      logger_.error("binance_account_update_unreadable", {{"error", update.error().message}});
      return;
    }
    for (const auto& balance : update->balances) {
      if (listener_ != nullptr) listener_->on_balance(balance);
    }
    for (const auto& position : update->positions) {
      if (listener_ != nullptr) listener_->on_position(position);
    }
  } else if (type.value() == "listenKeyExpired") {
    renew("listenKeyExpired");
  }
}

}  // namespace propbot::venues::binance
