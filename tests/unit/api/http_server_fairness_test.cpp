// HttpServer under connection floods, over real loopback sockets: the header deadline,
// the per-address limit, the overflow pool that still serves a request with a bearer
// token, and the prompt 503 for everything refused. Linux routes all of 127/8 to lo, so
// a client socket bound to 127.0.0.x before connect() is a distinct source address.
#include "core/net/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/api/access_guard.hpp"
#include "core/api/guarded_router.hpp"
#include "core/common/clock.hpp"
#include "tests/support/http_client.hpp"
#include "tests/unit/net/tls_test_cert.hpp"

namespace propbot::api {
namespace {

using net::HttpServer;
using net::HttpServerOptions;
using net::HttpServerTls;
using net::HttpRequest;
using net::HttpResponse;
using net::Principal;

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using test_support::HttpConnection;
using test_support::HttpResult;
using test_support::http_request;
using test_support::parse_responses;

constexpr std::string_view kOperatorToken = "pbt_operator_fairness_0123456789";

double ms_since(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

// One client socket bound to `source` (e.g. "127.0.0.2") and connected to the server;
// closed on destruction.
class SourceSocket {
 public:
  SourceSocket(const std::string& source, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      fail("socket");
      return;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      fail("bind " + source);
      return;
    }
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) fail("connect");
  }
  ~SourceSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  SourceSocket(SourceSocket&& other) noexcept : fd_(other.fd_), error_(std::move(other.error_)) { other.fd_ = -1; }
  SourceSocket& operator=(SourceSocket&&) = delete;
  SourceSocket(const SourceSocket&) = delete;
  SourceSocket& operator=(const SourceSocket&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  int fd() const { return fd_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // Reads until the peer closes (or resets) or `wait` passes; `closed` says which.
  std::string read_until_closed(std::chrono::milliseconds wait, bool* closed = nullptr) {
    std::string received;
    const auto deadline = SteadyClock::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) break;
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) {
        if (closed) *closed = true;
        return received;
      }
      received.append(buffer, static_cast<std::size_t>(got));
    }
    if (closed) *closed = false;
    return received;
  }

 private:
  void fail(const std::string& what) {
    error_ = what + ": " + std::strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  std::string error_;
};

// One request with `Connection: close` from `source`; the parsed response (error set
// when none arrived).
HttpResult request_from(const std::string& source, std::uint16_t port, const std::string& method,
                        const std::string& target, const test_support::HeaderList& headers = {}) {
  SourceSocket socket(source, port);
  HttpResult failed;
  if (!socket.ok()) {
    failed.error = socket.error();
    return failed;
  }
  socket.send(test_support::format_request("127.0.0.1", port, method, target, "", headers, "close"));
  auto responses = parse_responses(socket.read_until_closed(5s));
  if (responses.empty()) {
    failed.error = "no response";
    return failed;
  }
  return responses.front();
}

std::string error_code(const HttpResult& result) {
  auto body = nlohmann::json::parse(result.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error")) return "<no error body: " + result.body + ">";
  return body["error"].value("code", "<no code>");
}

// The flood needs more descriptors than the usual soft limit of 1024: raise it to the
// hard limit. False when even that is too low.
bool raise_descriptor_limit(rlim_t needed, std::string* why) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    *why = std::string("getrlimit: ") + std::strerror(errno);
    return false;
  }
  if (limit.rlim_cur >= needed) return true;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    *why = "the hard limit on open files is " + std::to_string(limit.rlim_max) + ", the test needs " +
           std::to_string(needed) + " (raise it with ulimit -Hn)";
    return false;
  }
  limit.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    *why = std::string("setrlimit: ") + std::strerror(errno);
    return false;
  }
  return true;
}

class HttpServerFairnessTest : public ::testing::Test {
 protected:
  HttpServerFairnessTest() {
    options.port = 0;
    options.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    };
    router->add("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::json(200, {{"ok", true}}); });
    router->add("POST", "/api/ui/hold", [](const HttpRequest& request) {
      return HttpResponse::json(200, {{"held", true}, {"by", request.principal ? request.principal->name : "-"}});
    });
  }

  ~HttpServerFairnessTest() override {
    if (server) server->stop();
  }

  // The guard the daemon installs, with one operator token.
  void install_guard() {
    AccessGuardCallbacks callbacks;
    callbacks.authenticate = [](std::string_view token) -> std::optional<Principal> {
      if (token == kOperatorToken) return Principal{"ops", "operator"};
      return std::nullopt;
    };
    router->set_guard(std::make_shared<AccessGuard>(clock, callbacks));
  }

