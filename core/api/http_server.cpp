// The only translation unit of core/api that includes Beast/Asio. Structure follows
// Boost.Beast's example/advanced/server(_flex): a Listener accepts, one HttpSession per
// connection reads a request, dispatches it to the Router, writes the response, and
// reads the next one (keep-alive); an upgrade to a registered WebSocket path hands the
// stream over to a WebSocketStreamSession. Sessions are templates on the transport
// (plain TCP or TLS) so that one body of code serves both. Each session runs on its own
// strand; today a single thread runs the io_context, the strands keep the code correct
// if that changes (and WebSocketSession::send() from other threads posts to them).
#include "core/api/http_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>

#include "core/api/access_guard.hpp"
#include "core/api/worker_pool.hpp"

namespace propbot::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// After an error reply that closes the connection (413, 400, ...) the client may still
// be sending; closing with unread input makes the kernel send a RST that can destroy
// our reply before the client reads it. So we read and discard for a short while first
// (what nginx calls a lingering close).
constexpr std::chrono::milliseconds kLingerTime{2000};
// How long stop() waits for in-flight requests before dropping connections.
constexpr std::chrono::milliseconds kStopGrace{2000};
// Pause after a failed accept (e.g. EMFILE) so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
// RFC 6455 5.5: a control frame payload is at most 125 bytes, 2 of them the code.
constexpr std::size_t kMaxCloseReasonBytes = 123;

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

// The address a connection is counted under: the IPv4 address (also when it arrives
// IPv4-mapped on an IPv6 socket), or the /64 prefix of an IPv6 address: one IPv6 host
// holds a whole /64, so counting single IPv6 addresses would limit nothing.
// The admission key of a peer: access.hpp's client_key, the same rule the lockout uses.
std::string address_key(const net::ip::address& address) { return client_key(address.to_string()); }

// Which limit a connection is over (the 503 message names it).
enum class OverLimit { none, server, address };
enum class SlotKind { regular, overflow };

class Admission;

// One admitted connection's place in the counts: released when destroyed (from any
// thread). Move-only; an HttpSession hands it to the WebSocket session it upgrades to.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(std::shared_ptr<Admission> admission, std::string key, SlotKind kind, OverLimit over)
      : admission_(std::move(admission)), key_(std::move(key)), kind_(kind), over_(over) {}
  ~ConnectionSlot() { release(); }
  ConnectionSlot(ConnectionSlot&& other) noexcept { *this = std::move(other); }
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
      release();
      admission_ = std::move(other.admission_);
      key_ = std::move(other.key_);
      kind_ = other.kind_;
      over_ = other.over_;
    }
    return *this;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  SlotKind kind() const { return kind_; }
  OverLimit over() const { return over_; }  // for an overflow slot: the limit it is over

 private:
  void release();

  std::shared_ptr<Admission> admission_;  // empty once released or moved from
  std::string key_;
  SlotKind kind_ = SlotKind::regular;
  OverLimit over_ = OverLimit::none;
};

// Counts connections per address key and kind against the limits of HttpServerOptions.
// admit() runs on the listener; slots are released from any thread (a session can end
// on the owner's thread at stop), hence the mutex. The table holds only addresses with
// a live connection, so it is bounded by max_connections + overflow_connections.
class Admission : public std::enable_shared_from_this<Admission> {
 public:
  explicit Admission(const HttpServerOptions& options)
      : max_connections_(options.max_connections),
        max_per_address_(options.max_connections_per_address),
        max_overflow_(options.overflow_connections),
        max_overflow_per_address_(options.overflow_per_address) {}

  struct Decision {
    std::optional<ConnectionSlot> slot;  // empty: refuse now
    OverLimit over = OverLimit::none;
  };

