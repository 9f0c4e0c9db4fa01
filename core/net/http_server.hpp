// HttpServer: the HTTP/1.1 + WebSocket server transport shared by the daemon's operator
// API (core/api) and the venue simulator (core/venues/sim). It owns one thread running
// its own io_context, plus a small worker pool for the routes marked
// RouteOptions::blocking. This header includes no Boost: Beast/Asio live only in the
// server's own translation units (pimpl; http_server.cpp, server_*.cpp), so code that
// starts a server compiles in seconds (TOOLCHAIN.md, "Build time").
//
// Guarantees
// - Keep-alive and pipelined requests are answered in order on each connection: one
//   request at a time, the next one is read once the previous response is written.
// - Every input is bounded: a request body over max_body_bytes -> 413 payload_too_large
//   (a declared Content-Length is refused before the body is read; a chunked body when
//   it crosses the limit); headers over max_header_bytes -> 431 headers_too_large;
//   malformed HTTP -> 400 bad_request; each of these then closes the connection.
// - Deadlines: a connection must deliver a complete request header within
//   min(header_timeout, request_timeout), counted from the accept for the first request
//   (the TLS handshake included) and from the end of the previous response for the next
//   keep-alive one; the body then has request_timeout, and so has writing our response.
//   A connection that misses a deadline is closed without an answer. So a half-open
//   connection never holds a slot past the header deadline.
// - Connection limits and fairness. A connection is admitted
//   * to a regular slot while the server has fewer than max_connections regular ones and
//     its address fewer than max_connections_per_address (an address is the IPv4
//     address, or the /64 of an IPv6 one; behind a reverse proxy every client shares the
//     proxy's address);
//   * otherwise to the overflow pool while it holds fewer than overflow_connections, and
//     fewer than overflow_per_address from that address. An overflow connection has the
//     header deadline for its whole request and serves one request, then closes. A
//     request carrying `Authorization: Bearer <token>` is dispatched normally (the
//     router's guard decides; the operator API's AccessGuard serves a valid token and
//     answers an invalid one 401); anything else, and every WebSocket upgrade (a stream would keep the slot),
//     gets 503 too_many_connections + `Retry-After: 1` as soon as its header is read.
//     So a flood of connections without a token cannot take from operators the capacity
//     to enter HOLD; a flood from more distinct addresses than the pools can hold can
//     still fill them, each connection for at most the header deadline.
//   * otherwise it is refused on the spot: one non-blocking write of a canned 503
//     too_many_connections, then close; no slot, no timer. Over TLS no answer can be
//     written before a handshake, so a refused TLS connection is just closed.
//   The 503 body names the limit reached (server or per address). Refusals are logged
//   at most once a second, with their count.
// - Blocking routes: when the router has routes marked RouteOptions::blocking, their
//   handlers run on blocking_workers threads owned by the server; at most blocking_queue
//   more requests wait for one, and beyond that a request gets 503 busy + `Retry-After:
//   1` at once. The router's guard (Router::admit) runs on the server thread
//   before the request is queued: a refused one is answered there and never takes a
//   worker or a queue slot. The response is written on the connection's strand; the
//   server thread serves every other request meanwhile. A blocking handler runs
//   concurrently with the server thread and with other blocking handlers.
// - HEAD: the router answers HEAD with the GET route (router.hpp); the server writes the
//   status and headers of that answer, Content-Length of the GET body included, and no
//   body. Every HEAD response has no body, error answers included.
// - Error bodies use the SPEC S-11 shape; every response carries Content-Type,
//   Content-Length, Cache-Control: no-store and Server: propbot.
// - Nothing a handler throws escapes: the router answers 500; the server also catches.
//
// - WebSocket (RFC 6455, text frames) on the paths registered with add_websocket(): an
//   upgrade on any other path is answered 404. The router's guard (Router::admit) runs
//   on the upgrade request first: one it refuses gets that HTTP answer and is never
//   upgraded. An upgraded connection keeps its regular
//   slot (it counts against both limits while it lives). Every session has a bounded
//   write queue; a client that does not read fast enough to stay under it is dropped (the
//   TCP connection is closed, no close frame: it could not be delivered anyway). Pings
//   are answered by the stream (auto-pong); an optional idle timeout closes a client that
//   sends no message for that long (as OKX does after 30 s). A broadcast hands the same
//   shared_ptr<const std::string> to every session: no copy per session.
// - TLS (options.tls): the server then speaks only HTTPS / WSS on its port (no
//   detection of plain HTTP); the certificate chain and key are PEM files read by start().
//
// Threads: construct, add_websocket(), start(), stop() and the destructor from one
// owning thread (not from a handler: stop() joins the server thread). port() and
// bind_address() are safe from any thread after start(). The log callback is called on
// the server thread (access lines) and on the caller of start()/stop(), never on a
// worker. WebSocket callbacks run on the server thread; WebSocketSession::send()/close()
// are safe from any thread. Blocking route handlers run on the workers.
// Uses: router, bearer_token, client_key, worker_pool, http_types; Boost.Beast/Asio and
// OpenSSL inside the .cpp files only (server_listener, server_http_session,
// server_websocket_session, server_state, connection_admission).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/net/router.hpp"
#include "core/common/result.hpp"

