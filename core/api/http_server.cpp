// The only translation unit of core/api that includes Beast/Asio. Structure follows
// Boost.Beast's example/advanced/server: a Listener accepts, one HttpSession per
// connection reads a request, dispatches it to the Router, writes the response, and
// reads the next one (keep-alive). Each session runs on its own strand; today a single
// thread runs the io_context, the strands keep the code correct if that changes.
#include "core/api/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace propbot::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// After an error reply that closes the connection (413, 400, ...) the client may still
// be sending; closing with unread input makes the kernel send a RST that can destroy
// our reply before the client reads it. So we read and discard for a short while first
// (what nginx calls a lingering close).
constexpr std::chrono::milliseconds kLingerTime{2000};
// How long stop() waits for in-flight requests before dropping connections.
constexpr std::chrono::milliseconds kStopGrace{2000};
// Connections beyond max_connections that are still being answered 503; beyond this
// many more, new connections are closed without an answer.
constexpr std::size_t kMaxRejecting = 64;
// Pause after a failed accept (e.g. EMFILE) so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

std::string endpoint_text(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// State shared by the listener, every session and the owning HttpServer. Sessions
// register themselves so that stop() can reach the idle ones.
class HttpSession;
struct ServerState {
  HttpServerOptions options;
  std::shared_ptr<const Router> router;

  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> active{0};     // sessions counted against max_connections
  std::atomic<std::size_t> rejecting{0};  // sessions being answered 503

  std::mutex mutex;  // guards sessions and next_id
  std::unordered_map<std::uint64_t, std::weak_ptr<HttpSession>> sessions;
  std::uint64_t next_id = 1;  // 0 = not registered

  void log(std::string_view line) const {
    if (!options.log) return;
    try {
      options.log(line);
    } catch (...) {
      // A failing log sink must not take the server down.
    }
  }

  void begin_shutdown();
};

// ---------------------------------------------------------------------------------
// HttpSession: one TCP connection, one request at a time.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `rejected`: the server is at max_connections; answer 503 and close.
  HttpSession(tcp::socket&& socket, std::shared_ptr<ServerState> state, bool rejected)
      : stream_(std::move(socket)), state_(std::move(state)), rejected_(rejected) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_addr_ = remote.address().to_string();
    (rejected_ ? state_->rejecting : state_->active).fetch_add(1);
  }

  ~HttpSession() {
    (rejected_ ? state_->rejecting : state_->active).fetch_sub(1);
    if (id_ == 0) return;
    std::lock_guard lock(state_->mutex);
    state_->sessions.erase(id_);
  }

  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void run() {
    {
      std::lock_guard lock(state_->mutex);
      id_ = state_->next_id++;
      state_->sessions.emplace(id_, weak_from_this());
    }
    // Start on the session's strand: the socket was accepted on the listener's.
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  // Posted by ServerState::begin_shutdown onto this session's strand. A session waiting
  // for a request (idle keep-alive) or draining is closed now; one writing a response
  // closes after the write (do_read checks `stopping`).
  void on_server_stop() {
    if (phase_ == Phase::reading || phase_ == Phase::draining) stream_.cancel();
  }

 private:
  enum class Phase { reading, writing, draining, closed };

  void do_read() {
    if (state_->stopping.load()) return do_close();
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(state_->options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    stream_.expires_after(state_->options.request_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_read_header, shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    started_ = Clock::now();
    const auto& header = parser_->get();
    if (!rejected_ && !parser_->is_done() && iequals(header[http::field::expect], "100-continue")) {
      // The client waits for this before sending the body (curl does for large bodies).
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      phase_ = Phase::writing;
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              beast::bind_front_handler(&HttpSession::on_continue_sent, shared_from_this()));
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
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    handle_request(parser_->release());
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reply_error(413, "payload_too_large",
                         "request body exceeds the limit of " + std::to_string(state_->options.max_body_bytes) +
                             " bytes");
    }
    if (ec == http::error::header_limit) {
      return reply_error(431, "headers_too_large",
                         "request headers exceed the limit of " + std::to_string(state_->options.max_header_bytes) +
                             " bytes");
    }
    if (ec != http::error::end_of_stream && ec != http::error::partial_message &&
        ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return reply_error(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    // end_of_stream (client closed between requests), timeout, cancelled by stop(),
    // connection reset: nothing to answer.
    do_close();
  }

  void handle_request(http::request<http::string_body> request) {
    HttpResponse response;
    bool keep_alive = request.keep_alive();
    std::string method(request.method_string());
    std::string target(request.target());
    HttpRequest api_request;
    if (rejected_) {
      keep_alive = false;
      response = HttpResponse::error(503, "too_many_connections",
                                     "the server has reached its limit of " +
                                         std::to_string(state_->options.max_connections) +
                                         " connections; retry later");
      response.headers.emplace_back("Retry-After", "1");
    } else if (beast::websocket::is_upgrade(request)) {
      // Seam for the WebSocket stream (SPEC S-11.6): when WebSocketSession exists,
      // look the target up and hand the connection over instead of answering here:
      //   std::make_shared<WebSocketSession>(stream_.release_socket(), ...)->run(std::move(request));
      //   return;
      keep_alive = false;
      api_request.target = target;
      parse_target(api_request);
      response = HttpResponse::error(404, "not_found", "no WebSocket endpoint at " + api_request.path);
    } else {
      api_request.method = method;
      api_request.target = target;
      api_request.remote_addr = remote_addr_;
      for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto [it, inserted] = api_request.headers.emplace(std::move(name), std::string(field.value()));
        if (!inserted) it->second.append(", ").append(field.value());
      }
      api_request.body = std::move(request.body());
      try {
        response = state_->router->dispatch(api_request);
      } catch (const std::exception& error) {
        state_->log(std::string("api: dispatch of ") + method + " " + api_request.path + " threw: " + error.what());
        response = HttpResponse::error(500, "internal", "internal error; details are in the server log");
      } catch (...) {
        state_->log("api: dispatch of " + method + " " + api_request.path + " threw a non-std exception");
        response = HttpResponse::error(500, "internal", "internal error; details are in the server log");
      }
    }
    if (api_request.path.empty()) {
      api_request.target = target;
      parse_target(api_request);
    }
    send(std::move(response), request.version(), keep_alive && !state_->stopping.load(), method, api_request.path,
         /*linger=*/false);
  }

  // An error found while reading: answer and close. The request may be partly unread.
  void reply_error(int status, std::string_view code, const std::string& message) {
    if (started_ == Clock::time_point{}) started_ = Clock::now();
    std::string method, path;
    if (parser_ && parser_->is_header_done()) {
      method = std::string(parser_->get().method_string());
      HttpRequest parsed;
      parsed.target = std::string(parser_->get().target());
      parse_target(parsed);
      path = parsed.path;
    }
    send(HttpResponse::error(status, code, message), 11, /*keep_alive=*/false, method, path, /*linger=*/true);
  }

  void send(HttpResponse response, unsigned version, bool keep_alive, const std::string& method,
            const std::string& path, bool linger) {
    if (response.status < 100 || response.status > 599) {
      state_->log("api: handler for " + method + " " + path + " returned invalid status " +
                  std::to_string(response.status));
      response = HttpResponse::error(500, "internal", "internal error; details are in the server log");
    }
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::server, "propbot");
    response_.set(http::field::content_type, response.content_type);
    response_.set(http::field::cache_control, "no-store");
    for (auto& [name, value] : response.headers) {
      if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
        state_->log("api: dropped header with CR/LF from " + method + " " + path);
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
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    close_after_write_ = !keep_alive;
    linger_ = linger;
    log_line_ = remote_addr_ + " " + (method.empty() ? "-" : method) + " " + (path.empty() ? "-" : path) + " " +
                std::to_string(response.status) + " " + std::to_string(response_.body().size()) + "B";
    do_write();
  }

  void do_write() {
    phase_ = Phase::writing;
    stream_.expires_after(state_->options.request_timeout);
    http::async_write(stream_, response_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    char elapsed_text[32];
    std::snprintf(elapsed_text, sizeof elapsed_text, " %.1fms", elapsed);
    state_->log("api: " + log_line_ + elapsed_text + (ec ? " (write failed: " + ec.message() + ")" : ""));
    started_ = {};
    if (ec) return do_close();
    if (close_after_write_) return linger_ ? do_linger() : do_close();
    do_read();
  }

  // See kLingerTime: half-close, then discard input until the client closes or time is up.
  void do_linger() {
    phase_ = Phase::draining;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::milliseconds>(kLingerTime, state_->options.request_timeout));
    drain_some();
  }

  void drain_some() {
    if (!drain_buffer_) drain_buffer_ = std::make_unique<std::array<char, 16384>>();
    stream_.async_read_some(net::buffer(*drain_buffer_),
                            beast::bind_front_handler(&HttpSession::on_drain, shared_from_this()));
  }

  void on_drain(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return do_close();  // EOF, timeout, stop() or reset: done either way
    drain_some();
  }

  void do_close() {
    phase_ = Phase::closed;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<ServerState> state_;
  bool rejected_;
  std::uint64_t id_ = 0;
  std::string remote_addr_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;  // alive until its write completes
  bool close_after_write_ = false;
  bool linger_ = false;
  std::unique_ptr<std::array<char, 16384>> drain_buffer_;
  Phase phase_ = Phase::reading;
  Clock::time_point started_{};
  std::string log_line_;
};

void ServerState::begin_shutdown() {
  std::vector<std::shared_ptr<HttpSession>> alive;
  {
    std::lock_guard lock(mutex);
    stopping.store(true);
    for (auto& [id, weak] : sessions) {
      if (auto session = weak.lock()) alive.push_back(std::move(session));
    }
  }
  // Outside the lock: a session destroyed here erases itself under the same mutex.
  for (auto& session : alive) {
    auto executor = session->executor();
    net::post(executor, [session = std::move(session)] { session->on_server_stop(); });
  }
}


// ---------------------------------------------------------------------------------
// Listener: accepts connections and starts a session for each.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, std::shared_ptr<ServerState> state)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_timer_(acceptor_.get_executor()), state_(std::move(state)) {}

  // Synchronous, on the caller of HttpServer::start() before the server thread exists.
  Status listen(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return make_error(Errc::io_error, "cannot listen on " + endpoint_text(endpoint) + ": " + ec.message());
    }
    return {};
  }

  tcp::endpoint local_endpoint() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec);
  }

  void run() { net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&Listener::do_accept, shared_from_this())); }

  void stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open()) return;
    // Each connection gets its own strand.
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
    if (ec) {
      state_->log("api: accept failed: " + ec.message());
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    if (!state_->stopping.load()) {
      bool rejected = state_->active.load() >= state_->options.max_connections;
      if (!rejected || state_->rejecting.load() < kMaxRejecting) {
        std::make_shared<HttpSession>(std::move(socket), state_, rejected)->run();
      }
      // else: far over the limit; the socket closes when it goes out of scope.
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace

// ---------------------------------------------------------------------------------
struct HttpServer::Impl {
  std::shared_ptr<ServerState> state = std::make_shared<ServerState>();
  net::io_context ioc;
  std::shared_ptr<Listener> listener;  // after ioc: its acceptor must die first
  std::thread thread;
  std::promise<void> finished;
  std::future<void> finished_future = finished.get_future();
  std::atomic<std::uint16_t> port{0};
  std::string bound_address;
  bool started = false;
  std::atomic<bool> shutdown_requested{false};

  void run_thread() {
    // Handlers catch everything already; this loop is the last line (STYLE: a
    // long-running loop reports and continues, it never dies silently).
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& error) {
        state->log(std::string("api: server loop error: ") + error.what());
      } catch (...) {
        state->log("api: server loop error: non-std exception");
      }
    }
    finished.set_value();
  }
};

