// The Binance adapter against an in-process fake Binance: an net::HttpServer on a
// loopback port with the REST routes the adapter uses (answers from the fixtures,
// signatures checked with binance::verify_signature) and the routed WebSocket paths
// (/public/stream, /market/stream, /private/ws) through which the test pushes depth
// diffs and user events. The adapter runs on the test's io_context with a RealClock.
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "core/venues/binance/adapter.hpp"
#include "core/venues/binance/errors.hpp"
#include "core/venues/binance/signing.hpp"

namespace propbot::venues::binance {
namespace {

Logger quiet_logger() {
  LogOptions options;
  options.level = "warn";
  return Logger(make_logger(options));
}

constexpr const char* kApiKey = "test-api-key";
constexpr const char* kSecret = "test-secret-never-logged";

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/binance/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Decimal dec(const char* text) { return Decimal::parse(text).value(); }

// What the fake answers to POST /fapi/v1/order.
enum class OrderMode { accept, too_many_requests, banned, duplicate, hang };

class FakeBinance {
 public:
  FakeBinance() {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/fapi/v1/time", [](const net::HttpRequest&) {
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch());
      return net::HttpResponse{200, "application/json", "{\"serverTime\":" + std::to_string(now.count()) + "}", {}};
    });
    router->add("GET", "/fapi/v1/exchangeInfo", [](const net::HttpRequest&) {
      return net::HttpResponse{200, "application/json", fixture("exchange_info.json"), {}};
    });
    router->add("GET", "/fapi/v1/depth", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      ++depth_requests_[request.query.count("symbol") ? request.query.at("symbol") : ""];
      return net::HttpResponse{200, "application/json", snapshot_, {{"X-MBX-USED-WEIGHT-1M", "21"}}};
    });
    router->add("POST", "/fapi/v1/order", [this](const net::HttpRequest& request) {
      check_signature(request);
      std::lock_guard lock(mutex_);
      ++order_hits_;
      last_order_body_ = request.body;
      if (order_mode_ == OrderMode::hang) {
        // Processed, but the reply comes after the client's deadline.
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        return net::HttpResponse{200, "application/json", fixture("order_result.json"), {}};
      }
      switch (order_mode_) {
        case OrderMode::accept:
          return net::HttpResponse{200, "application/json", fixture("order_result.json"),
                                   {{"X-MBX-ORDER-COUNT-10S", "1"}, {"X-MBX-ORDER-COUNT-1M", "1"}}};
        case OrderMode::too_many_requests:
          return net::HttpResponse{429, "application/json",
                                   R"({"code":-1003,"msg":"Too many requests; current limit is 2400 requests per minute."})",
                                   {{"Retry-After", "1"}}};
        case OrderMode::banned:
          return net::HttpResponse{418, "application/json",
                                   R"({"code":-1003,"msg":"Way too many requests; IP banned until 1732000120000."})",
                                   {{"Retry-After", "120"}}};
        case OrderMode::hang:
        case OrderMode::duplicate: {
          auto [status, body] = error_body(-4116);
          return net::HttpResponse{status, "application/json", body, {}};
        }
      }
      return net::HttpResponse{500, "application/json", "{}", {}};
    });
    router->add("POST", "/fapi/v1/batchOrders", [this](const net::HttpRequest& request) {
      check_signature(request);
      std::lock_guard lock(mutex_);
      last_batch_ = request.body;
      return net::HttpResponse{200, "application/json", fixture("batch_orders_mixed.json"), {}};
    });
    router->add("POST", "/fapi/v1/listenKey", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      if (request.header("x-mbx-apikey") != kApiKey) ++bad_signatures_;
      ++listen_keys_created_;
      return net::HttpResponse{200, "application/json",
                               "{\"listenKey\":\"key" + std::to_string(listen_keys_created_) + "\"}", {}};
    });
    router->add("PUT", "/fapi/v1/listenKey", [this](const net::HttpRequest&) {
      std::lock_guard lock(mutex_);
      ++keepalives_;
      return net::HttpResponse{200, "application/json", "{}", {}};
    });
    router->add("DELETE", "/fapi/v1/listenKey",
                [](const net::HttpRequest&) { return net::HttpResponse{200, "application/json", "{}", {}}; });
    // What the adapter reads to recover after a user-stream reconnect: nothing happened.
    for (const char* path : {"/fapi/v1/userTrades", "/fapi/v1/openOrders", "/fapi/v2/positionRisk", "/fapi/v2/balance"}) {
      router->add("GET", path, [this](const net::HttpRequest& request) {
        check_signature(request);
        std::lock_guard lock(mutex_);
        ++recovery_requests_;
        return net::HttpResponse{200, "application/json", "[]", {}};
      });
    }

    net::HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(options, router);
    add_ws("/public/stream", public_);
    add_ws("/market/stream", market_);
    add_ws("/private/ws", private_);
    EXPECT_TRUE(server_->start().ok());
  }
  ~FakeBinance() { server_->stop(); }

  std::string rest_url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(server_->port()); }

  void set_order_mode(OrderMode mode) {
    std::lock_guard lock(mutex_);
    order_mode_ = mode;
  }
  void set_snapshot(std::string text) {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(text);
  }
  int order_hits() const {
    std::lock_guard lock(mutex_);
    return order_hits_;
  }
  int good_signatures() const {
    std::lock_guard lock(mutex_);
    return good_signatures_;
  }
  int bad_signatures() const {
    std::lock_guard lock(mutex_);
    return bad_signatures_;
  }
  int depth_requests(const std::string& symbol) const {
    std::lock_guard lock(mutex_);
    auto it = depth_requests_.find(symbol);
    return it == depth_requests_.end() ? 0 : it->second;
  }
  int listen_keys_created() const {
    std::lock_guard lock(mutex_);
    return listen_keys_created_;
  }
  std::string last_order_body() const {
    std::lock_guard lock(mutex_);
    return last_order_body_;
  }
  std::string last_batch() const {
    std::lock_guard lock(mutex_);
    return last_batch_;
  }
  std::string private_key() const {
    std::lock_guard lock(mutex_);
    return private_.last_query;
  }
  int private_opens() const {
    std::lock_guard lock(mutex_);
    return private_.opens;
  }
  bool public_open() const {
    std::lock_guard lock(mutex_);
    return public_.session != nullptr;
  }
  int public_opens() const {
    std::lock_guard lock(mutex_);
    return public_.opens;
  }
  void close_public() {
    std::shared_ptr<net::WebSocketSession> session;
    {
      std::lock_guard lock(mutex_);
      session = public_.session;
    }
    if (session) session->close(1001, "going away");
  }
  int keepalives() const {
    std::lock_guard lock(mutex_);
    return keepalives_;
  }
  int recovery_requests() const {
    std::lock_guard lock(mutex_);
    return recovery_requests_;
  }
  bool market_open() const {
    std::lock_guard lock(mutex_);
    return market_.session != nullptr;
  }
  bool push_market(const std::string& text) { return push(market_, text); }
  bool push_public(const std::string& text) { return push(public_, text); }
  bool push_private(const std::string& text) { return push(private_, text); }

 private:
  struct Channel {
    std::shared_ptr<net::WebSocketSession> session;
    std::string last_query;  // listenKey of the last connection
    int opens = 0;
  };

  void add_ws(const std::string& path, Channel& channel) {
    net::WebSocketHandler handler;
    handler.on_open = [this, &channel](const std::shared_ptr<net::WebSocketSession>& session,
                                       const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      channel.session = session;
      ++channel.opens;
      auto key = request.query.find("listenKey");
      channel.last_query = key == request.query.end() ? "" : key->second;
    };
    handler.on_close = [this, &channel](const std::shared_ptr<net::WebSocketSession>& session) {
      std::lock_guard lock(mutex_);
      if (channel.session == session) channel.session.reset();
    };
    EXPECT_TRUE(server_->add_websocket(path, handler).ok());
  }

  bool push(Channel& channel, const std::string& text) {
    std::shared_ptr<net::WebSocketSession> session;
    {
      std::lock_guard lock(mutex_);
      session = channel.session;
    }
    return session && session->send(text);
  }

  void check_signature(const net::HttpRequest& request) {
    const auto q = request.target.find('?');
    const std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
    auto parts = split_signature(query, request.body);
    const bool ok = request.header("x-mbx-apikey") == kApiKey && parts.ok() &&
                    verify_signature(std::string_view(kSecret), parts->total_params, parts->signature) &&
                    parts->total_params.find("timestamp=") != std::string::npos &&
                    parts->total_params.find("recvWindow=5000") != std::string::npos;
    std::lock_guard lock(mutex_);
    ++(ok ? good_signatures_ : bad_signatures_);
  }

  mutable std::mutex mutex_;
  std::unique_ptr<net::HttpServer> server_;
  Channel public_;
  Channel market_;
  Channel private_;
  OrderMode order_mode_ = OrderMode::accept;
  std::string snapshot_ = R"({"lastUpdateId":100,"E":1,"T":1,"bids":[["97000.0","1.000"]],"asks":[["97000.5","2.000"]]})";
  std::map<std::string, int> depth_requests_;
  int order_hits_ = 0;
  int good_signatures_ = 0;
  int bad_signatures_ = 0;
  int listen_keys_created_ = 0;
  int keepalives_ = 0;
  int recovery_requests_ = 0;
  std::string last_order_body_;
  std::string last_batch_;
};