namespace propbot::net {

// PEM files for a TLS server. The chain file holds the server certificate first, then
// any intermediates.
struct HttpServerTls {
  std::string cert_chain_file;
  std::string private_key_file;
};

// One accepted WebSocket connection, as seen by a WebSocketHandler. The server owns the
// connection; a handler may keep the shared_ptr (e.g. in a hub for broadcasts) and must
// drop it in on_close. Every method is safe from any thread and never blocks.
class WebSocketSession {
 public:
  virtual ~WebSocketSession() = default;

  // Unique per server, never 0; stable for the session's life.
  virtual std::uint64_t id() const = 0;
  // Peer IP address ("127.0.0.1").
  virtual const std::string& remote_addr() const = 0;

  // Queues one text message (must be valid UTF-8: the peer fails the connection
  // otherwise). Returns false when the session is closing/closed or when the queue
  // bound (WebSocketOptions::max_queued_messages / max_queued_bytes) would be exceeded;
  // in the latter case the session is dropped as a slow reader. The shared_ptr form
  // does not copy the text: use it to broadcast one message to many sessions.
  virtual bool send(std::shared_ptr<const std::string> text) = 0;
  bool send(std::string text) { return send(std::make_shared<const std::string>(std::move(text))); }

  // Sends the messages already queued, then a close frame with `code` (RFC 6455 7.4,
  // e.g. 1000 normal, 1001 going away, 1008 policy) and `reason` (<= 123 bytes, cut
  // otherwise), then closes. Idempotent; on_close follows.
  virtual void close(std::uint16_t code = 1000, std::string reason = {}) = 0;

