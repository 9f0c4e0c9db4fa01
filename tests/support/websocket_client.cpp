#include "tests/support/websocket_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>

namespace propbot::test_support {
namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

WebSocketClient::~WebSocketClient() { close_socket(); }

void WebSocketClient::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int WebSocketClient::connect(const std::string& host, std::uint16_t port, const std::string& target,
                             const HeaderList& headers, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    error_ = "cannot resolve " + host;
    return 0;
  }
  fd_ = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  const bool connected = fd_ >= 0 && ::connect(fd_, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!connected) {
    error_ = "cannot connect";
    close_socket();
    return 0;
  }
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    error_ = "cannot send the upgrade";
    close_socket();
    return 0;
  }
  // Read the answer's head (and, for a refusal, its body up to Content-Length).
  std::string::size_type end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) {
      error_ = "no answer to the upgrade";
      close_socket();
      return 0;
    }
  }
  const std::string head = buffer_.substr(0, end + 4);
  buffer_.erase(0, end + 4);
  const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  if (status != 101) {
    const auto length_at = head.find("Content-Length: ");
    const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 16));
    while (buffer_.size() < length && fill(deadline)) {
    }
    refusal_body_ = buffer_;
    close_socket();
  }
  return status;
}

bool WebSocketClient::fill(std::chrono::steady_clock::time_point deadline) {
  pollfd p{fd_, POLLIN, 0};
  if (fd_ < 0 || ::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  char data[4096];
  const ssize_t got = ::recv(fd_, data, sizeof data, 0);
  if (got <= 0) {
    close_socket();
    return false;
  }
  buffer_.append(data, static_cast<std::size_t>(got));
  return true;
}

bool WebSocketClient::read_exact(std::string& out, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  while (buffer_.size() < n) {
    if (!fill(deadline)) return false;
  }
  out = buffer_.substr(0, n);  // not consumed: the caller erases what it used
  return true;
}

std::optional<std::string> WebSocketClient::read_text(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string header;
    if (!read_exact(header, 2, deadline)) return std::nullopt;
    const auto b0 = static_cast<std::uint8_t>(header[0]);
    const auto b1 = static_cast<std::uint8_t>(header[1]);
    std::size_t length = b1 & 0x7f;
    std::size_t used = 2;
    if (length == 126 || length == 127) {
      const std::size_t bytes = length == 126 ? 2 : 8;
      std::string extended;
      if (!read_exact(extended, 2 + bytes, deadline)) return std::nullopt;
      length = 0;
      for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | static_cast<std::uint8_t>(extended[2 + i]);
      used += bytes;
    }
    std::string frame;
    if (!read_exact(frame, used + length, deadline)) return std::nullopt;
    buffer_.erase(0, used + length);
    std::string payload = frame.substr(used);
    const std::uint8_t opcode = b0 & 0x0f;
    if (opcode == 0x1) return payload;                     // text (the server sends whole messages)
    if (opcode == 0x9) (void)send_frame(0xA, payload);    // ping -> pong
    if (opcode == 0x8) {
      close_socket();
      return std::nullopt;
    }
  }
}

bool WebSocketClient::send_frame(std::uint8_t opcode, const std::string& payload) {
  if (fd_ < 0) return false;
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  std::random_device random;
  const std::uint32_t mask = random();
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16), static_cast<char>(mask >> 8),
                       static_cast<char>(mask)};
  frame.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) frame.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size());
}

bool WebSocketClient::send_text(const std::string& text) { return send_frame(0x1, text); }

}  // namespace propbot::test_support
