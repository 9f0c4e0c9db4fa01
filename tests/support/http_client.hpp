// A small blocking HTTP/1.1 client over POSIX sockets for unit, integration and
// end-to-end tests (it does not use Beast, so tests that include it compile fast, and it
// does not share code with the server it tests).
//
// Guarantees: never throws and never hangs past its timeout (every connect, send and
// receive is bounded by one deadline); never raises SIGPIPE. A transport failure is
// reported in HttpResult::error (status stays 0). If the server answers early and
// closes while the request body is still being sent (e.g. 413), the answer is still
// read and returned. Bodies framed by Content-Length, chunked encoding or connection
// close are all read; 1xx interim responses are skipped.
// Threads: free functions are thread-safe; an HttpConnection belongs to one thread.
// Uses: POSIX sockets, getaddrinfo.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace propbot::test_support {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  std::string body;                             // de-chunked
  std::string error;                            // non-empty on transport failure

  bool ok() const { return error.empty(); }
  // The header value or "" when absent; `name` is matched case-insensitively.
  std::string header(std::string_view name) const;
};

// One request on a fresh connection with `Connection: close`. Host and Content-Length
// are added unless `headers` sets them (pass Transfer-Encoding: chunked with a body you
// encoded yourself to send a chunked request).
HttpResult http_request(const std::string& host, std::uint16_t port, const std::string& method,
                        const std::string& target, const std::string& body = "", const HeaderList& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends `bytes` verbatim, half-closes the sending side, and returns everything received
// until the server closes or the timeout passes (then what arrived so far). For
// malformed input and pipelining tests; split the result with parse_responses().
std::string raw_request(const std::string& host, std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Splits a byte stream into the HTTP responses it holds, in order. A trailing
// incomplete response is returned with `error` set.
std::vector<HttpResult> parse_responses(std::string_view bytes);

// "GET /x HTTP/1.1\r\nHost: ...\r\n..." as http_request would send it, with the given
// Connection header value ("close" or "keep-alive").
std::string format_request(const std::string& host, std::uint16_t port, const std::string& method,
                           const std::string& target, const std::string& body, const HeaderList& headers,
                           std::string_view connection);

// A persistent (keep-alive) connection: several requests in turn on one socket.
class HttpConnection {
 public:
  HttpConnection(const std::string& host, std::uint16_t port,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpConnection();
  HttpConnection(HttpConnection&& other) noexcept;
  HttpConnection& operator=(HttpConnection&& other) noexcept;
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }  // why the connect failed

  // Sends one request with `Connection: keep-alive` and reads its response.
  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const HeaderList& headers = {});
  // Lower-level: send bytes as they are / read the next response (each bounded by the
  // timeout given to the constructor).
  bool send(std::string_view bytes);
  HttpResult read_response(bool request_was_head = false);
  // True once the server has closed the connection (checked without blocking when no
  // unread bytes are pending; waits up to `wait` for the close to arrive).
  bool closed_by_peer(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  void close();

 private:
  std::string host_;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string error_;
  std::string buffer_;  // received, not yet consumed
};

}  // namespace propbot::test_support
