// Test fixture for the OKX venue simulator: an net::HttpServer on port 0 with the OKX
// venue installed over a SimClock, one funded account, a signed blocking REST client
// (core/venues/okx RequestSigner) and WebSocket probes (core/net WsClient on an io
// thread) that record every text message for the test thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/okx/signing.hpp"
#include "core/venues/sim/okx/okx_sim_venue.hpp"
#include "tests/support/http_client.hpp"
#include "tests/unit/net/io_thread.hpp"

namespace propbot::venues::sim::okx_test {

using nlohmann::json;
using namespace std::chrono_literals;

inline constexpr const char* kKey = "key-alice";
inline constexpr const char* kSecret = "22582BD0CFF14C41EDBF1AB98506286D";
inline constexpr const char* kPassphrase = "pass-alice";

// Records a WsClient's messages; safe to read from the test thread.
class WsProbe {
 public:
  WsProbe(test_support::IoThread& io, std::uint16_t port, std::string target) : io_(io) {
    net::WsClientOptions options;
    options.scheme = "ws";
    options.host = "127.0.0.1";
    options.port = port;
    options.reconnect.enabled = false;
    options.pong_text = "<no pong filtering>";
    net::WsCallbacks callbacks;
    callbacks.on_open = [this] {
      std::lock_guard lock(mutex_);
      open_ = true;
    };
    callbacks.on_message = [this](std::string_view text) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(text);
    };
    callbacks.on_close = [this](const net::WsCloseInfo&) {
      std::lock_guard lock(mutex_);
      closed_ = true;
    };
    auto created = io_.run([&] { return net::WsClient::create(io_.io(), options, callbacks); });
    EXPECT_TRUE(created.ok());
    if (!created.ok()) return;
    client_ = std::move(created.value());
    Status connected = io_.run([&] { return client_->connect(target); });
    EXPECT_TRUE(connected.ok());
    EXPECT_TRUE(test_support::wait_until([&] {
      std::lock_guard lock(mutex_);
      return open_;
    }));
  }
  ~WsProbe() {
    io_.run([this] { client_.reset(); });
  }

  void send(std::string text) {
    Status sent = io_.run([&] { return client_->send(std::move(text)); });
    EXPECT_TRUE(sent.ok());
  }

  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  // Messages (parsed) that satisfy `match`, waiting until at least `count` arrived.
  template <typename Match>
  std::vector<json> wait_for(Match match, std::size_t count = 1, std::chrono::milliseconds timeout = 3s) const {
    std::vector<json> found;
    test_support::wait_until(
        [&] {
          found.clear();
          for (const std::string& text : messages()) {
            json parsed = json::parse(text, nullptr, false);
            if (!parsed.is_discarded() && match(parsed)) found.push_back(parsed);
          }
          return found.size() >= count;
        },
        timeout);
    return found;
  }
  // Raw texts of channel `channel` pushes, in arrival order.
  std::vector<std::string> channel_texts(const std::string& channel) const {
    std::vector<std::string> out;
    for (const std::string& text : messages()) {
      json parsed = json::parse(text, nullptr, false);
      if (parsed.is_object() && parsed.contains("data") && parsed["arg"].value("channel", "") == channel) {
        out.push_back(text);
      }
    }
    return out;
  }

 private:
  test_support::IoThread& io_;
  std::unique_ptr<net::WsClient> client_;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  bool open_ = false;
  bool closed_ = false;
};

class OkxSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimVenueConfig config;
    config.name = "okx";
    InstrumentRules btc;
    btc.symbol = "BTC-USDT";
    config.instruments.push_back(btc);
    InstrumentRules eth;
    eth.symbol = "ETH-USDT";
    eth.tick = Decimal::from_mantissa(1, 2);
    eth.step = Decimal::from_mantissa(1, 2);
    eth.min_qty = Decimal::from_mantissa(1, 2);
    config.instruments.push_back(eth);
    config.max_closed_orders = max_closed_orders;
    venue = make_okx_venue(config, clock);
    router = std::make_shared<net::Router>();
    net::HttpServerOptions options;
    options.port = 0;
    server = std::make_unique<net::HttpServer>(options, router);
    ASSERT_TRUE(venue->install(*router, *server).ok());
    ASSERT_TRUE(server->start().ok());
    SimAccountSpec account{kKey, kSecret, kPassphrase, {{"USDT", Decimal::from_mantissa(100000, 0)}}};
    ASSERT_TRUE(venue->create_account(account).ok());
    tick(60000.0);
  }
  void TearDown() override {
    probes.clear();
    server->stop();
  }

  void tick(double btc_mid, double eth_mid = 3000.0) {
    venue->on_market_tick({MarketTick{"BTC-USDT", btc_mid, 1.0, 20, btc_mid, btc_mid, 0.0001},
                           MarketTick{"ETH-USDT", eth_mid, 1.0, 20, eth_mid, eth_mid, 0.0001}});
  }

  test_support::HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                                UtcTime signed_at = UtcTime{}, const std::string& secret = kSecret) {
    venues::okx::RequestSigner signer({kKey, secret, kPassphrase, /*demo=*/true});
    test_support::HeaderList headers;
    for (const auto& header : signer.headers(signed_at == UtcTime{} ? clock.utc() : signed_at, method, target, body)) {
      headers.emplace_back(header.name, header.value);
    }
    return test_support::http_request("127.0.0.1", server->port(), method, target, body, headers);
  }
  test_support::HttpResult get_public(const std::string& target) {
    return test_support::http_request("127.0.0.1", server->port(), "GET", target);
  }
  static json body_of(const test_support::HttpResult& result) {
    json parsed = json::parse(result.body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.body;
    return parsed;
  }
  json place(const json& order) { return body_of(call("POST", "/api/v5/trade/order", order.dump())); }
  json position_of(const std::string& inst_id) {
    json body = body_of(call("GET", "/api/v5/account/positions?instId=" + inst_id));
    return body["data"].empty() ? json() : body["data"][0];
  }

  WsProbe& connect(const std::string& target) {
    probes.push_back(std::make_unique<WsProbe>(io, server->port(), target));
    return *probes.back();
  }
  WsProbe& login_private() {
    WsProbe& probe = connect("/ws/v5/private");
    venues::okx::RequestSigner signer({kKey, kSecret, kPassphrase, true});
    probe.send(signer.login_message(clock.utc()));
    auto login = probe.wait_for([](const json& m) { return m.value("event", "") == "login"; });
    EXPECT_EQ(login.size(), 1u);
    return probe;
  }

  // A derived fixture's constructor may lower it to reach the bound with a few orders.
  std::size_t max_closed_orders = kDefaultMaxClosedOrders;
  SimClock clock{UtcTime{std::chrono::seconds{1'700'000'000}}};
  std::unique_ptr<SimulatedVenue> venue;
  std::shared_ptr<net::Router> router;
  std::unique_ptr<net::HttpServer> server;
  test_support::IoThread io;
  std::vector<std::unique_ptr<WsProbe>> probes;
};

}  // namespace propbot::venues::sim::okx_test
