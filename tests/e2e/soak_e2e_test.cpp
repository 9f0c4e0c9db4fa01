// Bounded memory (issue 11, item 0): an idle paper daemon — its embedded Binance and
// OKX simulators ticking, the adapters syncing books, the strategies and policies
// running — and a bare `propbot venue-sim` must not grow, and neither must venue-sim
// under order flow. Before the fixes the daemon grew ~0.77 MB/s (the simulator kept
// every cancelled liquidity order), an idle venue-sim ~0.15 MB/s, and venue-sim under
// orders by the OKX frontend's per-order fields and post-only cancels, never dropped.
//
// Both run side by side for PROPBOT_SOAK_SECONDS (default 90; run longer by hand), RSS
// sampled every 5 s:
// 1. idle: after a 30 s warm-up, each must stay within kMaxGrowthKib of its first warm
//    sample until the activity phase starts;
// 2. activity (the last kActivity): venue-sim takes order flow on both protocols —
//    batches placed and canceled, a market order now and then, on OKX post-only orders
//    that would take — from signed clients over keep-alive connections. Its closed-order
//    stores fill to their bound in the first kFillPhase; from then on it must stay
//    within kMaxGrowthKib. The paper daemon's samples run through both phases.
// The samples and the order counts are printed either way.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/venues/binance/signing.hpp"
#include "core/venues/okx/signing.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::size_t kMaxGrowthKib = 5 * 1024;
constexpr auto kWarmUp = 30s;
constexpr auto kActivity = 30s;
constexpr auto kFillPhase = 10s;
constexpr auto kSampleEvery = 5s;
constexpr auto kMinimumIdle = 15s;

std::size_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

std::chrono::seconds soak_time() {
  const char* text = std::getenv("PROPBOT_SOAK_SECONDS");
  const long seconds = text != nullptr && *text != '\0' ? std::atol(text) : 90;
  constexpr auto shortest = std::chrono::duration_cast<std::chrono::seconds>(kWarmUp + kMinimumIdle + kActivity);
  return std::max(std::chrono::seconds(seconds), shortest);
}

struct Series {
  std::string name;
  std::vector<std::size_t> samples;  // KiB, from the first sample of the phase

  std::size_t growth() const {
    std::size_t peak = 0;
    for (std::size_t s : samples) peak = std::max(peak, s);
    return samples.empty() ? 0 : peak - std::min(peak, samples.front());
  }
  void print() const {
    std::string line = "[          ] " + name + " RSS (KiB, every 5 s):";
    for (std::size_t s : samples) line += " " + std::to_string(s);
    std::cout << line << "; growth " << growth() << " KiB\n";
  }
};

UtcTime wall_clock() {
  return UtcTime(std::chrono::duration_cast<Nanos>(std::chrono::system_clock::now().time_since_epoch()));
}

// A keep-alive connection that reconnects after the server closed it.
class Connection {
 public:
  explicit Connection(std::uint16_t port) : port_(port), connection_("127.0.0.1", port) {}
  test_support::HttpResult request(const std::string& method, const std::string& target, const std::string& body,
                                   const test_support::HeaderList& headers) {
    if (!connection_.connected() || connection_.closed_by_peer()) {
      connection_ = test_support::HttpConnection("127.0.0.1", port_);
    }
    return connection_.request(method, target, body, headers);
  }

 private:
  std::uint16_t port_;
  test_support::HttpConnection connection_;
};

constexpr int kBatches = 4;  // Binance: 4 batches of 5 orders per round, then one cancel-all

// One signed client of the Binance frontend: rounds of 20 resting buys placed in
// batches then canceled at once, a market order every 10th round (alternating sides).
class BinanceFlow {
 public:
  BinanceFlow(std::uint16_t port, std::string key, const std::string& secret)
      : connection_(port), key_(std::move(key)), signer_(secret) {}

