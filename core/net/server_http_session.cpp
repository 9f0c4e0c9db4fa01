// Structure follows Boost.Beast's example/advanced/server(_flex): one class per session,
// templated on the transport, do_x / on_x handler pairs, everything on the session's strand.
#include "core/net/server_http_session.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <optional>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/net/bearer_token.hpp"
#include "core/net/server_websocket_session.hpp"

namespace propbot::net::detail {
namespace {

namespace websocket = beast::websocket;

// After an error reply that closes the connection (413, 400, ...) the client may still
// be sending; closing with unread input makes the kernel send a RST that can destroy
// our reply before the client reads it. So we read and discard for a short while first
// (what nginx calls a lingering close).
constexpr std::chrono::milliseconds kLingerTime{2000};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// HttpSession: one TCP (or TLS) connection, one request at a time. Its slot says how it
// was admitted. A regular connection serves keep-alive requests. An overflow connection
// (admitted over a connection limit) serves one request, and only one that carries an
// `Authorization: Bearer` token (the router's guard then decides); anything else is
// answered 503 too_many_connections as soon as its header is read; the whole exchange
// stays under the header deadline. A request for a blocking route waits for a worker
// (Phase::working) without holding the server thread; the next request of the
// connection is read only once the response is written.
template <bool Tls>
class HttpSession final : public ServerSession, public std::enable_shared_from_this<HttpSession<Tls>> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<ServerState> state, ConnectionSlot slot, std::string remote_addr)
      : stream_(make_stream(std::move(socket), *state)),
        state_(std::move(state)),
        slot_(std::move(slot)),
        remote_addr_(std::move(remote_addr)) {}