  void start_tls() {
    auto generated = test_support::make_test_certificate();
    ASSERT_TRUE(generated.ok()) << generated.error().describe();
    certificate = std::move(generated.value());
    options.tls = HttpServerTls{certificate.cert_file(), certificate.key_file()};
    ASSERT_NO_FATAL_FAILURE(start());
  }

  // A header deadline far below request_timeout, so that which one applies shows.
  void use_short_header_deadline() {
    options.header_timeout = 300ms;
    options.request_timeout = 10s;
  }

  void start() {
    server = std::make_unique<HttpServer>(options, router);
    Status status = server->start();
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }

  // A keep-alive connection from `source` that has been served once: it certainly holds
  // a regular slot, and keeps it while idle.
  std::unique_ptr<SourceSocket> hold_slot_from(const std::string& source) {
    auto socket = std::make_unique<SourceSocket>(source, server->port());
    EXPECT_TRUE(socket->ok()) << socket->error();
    socket->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string received;
    const auto deadline = SteadyClock::now() + 5s;
    while (received.find("{\"ok\":true}") == std::string::npos && SteadyClock::now() < deadline) {
      bool closed = false;
      received += socket->read_until_closed(50ms, &closed);
      if (closed) break;
    }
    EXPECT_EQ(received.rfind("HTTP/1.1 200", 0), 0u) << "holder from " << source << " got: " << received;
    return socket;
  }

  bool logged(std::string_view needle) {
    std::lock_guard lock(log_mutex);
    return std::any_of(log_lines.begin(), log_lines.end(),
                       [&](const std::string& line) { return line.find(needle) != std::string::npos; });
  }

  RealClock clock;
  test_support::TestCertificate certificate;
  HttpServerOptions options;
  std::shared_ptr<GuardedRouter> router = std::make_shared<GuardedRouter>();
  std::unique_ptr<HttpServer> server;
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
};

TEST_F(HttpServerFairnessTest, AHalfOpenFloodFromOneAddressCannotStarveAnotherClient) {
  constexpr int kFlood = 1000;
  std::string why;
  if (!raise_descriptor_limit(kFlood + 512, &why)) GTEST_SKIP() << why;
  options.header_timeout = 1s;
  ASSERT_NO_FATAL_FAILURE(start());
  const auto port = server->port();

  // Half of the flood connects and sends nothing, half sends a header it never ends.
  std::vector<SourceSocket> flood;
  flood.reserve(kFlood);
  const auto flood_started = SteadyClock::now();
  for (int i = 0; i < kFlood; ++i) {
    flood.emplace_back("127.0.0.2", port);
    ASSERT_TRUE(flood.back().ok()) << "flood connection " << i << ": " << flood.back().error();
    if (i % 2 == 1) flood.back().send("POST /api/ui/hold HTTP/1.1\r\nHost: x\r\nContent-Le");
  }
  std::printf("[ flood    ] %d half-open connections from 127.0.0.2 in %.0f ms\n", kFlood, ms_since(flood_started));

  const auto asked = SteadyClock::now();
  HttpResult good = http_request("127.0.0.1", port, "POST", "/api/ui/hold", "{}");
  const double waited = ms_since(asked);
  std::printf("[ flood    ] the client from 127.0.0.1 waited %.1f ms for its POST\n", waited);
  ASSERT_TRUE(good.ok()) << good.error;
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_LT(waited, 500.0);

  // Every flood connection is answered 503 or closed by the header deadline.
  int answered_503 = 0, closed_silently = 0, still_open = 0;
  double last_close_ms = 0;
  for (auto& socket : flood) {
    bool closed = false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        flood_started + options.header_timeout + 1500ms - SteadyClock::now());
    std::string received = socket.read_until_closed(std::max(left, 1ms), &closed);
    if (!closed) {
      ++still_open;
    } else if (received.rfind("HTTP/1.1 503", 0) == 0) {
      ++answered_503;
      EXPECT_NE(received.find("too_many_connections"), std::string::npos) << received;
    } else {
      ++closed_silently;
      last_close_ms = std::max(last_close_ms, ms_since(flood_started));
    }
  }
  std::printf("[ flood    ] %d answered 503 at once, %d closed by the header deadline (last at %.0f ms), %d open\n",
              answered_503, closed_silently, last_close_ms, still_open);
  EXPECT_EQ(still_open, 0) << "no flood connection may hold a slot past header_timeout";
  // At most the address's regular and overflow slots wait for the deadline.
  EXPECT_LE(closed_silently, static_cast<int>(options.max_connections_per_address + options.overflow_per_address));
  EXPECT_GE(answered_503, kFlood - static_cast<int>(options.max_connections_per_address + options.overflow_per_address));

  // The flooding address is served again once its slots are free.
  flood.clear();
  HttpResult later = request_from("127.0.0.2", port, "GET", "/healthz");
  EXPECT_EQ(later.status, 200) << later.error << later.body;
  EXPECT_TRUE(logged("refused")) << "refusals are logged (rate-limited)";
}