  void round(int n) {
    json batch = json::array();
    for (int i = 0; i < 5; ++i) {
      batch.push_back({{"symbol", "BTCUSDT"}, {"side", "BUY"},        {"type", "LIMIT"},
                       {"timeInForce", "GTC"}, {"quantity", "0.001"}, {"price", "50000"}});
    }
    for (int b = 0; b < kBatches; ++b) {
      auto reply = send("POST", "/fapi/v1/batchOrders", {{"batchOrders", batch.dump()}});
      const json items = json::parse(reply.body, nullptr, false);
      if (items.is_array()) {
        for (const json& item : items) placed += item.contains("orderId") ? 1 : 0;
      }
      errors += reply.status == 200 ? 0 : 1;
    }
    errors += send("DELETE", "/fapi/v1/allOpenOrders", {{"symbol", "BTCUSDT"}}).status == 200 ? 0 : 1;
    if (n % 10 == 0) {
      auto reply = send("POST", "/fapi/v1/order",
                        {{"symbol", "BTCUSDT"}, {"side", n % 20 == 0 ? "BUY" : "SELL"}, {"type", "MARKET"},
                         {"quantity", "0.001"}});
      placed += reply.status == 200 ? 1 : 0;
      errors += reply.status == 200 ? 0 : 1;
    }
  }

  std::size_t placed = 0;
  std::size_t errors = 0;

 private:
  test_support::HttpResult send(const std::string& method, const std::string& path,
                                const std::vector<venues::binance::QueryParam>& params) {
    const std::string signed_params = signer_.sign_params(params, to_unix_ms(wall_clock()));
    test_support::HeaderList headers{{"X-MBX-APIKEY", key_}};
    if (method == "DELETE") return connection_.request(method, path + "?" + signed_params, "", headers);
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return connection_.request(method, path, signed_params, headers);
  }

  Connection connection_;
  std::string key_;
  venues::binance::RequestSigner signer_;
};

// One signed client of the OKX frontend: rounds of 20 resting buys placed in one batch
// and canceled in one batch, a market order every 10th round (alternating sides) and a
// post-only buy far through the ask (accepted, then canceled with cancelSource 31)
// every 5th.
class OkxFlow {
 public:
  OkxFlow(std::uint16_t port, const std::string& key, const std::string& secret, const std::string& passphrase)
      : connection_(port), signer_({key, secret, passphrase, /*demo=*/false}) {}

