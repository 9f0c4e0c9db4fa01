// HttpsClient: an asynchronous HTTP/1.1 client for one origin (scheme http or https,
// host, port), the transport under every venue REST client. It keeps one keep-alive
// connection and sends queued requests on it one at a time, in request() order.
// This header includes no Boost: Beast/Asio live in https_client.cpp (TOOLCHAIN.md).
//
// Guarantees
// - Exactly-once friendly failure reporting. A request is retried (on a new
//   connection) only when none of its bytes were written: a kept-alive connection that
//   the server closed while idle is detected before the write and replaced
//   transparently. Once the first byte has been handed to the socket, any failure
//   (write error, timeout, connection closed before the whole reply) is reported as
//   Errc::io_error "outcome unknown": the server may have processed it (an order may
//   exist), so the caller must resolve it (query by client order id), never blindly
//   re-send. Errc::unavailable means the request was certainly NOT sent (resolve,
//   connect or TLS failure, timeout while queued or connecting, queue full, closed).
// - Every request completes exactly once, within request_timeout of request() (it
//   covers queueing, connecting, writing and reading); the reply body is bounded by
//   max_reply_bytes (io_error when exceeded). A non-2xx status is a reply, not an error.
// - TLS verifies the server certificate against tls.ca_file (or the system store) and
//   the host name; SNI is sent (tls_client.hpp).
//
// Threads: not thread-safe. Create, call and destroy it on the thread that runs the
// io_context (or before that thread starts); callbacks run on that thread, never from
// inside request(). The destructor drops pending callbacks without calling them;
// close() calls them with unavailable.
// Uses: tls_client, url; Boost.Beast/Asio and OpenSSL inside the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/net/tls_client.hpp"

namespace boost::asio {
class io_context;
}

namespace propbot::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  std::string body;

  // The header value or `fallback`; `name` must be lower-case.
  std::string header(const std::string& name, std::string fallback = {}) const;
};

struct HttpsClientOptions {
  std::string scheme = "https";  // http or https
  std::string host;              // DNS name or IP literal
  std::uint16_t port = 0;        // 0 = the scheme's default
  TlsClientOptions tls;          // used when scheme is https
  std::chrono::milliseconds request_timeout{10000};  // request() to reply, all included
  std::chrono::milliseconds connect_timeout{5000};   // TCP connect + TLS handshake
  std::size_t max_reply_bytes = 16 << 20;
  std::size_t max_queued_requests = 256;  // more -> unavailable "queue full"
  std::string user_agent = "propbot";
  // Lines about connections (opened, replaced, closed by the server) and callback
  // exceptions; may be empty.
  std::function<void(std::string_view)> log;
};

class HttpsClient {
 public:
  using Callback = std::function<void(Result<HttpReply>)>;

  // Errors: invalid_argument (scheme, empty host), config_invalid (CA file).
  static Result<std::unique_ptr<HttpsClient>> create(boost::asio::io_context& io, HttpsClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Queues one request. `target` is the request-target ("/fapi/v1/order?x=1");
  // Host, User-Agent and Content-Length are added (a header given here wins, except
  // Content-Length). `done` is called exactly once (see the guarantees above).
  void request(std::string method, std::string target, HttpHeaders headers, std::string body, Callback done);

  // Fails every queued and in-flight request (in-flight: io_error, outcome unknown;
  // queued: unavailable), closes the connection and refuses later requests. Idempotent.
  void close();

  // TCP connections opened so far (keep-alive reuse keeps this at 1).
  std::uint64_t connections_opened() const;
  // Requests queued or in flight.
  std::size_t pending() const;

 private:
  struct Impl;
  explicit HttpsClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace propbot::net
