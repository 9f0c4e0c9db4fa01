// A small blocking WebSocket client (RFC 6455, text frames) over POSIX sockets for
// end-to-end tests of the daemon's stream: no Beast, no code shared with the server it
// tests. Client frames are masked; server pings are answered with pongs.
//
// Guarantees: never throws; every call is bounded by its timeout; never raises SIGPIPE.
// Threads: one WebSocketClient per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/http_client.hpp"

namespace propbot::test_support {

class WebSocketClient {
 public:
  WebSocketClient() = default;
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Connects and sends the upgrade request with `headers`. Returns the HTTP status the
  // server answered (101 when upgraded; 0 on a transport failure, see error()); a
  // refusal's body is kept in refusal_body().
  int connect(const std::string& host, std::uint16_t port, const std::string& target, const HeaderList& headers = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next text message, or nullopt on timeout, close or error.
  std::optional<std::string> read_text(std::chrono::milliseconds timeout);
  bool send_text(const std::string& text);
  bool closed() const { return fd_ < 0; }
  const std::string& error() const { return error_; }
  const std::string& refusal_body() const { return refusal_body_; }

 private:
  // Receives once more into buffer_ (false on timeout, close or error).
  bool fill(std::chrono::steady_clock::time_point deadline);
  // The first n bytes of buffer_ (receiving until there are n), not consumed.
  bool read_exact(std::string& out, std::size_t n, std::chrono::steady_clock::time_point deadline);
  bool send_frame(std::uint8_t opcode, const std::string& payload);
  void close_socket();

  int fd_ = -1;
  std::string buffer_;  // received bytes not consumed yet
  std::string error_;
  std::string refusal_body_;
};

}  // namespace propbot::test_support