class RecordingListener : public MarketDataListener, public PrivateListener {
 public:
  void on_book(const md::OrderBook&) override { ++books; }
  void on_funding(const FundingInfo& info) override { funding.push_back(info); }
  void on_book_state(const std::string& symbol, bool valid, const std::string& reason) override {
    states.push_back(symbol + (valid ? " valid " : " invalid ") + reason);
  }
  void on_order_update(const OrderState& order) override { orders.push_back(order); }
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  void on_position(const Position& position) override { positions.push_back(position); }
  void on_balance(const Balance& balance) override { balances.push_back(balance); }
  void on_private_stream(bool connected) override { private_stream.push_back(connected); }

  int books = 0;
  std::vector<FundingInfo> funding;
  std::vector<std::string> states;
  std::vector<OrderState> orders;
  std::vector<Fill> fills;
  std::vector<Position> positions;
  std::vector<Balance> balances;
  std::vector<bool> private_stream;
};

std::string depth(std::int64_t first, std::int64_t final, std::int64_t prev, const char* bid, const char* ask) {
  return std::string(R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":2,"T":2,"s":"BTCUSDT","U":)") +
         std::to_string(first) + ",\"u\":" + std::to_string(final) + ",\"pu\":" + std::to_string(prev) +
         ",\"b\":[[\"" + bid + "\",\"1.500\"]],\"a\":[[\"" + ask + "\",\"0.700\"]]}}";
}