  void round(int n) {
    json batch = json::array();
    for (int i = 0; i < 20; ++i) {
      batch.push_back({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                       {"ordType", "limit"},       {"sz", "1"},          {"px", "50000"}});
    }
    json cancels = json::array();
    for (const json& item : data_of(send("/api/v5/trade/batch-orders", batch))) {
      if (item.value("sCode", "") != "0") continue;
      ++placed;
      cancels.push_back({{"instId", "BTC-USDT-SWAP"}, {"ordId", item.value("ordId", "")}});
    }
    if (!cancels.empty()) data_of(send("/api/v5/trade/cancel-batch-orders", cancels));
    if (n % 10 == 0) {
      json market = {{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", n % 20 == 0 ? "buy" : "sell"},
                     {"ordType", "market"}, {"sz", "1"}};
      placed += data_of(send("/api/v5/trade/order", market)).size();
    }
    if (n % 5 == 0) {
      json post_only = {{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                        {"ordType", "post_only"},    {"sz", "1"},          {"px", "200000"}};
      placed += data_of(send("/api/v5/trade/order", post_only)).size();
    }
  }

  std::size_t placed = 0;
  std::size_t errors = 0;

 private:
  test_support::HttpResult send(const std::string& path, const json& body) {
    const std::string text = body.dump();
    test_support::HeaderList headers;
    for (const auto& header : signer_.headers(wall_clock(), "POST", path, text)) {
      headers.emplace_back(header.name, header.value);
    }
    return connection_.request("POST", path, text, headers);
  }
  // The data[] items answered with sCode 0 or not; a transport or top-level error counts.
  json data_of(const test_support::HttpResult& reply) {
    const json body = json::parse(reply.body, nullptr, false);
    if (reply.status != 200 || !body.is_object() || body.value("code", "") != "0" || !body["data"].is_array()) {
      ++errors;
      return json::array();
    }
    return body["data"];
  }

  Connection connection_;
  venues::okx::RequestSigner signer_;
};

bool create_account(std::uint16_t admin, const json& request) {
  const auto created = test_support::http_request("127.0.0.1", admin, "POST", "/admin/accounts", request.dump(),
                                                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(created.status, 201) << created.body;
  return created.status == 201;
}

TEST(SoakE2E, APaperDaemonAndTheVenueSimulatorKeepTheirMemoryFlatIdleAndUnderOrderFlow) {
  TempDir data;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data.path()});
  ASSERT_TRUE(daemon.start());
  ASSERT_TRUE(daemon.wait_for_listening(20s).has_value()) << daemon.stderr_text();
  DaemonProcess simulator(
      {PROPBOT_BINARY, "venue-sim", "--admin-port", "0", "--binance-port", "0", "--okx-port", "0"});
  ASSERT_TRUE(simulator.start());
  const auto listeners = wait_for_venue_sim_listeners(simulator, 15s);
  std::map<std::string, std::uint16_t> ports;
  for (const auto& [name, port] : listeners.value_or(std::map<std::string, int>{})) {
    ports[name] = static_cast<std::uint16_t>(port);
  }
  ASSERT_TRUE(ports.count("admin") && ports.count("binance") && ports.count("okx"))
      << simulator.stdout_text() << simulator.stderr_text();
  ASSERT_TRUE(create_account(ports.at("admin"),
                             {{"venue", "binance"}, {"api_key", "soak-binance"}, {"api_secret", "soak-secret"},
                              {"balances", {{"USDT", 10'000'000}}}}));
  ASSERT_TRUE(create_account(ports.at("admin"),
                             {{"venue", "okx"}, {"api_key", "soak-okx"}, {"api_secret", "soak-secret"},
                              {"passphrase", "soak-pass"}, {"balances", {{"USDT", 10'000'000}}}}));

  const auto total = soak_time();
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(kWarmUp);
  Series paper{"paper daemon, after warm-up", {}}, sim{"venue-sim idle, after warm-up", {}};
  Series busy{"venue-sim under order flow", {}};
  const auto sample_until = [&](std::chrono::steady_clock::time_point until, Series& sim_series) {
    while (std::chrono::steady_clock::now() < until) {
      if (!daemon.running() || !simulator.running()) return false;
      paper.samples.push_back(rss_kib(daemon.pid()));
      sim_series.samples.push_back(rss_kib(simulator.pid()));
      std::this_thread::sleep_for(kSampleEvery);
    }
    return true;
  };
  const auto activity_start = started + total - kActivity;
  ASSERT_TRUE(sample_until(activity_start, sim)) << daemon.stderr_text() << simulator.stderr_text();

  BinanceFlow binance(ports.at("binance"), "soak-binance", "soak-secret");
  OkxFlow okx(ports.at("okx"), "soak-okx", "soak-secret", "soak-pass");
  std::atomic<bool> stop{false};
  int rounds = 0;
  std::thread flow([&] {
    while (!stop.load()) {
      ++rounds;
      binance.round(rounds);
      okx.round(rounds);
    }
  });
  Series filling{"venue-sim filling its closed-order stores", {}};
  const bool alive = sample_until(std::chrono::steady_clock::now() + kFillPhase, filling) &&
                     sample_until(started + total, busy);
  stop = true;
  flow.join();
  ASSERT_TRUE(alive) << daemon.stderr_text() << simulator.stderr_text();

  paper.print();
  sim.print();
  filling.print();
  busy.print();
  std::cout << "[          ] order flow: " << rounds << " rounds; binance " << binance.placed << " orders placed, "
            << binance.errors << " errors; okx " << okx.placed << " orders placed, " << okx.errors << " errors\n";
  EXPECT_LT(paper.growth(), kMaxGrowthKib);
  EXPECT_LT(sim.growth(), kMaxGrowthKib);
  EXPECT_LT(busy.growth(), kMaxGrowthKib);
  EXPECT_EQ(binance.errors, 0u);
  EXPECT_EQ(okx.errors, 0u);
  EXPECT_GT(binance.placed, 1000u) << "too little order flow to say anything";
  EXPECT_GT(okx.placed, 1000u) << "too little order flow to say anything";

  daemon.send_signal(SIGTERM);
  simulator.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(15s).value_or(-1), 0);
  EXPECT_EQ(simulator.wait_exit(15s).value_or(-1), 0);
}

}  // namespace
}  // namespace propbot::testing
