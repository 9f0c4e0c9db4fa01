// WsClient over Beast. One Connection object per attempt, held by shared_ptr in the
// completion handlers; `connection != conn` tells a completion of an abandoned
// connection to go away, so only the current connection drives the state machine.
// The read loop of an open connection is the single place that reports its end:
// write errors and ping timeouts close the socket and let the pending read fail.
#include "core/net/ws_client.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "core/net/url.hpp"

namespace propbot::net {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct Connection {
  std::unique_ptr<websocket::stream<beast::tcp_stream>> plain;
  std::unique_ptr<websocket::stream<ssl::stream<beast::tcp_stream>>> tls;
  beast::flat_buffer buffer;
  std::string failure;  // set when we tear the connection down ourselves
  // Outgoing messages live here, not in the client: a write still pending on an
  // abandoned connection keeps its buffer alive.
  std::deque<std::string> outgoing;
  bool writing = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain); }

  template <typename F>
  void visit(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  void close() {
    if (!plain && !tls) return;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }
};

}  // namespace

std::string_view to_string(WsState state) {
  switch (state) {
    case WsState::idle: return "idle";
    case WsState::connecting: return "connecting";
    case WsState::open: return "open";
    case WsState::closing: return "closing";
    case WsState::backoff: return "backoff";
    case WsState::closed: return "closed";
  }
  return "closed";
}

struct WsClient::Impl : std::enable_shared_from_this<WsClient::Impl> {
  Impl(asio::io_context& io_context, WsClientOptions client_options, WsCallbacks client_callbacks, Url client_url)
      : io(io_context),
        options(std::move(client_options)),
        callbacks(std::move(client_callbacks)),
        url(std::move(client_url)),
        resolver(io),
        connect_timer(io),
        ping_timer(io),
        reconnect_timer(io),
        random(options.reconnect.seed ? options.reconnect.seed : std::random_device{}()) {}

  asio::io_context& io;
  WsClientOptions options;
  WsCallbacks callbacks;
  Url url;
  std::unique_ptr<ssl::context> tls_context;
  tcp::resolver resolver;
  asio::steady_timer connect_timer;    // bounds resolve + TCP + TLS + WebSocket handshake
  asio::steady_timer ping_timer;       // application-level keepalive
  asio::steady_timer reconnect_timer;  // backoff
  std::mt19937_64 random;

  WsState state = WsState::idle;
  std::shared_ptr<Connection> connection;
  bool awaiting_pong = false;
  bool got_data_on_connection = false;
  bool detached = false;
  unsigned failures = 0;  // consecutive, for the backoff exponent
  std::chrono::milliseconds backoff{0};
  MonoTime last_message{};
  std::uint64_t opened = 0;

  std::string name() const { return url.scheme + "://" + url.host_header() + url.target; }

  void log(const std::string& line) const {
    if (!options.log) return;
    try {
      options.log(line);
    } catch (...) {
    }
  }

  template <typename F>
  void invoke(const char* callback, F&& call) {
    if (detached) return;
    try {
      call();
    } catch (const std::exception& error) {
      log("net: ws " + name() + " " + callback + " threw: " + error.what());
    } catch (...) {
      log("net: ws " + name() + " " + callback + " threw a non-std exception");
    }
  }

  void set_state(WsState next) {
    if (state == next) return;
    log("net: ws " + name() + " " + std::string(to_string(state)) + " -> " + std::string(to_string(next)));
    state = next;
  }

