// WsClient against our own HttpServer's WebSocket endpoint over loopback (ws and wss):
// echo, server-initiated close, reconnect after a server restart, text ping/pong,
// dead-connection detection and backoff.
#include "core/net/ws_client.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "tests/unit/net/io_thread.hpp"
#include "tests/unit/net/tls_test_cert.hpp"
#include "tests/unit/net/ws_test_support.hpp"

namespace propbot::net {
namespace {

using namespace std::chrono_literals;
using test_support::wait_until;

class WsClientTest : public ::testing::Test {
 protected:
  ~WsClientTest() override {
    io.run([this] { client.reset(); });
    if (server) server->stop();
  }

  void start_server(std::uint16_t port = 0, bool answer_pings = true, bool tls = false) {
    net::HttpServerOptions options;
    options.port = port;
    if (tls) {
      auto generated = test_support::make_test_certificate();
      ASSERT_TRUE(generated.ok()) << generated.error().describe();
      certificate = std::move(generated.value());
      options.tls = net::HttpServerTls{certificate.cert_file(), certificate.key_file()};
    }
    server = std::make_unique<net::HttpServer>(options, std::make_shared<net::Router>());
    ASSERT_TRUE(server->add_websocket("/ws/v5/public", hub.handler(true, answer_pings)).ok());
    Status status = server->start();
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }

  WsClientOptions client_options(bool tls = false) {
    WsClientOptions options;
    options.scheme = tls ? "wss" : "ws";
    options.host = "127.0.0.1";
    options.port = server->port();
    options.tls.ca_file = certificate.cert_file();
    options.reconnect.enabled = false;
    options.reconnect.initial_delay = 20ms;
    options.reconnect.max_delay = 200ms;
    options.reconnect.seed = 42;
    return options;
  }

  void make_client(const WsClientOptions& options, std::string target = "/ws/v5/public") {
    auto created = io.run([&] { return WsClient::create(io.io(), options, recorder.callbacks()); });
    ASSERT_TRUE(created.ok()) << created.error().describe();
    client = std::move(created.value());
    Status status = io.run([&] { return client->connect(target); });
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }

  WsState state() { return io.run([this] { return client->state(); }); }
  Status send(std::string text) { return io.run([&] { return client->send(std::move(text)); }); }

  test_support::IoThread io;
  test_support::Hub hub;
  test_support::Recorder recorder;
  test_support::TestCertificate certificate;
  std::unique_ptr<net::HttpServer> server;
  std::unique_ptr<WsClient> client;
};

TEST_F(WsClientTest, EchoesTextThroughTheServer) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_NO_FATAL_FAILURE(make_client(client_options()));
  ASSERT_TRUE(wait_until([&] { return recorder.opens() == 1; }));
  EXPECT_EQ(state(), WsState::open);
  EXPECT_EQ(io.run([&] { return client->last_message_at(); }), MonoTime{});
  ASSERT_TRUE(send(R"({"op":"subscribe"})").ok());
  ASSERT_TRUE(wait_until([&] { return recorder.message_count() == 1; }));
  EXPECT_EQ(recorder.messages()[0], R"({"op":"subscribe"})");
  EXPECT_NE(io.run([&] { return client->last_message_at(); }), MonoTime{});
}

TEST_F(WsClientTest, EchoesOverWssTrustingTheGeneratedCertificate) {
  ASSERT_NO_FATAL_FAILURE(start_server(0, true, /*tls=*/true));
  ASSERT_NO_FATAL_FAILURE(make_client(client_options(/*tls=*/true)));
  ASSERT_TRUE(wait_until([&] { return recorder.opens() == 1; })) << (recorder.closes().empty() ? "" : recorder.closes()[0].reason);
  ASSERT_TRUE(send("hello over tls").ok());
  ASSERT_TRUE(wait_until([&] { return recorder.message_count() == 1; }));
  EXPECT_EQ(recorder.messages()[0], "hello over tls");
}

TEST_F(WsClientTest, RefusesSendWhenNotOpen) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  auto created = io.run([&] { return WsClient::create(io.io(), client_options(), recorder.callbacks()); });
  ASSERT_TRUE(created.ok());
  client = std::move(created.value());
  Status status = send("x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::unavailable);
}

TEST_F(WsClientTest, ReportsAServerInitiatedCloseWithCodeAndReason) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_NO_FATAL_FAILURE(make_client(client_options()));
  ASSERT_TRUE(wait_until([&] { return recorder.opens() == 1; }));
  ASSERT_TRUE(send("bye").ok());
  ASSERT_TRUE(wait_until([&] { return recorder.close_count() == 1; }));
  auto info = recorder.closes()[0];
  EXPECT_EQ(info.code, 4000);
  EXPECT_EQ(info.reason, "bye now");
  EXPECT_TRUE(info.by_peer);
  EXPECT_TRUE(info.was_open);
  EXPECT_FALSE(info.will_reconnect);
  EXPECT_EQ(state(), WsState::closed);
  EXPECT_TRUE(wait_until([&] { return hub.closes() == 1; }));
}

