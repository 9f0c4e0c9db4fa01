// HttpServer's WebSocket endpoints over loopback, driven by core/net's WsClient and, for
// the slow reader, by a raw socket that completes the handshake and then never reads.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "core/net/ws_client.hpp"
#include "tests/unit/net/io_thread.hpp"
#include "tests/unit/net/tls_test_cert.hpp"
#include "tests/unit/net/ws_test_support.hpp"

namespace propbot::net {
namespace {

using namespace std::chrono_literals;
using test_support::Hub;
using test_support::Recorder;
using test_support::wait_until;

class WebSocketServerTest : public ::testing::Test {
 protected:
  ~WebSocketServerTest() override {
    io.run([this] { clients.clear(); });
    if (server) server->stop();
    if (raw_fd >= 0) ::close(raw_fd);
  }

  void start(WebSocketOptions ws_options = {}, bool tls = false) {
    HttpServerOptions options;
    options.port = 0;
    options.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    };
    if (tls) {
      auto generated = test_support::make_test_certificate();
      ASSERT_TRUE(generated.ok()) << generated.error().describe();
      certificate = std::move(generated.value());
      options.tls = HttpServerTls{certificate.cert_file(), certificate.key_file()};
    }
    server = std::make_unique<HttpServer>(options, std::make_shared<Router>());
    ASSERT_TRUE(server->add_websocket("/stream", hub.handler(), ws_options).ok());
    Status status = server->start();
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }

  // Opens a WsClient (reconnect off) and returns its recorder.
  Recorder& connect(std::string target = "/stream", bool tls = false, std::string ping_text = "") {
    recorders.push_back(std::make_unique<Recorder>());
    Recorder& recorder = *recorders.back();
    net::WsClientOptions options;
    options.scheme = tls ? "wss" : "ws";
    options.host = "127.0.0.1";
    options.port = server->port();
    options.tls.ca_file = certificate.cert_file();
    options.reconnect.enabled = false;
    options.ping_text = std::move(ping_text);
    options.ping_interval = 50ms;
    io.run([&] {
      auto created = net::WsClient::create(io.io(), options, recorder.callbacks());
      EXPECT_TRUE(created.ok());
      if (!created.ok()) return;
      EXPECT_TRUE(created.value()->connect(target).ok());
      clients.push_back(std::move(created.value()));
    });
    return recorder;
  }