  // A regular slot when under both limits; over one of them, an overflow slot while the
  // overflow pool has room overall and for this address; otherwise none.
  Decision admit(const std::string& key) {
    std::lock_guard lock(mutex_);
    Counts& counts = by_address_[key];
    Decision decision;
    decision.over = regular_ >= max_connections_      ? OverLimit::server
                    : counts.regular >= max_per_address_ ? OverLimit::address
                                                         : OverLimit::none;
    if (decision.over == OverLimit::none) {
      ++regular_;
      ++counts.regular;
      decision.slot.emplace(shared_from_this(), key, SlotKind::regular, OverLimit::none);
    } else if (overflow_ < max_overflow_ && counts.overflow < max_overflow_per_address_) {
      ++overflow_;
      ++counts.overflow;
      decision.slot.emplace(shared_from_this(), key, SlotKind::overflow, decision.over);
    } else if (counts.regular == 0 && counts.overflow == 0) {
      by_address_.erase(key);
    }
    return decision;
  }

  void release(const std::string& key, SlotKind kind) {
    std::lock_guard lock(mutex_);
    auto it = by_address_.find(key);
    if (it == by_address_.end()) return;
    Counts& counts = it->second;
    if (kind == SlotKind::regular) {
      --regular_;
      --counts.regular;
    } else {
      --overflow_;
      --counts.overflow;
    }
    if (counts.regular == 0 && counts.overflow == 0) by_address_.erase(it);
  }

 private:
  struct Counts {
    std::size_t regular = 0;
    std::size_t overflow = 0;
  };

  const std::size_t max_connections_;
  const std::size_t max_per_address_;
  const std::size_t max_overflow_;
  const std::size_t max_overflow_per_address_;
  std::mutex mutex_;
  std::unordered_map<std::string, Counts> by_address_;
  std::size_t regular_ = 0;
  std::size_t overflow_ = 0;
};

void ConnectionSlot::release() {
  if (!admission_) return;
  admission_->release(key_, kind_);
  admission_.reset();
}

// The 503 too_many_connections answer for `over` (and its wire form for refusals that
// cannot afford a session).
HttpResponse too_many_connections(const HttpServerOptions& options, OverLimit over) {
  HttpResponse response = HttpResponse::error(
      503, "too_many_connections",
      over == OverLimit::address
          ? "the server has reached its limit of " + std::to_string(options.max_connections_per_address) +
                " connections from one address; retry later"
          : "the server has reached its limit of " + std::to_string(options.max_connections) +
                " connections; retry later");
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

std::string canned_response(const HttpResponse& response) {
  std::string wire = "HTTP/1.1 " + std::to_string(response.status) + " Service Unavailable\r\n" +
                     "Server: propbot\r\nContent-Type: " + response.content_type +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) wire += name + ": " + value + "\r\n";
  wire += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
  return wire;
}

// The outcome of running a route: the response, and a line for the server log when the
// dispatch itself failed (written on the server thread, whoever ran the handler).
struct Dispatched {
  HttpResponse response;
  std::string log_line;
};

// A blocking request waiting for its worker: how to resume its session. `executor` is
// the session's strand with outstanding work tracked, so the io_context (and stop()'s
// graceful wait) keeps running until the response is written.
struct ParkedRequest {
  net::any_io_executor executor;
  std::function<void(Dispatched)> resume;
};

// What ServerState keeps of every live session: enough for stop() to reach it.
class ServerSession {
 public:
  virtual ~ServerSession() = default;
  virtual net::any_io_executor executor() = 0;
  // Posted onto the session's strand by begin_shutdown().
  virtual void on_server_stop() = 0;
  // Called on the owner's thread after the server thread has ended, for sessions that
  // were cut off by the stop grace limit.
  virtual void on_server_abandoned() {}
};

struct WebSocketEndpoint {
  WebSocketHandler handler;
  WebSocketOptions options;
};

// State shared by the listener, every session and the owning HttpServer. Sessions
// register themselves so that stop() can reach the idle ones.
struct ServerState {
  HttpServerOptions options;
  std::shared_ptr<const Router> router;
  std::unique_ptr<ssl::context> tls;  // set by start() when options.tls
  // Immutable once started: sessions read it without a lock.
  std::unordered_map<std::string, WebSocketEndpoint> websockets;
  // "/ws/*" registrations, stored as "/ws/" (the prefix), longest first.
  std::vector<std::pair<std::string, WebSocketEndpoint>> websocket_prefixes;