class BinanceAdapterTest : public ::testing::Test {
 protected:
  BinanceAdapterTest() : clock_(io_) {
    BinanceAdapterOptions options;
    options.rest_base_url = fake_.rest_url();
    options.ws_base_url = fake_.ws_url();
    options.api_key = kApiKey;
    options.api_secret = kSecret;
    options.symbols = {"BTC-USDT", "ETH-USDT"};
    options.reconnect.initial_delay = std::chrono::milliseconds(50);
    options.reconnect.seed = 7;
    options.snapshot_retry_initial = std::chrono::milliseconds(20);
    options.request_timeout = std::chrono::milliseconds(3000);
    options.listen_key_keepalive = std::chrono::milliseconds(100);
    auto venue = make_binance_adapter(io_, clock_, std::move(options), quiet_logger());
    EXPECT_TRUE(venue.ok());
    venue_ = std::move(venue.value());
    adapter_ = dynamic_cast<BinanceAdapter*>(venue_.get());
  }
  ~BinanceAdapterTest() override {
    venue_->stop();
    run_for(std::chrono::milliseconds(50));
    venue_.reset();
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  void run_for(std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
  }
  void initialize() {
    std::optional<Status> status;
    adapter_->initialize([&](Status s) { status = s; });
    ASSERT_TRUE(run_until([&] { return status.has_value(); }));
    ASSERT_TRUE(status->ok()) << status->error().describe();
  }
  VenueResult<OrderState> place(const OrderRequest& request) {
    std::optional<VenueResult<OrderState>> result;
    venue_->place(request, [&](VenueResult<OrderState> r) { result = std::move(r); });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }));
    return result ? std::move(*result) : VenueResult<OrderState>(VenueError{});
  }
  static OrderRequest limit_buy(std::string client_id) {
    OrderRequest request;
    request.symbol = "BTC-USDT";
    request.quantity = dec("0.025");
    request.price = dec("97000.2");
    request.client_order_id = std::move(client_id);
    return request;
  }

  FakeBinance fake_;
  boost::asio::io_context io_;
  RealClock clock_;
  std::unique_ptr<Venue> venue_;
  BinanceAdapter* adapter_ = nullptr;
};

