// HttpServer: the HTTP/1.1 listener of the daemon's API. It owns one thread running
// its own io_context; every route handler runs on that thread, one request at a time.
// This header includes no Boost: Beast/Asio live only in http_server.cpp (pimpl), so
// code that starts a server compiles in seconds (TOOLCHAIN.md, "Build time").
//
// Guarantees
// - Keep-alive and pipelined requests are answered in order on each connection.
// - Every input is bounded: a request body over max_body_bytes -> 413 payload_too_large
//   (a declared Content-Length is refused before the body is read; a chunked body when
//   it crosses the limit); headers over max_header_bytes -> 431 headers_too_large;
//   malformed HTTP -> 400 bad_request; each of these then closes the connection. A
//   connection that does not deliver a full request (or read our response) within
//   request_timeout is closed. Over max_connections, a new connection gets 503
//   too_many_connections and is closed.
// - Error bodies use the SPEC S-11 shape; every response carries Content-Type,
//   Content-Length, Cache-Control: no-store and Server: propbot.
// - Nothing a handler throws escapes: the router answers 500; the server also catches.
//
// Threads: construct, start(), stop() and the destructor from one owning thread (not
// from a handler: stop() joins the server thread). port() and bind_address() are safe
// from any thread after start(). The log callback is called on the server thread
// (access lines) and on the caller of start()/stop().
// Uses: router, http_types; Boost.Beast/Asio inside the .cpp only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/api/router.hpp"
#include "core/common/result.hpp"

namespace propbot::api {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";  // IP address or host name
  std::uint16_t port = 8000;       // 0 = any free port; read it back with port()
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{10000};  // per request read / response write
  std::size_t max_connections = 256;
  // One line per request (access log) and per server-side error; may be empty.
  std::function<void(std::string_view)> log;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, std::shared_ptr<const Router> router);
  ~HttpServer();  // calls stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

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
  // remaining connections are dropped), join the thread. Blocks; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace propbot::api