  // The exact path's endpoint, else the longest prefix followed by one non-empty segment.
  const WebSocketEndpoint* find_websocket(const std::string& path) const {
    if (auto it = websockets.find(path); it != websockets.end()) return &it->second;
    for (const auto& [prefix, endpoint] : websocket_prefixes) {
      if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
          path.find('/', prefix.size()) == std::string::npos) {
        return &endpoint;
      }
    }
    return nullptr;
  }

  std::atomic<bool> stopping{false};
  std::shared_ptr<Admission> admission;  // set by start()
  // The canned 503 for a refused plain-TCP connection, per OverLimit (server, address).
  std::string refusal_server_full;
  std::string refusal_address_full;
  // Runs blocking routes; owned by HttpServer::Impl (never by this state: a worker may
  // hold the last reference to it). Null without blocking routes. Used on the server
  // thread only, while it runs.
  WorkerPool* workers = nullptr;

  // Blocking requests waiting for their worker, by session id. A worker hands its result
  // back through finish_blocking(), which posts onto the io_context only while
  // `results_open`: stop() closes it (and drops what is parked) before the io_context
  // is destroyed, so a worker that finishes later touches nothing of the server but this.
  std::mutex parked_mutex;
  bool results_open = true;
  std::unordered_map<std::uint64_t, ParkedRequest> parked;

  std::mutex mutex;  // guards sessions and next_id
  std::unordered_map<std::uint64_t, std::weak_ptr<ServerSession>> sessions;
  std::uint64_t next_id = 1;  // 0 = not registered

  void log(std::string_view line) const {
    if (!options.log) return;
    try {
      options.log(line);
    } catch (...) {
      // A failing log sink must not take the server down.
    }
  }

  std::uint64_t register_session(std::weak_ptr<ServerSession> session) {
    std::lock_guard lock(mutex);
    std::uint64_t id = next_id++;
    sessions.emplace(id, std::move(session));
    return id;
  }

  void unregister_session(std::uint64_t id) {
    if (id == 0) return;
    std::lock_guard lock(mutex);
    sessions.erase(id);
  }

  std::vector<std::shared_ptr<ServerSession>> live_sessions() {
    std::vector<std::shared_ptr<ServerSession>> alive;
    std::lock_guard lock(mutex);
    for (auto& [id, weak] : sessions) {
      if (auto session = weak.lock()) alive.push_back(std::move(session));
    }
    return alive;
  }

  void begin_shutdown();

  // Runs the router on `request` (all of it, or only what follows admission when
  // `admitted`); never throws.
  Dispatched dispatch(HttpRequest& request, bool admitted = false) const {
    Dispatched outcome;
    try {
      outcome.response = admitted ? router->dispatch_admitted(request) : router->dispatch(request);
    } catch (const std::exception& error) {
      outcome.log_line = "api: dispatch of " + request.method + " " + request.path + " threw: " + error.what();
    } catch (...) {
      outcome.log_line = "api: dispatch of " + request.method + " " + request.path + " threw a non-std exception";
    }
    if (!outcome.log_line.empty()) {
      outcome.response = HttpResponse::error(500, "internal", "internal error; details are in the server log");
    }
    return outcome;
  }

  // Worker thread: the job of one blocking request. A request still queued when stop()
  // began is answered without running its handler.
  void run_blocking(std::uint64_t session_id, HttpRequest request) {
    Dispatched outcome;
    if (stopping.load()) {
      outcome.response = HttpResponse::error(503, "unavailable", "the server is stopping; retry later");
    } else {
      outcome = dispatch(request, /*admitted=*/true);
    }
    finish_blocking(session_id, std::move(outcome));
  }

  bool park(std::uint64_t session_id, ParkedRequest request) {
    std::lock_guard lock(parked_mutex);
    if (!results_open) return false;
    return parked.emplace(session_id, std::move(request)).second;
  }

  std::optional<ParkedRequest> unpark(std::uint64_t session_id) {
    std::lock_guard lock(parked_mutex);
    auto it = parked.find(session_id);
    if (it == parked.end()) return std::nullopt;
    ParkedRequest request = std::move(it->second);
    parked.erase(it);
    return request;
  }

  // Any thread. Everything touching the io_context happens under the lock, while stop()
  // cannot have closed the results (and so cannot have destroyed the io_context).
  void finish_blocking(std::uint64_t session_id, Dispatched outcome) {
    std::lock_guard lock(parked_mutex);
    if (!results_open) return;  // the server is gone: nobody to answer
    auto it = parked.find(session_id);
    if (it == parked.end()) return;
    ParkedRequest request = std::move(it->second);
    parked.erase(it);
    net::any_io_executor executor = request.executor;
    net::post(executor, [request = std::move(request), outcome = std::move(outcome)]() mutable {
      request.resume(std::move(outcome));
    });
  }

  // Owner thread, after the server thread has ended and before the io_context is
  // destroyed: no result is delivered any more; parked sessions are released here.
  void close_results() {
    std::unordered_map<std::uint64_t, ParkedRequest> abandoned;
    {
      std::lock_guard lock(parked_mutex);
      results_open = false;
      abandoned.swap(parked);
    }
    // Outside the lock: a session's destructor takes other locks.
  }
};

