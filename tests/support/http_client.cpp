#include "tests/support/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace propbot::test_support {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

int remaining_ms(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

std::string endpoint_text(const std::string& host, std::uint16_t port) {
  bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Waits for `events` on fd until the deadline. Returns false on timeout or poll error.
bool wait_for(int fd, short events, Deadline deadline, std::string& error) {
  for (;;) {
    pollfd descriptor{fd, events, 0};
    int ready = ::poll(&descriptor, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) {
      error = "timed out";
      return false;
    }
    if (errno != EINTR) {
      error = std::string("poll failed: ") + std::strerror(errno);
      return false;
    }
  }
}

int connect_to(const std::string& host, std::uint16_t port, Deadline deadline, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  std::string service = std::to_string(port);
  std::string name = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (int rc = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &results); rc != 0) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  error = "no address for " + host;
  for (addrinfo* info = results; info != nullptr; info = info->ai_next) {
    fd = ::socket(info->ai_family, info->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, info->ai_protocol);
    if (fd < 0) {
      error = std::string("socket failed: ") + std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, info->ai_addr, info->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      std::string wait_error;
      if (wait_for(fd, POLLOUT, deadline, wait_error)) {
        int so_error = 0;
        socklen_t length = sizeof so_error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
        rc = so_error == 0 ? 0 : -1;
        errno = so_error;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      error.clear();
      break;
    }
    error = "cannot connect to " + endpoint_text(host, port) + ": " + std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(results);
  return fd;
}

bool send_all(int fd, std::string_view data, Deadline deadline, std::string& error) {
  while (!data.empty()) {
    ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline, error)) return false;
      continue;
    }
    error = std::string("send failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// Pulls bytes from a socket (or from nothing, fd < 0, when parsing a byte string) into
// a buffer the parser consumes.
struct Reader {
  Reader(int fd_in, Deadline deadline_in, std::string& buffer_in) : fd(fd_in), deadline(deadline_in), buffer(buffer_in) {}

  int fd;
  Deadline deadline;
  std::string& buffer;
  std::string error;  // set when more() fails for a reason other than a clean EOF
  bool eof = false;

  bool more() {
    if (fd < 0 || eof || !error.empty()) {
      eof = true;
      return false;
    }
    char chunk[16384];
    for (;;) {
      ssize_t received = ::recv(fd, chunk, sizeof chunk, 0);
      if (received > 0) {
        buffer.append(chunk, static_cast<std::size_t>(received));
        return true;
      }
      if (received == 0) {
        eof = true;
        return false;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(fd, POLLIN, deadline, error)) return false;
        continue;
      }
      error = std::string("receive failed: ") + std::strerror(errno);
      return false;
    }
  }

  std::string why(std::string_view what) const {
    return std::string(what) + (error.empty() ? ": connection closed" : ": " + error);
  }
};

// Consumes one response (after any 1xx interim ones) from reader.buffer.
HttpResult read_one(Reader& reader, bool request_was_head) {
  std::string& buffer = reader.buffer;
  for (;;) {
    HttpResult result;
    std::size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!reader.more()) {
        result.error = reader.why(buffer.empty() ? "no response" : "incomplete response headers");
        return result;
      }
    }
    std::string_view head(buffer.data(), header_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/", 0) != 0 || status_line.size() < 12) {
      result.error = "malformed status line: " + std::string(status_line.substr(0, 80));
      return result;
    }
    try {
      result.status = std::stoi(std::string(status_line.substr(9, 3)));
    } catch (...) {
      result.error = "malformed status line: " + std::string(status_line.substr(0, 80));
      return result;
    }
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = lower(trim(line.substr(0, colon)));
      std::string value(trim(line.substr(colon + 1)));
      auto [it, inserted] = result.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    buffer.erase(0, header_end + 4);
    if (result.status >= 100 && result.status < 200 && result.status != 101) continue;  // interim

    if (request_was_head || result.status == 204 || result.status == 304 || result.status == 101) return result;
    if (lower(result.header("transfer-encoding")).find("chunked") != std::string::npos) {
      for (;;) {
        std::size_t size_end;
        while ((size_end = buffer.find("\r\n")) == std::string::npos) {
          if (!reader.more()) {
            result.error = reader.why("incomplete chunked body");
            return result;
          }
        }
        std::size_t size = 0;
        try {
          size = std::stoul(buffer.substr(0, size_end), nullptr, 16);
        } catch (...) {
          result.error = "malformed chunk size: " + buffer.substr(0, std::min<std::size_t>(size_end, 40));
          return result;
        }
        buffer.erase(0, size_end + 2);
        if (size == 0) {  // trailers end with an empty line
          std::size_t trailer_end;
          while ((trailer_end = buffer.find("\r\n")) != 0) {
            if (trailer_end != std::string::npos) {
              buffer.erase(0, trailer_end + 2);
            } else if (!reader.more()) {
              result.error = reader.why("incomplete chunked trailer");
              return result;
            }
          }
          buffer.erase(0, 2);
          return result;
        }
        while (buffer.size() < size + 2) {
          if (!reader.more()) {
            result.error = reader.why("incomplete chunk");
            return result;
          }
        }
        result.body.append(buffer, 0, size);
        buffer.erase(0, size + 2);
      }
    }
    if (auto length_text = result.header("content-length"); !length_text.empty()) {
      std::size_t length = 0;
      try {
        length = std::stoul(length_text);
      } catch (...) {
        result.error = "malformed Content-Length: " + length_text;
        return result;
      }
      while (buffer.size() < length) {
        if (!reader.more()) {
          result.error = reader.why("body ended after " + std::to_string(buffer.size()) + " of " +
                                    std::to_string(length) + " bytes");
          return result;
        }
      }
      result.body = buffer.substr(0, length);
      buffer.erase(0, length);
      return result;
    }
    while (reader.more()) {  // body runs until the server closes
    }
    if (!reader.error.empty()) result.error = reader.why("body not terminated");
    result.body = std::move(buffer);
    buffer.clear();
    return result;
  }
}