TEST_F(HttpServerFairnessTest, AtTheGlobalLimitABearerRequestIsServedAndOthersGet503) {
  install_guard();
  options.max_connections = 8;
  options.max_connections_per_address = 2;
  ASSERT_NO_FATAL_FAILURE(start());
  const auto port = server->port();
  std::vector<std::unique_ptr<SourceSocket>> holders;
  for (int host = 10; host < 14; ++host) {
    for (int i = 0; i < 2; ++i) holders.push_back(hold_slot_from("127.0.0." + std::to_string(host)));
  }

  // 127.0.0.1 holds nothing: only the global limit applies to it.
  const test_support::HeaderList with_token = {{"Authorization", "Bearer " + std::string(kOperatorToken)}};
  const auto asked = SteadyClock::now();
  HttpResult held = http_request("127.0.0.1", port, "POST", "/api/ui/hold", "{}", with_token);
  std::printf("[ overflow ] the operator's POST /api/ui/hold at the global limit took %.1f ms\n", ms_since(asked));
  ASSERT_TRUE(held.ok()) << held.error;
  EXPECT_EQ(held.status, 200) << held.body;
  EXPECT_EQ(nlohmann::json::parse(held.body)["by"], "ops");
  EXPECT_EQ(held.header("connection"), "close") << "an overflow connection serves one request";

  HttpResult anonymous = http_request("127.0.0.1", port, "POST", "/api/ui/hold", "{}");
  ASSERT_TRUE(anonymous.ok()) << anonymous.error;
  EXPECT_EQ(anonymous.status, 503);
  EXPECT_EQ(anonymous.body,
            R"({"error":{"code":"too_many_connections","message":"the server has reached its limit of 8 connections; retry later"}})");
  EXPECT_EQ(anonymous.header("retry-after"), "1");

  HttpResult public_route = http_request("127.0.0.1", port, "GET", "/healthz");
  EXPECT_EQ(public_route.status, 503) << "no token, no overflow service, even on a public route";

  HttpResult forged = http_request("127.0.0.1", port, "POST", "/api/ui/hold", "{}",
                                   {{"Authorization", "Bearer pbt_not_a_token_0000000000"}});
  EXPECT_EQ(forged.status, 401) << "the guard decides on a token that is not valid";

  HttpResult upgrade = http_request("127.0.0.1", port, "GET", "/healthz", "",
                                    {{"Authorization", "Bearer " + std::string(kOperatorToken)},
                                     {"Connection", "Upgrade"},
                                     {"Upgrade", "websocket"},
                                     {"Sec-WebSocket-Version", "13"},
                                     {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(upgrade.status, 503) << "a stream may not hold an overflow slot";
}

TEST_F(HttpServerFairnessTest, OverThePerAddressLimitOnlyThatAddressIsRefused) {
  options.max_connections_per_address = 2;
  ASSERT_NO_FATAL_FAILURE(start());
  auto first = hold_slot_from("127.0.0.20");
  auto second = hold_slot_from("127.0.0.20");

  HttpResult refused = request_from("127.0.0.20", server->port(), "GET", "/healthz");
  ASSERT_TRUE(refused.ok()) << refused.error;
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(error_code(refused), "too_many_connections");
  EXPECT_NE(refused.body.find("limit of 2 connections from one address"), std::string::npos) << refused.body;

  HttpResult other = request_from("127.0.0.21", server->port(), "GET", "/healthz");
  EXPECT_EQ(other.status, 200) << other.error << other.body;

  second.reset();  // a slot of 127.0.0.20 frees when the server sees the close
  HttpResult again;
  for (int attempt = 0; attempt < 50 && again.status != 200; ++attempt) {
    std::this_thread::sleep_for(20ms);
    again = request_from("127.0.0.20", server->port(), "GET", "/healthz");
  }
  EXPECT_EQ(again.status, 200);
}

TEST_F(HttpServerFairnessTest, BeyondTheOverflowPoolAConnectionGets503WithoutSendingAnything) {
  options.max_connections = 1;
  options.overflow_connections = 1;
  options.overflow_per_address = 1;
  options.header_timeout = 10s;  // the overflow connection below keeps its slot meanwhile
  ASSERT_NO_FATAL_FAILURE(start());
  auto holder = hold_slot_from("127.0.0.30");
  SourceSocket in_overflow("127.0.0.31", server->port());
  ASSERT_TRUE(in_overflow.ok());
  std::this_thread::sleep_for(100ms);  // let the server admit it to the overflow pool

  SourceSocket refused("127.0.0.32", server->port());
  ASSERT_TRUE(refused.ok());
  const auto connected = SteadyClock::now();
  bool closed = false;
  std::string received = refused.read_until_closed(3s, &closed);
  const double waited = ms_since(connected);
  std::printf("[ refusal  ] a refused connection had its 503 and close after %.1f ms\n", waited);
  EXPECT_TRUE(closed);
  EXPECT_LT(waited, 500.0);
  auto responses = parse_responses(received);
  ASSERT_EQ(responses.size(), 1u) << received;
  EXPECT_EQ(responses[0].status, 503);
  EXPECT_EQ(error_code(responses[0]), "too_many_connections");
  EXPECT_EQ(responses[0].header("connection"), "close");
  EXPECT_EQ(responses[0].header("retry-after"), "1");
}

TEST_F(HttpServerFairnessTest, ClosesAConnectionThatDoesNotCompleteItsHeaderWithinHeaderTimeout) {
  use_short_header_deadline();
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection partial("127.0.0.1", server->port());
  ASSERT_TRUE(partial.connected());
  const auto started = SteadyClock::now();
  ASSERT_TRUE(partial.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_TRUE(partial.closed_by_peer(3s));
  const double after = ms_since(started);
  std::printf("[ deadline ] a partial header was cut after %.0f ms (header_timeout 300 ms)\n", after);
  EXPECT_GE(after, 250.0);
  EXPECT_LT(after, 1500.0);
}

TEST_F(HttpServerFairnessTest, TheBodyKeepsRequestTimeoutAfterTheHeader) {
  use_short_header_deadline();
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection slow_body("127.0.0.1", server->port());
  ASSERT_TRUE(slow_body.connected());
  ASSERT_TRUE(slow_body.send("POST /api/ui/hold HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n"));
  std::this_thread::sleep_for(700ms);  // well past the header deadline
  ASSERT_TRUE(slow_body.send("{}"));
  HttpResult result = slow_body.read_response();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 200);
}

TEST_F(HttpServerFairnessTest, AnIdleKeepAliveConnectionIsClosedAtTheHeaderDeadline) {
  use_short_header_deadline();
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection idle("127.0.0.1", server->port());
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);
  const auto served = SteadyClock::now();
  EXPECT_TRUE(idle.closed_by_peer(3s));
  EXPECT_LT(ms_since(served), 1500.0) << "between requests the header deadline applies, not request_timeout";
}

TEST_F(HttpServerFairnessTest, OverTlsTheHeaderDeadlineCoversTheHandshake) {
  use_short_header_deadline();
  ASSERT_NO_FATAL_FAILURE(start_tls());
  SourceSocket silent("127.0.0.40", server->port());  // never sends a ClientHello
  ASSERT_TRUE(silent.ok());
  const auto connected = SteadyClock::now();
  bool closed = false;
  silent.read_until_closed(3s, &closed);
  const double after = ms_since(connected);
  EXPECT_TRUE(closed);
  EXPECT_GE(after, 250.0);
  EXPECT_LT(after, 1500.0) << "not request_timeout: the handshake is part of the header deadline";
}

TEST_F(HttpServerFairnessTest, OverTlsARefusedConnectionIsClosedAtOnce) {
  options.max_connections = 1;
  options.overflow_connections = 0;
  options.header_timeout = 10s;
  ASSERT_NO_FATAL_FAILURE(start_tls());
  SourceSocket holder("127.0.0.41", server->port());
  ASSERT_TRUE(holder.ok());
  std::this_thread::sleep_for(100ms);  // admitted, handshaking until the deadline
  SourceSocket refused("127.0.0.42", server->port());
  ASSERT_TRUE(refused.ok());
  const auto connected = SteadyClock::now();
  bool closed = false;
  std::string received = refused.read_until_closed(3s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_LT(ms_since(connected), 500.0);
  EXPECT_EQ(received, "") << "no plain-text answer on a TLS port";
}

}  // namespace
}  // namespace propbot::api