  // Connecting ---------------------------------------------------------------------
  void do_connect() {
    set_state(WsState::connecting);
    auto conn = std::make_shared<Connection>();
    connection = conn;
    connect_timer.expires_after(options.connect_timeout);
    connect_timer.async_wait([self = shared_from_this(), conn](beast::error_code ec) {
      if (ec || self->connection != conn || self->state != WsState::connecting) return;
      self->resolver.cancel();
      conn->failure = "connect timed out after " + std::to_string(self->options.connect_timeout.count()) + " ms";
      conn->close();  // the pending connect/handshake fails and reports
    });
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [self = shared_from_this(), conn](beast::error_code ec, tcp::resolver::results_type results) {
                             self->on_resolve(conn, ec, std::move(results));
                           });
  }

  bool stale(const std::shared_ptr<Connection>& conn) const { return connection != conn; }

  void connect_failed(const std::shared_ptr<Connection>& conn, const std::string& why) {
    if (stale(conn)) return;
    connect_timer.cancel();
    conn->close();
    ended(WsCloseInfo{0, conn->failure.empty() ? why : conn->failure, false, false, false});
  }

  void on_resolve(const std::shared_ptr<Connection>& conn, beast::error_code ec, tcp::resolver::results_type results) {
    if (stale(conn)) return;
    if (ec) return connect_failed(conn, "cannot resolve " + url.host + ": " + ec.message());
    if (state != WsState::connecting) return connect_failed(conn, "cancelled");
    if (tls_context) {
      conn->tls = std::make_unique<websocket::stream<ssl::stream<beast::tcp_stream>>>(io, *tls_context);
      if (Status status = configure_client_tls(conn->tls->next_layer().native_handle(), options.tls, url.host); !status) {
        return connect_failed(conn, status.error().message);
      }
    } else {
      conn->plain = std::make_unique<websocket::stream<beast::tcp_stream>>(io);
    }
    conn->lowest().async_connect(results, [self = shared_from_this(), conn](beast::error_code connect_ec,
                                                                            const tcp::endpoint&) {
      self->on_connect(conn, connect_ec);
    });
  }

  void on_connect(const std::shared_ptr<Connection>& conn, beast::error_code ec) {
    if (stale(conn)) return;
    if (ec) return connect_failed(conn, "cannot connect to " + url.host_header() + ": " + ec.message());
    if (state != WsState::connecting) return connect_failed(conn, "cancelled");
    beast::error_code ignored;
    conn->lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (!conn->tls) return do_ws_handshake(conn);
    conn->tls->next_layer().async_handshake(ssl::stream_base::client, [self = shared_from_this(), conn](beast::error_code hs_ec) {
      if (self->stale(conn)) return;
      if (hs_ec) {
        return self->connect_failed(conn, "TLS handshake with " + self->url.host_header() + " failed: " + hs_ec.message());
      }
      self->do_ws_handshake(conn);
    });
  }

  void do_ws_handshake(const std::shared_ptr<Connection>& conn) {
    conn->visit([&](auto& ws) {
      websocket::stream_base::timeout timeout{};
      timeout.handshake_timeout = options.connect_timeout;
      timeout.idle_timeout = websocket::stream_base::none();  // liveness is judged by data (ping_text)
      timeout.keep_alive_pings = false;
      ws.set_option(timeout);
      ws.read_message_max(options.max_message_bytes);
      ws.set_option(websocket::stream_base::decorator([headers = options.handshake_headers](websocket::request_type& request) {
        request.set(beast::http::field::user_agent, "propbot");
        for (const auto& [field, value] : headers) request.set(field, value);
      }));
      ws.async_handshake(url.host_header(), url.target, [self = shared_from_this(), conn](beast::error_code ec) {
        self->on_handshake(conn, ec);
      });
    });
  }

  void on_handshake(const std::shared_ptr<Connection>& conn, beast::error_code ec) {
    if (stale(conn)) return;
    if (ec) return connect_failed(conn, "WebSocket handshake with " + name() + " failed: " + ec.message());
    if (state != WsState::connecting) return connect_failed(conn, "cancelled");
    connect_timer.cancel();
    ++opened;
    got_data_on_connection = false;
    awaiting_pong = false;
    set_state(WsState::open);
    arm_ping();
    do_read(conn);
    invoke("on_open", [&] {
      if (callbacks.on_open) callbacks.on_open();
    });
  }

  // Open -------------------------------------------------------------------------
  void do_read(const std::shared_ptr<Connection>& conn) {
    conn->visit([&](auto& ws) {
      ws.async_read(conn->buffer, [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
        self->on_read(conn, ec);
      });
    });
  }

  void on_read(const std::shared_ptr<Connection>& conn, beast::error_code ec) {
    if (stale(conn)) return;
    if (ec) return on_connection_lost(conn, ec);
    std::string_view text(static_cast<const char*>(conn->buffer.data().data()), conn->buffer.size());
    const bool is_pong = !options.ping_text.empty() && text == options.pong_text;
    awaiting_pong = false;
    arm_ping();
    if (!is_pong) {
      last_message = MonoTime(std::chrono::steady_clock::now().time_since_epoch());
      if (!got_data_on_connection) {
        got_data_on_connection = true;
        failures = 0;  // this connection works: the next outage starts from initial_delay
      }
      if (state == WsState::open) {
        invoke("on_message", [&] {
          if (callbacks.on_message) callbacks.on_message(text);
        });
      }
    }
    conn->buffer.consume(conn->buffer.size());
    if (!stale(conn)) do_read(conn);
  }

  void on_connection_lost(const std::shared_ptr<Connection>& conn, beast::error_code ec) {
    WsCloseInfo info;
    info.was_open = true;
    bool closed_frame = ec == websocket::error::closed;
    conn->visit([&](auto& ws) {
      if (closed_frame) {
        info.code = static_cast<std::uint16_t>(ws.reason().code);
        info.reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
      }
    });
    info.by_peer = closed_frame && state != WsState::closing;
    if (!closed_frame) info.reason = conn->failure.empty() ? "connection lost: " + ec.message() : conn->failure;
    conn->close();
    ended(std::move(info));
  }

  void arm_ping() {
    if (options.ping_text.empty() || state != WsState::open) return;
    ping_timer.expires_after(awaiting_pong ? options.pong_timeout : options.ping_interval);
    ping_timer.async_wait([self = shared_from_this(), conn = connection](beast::error_code ec) {
      if (ec || self->stale(conn) || self->state != WsState::open) return;
      self->on_ping_timer(conn);
    });
  }

  void on_ping_timer(const std::shared_ptr<Connection>& conn) {
    if (awaiting_pong) {
      conn->failure = "no message within " + std::to_string(options.pong_timeout.count()) + " ms after '" +
                      options.ping_text + "'";
      log("net: ws " + name() + " " + conn->failure + "; dropping the connection");
      conn->close();  // the pending read fails and reports
      return;
    }
    awaiting_pong = true;
    enqueue(options.ping_text);
    arm_ping();
  }

  bool enqueue(std::string text) {
    auto& conn = *connection;
    if (conn.outgoing.size() >= options.max_queued_messages) return false;
    conn.outgoing.push_back(std::move(text));
    if (!conn.writing) do_write(connection);
    return true;
  }

  void do_write(const std::shared_ptr<Connection>& conn) {
    conn->writing = true;
    conn->visit([&](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(conn->outgoing.front()), [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
        conn->writing = false;
        conn->outgoing.pop_front();
        if (self->stale(conn)) return;
        if (ec) {
          if (conn->failure.empty()) conn->failure = "write failed: " + ec.message();
          conn->close();  // the pending read fails and reports
          return;
        }
        if (self->state == WsState::closing) return self->do_close_handshake(conn);
        if (!conn->outgoing.empty()) self->do_write(conn);
      });
    });
  }

  // Ending -------------------------------------------------------------------------
  void ended(WsCloseInfo info) {
    ping_timer.cancel();
    connect_timer.cancel();
    connection.reset();
    const bool user_closed = state == WsState::closing || state == WsState::closed;
    if (user_closed || !options.reconnect.enabled) {
      set_state(WsState::closed);
    } else {
      schedule_reconnect();
      info.will_reconnect = true;
    }
    log("net: ws " + name() + " ended (" + std::to_string(info.code) + " " + info.reason + ")" +
        (info.will_reconnect ? "; reconnecting in " + std::to_string(backoff.count()) + " ms" : ""));
    invoke("on_close", [&] {
      if (callbacks.on_close) callbacks.on_close(info);
    });
  }

  void schedule_reconnect() {
    const auto& policy = options.reconnect;
    double delay = static_cast<double>(policy.initial_delay.count()) *
                   std::pow(policy.multiplier, static_cast<double>(std::min(failures, 60u)));
    delay = std::min(delay, static_cast<double>(policy.max_delay.count()));
    if (policy.jitter > 0) {
      std::uniform_real_distribution<double> factor(1.0 - policy.jitter, 1.0 + policy.jitter);
      delay *= factor(random);
    }
    ++failures;
    backoff = std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, delay)));
    set_state(WsState::backoff);
    reconnect_timer.expires_after(backoff);
    reconnect_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->state != WsState::backoff) return;
      self->do_connect();
    });
  }

  void do_close_handshake(const std::shared_ptr<Connection>& conn) {
    conn->visit([&](auto& ws) {
      ws.async_close(close_reason, [self = shared_from_this(), conn](beast::error_code ec) {
        if (ec && !self->stale(conn)) conn->close();  // the pending read reports
      });
    });
  }

  void close(std::uint16_t code, std::string reason) {
    switch (state) {
      case WsState::idle:
      case WsState::backoff:
        reconnect_timer.cancel();
        set_state(WsState::closed);
        return;
      case WsState::connecting: {
        // The pending resolve/connect/handshake fails and reports (on_close follows).
        set_state(WsState::closed);
        connection->failure = "closed by the client while connecting";
        resolver.cancel();
        connection->close();
        return;
      }
      case WsState::open:
        set_state(WsState::closing);
        ping_timer.cancel();
        close_reason = websocket::close_reason(static_cast<websocket::close_code>(code), reason.substr(0, 123));
        if (!connection->writing) do_close_handshake(connection);
        return;
      case WsState::closing:
      case WsState::closed:
        return;
    }
  }

  void detach() {
    detached = true;
    state = WsState::closed;
    resolver.cancel();
    connect_timer.cancel();
    ping_timer.cancel();
    reconnect_timer.cancel();
    if (connection) connection->close();
    connection.reset();
  }

  websocket::close_reason close_reason;
};