  // False once closing has begun (close(), peer close, drop, error or server stop).
  virtual bool is_open() const = 0;
};

// Callbacks of one WebSocket endpoint, all called on the server thread, never
// concurrently for one session. on_open runs after the handshake succeeded (the request
// carries the path, query, headers and remote address of the upgrade); on_close runs
// exactly once for every session that was opened, whatever ended it. Any of them may be
// empty. An exception from a callback is logged and closes that session (1011).
struct WebSocketHandler {
  std::function<void(const std::shared_ptr<WebSocketSession>&, const HttpRequest&)> on_open;
  std::function<void(const std::shared_ptr<WebSocketSession>&, std::string_view text)> on_message;
  std::function<void(const std::shared_ptr<WebSocketSession>&)> on_close;
};

struct WebSocketOptions {
  std::size_t max_message_bytes = 64 * 1024;  // larger incoming message -> close 1009
  std::size_t max_queued_messages = 1024;     // per session, queued or being written
  std::size_t max_queued_bytes = 8 << 20;     // per session
  // Close a client that sends no complete message for this long (0 = never). Control
  // frames (ping/pong) do not count unless keep_alive_pings. The TCP connection is
  // closed without a close frame.
  std::chrono::milliseconds idle_timeout{0};
  // With idle_timeout: the server pings a silent client at half the timeout and its
  // pong counts as activity, so only a client that cannot answer is dropped. OKX's rule
  // is about the server's pushes (a connection with data flowing is never idle, however
  // quiet the client), which this models for any client that answers pings.
  bool keep_alive_pings = false;
};

struct HttpServerOptions {
  std::string bind = "127.0.0.1";  // IP address or host name
  std::uint16_t port = 8000;       // 0 = any free port; read it back with port()
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{10000};  // per request body read / response write
  // Time to deliver a complete request header (see Guarantees, "Deadlines"). 5 s: an
  // honest client sends its header in one round trip; a slow mobile link still makes it.
  std::chrono::milliseconds header_timeout{5000};
  std::size_t max_connections = 256;  // regular slots
  // Regular slots one address may hold. 32: a browser opens at most 6 connections per
  // host, so a few operators with several tabs, scripts and monitoring stay well below,
  // while one misbehaving source can take at most an eighth of the default 256 (at least
  // 8 addresses are needed to fill the server). Behind a reverse proxy every client
  // shares its address: set this to max_connections there (over the limit, requests with
  // a bearer token are still served from the overflow pool).
  std::size_t max_connections_per_address = 32;
  // Overflow pool (see Guarantees): small, for an operator's request during a flood.
  std::size_t overflow_connections = 64;
  std::size_t overflow_per_address = 4;
  // Threads for RouteOptions::blocking handlers (started only if the router has such a
  // route) and how many more requests may wait for one before 503 busy. 2 workers: a
  // validation and an apply may run side by side while the two cores stay for the engine
  // and the API; 8 waiting: a few operators' clicks, not an unbounded backlog.
  std::size_t blocking_workers = 2;
  std::size_t blocking_queue = 8;
  // One line per request (access log: "api: <ip> <method> <path> <status> <n>B <ms>ms
  // conn=<connection id>") and per server-side error or WebSocket event; may be empty.
  std::function<void(std::string_view)> log;
  // When set, the port serves only TLS (HTTPS and WSS). start() fails with
  // config_invalid naming the file when a PEM file cannot be read or does not match.
  std::optional<HttpServerTls> tls;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, std::shared_ptr<const Router> router);
  ~HttpServer();  // calls stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves WebSocket upgrades of GET `path` (exact match, query ignored) with `handler`.
  // A path ending in "/*" (e.g. "/ws/*") serves every path of that prefix plus one
  // non-empty segment ("/ws/abc", not "/ws/a/b"); an exact registration wins, then the
  // longest prefix. The handler reads the segment from the request's path.
  // Before start() only. Errors: invalid_argument (path not starting with '/', '*'
  // elsewhere), already_exists (path registered twice), conflict (server already started).
  Status add_websocket(std::string path, WebSocketHandler handler, WebSocketOptions options = {});

  // Binds, listens and starts the server thread. Errors: invalid_argument (bad bind
  // address, no router), io_error naming "address:port" (e.g. port in use), conflict
  // (already started: a server is started once).
  Status start();

  // Actual port after start() (useful with port 0); 0 before.
  std::uint16_t port() const;
  // Actual bound address after start() (e.g. "127.0.0.1"); empty before.
  std::string bind_address() const;

  // Graceful stop: stop accepting, close idle keep-alive connections, let in-flight
  // requests finish and their responses be written (bounded wait ~2 s, then the
  // remaining connections are dropped), join the thread. Open WebSocket sessions get a
  // close frame 1001 "server stopping"; on_close has run for every opened session when
  // stop() returns (for a session cut off by the grace limit, on the caller's thread).
  // Blocking requests still queued are answered 503 unavailable without running their
  // handler while the workers can still take them; a request still queued when the
  // grace ends loses its connection with no answer. Running ones are waited for within
  // the same ~2 s, then abandoned: the
  // worker thread is detached, finishes the handler and drops its result (it holds
  // shared ownership of all the server state it touches, so nothing is used after
  // free). What the handler itself captures must outlive it: the route's owner keeps it
  // alive (shared ownership) or makes the handler tolerate shutdown.
  // Blocks (at most ~2 s plus the joins); idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace propbot::net