  bool logged(std::string_view needle) {
    std::lock_guard lock(log_mutex);
    for (const auto& line : log_lines) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  // A client that performs the handshake by hand and then never reads.
  bool open_raw_non_reading_client() {
    raw_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(raw_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server->port());
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(raw_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return false;
    std::string handshake =
        "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (::send(raw_fd, handshake.data(), handshake.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(handshake.size())) {
      return false;
    }
    std::string response;
    char c;
    while (response.find("\r\n\r\n") == std::string::npos && ::recv(raw_fd, &c, 1, 0) == 1) response += c;
    return response.rfind("HTTP/1.1 101", 0) == 0;
  }

  test_support::IoThread io;
  Hub hub;
  test_support::TestCertificate certificate;
  std::unique_ptr<HttpServer> server;
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::unique_ptr<net::WsClient>> clients;
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
  int raw_fd = -1;
};

TEST_F(WebSocketServerTest, EchoesAndReportsOpenMessageAndCloseOnce) {
  ASSERT_NO_FATAL_FAILURE(start());
  Recorder& client = connect("/stream?channel=books");
  ASSERT_TRUE(wait_until([&] { return client.opens() == 1 && hub.opens() == 1; }));
  EXPECT_EQ(hub.last_open_target(), "/stream?channel=books");
  ASSERT_TRUE(io.run([&] { return clients[0]->send("hello"); }).ok());
  ASSERT_TRUE(wait_until([&] { return client.message_count() == 1; }));
  EXPECT_EQ(client.messages()[0], "hello");
  EXPECT_EQ(hub.received(), std::vector<std::string>{"hello"});
  io.run([&] { clients[0]->close(); });
  ASSERT_TRUE(wait_until([&] { return hub.closes() == 1; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(hub.closes(), 1);
  EXPECT_EQ(hub.open_sessions(), 0u);
}

TEST_F(WebSocketServerTest, ServesWssWhenTlsIsConfigured) {
  ASSERT_NO_FATAL_FAILURE(start({}, /*tls=*/true));
  Recorder& client = connect("/stream", /*tls=*/true);
  ASSERT_TRUE(wait_until([&] { return client.opens() == 1; }));
  ASSERT_TRUE(io.run([&] { return clients[0]->send("secure"); }).ok());
  ASSERT_TRUE(wait_until([&] { return client.message_count() == 1; }));
  EXPECT_EQ(client.messages()[0], "secure");
}

TEST_F(WebSocketServerTest, AnswersAnUpgradeOnAnUnregisteredPathWith404) {
  ASSERT_NO_FATAL_FAILURE(start());
  Recorder& client = connect("/other");
  ASSERT_TRUE(wait_until([&] { return client.close_count() == 1; }));
  EXPECT_FALSE(client.closes()[0].was_open);
  EXPECT_EQ(hub.opens(), 0);
  EXPECT_TRUE(logged("GET /other 404"));
}

TEST_F(WebSocketServerTest, BroadcastsOneSharedMessageToTwentyClients) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (int i = 0; i < 20; ++i) connect();
  ASSERT_TRUE(wait_until([&] { return hub.open_sessions() == 20; }));
  auto message = std::make_shared<const std::string>(R"({"arg":{"channel":"books"},"data":[]})");
  EXPECT_EQ(hub.broadcast(message), 20);
  ASSERT_TRUE(wait_until([&] {
    for (auto& recorder : recorders) {
      if (recorder->message_count() != 1) return false;
    }
    return true;
  }));
  for (auto& recorder : recorders) EXPECT_EQ(recorder->messages()[0], *message);
  // Every session released the one shared object once written: nothing was copied or kept.
  EXPECT_TRUE(wait_until([&] { return message.use_count() == 1; }));
}

TEST_F(WebSocketServerTest, AcceptsSendsFromManyThreadsAtOnce) {
  ASSERT_NO_FATAL_FAILURE(start());
  Recorder& client = connect();
  ASSERT_TRUE(wait_until([&] { return hub.open_sessions() == 1; }));
  auto session = hub.sessions()[0];
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&session, t] {
      for (int i = 0; i < 50; ++i) session->send(std::to_string(t) + ":" + std::to_string(i));
    });
  }
  for (auto& sender : senders) sender.join();
  ASSERT_TRUE(wait_until([&] { return client.message_count() == 200; }));
}

TEST_F(WebSocketServerTest, DropsASlowReaderOnceItsQueueBoundIsExceeded) {
  WebSocketOptions options;
  options.max_queued_messages = 8;
  ASSERT_NO_FATAL_FAILURE(start(options));
  ASSERT_TRUE(open_raw_non_reading_client());
  ASSERT_TRUE(wait_until([&] { return hub.open_sessions() == 1; }));
  auto session = hub.sessions()[0];
  auto chunk = std::make_shared<const std::string>(64 * 1024, 'x');
  int accepted = 0;
  while (accepted < 10000 && session->send(chunk)) ++accepted;
  EXPECT_LT(accepted, 10000) << "the queue bound never refused a message";
  EXPECT_FALSE(session->is_open());
  ASSERT_TRUE(wait_until([&] { return hub.closes() == 1; }));
  EXPECT_TRUE(logged("slow reader"));
  EXPECT_FALSE(session->send(std::string("late"))) << "a dropped session refuses sends";
}

TEST_F(WebSocketServerTest, ClosesASilentClientAfterTheIdleTimeout) {
  WebSocketOptions options;
  options.idle_timeout = 200ms;
  ASSERT_NO_FATAL_FAILURE(start(options));
  auto opened_at = std::chrono::steady_clock::now();
  Recorder& client = connect();
  ASSERT_TRUE(wait_until([&] { return client.opens() == 1; }));
  ASSERT_TRUE(wait_until([&] { return client.close_count() == 1; }, 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - opened_at, 180ms);
  EXPECT_TRUE(client.closes()[0].was_open);
  EXPECT_TRUE(wait_until([&] { return hub.closes() == 1; }));
  EXPECT_TRUE(logged("idle timeout"));
}

TEST_F(WebSocketServerTest, KeepsAClientThatSendsTextPingsPastTheIdleTimeout) {
  WebSocketOptions options;
  options.idle_timeout = 200ms;
  ASSERT_NO_FATAL_FAILURE(start(options));
  Recorder& client = connect("/stream", false, /*ping_text=*/"ping");
  ASSERT_TRUE(wait_until([&] { return client.opens() == 1; }));
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(client.close_count(), 0u);
  EXPECT_EQ(io.run([&] { return clients[0]->state(); }), net::WsState::open);
  EXPECT_GE(hub.count_received("ping"), 5);
}

TEST_F(WebSocketServerTest, ClosesOpenSessionsWithGoingAwayOnStop) {
  ASSERT_NO_FATAL_FAILURE(start());
  Recorder& client = connect();
  ASSERT_TRUE(wait_until([&] { return hub.opens() == 1; }));
  server->stop();
  EXPECT_EQ(hub.closes(), 1) << "on_close has run when stop() returns";
  ASSERT_TRUE(wait_until([&] { return client.close_count() == 1; }));
  EXPECT_EQ(client.closes()[0].code, 1001);
  EXPECT_TRUE(client.closes()[0].by_peer);
}

TEST_F(WebSocketServerTest, ServesAPrefixRegistrationForExactlyOneMoreSegment) {
  HttpServerOptions options;
  options.bind = "127.0.0.1";
  options.port = 0;
  server = std::make_unique<HttpServer>(options, std::make_shared<Router>());
  ASSERT_TRUE(server->add_websocket("/keys/*", hub.handler()).ok());
  ASSERT_TRUE(server->start().ok());
  Recorder& good = connect("/keys/abc123");
  ASSERT_TRUE(wait_until([&] { return good.opens() == 1 && hub.opens() == 1; }));
  EXPECT_EQ(hub.last_open_target(), "/keys/abc123");
  Recorder& deeper = connect("/keys/a/b");
  Recorder& empty = connect("/keys/");
  ASSERT_TRUE(wait_until([&] { return deeper.close_count() == 1 && empty.close_count() == 1; }));
  EXPECT_FALSE(deeper.closes()[0].was_open);
  EXPECT_FALSE(empty.closes()[0].was_open);
  EXPECT_EQ(hub.opens(), 1);
}

TEST_F(WebSocketServerTest, RejectsBadOrDuplicateRegistrations) {
  HttpServer bare(HttpServerOptions{}, std::make_shared<Router>());
  EXPECT_EQ(bare.add_websocket("stream", {}).error().code, Errc::invalid_argument);
  EXPECT_TRUE(bare.add_websocket("/stream", {}).ok());
  EXPECT_EQ(bare.add_websocket("/stream", {}).error().code, Errc::already_exists);
  EXPECT_TRUE(bare.add_websocket("/keys/*", {}).ok());
  EXPECT_EQ(bare.add_websocket("/keys/*", {}).error().code, Errc::already_exists);
  EXPECT_EQ(bare.add_websocket("/a/*/b", {}).error().code, Errc::invalid_argument);
  EXPECT_EQ(bare.add_websocket("/a*", {}).error().code, Errc::invalid_argument);
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(server->add_websocket("/late", {}).error().code, Errc::conflict);
}

TEST_F(WebSocketServerTest, FailsToStartWithAMissingCertificateNamingTheFile) {
  HttpServerOptions options;
  options.port = 0;
  options.tls = HttpServerTls{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  HttpServer tls_server(options, std::make_shared<Router>());
  Status status = tls_server.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::config_invalid);
  EXPECT_NE(status.error().message.find("/nonexistent/cert.pem"), std::string::npos) << status.error().message;
}

}  // namespace
}  // namespace propbot::net