TEST_F(WsClientTest, ClosesCleanlyWhenAskedAndDoesNotReconnect) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  auto options = client_options();
  options.reconnect.enabled = true;
  ASSERT_NO_FATAL_FAILURE(make_client(options));
  ASSERT_TRUE(wait_until([&] { return recorder.opens() == 1; }));
  io.run([&] { client->close(1000, "done"); });
  ASSERT_TRUE(wait_until([&] { return recorder.close_count() == 1; }));
  EXPECT_FALSE(recorder.closes()[0].by_peer);
  EXPECT_FALSE(recorder.closes()[0].will_reconnect);
  EXPECT_EQ(state(), WsState::closed);
  EXPECT_TRUE(wait_until([&] { return hub.closes() == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(recorder.opens(), 1);
}

TEST_F(WsClientTest, ReconnectsAfterTheServerRestartsOnTheSamePort) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  const std::uint16_t port = server->port();
  auto options = client_options();
  options.reconnect.enabled = true;
  ASSERT_NO_FATAL_FAILURE(make_client(options));
  ASSERT_TRUE(wait_until([&] { return recorder.opens() == 1; }));

  server->stop();  // sends 1001 going away
  server.reset();
  ASSERT_TRUE(wait_until([&] { return recorder.close_count() >= 1; }));
  EXPECT_EQ(recorder.closes()[0].code, 1001);
  EXPECT_TRUE(recorder.closes()[0].will_reconnect);
  std::this_thread::sleep_for(100ms);  // a few refused attempts while nothing listens

  ASSERT_NO_FATAL_FAILURE(start_server(port));
  ASSERT_TRUE(wait_until([&] { return recorder.opens() == 2; }, 5s));
  EXPECT_EQ(state(), WsState::open);
  EXPECT_EQ(io.run([&] { return client->connections_opened(); }), 2u);
  ASSERT_TRUE(send("after restart").ok());
  ASSERT_TRUE(wait_until([&] { return recorder.message_count() == 1; }));
  EXPECT_EQ(recorder.messages()[0], "after restart");
}

TEST_F(WsClientTest, SendsTextPingsAndConsumesPongs) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  auto options = client_options();
  options.ping_text = "ping";
  options.ping_interval = 80ms;
  options.pong_timeout = 300ms;
  ASSERT_NO_FATAL_FAILURE(make_client(options));
  ASSERT_TRUE(wait_until([&] { return hub.count_received("ping") >= 3; }, 3s));
  EXPECT_EQ(state(), WsState::open);
  EXPECT_EQ(recorder.message_count(), 0u) << "pongs must not reach on_message";
  EXPECT_EQ(recorder.close_count(), 0u);
  EXPECT_EQ(io.run([&] { return client->last_message_at(); }), MonoTime{}) << "a pong is not data";
}