template <bool Tls>
using ServerStream = std::conditional_t<Tls, ssl::stream<beast::tcp_stream>, beast::tcp_stream>;

HttpRequest to_api_request(const http::request<http::string_body>& request, const std::string& remote_addr) {
  HttpRequest api_request;
  api_request.method = std::string(request.method_string());
  api_request.target = std::string(request.target());
  api_request.remote_addr = remote_addr;
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, inserted] = api_request.headers.emplace(std::move(name), std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  return api_request;
}

// ---------------------------------------------------------------------------------
// WebSocketStreamSession: one upgraded connection. The read loop is always pending
// while the session lives; its end (peer close, our close, drop, idle timeout, error)
// is the one place that calls on_close. Writes go through a queue bounded in messages
// and bytes; the bound is checked in send() with atomics so that a producer on another
// thread is refused at once instead of piling posts onto the strand.
template <bool Tls>
class WebSocketStreamSession final : public WebSocketSession,
                                     public ServerSession,
                                     public std::enable_shared_from_this<WebSocketStreamSession<Tls>> {
 public:
  // `slot`: the connection's place in the counts, taken over from the HttpSession.
  WebSocketStreamSession(ServerStream<Tls>&& stream, std::shared_ptr<ServerState> state,
                         const WebSocketEndpoint& endpoint, std::string remote_addr, ConnectionSlot slot)
      : ws_(std::move(stream)),
        state_(std::move(state)),
        endpoint_(endpoint),
        remote_addr_(std::move(remote_addr)),
        slot_(std::move(slot)) {}

  ~WebSocketStreamSession() override { state_->unregister_session(id_); }

  // On the strand of the HttpSession that read the upgrade request (the same strand:
  // the stream and its executor moved here).
  void run(http::request<http::string_body> request, HttpRequest api_request) {
    id_ = state_->register_session(this->weak_from_this());
    api_request_ = std::move(api_request);
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = state_->options.request_timeout;
    timeout.idle_timeout = endpoint_.options.idle_timeout.count() > 0
                               ? std::chrono::duration_cast<websocket::stream_base::duration>(endpoint_.options.idle_timeout)
                               : websocket::stream_base::none();
    timeout.keep_alive_pings = false;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "propbot"); }));
    ws_.read_message_max(endpoint_.options.max_message_bytes);
    ws_.auto_fragment(false);
    ws_.async_accept(request, beast::bind_front_handler(&WebSocketStreamSession::on_accept, this->shared_from_this()));
  }

  // WebSocketSession ------------------------------------------------------------
  std::uint64_t id() const override { return id_; }
  const std::string& remote_addr() const override { return remote_addr_; }
  bool is_open() const override { return open_.load(); }

  bool send(std::shared_ptr<const std::string> text) override {
    if (!text || !open_.load()) return false;
    const std::size_t bytes = text->size();
    const std::size_t messages = queued_messages_.fetch_add(1) + 1;
    const std::size_t total_bytes = queued_bytes_.fetch_add(bytes) + bytes;
    if (messages > endpoint_.options.max_queued_messages || total_bytes > endpoint_.options.max_queued_bytes) {
      queued_messages_.fetch_sub(1);
      queued_bytes_.fetch_sub(bytes);
      drop("slow reader: write queue over " + std::to_string(endpoint_.options.max_queued_messages) +
           " messages or " + std::to_string(endpoint_.options.max_queued_bytes) + " bytes");
      return false;
    }
    net::post(ws_.get_executor(), [self = this->shared_from_this(), text = std::move(text)]() mutable {
      self->on_send(std::move(text));
    });
    return true;
  }

  void close(std::uint16_t code, std::string reason) override {
    if (!open_.exchange(false)) return;
    if (reason.size() > kMaxCloseReasonBytes) reason.resize(kMaxCloseReasonBytes);
    net::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
      self->request_close(code, std::move(reason));
    });
  }

  // ServerSession ---------------------------------------------------------------
  net::any_io_executor executor() override { return ws_.get_executor(); }

  void on_server_stop() override {
    if (!accepted_) {
      beast::get_lowest_layer(ws_).cancel();
      return;
    }
    open_.store(false);
    request_close(websocket::close_code::going_away, "server stopping");
  }

  void on_server_abandoned() override { notify_closed(); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      state_->log("api: websocket handshake from " + remote_addr_ + " on " + api_request_.path +
                  " failed: " + ec.message());
      return hard_close();
    }
    accepted_ = true;
    if (state_->stopping.load()) {
      request_close(websocket::close_code::going_away, "server stopping");
      return do_read();
    }
    open_.store(true);
    opened_ = true;
    state_->log("api: " + remote_addr_ + " websocket open " + api_request_.path + " session=" + std::to_string(id_));
    auto self = this->shared_from_this();
    invoke("on_open", [&] {
      if (endpoint_.handler.on_open) endpoint_.handler.on_open(self, api_request_);
    });
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketStreamSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return finish(ec);
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      open_.store(false);
      request_close(websocket::close_code::bad_payload, "text frames only");
      return do_read();
    }
    if (opened_ && endpoint_.handler.on_message && !closing_) {
      std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      auto self = this->shared_from_this();
      invoke("on_message", [&] { endpoint_.handler.on_message(self, text); });
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void on_send(std::shared_ptr<const std::string> text) {
    if (closing_) {
      queued_messages_.fetch_sub(1);
      queued_bytes_.fetch_sub(text->size());
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&WebSocketStreamSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    queued_messages_.fetch_sub(1);
    queued_bytes_.fetch_sub(queue_.front()->size());
    queue_.pop_front();
    if (ec) {
      open_.store(false);
      return hard_close();  // the read loop then ends and reports
    }
    if (!queue_.empty()) return do_write();
    if (close_reason_ && !close_sent_) do_close();
  }

  void request_close(std::uint16_t code, std::string reason) {
    if (close_reason_) return;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!writing_) do_close();
  }

  void do_close() {
    close_sent_ = true;
    ws_.async_close(*close_reason_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) self->hard_close();
    });
  }

  // Any thread. The connection is closed without a close frame: writes are stuck.
  void drop(std::string why) {
    if (!open_.exchange(false)) return;
    net::post(ws_.get_executor(), [self = this->shared_from_this(), why = std::move(why)] {
      self->state_->log("api: " + self->remote_addr_ + " websocket session=" + std::to_string(self->id_) +
                        " dropped: " + why);
      self->closing_ = true;
      self->hard_close();
    });
  }

  void hard_close() {
    closing_ = true;
    beast::get_lowest_layer(ws_).close();
  }

  void finish(beast::error_code ec) {
    open_.store(false);
    closing_ = true;
    if (ec == beast::error::timeout) {
      state_->log("api: " + remote_addr_ + " websocket session=" + std::to_string(id_) + " closed: idle timeout");
    } else if (ec != websocket::error::closed && ec != net::error::operation_aborted && ec != net::error::eof &&
               ec != net::error::connection_reset && opened_) {
      state_->log("api: " + remote_addr_ + " websocket session=" + std::to_string(id_) + " ended: " + ec.message());
    }
    if (ws_.is_open() && ec != websocket::error::closed) hard_close();
    notify_closed();
  }

  void notify_closed() {
    if (!opened_ || closed_notified_) return;
    closed_notified_ = true;
    state_->log("api: " + remote_addr_ + " websocket closed " + api_request_.path + " session=" + std::to_string(id_));
    auto self = this->shared_from_this();
    invoke("on_close", [&] {
      if (endpoint_.handler.on_close) endpoint_.handler.on_close(self);
    });
  }

  template <typename F>
  void invoke(const char* callback, F&& call) {
    try {
      call();
      return;
    } catch (const std::exception& error) {
      state_->log(std::string("api: websocket ") + callback + " for " + api_request_.path + " threw: " + error.what());
    } catch (...) {
      state_->log(std::string("api: websocket ") + callback + " for " + api_request_.path + " threw a non-std exception");
    }
    if (open_.exchange(false)) request_close(websocket::close_code::internal_error, "internal error");
  }

  websocket::stream<ServerStream<Tls>> ws_;
  std::shared_ptr<ServerState> state_;
  const WebSocketEndpoint& endpoint_;  // in state_->websockets, immutable after start()
  std::string remote_addr_;
  ConnectionSlot slot_;
  HttpRequest api_request_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;

  std::atomic<bool> open_{false};  // accepting send(); false once closing began
  std::atomic<std::size_t> queued_messages_{0};
  std::atomic<std::size_t> queued_bytes_{0};

  // Strand only.
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool accepted_ = false;
  bool opened_ = false;  // on_open was called: on_close is owed
  bool closed_notified_ = false;
  bool writing_ = false;
  bool closing_ = false;  // no more writes or messages
  bool close_sent_ = false;
  std::optional<websocket::close_reason> close_reason_;
};