TEST_F(BinanceAdapterTest, LoadsInstrumentsFromExchangeInfo) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  ASSERT_EQ(venue_->instruments().size(), 2u);
  EXPECT_EQ(venue_->instruments()[0].canonical_id(), "BINANCE:PERP:BTC-USDT");
  EXPECT_DOUBLE_EQ(venue_->instruments()[1].tick_size, 0.01);
  EXPECT_LT(std::abs(adapter_->clock_offset_ms()), 1000);
}

TEST_F(BinanceAdapterTest, PlacesASignedOrderAndReturnsTheParsedOrderState) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  auto result = place(limit_buy("pb1a2b3c4d5e"));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result.value().client_order_id, "pb1a2b3c4d5e");
  EXPECT_EQ(result.value().venue_order_id, "4093857123");
  EXPECT_EQ(result.value().status, OrderStatus::partially_filled);
  EXPECT_EQ(result.value().filled_quantity, dec("0.01"));
  EXPECT_EQ(fake_.good_signatures(), 1);
  EXPECT_EQ(fake_.bad_signatures(), 0);
  EXPECT_NE(fake_.last_order_body().find("price=97000.2&newClientOrderId=pb1a2b3c4d5e"), std::string::npos);
}

TEST_F(BinanceAdapterTest, RefusesAnOffGridPriceWithoutSendingIt) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  auto request = limit_buy("pboffgrid");
  request.price = dec("97000.25");
  auto result = place(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().venue_code, "LOCAL");
  EXPECT_EQ(fake_.order_hits(), 0);
}