TEST_F(WsClientTest, DropsAndReconnectsAConnectionThatStopsAnsweringPings) {
  ASSERT_NO_FATAL_FAILURE(start_server(0, /*answer_pings=*/false));
  auto options = client_options();
  options.ping_text = "ping";
  options.ping_interval = 80ms;
  options.pong_timeout = 80ms;
  options.reconnect.enabled = true;
  ASSERT_NO_FATAL_FAILURE(make_client(options));
  ASSERT_TRUE(wait_until([&] { return recorder.close_count() >= 1; }, 3s));
  auto info = recorder.closes()[0];
  EXPECT_TRUE(info.was_open);
  EXPECT_TRUE(info.will_reconnect);
  EXPECT_NE(info.reason.find("no message within 80 ms after 'ping'"), std::string::npos) << info.reason;
  EXPECT_TRUE(wait_until([&] { return recorder.opens() >= 2; }, 3s));
}

TEST_F(WsClientTest, BacksOffExponentiallyWhileNothingListens) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  auto options = client_options();
  server->stop();
  server.reset();
  options.reconnect.enabled = true;
  options.reconnect.initial_delay = 10ms;
  options.reconnect.multiplier = 2.0;
  options.reconnect.max_delay = 50ms;
  options.reconnect.jitter = 0.0;
  std::vector<long> delays;
  std::mutex mutex;
  auto callbacks = recorder.callbacks();
  WsClient* raw = nullptr;
  callbacks.on_close = [&](const WsCloseInfo& info) {
    std::lock_guard lock(mutex);
    EXPECT_FALSE(info.was_open);
    delays.push_back(static_cast<long>(raw->current_backoff().count()));
  };
  auto created = io.run([&] { return WsClient::create(io.io(), options, callbacks); });
  ASSERT_TRUE(created.ok());
  client = std::move(created.value());
  raw = client.get();
  ASSERT_TRUE(io.run([&] { return client->connect("/ws/v5/public"); }).ok());
  ASSERT_TRUE(wait_until([&] { std::lock_guard lock(mutex); return delays.size() >= 5; }));
  io.run([&] { client->close(); });
  std::lock_guard lock(mutex);
  EXPECT_EQ(std::vector<long>(delays.begin(), delays.begin() + 5), (std::vector<long>{10, 20, 40, 50, 50}));
}

TEST_F(WsClientTest, KeepsJitteredDelaysWithinTheirBand) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  auto options = client_options();
  server->stop();
  server.reset();
  options.reconnect.enabled = true;
  options.reconnect.initial_delay = 40ms;
  options.reconnect.multiplier = 1.0;
  options.reconnect.jitter = 0.5;
  std::vector<long> delays;
  std::mutex mutex;
  auto callbacks = recorder.callbacks();
  WsClient* raw = nullptr;
  callbacks.on_close = [&](const WsCloseInfo&) {
    std::lock_guard lock(mutex);
    delays.push_back(static_cast<long>(raw->current_backoff().count()));
  };
  auto created = io.run([&] { return WsClient::create(io.io(), options, callbacks); });
  ASSERT_TRUE(created.ok());
  client = std::move(created.value());
  raw = client.get();
  ASSERT_TRUE(io.run([&] { return client->connect("/x"); }).ok());
  ASSERT_TRUE(wait_until([&] { std::lock_guard lock(mutex); return delays.size() >= 6; }));
  io.run([&] { client->close(); });
  std::lock_guard lock(mutex);
  bool all_same = true;
  for (long delay : delays) {
    EXPECT_GE(delay, 20);
    EXPECT_LE(delay, 60);
    all_same = all_same && delay == delays[0];
  }
  EXPECT_FALSE(all_same) << "jitter should spread the delays";
}

TEST_F(WsClientTest, FailsTheHandshakeOnAnUnknownPathWithoutReconnectingWhenDisabled) {
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_NO_FATAL_FAILURE(make_client(client_options(), "/nope"));
  ASSERT_TRUE(wait_until([&] { return recorder.close_count() == 1; }));
  EXPECT_FALSE(recorder.closes()[0].was_open);
  EXPECT_NE(recorder.closes()[0].reason.find("handshake"), std::string::npos) << recorder.closes()[0].reason;
  EXPECT_EQ(state(), WsState::closed);
}

}  // namespace
}  // namespace propbot::net