HttpServer::HttpServer(HttpServerOptions options, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>()) {
  impl_->state->options = std::move(options);
  impl_->state->router = std::move(router);
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& impl = *impl_;
  const HttpServerOptions& options = impl.state->options;
  if (impl.started) return make_error(Errc::conflict, "HTTP server already started (a server is started once)");
  if (!impl.state->router) return make_error(Errc::invalid_argument, "HTTP server has no router");
  if (options.max_connections == 0) return make_error(Errc::invalid_argument, "max_connections must be at least 1");

  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(options.bind, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(impl.ioc);
    auto results = resolver.resolve(options.bind, std::to_string(options.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return make_error(Errc::invalid_argument, "cannot resolve bind address '" + options.bind + "'" +
                                                    (ec ? ": " + ec.message() : std::string{}));
    }
    endpoint = results.begin()->endpoint();
  }

  auto listener = std::make_shared<Listener>(impl.ioc, impl.state);
  if (Status status = listener->listen(endpoint); !status) return status;
  tcp::endpoint local = listener->local_endpoint();
  impl.port.store(local.port());
  impl.bound_address = local.address().to_string();
  impl.listener = std::move(listener);
  impl.listener->run();
  impl.started = true;
  impl.thread = std::thread([&impl] { impl.run_thread(); });
  impl.state->log("api: listening on " + endpoint_text(local));
  return {};
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

std::string HttpServer::bind_address() const { return impl_->bound_address; }

void HttpServer::stop() {
  Impl& impl = *impl_;
  if (!impl.started || !impl.thread.joinable()) return;
  if (!impl.shutdown_requested.exchange(true)) {
    net::post(impl.ioc, [state = impl.state, listener = impl.listener] {
      listener->stop();
      state->begin_shutdown();
    });
  }
  // From a handler the thread cannot join itself: the shutdown is under way and the
  // owner's later stop() (or the destructor) joins.
  if (std::this_thread::get_id() == impl.thread.get_id()) return;
  if (impl.finished_future.wait_for(kStopGrace) == std::future_status::timeout) {
    impl.state->log("api: stop: requests still in flight after " + std::to_string(kStopGrace.count()) +
                    " ms; dropping their connections");
    impl.ioc.stop();
  }
  impl.thread.join();
  impl.state->log("api: stopped");
}

}  // namespace propbot::api