// ---------------------------------------------------------------------------------
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
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_start, this->shared_from_this()));
  }

  net::any_io_executor executor() override { return stream_.get_executor(); }

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
    header_deadline_ = Clock::now() + header_window();
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
      if (ec != net::error::operation_aborted && ec != net::error::eof && ec != beast::error::timeout) {
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
    started_ = Clock::now();
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
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
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
      // Hand the stream, this strand and the connection slot over; this session ends here.
      phase_ = Phase::upgraded;
      lowest().expires_never();
      state_->log("api: " + remote_addr_ + " GET " + api_request.path + " 101 websocket");
      std::make_shared<WebSocketStreamSession<Tls>>(std::move(stream_), state_, *endpoint, remote_addr_,
                                                    std::move(slot_))
          ->run(std::move(request), std::move(api_request));
      return;
    }
    exchange_.keep_alive = false;
    send(HttpResponse::error(404, "not_found", "no WebSocket endpoint at " + api_request.path), /*linger=*/false);
  }

  // A blocking route: park this session, queue the handler on a worker and wait; the
  // worker's result comes back through ServerState::finish_blocking onto this strand.
  void do_work(HttpRequest api_request) {
    phase_ = Phase::working;
    ParkedRequest parked{net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked),
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
    if (started_ == Clock::time_point{}) started_ = Clock::now();
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
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
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
    header_deadline_ = Clock::now() + header_window();  // for the next keep-alive request
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
    lowest().async_read_some(net::buffer(*drain_buffer_),
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
  Clock::time_point header_deadline_{};  // the next request header must be complete by then
  Clock::time_point started_{};
  std::string log_line_;
};

void ServerState::begin_shutdown() {
  stopping.store(true);
  // Outside the lock: a session destroyed here erases itself under the same mutex.
  for (auto& session : live_sessions()) {
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
    if (!state_->stopping.load()) admit(std::move(socket));
    do_accept();
  }

  // Regular slot, overflow slot, or an answer on the spot: a refused connection costs
  // no slot and no waiting.
  void admit(tcp::socket socket) {
    beast::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) return;  // the peer is already gone
    Admission::Decision decision = state_->admission->admit(address_key(remote.address()));
    if (!decision.slot) return refuse(socket, decision.over, remote);
    std::string remote_addr = remote.address().to_string();
    if (state_->tls) {
      std::make_shared<HttpSession<true>>(std::move(socket), state_, std::move(*decision.slot), std::move(remote_addr))
          ->run();
    } else {
      std::make_shared<HttpSession<false>>(std::move(socket), state_, std::move(*decision.slot), std::move(remote_addr))
          ->run();
    }
  }

  // Over a limit and no overflow slot left: one non-blocking write of the canned 503,
  // then close. Input that has already arrived is discarded first so that the close is
  // a FIN, not a reset that could destroy the answer before the client reads it. TLS
  // gets no answer (none can be sent before a handshake, and a handshake is the work a
  // flood wants us to do): the connection is closed.
  void refuse(tcp::socket& socket, OverLimit over, const tcp::endpoint& remote) {
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    discard_input(socket);
    if (!state_->tls) {
      const std::string& answer = over == OverLimit::address ? state_->refusal_address_full : state_->refusal_server_full;
      socket.write_some(net::buffer(answer), ignored);
    }
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    discard_input(socket);
    socket.close(ignored);
    note_refusal(over, remote);
  }

  static void discard_input(tcp::socket& socket) {
    std::array<char, 4096> sink;
    beast::error_code ec;
    for (int round = 0; round < 4; ++round) {
      if (socket.receive(net::buffer(sink), 0, ec) == 0 || ec) return;
    }
  }

  // One log line per second at most, however hard the flood.
  void note_refusal(OverLimit over, const tcp::endpoint& remote) {
    ++refused_since_log_;
    const auto now = Clock::now();
    if (now - last_refusal_log_ < std::chrono::seconds(1)) return;
    state_->log("api: refused " + std::to_string(refused_since_log_) + " connection(s) with 503 too_many_connections" +
                " (latest from " + remote.address().to_string() + ", over the " +
                (over == OverLimit::address ? "per-address" : "server") + " limit and the overflow pool)");
    refused_since_log_ = 0;
    last_refusal_log_ = now;
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
  std::size_t refused_since_log_ = 0;
  Clock::time_point last_refusal_log_{};
};

// A server context for options.tls, or config_invalid naming the file at fault.
Result<std::unique_ptr<ssl::context>> make_tls_context(const HttpServerTls& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(tls.cert_chain_file, ec);
  if (ec) {
    return make_error(Errc::config_invalid,
                      "cannot load TLS certificate chain '" + tls.cert_chain_file + "': " + ec.message());
  }
  context->use_private_key_file(tls.private_key_file, ssl::context::pem, ec);
  if (ec) {
    return make_error(Errc::config_invalid, "cannot load TLS private key '" + tls.private_key_file + "': " + ec.message());
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return make_error(Errc::config_invalid, "TLS private key '" + tls.private_key_file +
                                                "' does not match the certificate in '" + tls.cert_chain_file + "'");
  }
  return context;
}

}  // namespace