  ~HttpSession() override { state_->unregister_session(id_); }

  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void run() {
    id_ = state_->register_session(this->weak_from_this());
    // Start on the session's strand: the socket was accepted on the listener's.
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_start, this->shared_from_this()));
  }

  asio::any_io_executor executor() override { return stream_.get_executor(); }

  // Posted by ServerState::begin_shutdown onto this session's strand. A session waiting
  // for a request (idle keep-alive), handshaking or draining is closed now; one whose
  // handler runs or whose response is being written closes after the write (do_read
  // checks `stopping`).
  void on_server_stop() override {
    if (phase_ == Phase::reading || phase_ == Phase::draining || phase_ == Phase::handshaking) lowest().cancel();
  }

 private:
  enum class Phase { handshaking, reading, working, writing, draining, closed, upgraded };

  // The request being answered, as the response and the access line need it.
  struct Exchange {
    unsigned version = 11;
    bool keep_alive = false;
    std::string method;
    std::string path;
  };

  static ServerStream<Tls> make_stream(tcp::socket&& socket, ServerState& state) {
    if constexpr (Tls) {
      return ServerStream<Tls>(std::move(socket), *state.tls);
    } else {
      return ServerStream<Tls>(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& options() const { return state_->options; }
  bool overflow() const { return slot_.kind() == SlotKind::overflow; }

  // The header deadline never outlasts the request timeout it is part of.
  std::chrono::milliseconds header_window() const {
    return std::min(options().header_timeout, options().request_timeout);
  }

  void do_start() {
    // One deadline covers the TLS handshake and the first request header.
    header_deadline_ = SteadyClock::now() + header_window();
    if constexpr (Tls) {
      phase_ = Phase::handshaking;
      lowest().expires_at(header_deadline_);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
    } else {
      do_read();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted && ec != asio::error::eof && ec != beast::error::timeout) {
        state_->log("api: TLS handshake from " + remote_addr_ + " failed: " + ec.message());
      }
      return do_close();
    }
    do_read();
  }

  void do_read() {
    if (state_->stopping.load()) return do_close();
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->body_limit(options().max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(options().max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    lowest().expires_at(header_deadline_);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_read_header, this->shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    started_ = SteadyClock::now();
    const auto& header = parser_->get();
    if (overflow()) {
      // The overflow slot is kept for requests that may be an operator's: anything else
      // is answered now, without reading its body. An upgrade is refused too: a stream
      // would hold the slot for its whole life.
      const auto authorization = header[http::field::authorization];
      if (websocket::is_upgrade(header) ||
          !bearer_token(std::string_view(authorization.data(), authorization.size()))) {
        return reply_and_close(too_many_connections(options(), slot_.over()), /*linger=*/!parser_->is_done());
      }
      // The body stays under the header deadline: an overflow exchange is short.
    } else {
      lowest().expires_after(options().request_timeout);
    }
    if (!parser_->is_done() && iequals(header[http::field::expect], "100-continue")) {
      // The client waits for this before sending the body (curl does for large bodies).
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      phase_ = Phase::writing;
      return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                              beast::bind_front_handler(&HttpSession::on_continue_sent, this->shared_from_this()));
    }
    read_body();
  }

  void on_continue_sent(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return do_close();
    if (state_->stopping.load()) return do_close();
    phase_ = Phase::reading;
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    handle_request(parser_->release());
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reply_error(413, "payload_too_large",
                         "request body exceeds the limit of " + std::to_string(options().max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return reply_error(431, "headers_too_large",
                         "request headers exceed the limit of " + std::to_string(options().max_header_bytes) +
                             " bytes");
    }
    if (ec != http::error::end_of_stream && ec != http::error::partial_message &&
        ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return reply_error(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    // end_of_stream (client closed between requests), timeout (no complete header within
    // the header deadline, or body within request_timeout), cancelled by stop(),
    // connection reset: nothing to answer.
    do_close();
  }

  void handle_request(http::request<http::string_body> request) {
    exchange_ = Exchange{request.version(), request.keep_alive() && !overflow(), std::string(request.method_string()), {}};
    HttpRequest api_request = to_api_request(request, remote_addr_);
    parse_target(api_request);
    exchange_.path = api_request.path;
    if (websocket::is_upgrade(request)) return do_upgrade(std::move(request), std::move(api_request));
    api_request.body = std::move(request.body());
    if (state_->workers != nullptr && state_->router->is_blocking(api_request)) {
      // The guard runs here, on the server thread: a request it refuses never takes a
      // worker or a queue slot, and no guard callback ever runs on a worker.
      std::optional<HttpResponse> denied;
      try {
        denied = state_->router->admit(api_request);
      } catch (...) {
        denied = HttpResponse::error(500, "internal", "internal error; details are in the server log");
      }
      if (denied) return on_dispatched({std::move(*denied), {}});
      return do_work(std::move(api_request));
    }
    on_dispatched(state_->dispatch(api_request));
  }

  void do_upgrade(http::request<http::string_body> request, HttpRequest api_request) {
    const WebSocketEndpoint* endpoint = state_->find_websocket(api_request.path);
    if (endpoint != nullptr && !state_->stopping.load() && !overflow()) {
      // The router's guard decides an upgrade as it decides a request (a stream under
      // /api/ui/ needs a valid token): refused, it is answered over HTTP (401, 403,
      // 429) and never upgraded; admitted, the handler sees request.principal.
      std::optional<HttpResponse> denied;
      try {
        denied = state_->router->admit(api_request);
      } catch (...) {
        denied = HttpResponse::error(500, "internal", "internal error; details are in the server log");
      }
      if (denied) {
        exchange_.keep_alive = false;
        send(std::move(*denied), /*linger=*/false);
        return;
      }
      // Hand the stream, this strand and the connection slot over; this session ends here.
      phase_ = Phase::upgraded;
      lowest().expires_never();
      state_->log("api: " + remote_addr_ + " GET " + api_request.path + " 101 websocket");
      start_websocket_session<Tls>(std::move(stream_), state_, *endpoint, remote_addr_, std::move(slot_),
                                   std::move(request), std::move(api_request));
      return;
    }
    exchange_.keep_alive = false;
    send(HttpResponse::error(404, "not_found", "no WebSocket endpoint at " + api_request.path), /*linger=*/false);
  }

  // A blocking route: park this session, queue the handler on a worker and wait; the
  // worker's result comes back through ServerState::finish_blocking onto this strand.
  void do_work(HttpRequest api_request) {
    phase_ = Phase::working;
    ParkedRequest parked{asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked),
                         [self = this->shared_from_this()](Dispatched outcome) { self->on_worked(std::move(outcome)); }};
    if (!state_->park(id_, std::move(parked))) {
      return on_dispatched({HttpResponse::error(503, "unavailable", "the server is stopping; retry later"), {}});
    }
    const bool queued = state_->workers->try_submit(
        [state = state_, id = id_, request = std::move(api_request)]() mutable {
          state->run_blocking(id, std::move(request));
        });
    if (!queued) {
      state_->unpark(id_);
      HttpResponse busy = HttpResponse::error(
          503, "busy",
          "all " + std::to_string(options().blocking_workers) + " workers for long-running requests are busy and " +
              std::to_string(options().blocking_queue) + " more requests are waiting; retry later");
      busy.headers.emplace_back("Retry-After", "1");
      on_dispatched({std::move(busy), {}});
    }
  }

  void on_worked(Dispatched outcome) {
    if (phase_ != Phase::working) return;
    on_dispatched(std::move(outcome));
  }

  void on_dispatched(Dispatched outcome) {
    if (!outcome.log_line.empty()) state_->log(outcome.log_line);
    exchange_.keep_alive = exchange_.keep_alive && !state_->stopping.load();
    send(std::move(outcome.response), /*linger=*/false);
  }

  // An error found while reading: answer and close. The request may be partly unread.
  void reply_error(int status, std::string_view code, const std::string& message) {
    reply_and_close(HttpResponse::error(status, code, message), /*linger=*/true);
  }

  // Answers the request whose header may be the only part read, then closes; `linger`
  // when input may still be on its way (see kLingerTime).
  void reply_and_close(HttpResponse response, bool linger) {
    if (started_ == SteadyClock::time_point{}) started_ = SteadyClock::now();
    exchange_ = Exchange{11, false, {}, {}};
    if (parser_ && parser_->is_header_done()) {
      exchange_.method = std::string(parser_->get().method_string());
      HttpRequest parsed;
      parsed.target = std::string(parser_->get().target());
      parse_target(parsed);
      exchange_.path = parsed.path;
    }
    send(std::move(response), linger);
  }

  void send(HttpResponse response, bool linger) {
    if (response.status < 100 || response.status > 599) {
      state_->log("api: handler for " + exchange_.method + " " + exchange_.path + " returned invalid status " +
                  std::to_string(response.status));
      response = HttpResponse::error(500, "internal", "internal error; details are in the server log");
    }
    response_ = {};
    response_.version(exchange_.version);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::server, "propbot");
    response_.set(http::field::content_type, response.content_type);
    response_.set(http::field::cache_control, "no-store");
    for (auto& [name, value] : response.headers) {
      if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
        state_->log("api: dropped header with CR/LF from " + exchange_.method + " " + exchange_.path);
        continue;
      }
      if (iequals(name, "content-length") || iequals(name, "connection") || iequals(name, "transfer-encoding")) {
        continue;  // framing is the server's business
      }
      if (iequals(name, "cache-control") || iequals(name, "content-type") || iequals(name, "server")) {
        response_.set(name, value);
      } else {
        response_.insert(name, value);
      }
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(exchange_.keep_alive);
    response_.prepare_payload();
    // HEAD (RFC 9110 9.3.2): the headers of the GET answer, Content-Length included, and
    // no body. The serializer writes the body it holds, so the body goes, the length stays.
    if (exchange_.method == "HEAD") response_.body().clear();
    close_after_write_ = !exchange_.keep_alive;
    linger_ = linger;
    log_line_ = remote_addr_ + " " + (exchange_.method.empty() ? "-" : exchange_.method) + " " +
                (exchange_.path.empty() ? "-" : exchange_.path) + " " + std::to_string(response.status) + " " +
                std::to_string(response_.body().size()) + "B";
    do_write();
  }

  void do_write() {
    phase_ = Phase::writing;
    lowest().expires_after(options().request_timeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    auto elapsed = std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
    char elapsed_text[32];
    std::snprintf(elapsed_text, sizeof elapsed_text, " %.1fms", elapsed);
    state_->log("api: " + log_line_ + elapsed_text + " conn=" + std::to_string(id_) +
                (ec ? " (write failed: " + ec.message() + ")" : ""));
    started_ = {};
    if (ec) return do_close();
    if (close_after_write_) {
      if constexpr (Tls) return do_tls_shutdown();
      return linger_ ? do_linger() : do_close();
    }
    header_deadline_ = SteadyClock::now() + header_window();  // for the next keep-alive request
    do_read();
  }

  // How long a closing connection may keep its slot to drain the client's input: an
  // overflow slot no longer than its header deadline allows.
  std::chrono::milliseconds linger_time() const {
    return std::min(kLingerTime, overflow() ? header_window() : options().request_timeout);
  }

  // TLS: send close_notify and wait (bounded) for the peer's, then close. This also
  // serves as the lingering close: the peer's remaining input is read and discarded
  // by the TLS layer while it waits.
  void do_tls_shutdown() {
    if constexpr (Tls) {
      phase_ = Phase::draining;
      lowest().expires_after(linger_time());
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->do_close(); });
    }
  }

  // See kLingerTime: half-close, then discard input until the client closes or time is up.
  void do_linger() {
    phase_ = Phase::draining;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().expires_after(linger_time());
    drain_some();
  }

  void drain_some() {
    if (!drain_buffer_) drain_buffer_ = std::make_unique<std::array<char, 16384>>();
    lowest().async_read_some(asio::buffer(*drain_buffer_),
                             beast::bind_front_handler(&HttpSession::on_drain, this->shared_from_this()));
  }

  void on_drain(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return do_close();  // EOF, timeout, stop() or reset: done either way
    drain_some();
  }

  void do_close() {
    phase_ = Phase::closed;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  ServerStream<Tls> stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerState> state_;
  ConnectionSlot slot_;  // released with the session (or handed to the WebSocket session)
  std::uint64_t id_ = 0;
  std::string remote_addr_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Exchange exchange_;
  http::response<http::string_body> response_;  // alive until its write completes
  bool close_after_write_ = false;
  bool linger_ = false;
  std::unique_ptr<std::array<char, 16384>> drain_buffer_;
  Phase phase_ = Phase::reading;
  SteadyClock::time_point header_deadline_{};  // the next request header must be complete by then
  SteadyClock::time_point started_{};
  std::string log_line_;
};

}  // namespace

void start_http_session(tcp::socket&& socket, std::shared_ptr<ServerState> state, ConnectionSlot slot,
                        std::string remote_addr) {
  if (state->tls) {
    std::make_shared<HttpSession<true>>(std::move(socket), std::move(state), std::move(slot), std::move(remote_addr))
        ->run();
  } else {
    std::make_shared<HttpSession<false>>(std::move(socket), std::move(state), std::move(slot), std::move(remote_addr))
        ->run();
  }
}

}  // namespace propbot::net::detail