Result<std::unique_ptr<WsClient>> WsClient::create(asio::io_context& io, WsClientOptions options, WsCallbacks callbacks) {
  if (options.scheme != "ws" && options.scheme != "wss") {
    return make_error(Errc::invalid_argument, "WebSocket client scheme must be ws or wss, not '" + options.scheme + "'");
  }
  if (options.host.empty()) return make_error(Errc::invalid_argument, "WebSocket client host is empty");
  if (options.max_queued_messages == 0 || options.max_message_bytes == 0) {
    return make_error(Errc::invalid_argument, "WebSocket client limits must be at least 1");
  }
  if (!options.ping_text.empty() && (options.ping_interval.count() <= 0 || options.pong_timeout.count() <= 0)) {
    return make_error(Errc::invalid_argument, "ping_interval and pong_timeout must be positive when ping_text is set");
  }
  Url url{options.scheme, options.host, options.port ? options.port : default_port(options.scheme), "/"};
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(callbacks), std::move(url));
  if (impl->url.tls()) {
    auto context = make_client_tls_context(impl->options.tls);
    if (!context) return context.error();
    impl->tls_context = std::make_unique<ssl::context>(context.value());
  }
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

WsClient::WsClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsClient::~WsClient() { impl_->detach(); }

Status WsClient::connect(std::string target) {
  if (impl_->state != WsState::idle) {
    return make_error(Errc::conflict, "WebSocket client is " + std::string(to_string(impl_->state)) +
                                          "; connect() is allowed once, from idle");
  }
  impl_->url.target = target.empty() ? "/" : std::move(target);
  impl_->do_connect();
  return {};
}

Status WsClient::send(std::string text) {
  if (impl_->state != WsState::open) {
    return make_error(Errc::unavailable, "WebSocket " + impl_->name() + " is " + std::string(to_string(impl_->state)) +
                                             "; message not sent");
  }
  if (!impl_->enqueue(std::move(text))) {
    return make_error(Errc::unavailable, "WebSocket " + impl_->name() + " send queue is full (" +
                                             std::to_string(impl_->options.max_queued_messages) + " messages)");
  }
  return {};
}

void WsClient::close(std::uint16_t code, std::string reason) { impl_->close(code, std::move(reason)); }

WsState WsClient::state() const { return impl_->state; }

MonoTime WsClient::last_message_at() const { return impl_->last_message; }

std::uint64_t WsClient::connections_opened() const { return impl_->opened; }

std::chrono::milliseconds WsClient::current_backoff() const { return impl_->backoff; }

}  // namespace propbot::net