bool has_header(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& header) { return lower(header.first) == name; });
}

}  // namespace

std::string HttpResult::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

std::string format_request(const std::string& host, std::uint16_t port, const std::string& method,
                           const std::string& target, const std::string& body, const HeaderList& headers,
                           std::string_view connection) {
  std::string request = method + " " + target + " HTTP/1.1\r\n";
  if (!has_header(headers, "host")) request += "Host: " + endpoint_text(host, port) + "\r\n";
  if (!has_header(headers, "connection")) request += "Connection: " + std::string(connection) + "\r\n";
  bool body_allowed = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (body_allowed && !has_header(headers, "content-length") && !has_header(headers, "transfer-encoding")) {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  request += body;
  return request;
}

HttpResult http_request(const std::string& host, std::uint16_t port, const std::string& method,
                        const std::string& target, const std::string& body, const HeaderList& headers,
                        std::chrono::milliseconds timeout) {
  Deadline deadline = SteadyClock::now() + timeout;
  HttpResult result;
  int fd = connect_to(host, port, deadline, result.error);
  if (fd < 0) return result;

  std::string send_error;
  bool sent = send_all(fd, format_request(host, port, method, target, body, headers, "close"), deadline, send_error);
  std::string buffer;
  Reader reader{fd, deadline, buffer};
  // Read even when the send failed: a server may answer (413, 400) and close before
  // taking the whole body.
  result = read_one(reader, method == "HEAD");
  if (!sent && result.status == 0) result.error = send_error + " (to " + endpoint_text(host, port) + ")";
  if (!result.error.empty() && result.error.find(endpoint_text(host, port)) == std::string::npos) {
    result.error += " (" + method + " " + target + " to " + endpoint_text(host, port) + ")";
  }
  ::close(fd);
  return result;
}

std::string raw_request(const std::string& host, std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout) {
  Deadline deadline = SteadyClock::now() + timeout;
  std::string error;
  int fd = connect_to(host, port, deadline, error);
  if (fd < 0) return {};
  send_all(fd, bytes, deadline, error);
  ::shutdown(fd, SHUT_WR);
  std::string received;
  Reader reader{fd, deadline, received};
  while (reader.more()) {
  }
  ::close(fd);
  return received;
}

std::vector<HttpResult> parse_responses(std::string_view bytes) {
  std::vector<HttpResult> responses;
  std::string buffer(bytes);
  Reader reader{-1, SteadyClock::now(), buffer};
  while (!buffer.empty()) {
    responses.push_back(read_one(reader, false));
    if (!responses.back().error.empty()) break;
  }
  return responses;
}

HttpConnection::HttpConnection(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(host), port_(port), timeout_(timeout) {
  fd_ = connect_to(host, port, SteadyClock::now() + timeout, error_);
}

HttpConnection::~HttpConnection() { close(); }

HttpConnection::HttpConnection(HttpConnection&& other) noexcept
    : host_(std::move(other.host_)),
      port_(other.port_),
      timeout_(other.timeout_),
      fd_(std::exchange(other.fd_, -1)),
      error_(std::move(other.error_)),
      buffer_(std::move(other.buffer_)) {}

HttpConnection& HttpConnection::operator=(HttpConnection&& other) noexcept {
  if (this != &other) {
    close();
    host_ = std::move(other.host_);
    port_ = other.port_;
    timeout_ = other.timeout_;
    fd_ = std::exchange(other.fd_, -1);
    error_ = std::move(other.error_);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

void HttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpConnection::send(std::string_view bytes) {
  if (fd_ < 0) return false;
  std::string error;
  return send_all(fd_, bytes, SteadyClock::now() + timeout_, error);
}

HttpResult HttpConnection::read_response(bool request_was_head) {
  if (fd_ < 0) return HttpResult{0, {}, {}, "not connected" + (error_.empty() ? "" : ": " + error_)};
  Reader reader{fd_, SteadyClock::now() + timeout_, buffer_};
  return read_one(reader, request_was_head);
}

HttpResult HttpConnection::request(const std::string& method, const std::string& target, const std::string& body,
                                   const HeaderList& headers) {
  if (fd_ < 0) return HttpResult{0, {}, {}, "not connected" + (error_.empty() ? "" : ": " + error_)};
  std::string error;
  bool sent = send_all(fd_, format_request(host_, port_, method, target, body, headers, "keep-alive"),
                       SteadyClock::now() + timeout_, error);
  HttpResult result = read_response(method == "HEAD");
  if (!sent && result.status == 0) result.error = error;
  return result;
}

bool HttpConnection::closed_by_peer(std::chrono::milliseconds wait) {
  if (fd_ < 0) return true;
  if (!buffer_.empty()) return false;
  pollfd descriptor{fd_, POLLIN, 0};
  int ready = ::poll(&descriptor, 1, static_cast<int>(wait.count()));
  if (ready <= 0) return false;
  char chunk[4096];
  ssize_t received = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
  if (received > 0) {
    buffer_.append(chunk, static_cast<std::size_t>(received));
    return false;
  }
  return received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace propbot::test_support
