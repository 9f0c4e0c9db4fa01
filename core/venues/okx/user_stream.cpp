#include "core/venues/okx/user_stream.hpp"

#include "core/common/json_util.hpp"
#include "core/net/url.hpp"
#include "core/venues/okx/parse.hpp"

namespace propbot::venues::okx {

UserStream::UserStream(boost::asio::io_context& io, const Credentials& credentials,
                       const InstrumentTable& instruments, std::function<UtcTime()> venue_time,
                       UserStreamOptions options, Logger logger)
    : io_(io),
      signer_(credentials),
      instruments_(instruments),
      venue_time_(std::move(venue_time)),
      options_(std::move(options)),
      logger_(std::move(logger)) {}

UserStream::~UserStream() { stop(); }

Status UserStream::start(PrivateListener& listener) {
  auto url = net::parse_url(options_.ws_private_url);
  if (!url) return url.error();
  net::WsClientOptions ws_options;
  ws_options.scheme = url->scheme;
  ws_options.host = url->host;
  ws_options.port = url->port;
  ws_options.tls = options_.tls;
  ws_options.ping_text = "ping";
  ws_options.pong_text = "pong";
  ws_options.ping_interval = options_.ping_interval;
  ws_options.pong_timeout = options_.pong_timeout;
  ws_options.reconnect = options_.reconnect;
  ws_options.log = [logger = logger_](std::string_view line) { logger.debug("okx_private_ws", {{"line", line}}); };
  net::WsCallbacks callbacks;
  callbacks.on_open = [this] { on_open(); };
  callbacks.on_message = [this](std::string_view text) {
    if (options_.raw_tap) options_.raw_tap(RawChannel::private_ws, text);
    on_message(text);
  };
  callbacks.on_close = [this](const net::WsCloseInfo& info) { on_close(info); };
  auto ws = net::WsClient::create(io_, std::move(ws_options), std::move(callbacks));
  if (!ws) return ws.error();
  ws_ = std::move(ws.value());
  listener_ = &listener;
  return ws_->connect(url->target);
}

void UserStream::stop() {
  listener_ = nullptr;
  connected_ = false;
  if (ws_) {
    ws_->close();
    ws_.reset();
  }
}

void UserStream::on_open() {
  // Never logged: it carries the API key, passphrase and signature.
  (void)ws_->send(signer_.login_message(venue_time_()));
}

void UserStream::on_close(const net::WsCloseInfo& info) {
  logger_.warn("okx_private_disconnected", {{"reason", info.reason}, {"will_reconnect", info.will_reconnect}});
  if (connected_) {
    connected_ = false;
    if (listener_ != nullptr) listener_->on_private_stream(false);
  }
}

void UserStream::on_event(const nlohmann::json& event) {
  const std::string name = event.value("event", "");
  const std::string code = event.value("code", "");
  if (name == "login") {
    if (code != "0") {
      logger_.error("okx_login_failed", {{"code", code}, {"message", event.value("msg", "")}});
      return;
    }
    ++logins_;
    (void)ws_->send(
        R"({"op":"subscribe","args":[{"channel":"orders","instType":"SWAP"},{"channel":"positions","instType":"SWAP"},{"channel":"account"}]})");
    return;
  }
  if (name == "subscribe") {
    const auto arg = event.find("arg");
    if (arg != event.end() && arg->value("channel", "") == "orders" && !connected_) {
      connected_ = true;
      logger_.info("okx_private_connected", {});
      if (listener_ != nullptr) listener_->on_private_stream(true);
    }
    return;
  }
  if (name == "error") {
    logger_.error("okx_private_ws_error", {{"code", code}, {"message", event.value("msg", "")}});
    return;
  }
  if (name == "notice") logger_.warn("okx_private_ws_notice", {{"code", code}, {"message", event.value("msg", "")}});
}

void UserStream::on_message(std::string_view text) {
  if (listener_ == nullptr) return;
  auto parsed = parse_json(text);
  if (!parsed) {
    logger_.warn("okx_private_unreadable", {{"error", parsed.error().message}});
    return;
  }
  const nlohmann::json& message = parsed.value();
  if (message.contains("event")) {
    on_event(message);
    return;
  }
  const auto arg = message.find("arg");
  if (arg == message.end() || !arg->is_object()) return;
  const std::string channel = arg->value("channel", "");
  if (channel == "orders") {
    auto updates = parse_orders(message, instruments_);
    if (!updates) {
      logger_.error("okx_orders_push_unreadable", {{"error", updates.error().message}});
      return;
    }
    for (auto& update : updates.value()) {
      if (update.order.status == OrderStatus::canceled && update.cancel_source == kCancelSourcePostOnly) {
        ++post_only_rejections_;
        logger_.warn("okx_post_only_would_take", {{"client_order_id", update.order.client_order_id},
                                                  {"symbol", update.order.symbol}});
      }
      listener_->on_order_update(update.order);
      if (listener_ == nullptr) return;
      if (update.fill) listener_->on_fill(*update.fill);
      if (listener_ == nullptr) return;
    }
  } else if (channel == "positions") {
    auto positions = parse_positions(message, instruments_);
    if (!positions) {
      logger_.error("okx_positions_push_unreadable", {{"error", positions.error().message}});
      return;
    }
    for (const auto& position : positions.value()) {
      if (listener_ == nullptr) return;
      listener_->on_position(position);
    }
  } else if (channel == "account" || channel == "balance_and_position") {
    if (channel == "balance_and_position") return;  // not subscribed
    auto balances = parse_balances(message);
    if (!balances) {
      logger_.error("okx_account_push_unreadable", {{"error", balances.error().message}});
      return;
    }
    for (const auto& balance : balances.value()) {
      if (listener_ == nullptr) return;
      listener_->on_balance(balance);
    }
  }
}

}  // namespace propbot::venues::okx