TEST_F(BinanceAdapterTest, StopsSendingAfter429UntilRetryAfterHasPassed) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  fake_.set_order_mode(OrderMode::too_many_requests);
  auto first = place(limit_buy("pbrl1"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, VenueErrc::rate_limited);
  EXPECT_EQ(fake_.order_hits(), 1);
  // Ten more attempts while backing off: none reaches the venue.
  for (int i = 0; i < 10; ++i) {
    auto refused = place(limit_buy("pbrl2"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, VenueErrc::rate_limited);
    EXPECT_EQ(refused.error().venue_code, "LOCAL");
    EXPECT_TRUE(refused.error().retry_after.has_value());
  }
  EXPECT_EQ(fake_.order_hits(), 1);
  fake_.set_order_mode(OrderMode::accept);
  ASSERT_TRUE(run_until([&] { return adapter_->rate_limits().state != RateLimitState::backing_off; },
                        std::chrono::seconds(5)));
  auto later = place(limit_buy("pbrl3"));
  EXPECT_TRUE(later.ok()) << later.error().describe();
  EXPECT_EQ(fake_.order_hits(), 2);
}

TEST_F(BinanceAdapterTest, QuarantinesTheVenueAfter418) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  fake_.set_order_mode(OrderMode::banned);
  auto first = place(limit_buy("pbban1"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, VenueErrc::banned);
  auto second = place(limit_buy("pbban2"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, VenueErrc::banned);
  EXPECT_EQ(second.error().venue_code, "LOCAL");
  EXPECT_EQ(fake_.order_hits(), 1);
  EXPECT_EQ(adapter_->rate_limits().state, RateLimitState::banned);
}

TEST_F(BinanceAdapterTest, ReportsADuplicateClientIdForTheExecutorToQuery) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  fake_.set_order_mode(OrderMode::duplicate);
  auto result = place(limit_buy("pbdup"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, VenueErrc::duplicate_client_id);
  EXPECT_EQ(result.error().venue_code, "-4116");
}

TEST_F(BinanceAdapterTest, PlacesABatchAndKeepsResultsInRequestOrder) {
  ASSERT_NO_FATAL_FAILURE(initialize());
  auto a = limit_buy("pbbatch01");
  a.time_in_force = TimeInForce::post_only;
  a.price = dec("96900");
  a.quantity = dec("0.010");
  auto off_grid = limit_buy("pbbatchbad");
  off_grid.quantity = dec("0.0101");
  auto b = limit_buy("pbbatch02");
  b.time_in_force = TimeInForce::post_only;
  std::optional<std::vector<VenueResult<OrderState>>> results;
  venue_->place_batch({a, off_grid, b}, [&](VenueResult<std::vector<VenueResult<OrderState>>> r) {
    ASSERT_TRUE(r.ok());
    results = std::move(r.value());
  });
  ASSERT_TRUE(run_until([&] { return results.has_value(); }));
  ASSERT_EQ(results->size(), 3u);
  ASSERT_TRUE(results->at(0).ok());
  EXPECT_EQ(results->at(0).value().client_order_id, "pbbatch01");
  ASSERT_FALSE(results->at(1).ok());
  EXPECT_EQ(results->at(1).error().venue_code, "LOCAL");
  ASSERT_FALSE(results->at(2).ok());
  EXPECT_EQ(results->at(2).error().code, VenueErrc::post_only_would_take);
  EXPECT_EQ(fake_.good_signatures(), 1);
  EXPECT_NE(fake_.last_batch().find("batchOrders=%5B%7B"), std::string::npos);
}

TEST_F(BinanceAdapterTest, ResnapshotsTheBookAfterAPuGap) {
  RecordingListener listener;
  venue_->start(listener);
  ASSERT_TRUE(run_until([&] { return fake_.public_open() && fake_.depth_requests("BTCUSDT") >= 1; }));
  ASSERT_TRUE(fake_.push_public(depth(95, 105, 90, "97000.1", "97000.6")));
  ASSERT_TRUE(run_until([&] { return adapter_->book_state("BTC-USDT") == md::BookSyncState::live; }));
  ASSERT_TRUE(fake_.push_public(depth(106, 110, 105, "97000.2", "97000.7")));
  ASSERT_TRUE(run_until([&] { return listener.books >= 2; }));
  EXPECT_EQ(listener.states, std::vector<std::string>{"BTC-USDT valid resynced"});

  // pu 115 != previous u 110: a gap. The next snapshot (lastUpdateId 122) is bridged by it.
  fake_.set_snapshot(R"({"lastUpdateId":122,"bids":[["97000.0","1.000"]],"asks":[["97000.5","2.000"]]})");
  ASSERT_TRUE(fake_.push_public(depth(120, 125, 115, "97000.3", "97000.8")));
  ASSERT_TRUE(run_until([&] { return listener.states.size() >= 3; }));
  EXPECT_EQ(listener.states[1], "BTC-USDT invalid gap");
  EXPECT_EQ(listener.states[2], "BTC-USDT valid resynced");
  EXPECT_EQ(fake_.depth_requests("BTCUSDT"), 2);
  EXPECT_EQ(adapter_->book_state("BTC-USDT"), md::BookSyncState::live);
  auto health = adapter_->feed_health();
  ASSERT_EQ(health.size(), 2u);
  EXPECT_EQ(health[0].resync_count, 1u);
  EXPECT_EQ(health[0].last_resync_reason, "gap");
  EXPECT_FALSE(health[0].stale);
  EXPECT_TRUE(health[1].stale);  // ETH never received a diff
}

TEST_F(BinanceAdapterTest, ResyncsEveryBookAfterTheStreamReconnects) {
  RecordingListener listener;
  venue_->start(listener);
  ASSERT_TRUE(run_until([&] { return fake_.public_open() && fake_.depth_requests("BTCUSDT") >= 1; }));
  ASSERT_TRUE(fake_.push_public(depth(95, 105, 90, "97000.1", "97000.6")));
  ASSERT_TRUE(run_until([&] { return adapter_->book_state("BTC-USDT") == md::BookSyncState::live; }));

  fake_.close_public();
  ASSERT_TRUE(run_until([&] {
    return fake_.public_opens() == 2 && fake_.depth_requests("BTCUSDT") == 2 && fake_.depth_requests("ETHUSDT") == 2;
  }));
  EXPECT_NE(adapter_->book_state("BTC-USDT"), md::BookSyncState::live);
  ASSERT_TRUE(fake_.push_public(depth(99, 101, 97, "97000.1", "97000.6")));
  ASSERT_TRUE(run_until([&] { return adapter_->book_state("BTC-USDT") == md::BookSyncState::live; }));
  ASSERT_EQ(listener.states.size(), 3u);
  EXPECT_EQ(listener.states[0], "BTC-USDT valid resynced");
  EXPECT_EQ(listener.states[1], "BTC-USDT invalid disconnected");
  EXPECT_EQ(listener.states[2], "BTC-USDT valid resynced");
}

TEST_F(BinanceAdapterTest, ForwardsMarkPriceAsFunding) {
  RecordingListener listener;
  venue_->start(listener);
  ASSERT_TRUE(run_until([&] { return fake_.market_open(); }));
  ASSERT_TRUE(fake_.push_market(fixture("mark_price_combined.json")));
  ASSERT_TRUE(run_until([&] { return !listener.funding.empty(); }));
  EXPECT_EQ(listener.funding[0].symbol, "BTC-USDT");
  EXPECT_EQ(listener.funding[0].mark_price, dec("97001.35"));
  EXPECT_EQ(listener.funding[0].funding_rate, dec("0.0001"));
}

TEST_F(BinanceAdapterTest, ReportsAnUnknownOutcomeWhenTheReplyIsLate) {
  BinanceAdapterOptions options;
  options.rest_base_url = fake_.rest_url();
  options.ws_base_url = fake_.ws_url();
  options.api_key = kApiKey;
  options.api_secret = kSecret;
  options.symbols = {"BTC-USDT"};
  options.request_timeout = std::chrono::milliseconds(150);
  auto venue = make_binance_adapter(io_, clock_, std::move(options), quiet_logger());
  ASSERT_TRUE(venue.ok());
  auto* adapter = dynamic_cast<BinanceAdapter*>(venue.value().get());
  std::optional<Status> status;
  adapter->initialize([&](Status s) { status = s; });
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  ASSERT_TRUE(status->ok());

  fake_.set_order_mode(OrderMode::hang);
  std::optional<VenueResult<OrderState>> result;
  venue.value()->place(limit_buy("pbslow"), [&](VenueResult<OrderState> r) { result = std::move(r); });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  ASSERT_FALSE(result->ok());
  // The order may exist at the venue: network + OUTCOME_UNKNOWN tells the executor to query.
  EXPECT_EQ(result->error().code, VenueErrc::network);
  EXPECT_EQ(result->error().venue_code, "OUTCOME_UNKNOWN");
  EXPECT_EQ(fake_.order_hits(), 1);
  venue.value()->stop();
}

TEST_F(BinanceAdapterTest, NeverLogsTheSecretOrASignature) {
  std::ostringstream captured;
  LogOptions log_options;
  log_options.level = "trace";
  log_options.to_stderr = false;
  log_options.extra_sinks.push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  BinanceAdapterOptions options;
  options.rest_base_url = fake_.rest_url();
  options.ws_base_url = fake_.ws_url();
  options.api_key = kApiKey;
  options.api_secret = kSecret;
  options.symbols = {"BTC-USDT"};
  auto venue = make_binance_adapter(io_, clock_, std::move(options), Logger(make_logger(log_options)));
  ASSERT_TRUE(venue.ok());
  RecordingListener listener;
  venue.value()->start(listener, listener);
  ASSERT_TRUE(run_until([&] { return listener.private_stream.size() == 1; }));
  fake_.set_order_mode(OrderMode::duplicate);  // an error path logs the most
  std::optional<VenueResult<OrderState>> result;
  venue.value()->place(limit_buy("pblog"), [&](VenueResult<OrderState> r) { result = std::move(r); });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  venue.value()->stop();
  run_for(std::chrono::milliseconds(20));
  const std::string text = captured.str();
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.find(kSecret), std::string::npos);
  EXPECT_EQ(text.find("signature="), std::string::npos);
}

TEST_F(BinanceAdapterTest, FollowsTheListenKeyLifeCycle) {
  RecordingListener listener;
  venue_->start(listener, listener);
  // Both ends must have seen the handshake: the client's on_open can run before the server's.
  ASSERT_TRUE(run_until([&] { return listener.private_stream.size() == 1 && fake_.private_opens() == 1; }));
  EXPECT_TRUE(listener.private_stream[0]);
  EXPECT_EQ(fake_.private_key(), "key1");

  ASSERT_TRUE(fake_.push_private(fixture("order_trade_update.json")));
  ASSERT_TRUE(fake_.push_private(fixture("account_update.json")));
  ASSERT_TRUE(run_until([&] { return listener.positions.size() == 2; }));
  ASSERT_EQ(listener.orders.size(), 1u);
  EXPECT_EQ(listener.orders[0].status, OrderStatus::filled);
  ASSERT_EQ(listener.fills.size(), 1u);
  EXPECT_EQ(listener.fills[0].trade_id, "398712345");
  EXPECT_EQ(listener.fills[0].quantity, dec("0.015"));
  ASSERT_EQ(listener.balances.size(), 1u);
  EXPECT_EQ(listener.balances[0].wallet, dec("10251.7391589"));

  ASSERT_TRUE(fake_.push_private(fixture("listen_key_expired.json")));
  ASSERT_TRUE(run_until([&] { return listener.private_stream.size() == 3 && fake_.private_opens() == 2; }));
  EXPECT_EQ(listener.private_stream, (std::vector<bool>{true, false, true}));
  // userTrades + openOrders for both symbols, then positionRisk and balance.
  EXPECT_EQ(fake_.recovery_requests(), 6) << "the reconnect was reported before the REST recovery";
  EXPECT_EQ(fake_.listen_keys_created(), 2);
  ASSERT_TRUE(run_until([&] { return fake_.keepalives() >= 2; }));  // PUT every 100 ms here
  EXPECT_EQ(fake_.private_key(), "key2");
  EXPECT_TRUE(adapter_->private_stream_connected());
}

}  // namespace
}  // namespace propbot::venues::binance