// ---------------------------------------------------------------------------------
struct HttpServer::Impl {
  std::shared_ptr<ServerState> state = std::make_shared<ServerState>();
  net::io_context ioc;
  std::shared_ptr<Listener> listener;  // after ioc: its acceptor must die first
  std::unique_ptr<WorkerPool> workers;  // blocking routes; shut down by stop()
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

Status HttpServer::add_websocket(std::string path, WebSocketHandler handler, WebSocketOptions options) {
  if (impl_->started) return make_error(Errc::conflict, "add_websocket(" + path + ") after start()");
  if (path.empty() || path.front() != '/') {
    return make_error(Errc::invalid_argument, "WebSocket path '" + path + "' must start with '/'");
  }
  if (options.max_queued_messages == 0 || options.max_message_bytes == 0) {
    return make_error(Errc::invalid_argument, "WebSocket limits for " + path + " must be at least 1");
  }
  if (path.size() >= 2 && path.compare(path.size() - 2, 2, "/*") == 0) {
    std::string prefix = path.substr(0, path.size() - 1);
    auto& prefixes = impl_->state->websocket_prefixes;
    for (const auto& existing : prefixes) {
      if (existing.first == prefix) return make_error(Errc::already_exists, "WebSocket path " + path + " is already registered");
    }
    prefixes.emplace_back(std::move(prefix), WebSocketEndpoint{std::move(handler), options});
    std::stable_sort(prefixes.begin(), prefixes.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return {};
  }
  if (path.find('*') != std::string::npos) {
    return make_error(Errc::invalid_argument, "WebSocket path '" + path + "': '*' is only allowed as a last segment '/*'");
  }
  auto [it, inserted] =
      impl_->state->websockets.emplace(path, WebSocketEndpoint{std::move(handler), options});
  if (!inserted) return make_error(Errc::already_exists, "WebSocket path " + path + " is already registered");
  return {};
}

Status HttpServer::start() {
  Impl& impl = *impl_;
  const HttpServerOptions& options = impl.state->options;
  if (impl.started) return make_error(Errc::conflict, "HTTP server already started (a server is started once)");
  if (!impl.state->router) return make_error(Errc::invalid_argument, "HTTP server has no router");
  if (options.max_connections == 0 || options.max_connections_per_address == 0 || options.blocking_workers == 0) {
    return make_error(Errc::invalid_argument,
                      "max_connections, max_connections_per_address and blocking_workers must be at least 1");
  }
  if (options.header_timeout.count() <= 0 || options.request_timeout.count() <= 0) {
    return make_error(Errc::invalid_argument, "header_timeout and request_timeout must be positive");
  }
  if (options.tls) {
    auto context = make_tls_context(*options.tls);
    if (!context) return context.error();
    impl.state->tls = std::move(context.value());
  }

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
  impl.state->admission = std::make_shared<Admission>(options);
  impl.state->refusal_server_full = canned_response(too_many_connections(options, OverLimit::server));
  impl.state->refusal_address_full = canned_response(too_many_connections(options, OverLimit::address));
  if (impl.state->router->has_blocking_routes()) {
    impl.workers = std::make_unique<WorkerPool>(options.blocking_workers, options.blocking_queue);
    impl.state->workers = impl.workers.get();
  }
  tcp::endpoint local = listener->local_endpoint();
  impl.port.store(local.port());
  impl.bound_address = local.address().to_string();
  impl.listener = std::move(listener);
  impl.listener->run();
  impl.started = true;
  impl.thread = std::thread([&impl] { impl.run_thread(); });
  impl.state->log(std::string("api: listening on ") + (options.tls ? "https://" : "http://") + endpoint_text(local));
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
  // A parked blocking request keeps the io_context running: this wait covers the
  // running workers too.
  const auto grace_ends = Clock::now() + kStopGrace;
  if (impl.finished_future.wait_until(grace_ends) == std::future_status::timeout) {
    impl.state->log("api: stop: requests still in flight after " + std::to_string(kStopGrace.count()) +
                    " ms; dropping their connections");
    impl.ioc.stop();
  }
  impl.thread.join();
  // No worker result reaches the io_context from now on; what is parked is dropped here,
  // while the io_context still exists.
  impl.state->close_results();
  if (impl.workers) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(grace_ends - Clock::now());
    if (!impl.workers->shutdown(std::max(left, std::chrono::milliseconds(0)))) {
      impl.state->log("api: stop: abandoned " + std::to_string(impl.workers->running()) +
                      " blocking handler(s) still running; their results will be dropped");
    }
  }
  // The server thread is gone: sessions it did not finish owe their on_close now.
  for (auto& session : impl.state->live_sessions()) session->on_server_abandoned();
  impl.state->log("api: stopped");
}

}  // namespace propbot::api
