// Server internals shared by the listener, the HTTP and WebSocket sessions and HttpServer
// (http_server.hpp): the state they share (options, router, WebSocket endpoints, the
// session registry stop() walks, the hand-off of blocking requests between the workers
// and the io_context) and the Beast names they use. Private to the server: included only
// by core/net's server translation units, never by a public header (it includes Asio).
//
// Guarantees
// - Every live session is registered (register_session) and reachable by stop():
//   begin_shutdown() posts on_server_stop() onto each session's strand.
// - A blocking request's result reaches its session only while results are open:
//   close_results() (owner thread, after the server thread ended and before the
//   io_context is destroyed) closes them, so a worker that finishes later touches nothing
//   but this state, which it co-owns.
// - dispatch() never throws: a router that throws is answered 500 and logged.
// Threads: see each member. Uses: router, worker_pool, connection_admission, Beast/Asio.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/net/connection_admission.hpp"
#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/net/worker_pool.hpp"

namespace propbot::net::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// The stream of one connection: plain TCP or TLS. Sessions are templates on it so that
// one body of code serves both.
template <bool Tls>
using ServerStream = std::conditional_t<Tls, ssl::stream<beast::tcp_stream>, beast::tcp_stream>;

// "127.0.0.1:8000", "[::1]:8000".
std::string endpoint_text(const tcp::endpoint& endpoint);

// The request as route handlers see it: method, target, remote address, headers with
// lower-case names (repeats joined by ", "). Path, query and body are filled later.
HttpRequest to_api_request(const http::request<http::string_body>& request, const std::string& remote_addr);

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
  asio::any_io_executor executor;
  std::function<void(Dispatched)> resume;
};

// What ServerState keeps of every live session: enough for stop() to reach it.
class ServerSession {
 public:
  virtual ~ServerSession() = default;
  virtual asio::any_io_executor executor() = 0;
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

  // Stops every live session (see the header comment). Server thread.
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
    asio::any_io_executor executor = request.executor;
    asio::post(executor, [request = std::move(request), outcome = std::move(outcome)]() mutable {
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

}  // namespace propbot::net::detail
