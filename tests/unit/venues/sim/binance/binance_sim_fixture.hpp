// Test fixture for the Binance USDⓈ-M venue simulator over loopback: a real HttpServer on
// port 0 with the venue installed over a SimClock (seed 7 unless a test names its own),
// one funded account (more through add_account), requests signed with the production
// RequestSigner, and StreamRecorder probes (production WsClient on an io thread) that
// record every text message for the test thread.
#pragma once
#include "core/venues/sim/binance/binance_sim_venue.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/net/http_server.hpp"
#include "core/md/binance_book_sync.hpp"
#include "core/net/ws_client.hpp"
#include "core/venues/binance/signing.hpp"
#include "tests/support/http_client.hpp"
#include "tests/unit/net/io_thread.hpp"

namespace propbot::venues::sim::binance_test {

using namespace std::chrono_literals;
using nlohmann::json;
using test_support::HttpResult;
using test_support::wait_until;
using Params = std::vector<binance::QueryParam>;

constexpr const char* kKey = "test-key-a";
constexpr const char* kSecret = "test-secret-a";

// Messages of one WebSocket connection, collected on the io thread.
class StreamRecorder {
 public:
  net::WsCallbacks callbacks() {
    net::WsCallbacks cb;
    cb.on_open = [this] { opens_.fetch_add(1); };
    cb.on_message = [this](std::string_view text) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(text);
    };
    cb.on_close = [this](const net::WsCloseInfo&) { closes_.fetch_add(1); };
    return cb;
  }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  int opens() const { return opens_.load(); }
  int closes() const { return closes_.load(); }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  std::atomic<int> opens_{0};
  std::atomic<int> closes_{0};
};

class BinanceSimVenueTest : public ::testing::Test {
 protected:
  BinanceSimVenueTest() : BinanceSimVenueTest(7) {}
  // A venue whose deterministic liquidity and ids come from `seed`.
  explicit BinanceSimVenueTest(std::uint64_t seed) {
    SimVenueConfig config;
    config.name = "binance";
    config.seed = seed;
    InstrumentRules rules;
    rules.symbol = "BTC-USDT";
    config.instruments.push_back(rules);
    venue = make_binance_venue(config, clock);
    router = std::make_shared<net::Router>();
    net::HttpServerOptions options;
    options.port = 0;
    server = std::make_unique<net::HttpServer>(options, router);
    Status installed = venue->install(*router, *server);
    EXPECT_TRUE(installed.ok()) << installed.error().describe();
    Status started = server->start();
    EXPECT_TRUE(started.ok()) << started.error().describe();
    add_account(kKey, kSecret);
    tick(50000);
  }

  // Opens one more account, funded like the first one.
  void add_account(const char* key, const char* secret) {
    SimAccountSpec account;
    account.api_key = key;
    account.api_secret = secret;
    account.balances["USDT"] = Decimal::from_mantissa(100000, 0);
    EXPECT_TRUE(venue->create_account(account).ok());
  }

  ~BinanceSimVenueTest() override {
    io.run([this] { clients.clear(); });
    server->stop();
  }

  void tick(double mid) {
    MarketTick t;
    t.symbol = "BTC-USDT";
    t.mid = mid;
    t.spread_bps = 2.0;
    t.depth_levels = 5;
    t.mark = mid;
    t.index = mid;
    t.funding_rate = 0.0001;
    venue->on_market_tick({t});
  }

  std::int64_t now_ms() const { return to_unix_ms(clock.utc()); }

  HttpResult get(const std::string& target) {
    return test_support::http_request("127.0.0.1", server->port(), "GET", target);
  }

  HttpResult call(const std::string& method, const std::string& path, const Params& params,
                  const std::string& secret = kSecret, std::optional<std::int64_t> timestamp = std::nullopt,
                  const std::string& key = kKey) {
    binance::RequestSigner signer(secret);
    const std::string signed_params = signer.sign_params(params, timestamp.value_or(now_ms()));
    test_support::HeaderList headers{{"X-MBX-APIKEY", key}};
    if (method == "GET" || method == "DELETE") {
      return test_support::http_request("127.0.0.1", server->port(), method, path + "?" + signed_params, "", headers);
    }
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return test_support::http_request("127.0.0.1", server->port(), method, path, signed_params, headers);
  }

  HttpResult order(const std::string& side, const std::string& type, const std::string& quantity,
                   const std::string& price = "", const std::string& tif = "", const std::string& client_id = "") {
    Params p{{"symbol", "BTCUSDT"}, {"side", side}, {"type", type}, {"quantity", quantity}};
    if (!price.empty()) p.push_back({"price", price});
    if (!tif.empty()) p.push_back({"timeInForce", tif});
    if (!client_id.empty()) p.push_back({"newClientOrderId", client_id});
    return call("POST", "/fapi/v1/order", p);
  }

  json depth_snapshot(int limit = 1000) {
    auto r = get("/fapi/v1/depth?symbol=BTCUSDT&limit=" + std::to_string(limit));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  std::string best_ask() { return depth_snapshot(5)["asks"][0][0].get<std::string>(); }
  std::string best_bid() { return depth_snapshot(5)["bids"][0][0].get<std::string>(); }

  std::size_t sessions() { return venue->describe()["counters"]["websocket_sessions"].get<std::size_t>(); }

  // Connects a WsClient to `target` and waits until the venue has registered it.
  StreamRecorder& connect(const std::string& target) {
    const std::size_t before = sessions();
    recorders.push_back(std::make_unique<StreamRecorder>());
    StreamRecorder& recorder = *recorders.back();
    net::WsClientOptions options;
    options.scheme = "ws";
    options.host = "127.0.0.1";
    options.port = server->port();
    options.reconnect.enabled = false;
    auto created = io.run([&] { return net::WsClient::create(io.io(), options, recorder.callbacks()); });
    EXPECT_TRUE(created.ok());
    clients.push_back(std::move(created.value()));
    net::WsClient* client = clients.back().get();
    Status connected = io.run([&] { return client->connect(target); });
    EXPECT_TRUE(connected.ok());
    EXPECT_TRUE(wait_until([&] { return sessions() == before + 1; }));
    return recorder;
  }

  std::vector<json> events_of(const StreamRecorder& recorder, const std::string& type) {
    std::vector<json> out;
    for (const auto& m : recorder.messages()) {
      json j = json::parse(m);
      if (j.value("e", "") == type) out.push_back(j);
    }
    return out;
  }

  static md::BinanceBookSync make_sync() {
    md::InstrumentSpec spec;
    spec.venue = "SIM";
    spec.symbol = "BTC-USDT";
    auto grid = md::LevelGrid::create(Decimal::from_mantissa(1, 1), Decimal::from_mantissa(1, 3));
    return md::BinanceBookSync(spec, grid.value());
  }

  SimClock clock{UtcTime{std::chrono::milliseconds{1'763'900'000'000}}};
  std::unique_ptr<SimulatedVenue> venue;  // outlives the server (its callbacks point into it)
  std::shared_ptr<net::Router> router;
  std::unique_ptr<net::HttpServer> server;
  test_support::IoThread io;
  std::vector<std::unique_ptr<StreamRecorder>> recorders;
  std::vector<std::unique_ptr<net::WsClient>> clients;
};

}  // namespace propbot::venues::sim::binance_test
