// The OKX adapter against an in-process fake OKX: an net::HttpServer on port 0 whose
// REST routes check okx::verify_signature and answer with the fixtures, and whose
// /ws/v5/public and /ws/v5/private endpoints answer subscribe / login, push books
// with correct (or deliberately wrong) CRC32 checksums and push order updates. The
// adapter runs on the test thread's io_context (RealClock); the server on its own.
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/md/okx_book_sync.hpp"
#include "core/venues/okx/adapter.hpp"
#include "core/venues/okx/data_stream.hpp"
#include "core/venues/okx/signing.hpp"
#include "core/venues/okx/user_stream.hpp"

namespace propbot::venues::okx {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "fake-key";
constexpr const char* kSecret = "FAKESECRET0123456789";
constexpr const char* kPassphrase = "fake-pass";

Decimal D(const char* text) { return Decimal::parse(text).value(); }

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/okx/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

net::HttpResponse text_response(int status, std::string body) {
  net::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

using Levels = std::vector<std::pair<std::string, std::string>>;  // price, size (best first)

std::vector<md::OkxBookLevel> raw_levels(const Levels& levels) {
  std::vector<md::OkxBookLevel> raw(levels.size());
  for (std::size_t i = 0; i < levels.size(); ++i) {
    raw[i].price_text.assign(levels[i].first);
    raw[i].size_text.assign(levels[i].second);
  }
  return raw;
}

json levels_json(const Levels& levels) {
  json array = json::array();
  for (const auto& [px, sz] : levels) array.push_back({px, sz, "0", "1"});
  return array;
}

// The fake venue. Every member is touched from the server thread and the test thread:
// all state goes through mutex_.
class FakeOkx {
 public:
  enum class RateMode { none, http_429, code_50011 };

  FakeOkx() {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/api/v5/public/time", [](const net::HttpRequest&) {
      const auto ms = to_unix_ms(RealClock().utc());
      return text_response(200, R"({"code":"0","msg":"","data":[{"ts":")" + std::to_string(ms) + R"("}]})");
    });
    router->add("GET", "/api/v5/public/instruments",
                [](const net::HttpRequest&) { return text_response(200, read_fixture("instruments.json")); });
    router->add("POST", "/api/v5/trade/order", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      ++place_requests_;
      if (auto refused = check(request)) return *refused;
      order_bodies_.push_back(request.body);
      auto body = json::parse(request.body);
      const std::string id = body.value("clOrdId", "");
      return text_response(200, R"({"code":"0","msg":"","data":[{"clOrdId":")" + id + R"(","ordId":"id)" + id +
                                    R"(","tag":"","ts":"1732000000456","sCode":"0","sMsg":""}]})");
    });
    router->add("POST", "/api/v5/trade/batch-orders", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      ++batch_requests_;
      if (auto refused = check(request)) return *refused;
      auto body = json::parse(request.body);
      json data = json::array();
      bool any_failed = false;
      for (const auto& item : body) {
        const std::string id = item.value("clOrdId", "");
        order_bodies_.push_back(item.dump());
        if (id.rfind("bad", 0) == 0) {
          any_failed = true;
          data.push_back({{"clOrdId", id}, {"ordId", ""}, {"sCode", "51008"}, {"sMsg", "Insufficient margin"}});
        } else {
          data.push_back({{"clOrdId", id}, {"ordId", "id" + id}, {"sCode", "0"}, {"sMsg", ""}});
        }
      }
      json reply = {{"code", any_failed ? "2" : "0"}, {"msg", ""}, {"data", data}};
      return text_response(200, reply.dump());
    });
    router->add("GET", "/api/v5/trade/orders-pending", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      if (auto refused = check(request)) return *refused;
      return text_response(200, read_fixture("orders_pending.json"));
    });
    router->add("GET", "/api/v5/trade/order", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      if (auto refused = check(request)) return *refused;
      auto pending = json::parse(read_fixture("orders_pending.json"));
      json reply = {{"code", "0"}, {"msg", ""}, {"data", json::array({pending["data"][0]})}};
      reply["data"][0]["clOrdId"] = request.query.count("clOrdId") ? request.query.at("clOrdId") : "";
      return text_response(200, reply.dump());
    });
    router->add("POST", "/api/v5/trade/cancel-batch-orders", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      ++cancel_batch_requests_;
      if (auto refused = check(request)) return *refused;
      json data = json::array();
      for (const auto& item : json::parse(request.body)) {
        data.push_back({{"clOrdId", ""}, {"ordId", item.value("ordId", "")}, {"sCode", "0"}, {"sMsg", ""}});
      }
      return text_response(200, json({{"code", "0"}, {"msg", ""}, {"data", data}}).dump());
    });
    router->add("GET", "/api/v5/account/positions", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      if (auto refused = check(request)) return *refused;
      auto push = json::parse(read_fixture("positions_push.json"));
      return text_response(200, json({{"code", "0"}, {"msg", ""}, {"data", push["data"]}}).dump());
    });
    router->add("GET", "/api/v5/trade/fills", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      ++fills_requests_;
      if (auto refused = check(request)) return *refused;
      return text_response(200, R"({"code":"0","msg":"","data":[]})");
    });
    router->add("GET", "/api/v5/account/balance", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      if (auto refused = check(request)) return *refused;
      return text_response(200, read_fixture("balance.json"));
    });

    net::HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(options, router);
    net::WebSocketHandler public_handler;
    public_handler.on_open = [this](const std::shared_ptr<net::WebSocketSession>& session, const net::HttpRequest&) {
      std::lock_guard lock(mutex_);
      public_session_ = session;
      ++public_opens_;
    };
    public_handler.on_message = [this](const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
      on_public(session, text);
    };
    net::WebSocketHandler private_handler;
    private_handler.on_open = [this](const std::shared_ptr<net::WebSocketSession>& session, const net::HttpRequest&) {
      std::lock_guard lock(mutex_);
      private_session_ = session;
    };
    private_handler.on_message = [this](const std::shared_ptr<net::WebSocketSession>& session,
                                        std::string_view text) { on_private(session, text); };
    EXPECT_TRUE(server_->add_websocket("/ws/v5/public", public_handler).ok());
    EXPECT_TRUE(server_->add_websocket("/ws/v5/private", private_handler).ok());
    EXPECT_TRUE(server_->start().ok());
  }
  ~FakeOkx() { server_->stop(); }

  std::uint16_t port() const { return server_->port(); }
  void set_rate_mode(RateMode mode) {
    std::lock_guard lock(mutex_);
    rate_mode_ = mode;
  }
  int place_requests() { std::lock_guard lock(mutex_); return place_requests_; }
  int batch_requests() { std::lock_guard lock(mutex_); return batch_requests_; }
  int cancel_batch_requests() { std::lock_guard lock(mutex_); return cancel_batch_requests_; }
  int bad_signatures() { std::lock_guard lock(mutex_); return bad_signatures_; }
  int pings() { std::lock_guard lock(mutex_); return pings_; }
  int logins() { std::lock_guard lock(mutex_); return logins_; }
  int public_opens() { std::lock_guard lock(mutex_); return public_opens_; }
  int fills_requests() { std::lock_guard lock(mutex_); return fills_requests_; }
  std::vector<std::string> order_bodies() { std::lock_guard lock(mutex_); return order_bodies_; }
  std::vector<std::string> public_ops() { std::lock_guard lock(mutex_); return public_ops_; }
  int count_op(const std::string& op) {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& seen : public_ops_) n += seen == op ? 1 : 0;
    return n;
  }

  // An update that changes the best bid's size, with the right checksum (valid) or
  // the right one + 1 (corrupt).
  void push_book_update(bool corrupt) {
    std::lock_guard lock(mutex_);
    bids_[0].second = corrupt ? "7.77" : "2.5";
    Levels changed{bids_[0]};
    send_books("update", changed, {}, corrupt ? 1 : 0);
  }
  void push_private(const std::string& text) {
    std::shared_ptr<net::WebSocketSession> session;
    {
      std::lock_guard lock(mutex_);
      session = private_session_;
    }
    if (session) session->send(text);
  }
  void drop_private() {
    std::shared_ptr<net::WebSocketSession> session;
    {
      std::lock_guard lock(mutex_);
      session = private_session_;
    }
    if (session) session->close(1001, "going away");
  }

 private:
  std::optional<net::HttpResponse> check(const net::HttpRequest& request) {
    if (rate_mode_ == RateMode::http_429) return text_response(429, read_fixture("error_rate_limit.json"));
    if (rate_mode_ == RateMode::code_50011) return text_response(200, read_fixture("error_rate_limit.json"));
    const bool ok = request.header("ok-access-key") == kKey && request.header("ok-access-passphrase") == kPassphrase &&
                    verify_signature(std::string_view(kSecret), request.header("ok-access-timestamp"), request.method,
                                     request.target, request.body, request.header("ok-access-sign"));
    if (ok) return std::nullopt;
    ++bad_signatures_;
    return text_response(401, R"({"code":"50113","msg":"Invalid signature","data":[]})");
  }

  void send_books(const std::string& action, const Levels& bids, const Levels& asks, int checksum_delta) {
    auto raw_bids = raw_levels(bids_);
    auto raw_asks = raw_levels(asks_);
    const std::int32_t checksum =
        static_cast<std::int32_t>(static_cast<std::uint32_t>(md::okx_book_checksum(raw_bids, raw_asks)) +
                                  static_cast<std::uint32_t>(checksum_delta));
    const std::int64_t prev = action == "snapshot" ? -1 : seq_;
    seq_ += 10;
    json message = {{"arg", {{"channel", "books"}, {"instId", "BTC-USDT-SWAP"}}},
                    {"action", action},
                    {"data", json::array({{{"asks", levels_json(asks)},
                                           {"bids", levels_json(bids)},
                                           {"ts", "1732000000000"},
                                           {"checksum", checksum},
                                           {"prevSeqId", prev},
                                           {"seqId", seq_}}})}};
    if (public_session_) public_session_->send(message.dump());
  }

  void on_public(const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
    std::lock_guard lock(mutex_);
    if (text == "ping") {
      ++pings_;
      session->send(std::string("pong"));
      return;
    }
    auto message = json::parse(text, nullptr, false);
    if (message.is_discarded()) return;
    const std::string op = message.value("op", "");
    for (const auto& arg : message["args"]) {
      const std::string channel = arg.value("channel", "");
      public_ops_.push_back(op + ":" + channel + ":" + arg.value("instId", ""));
      session->send(json({{"event", op}, {"arg", arg}, {"connId", "pub1"}}).dump());
      if (op == "subscribe" && channel == "books") {
        bids_ = {{"97000.0", "1.5"}, {"96999.9", "4"}, {"96999.8", "0.25"}};
        asks_ = {{"97000.1", "3"}, {"97000.2", "10"}};
        send_books("snapshot", bids_, asks_, 0);
      }
      if (op == "subscribe" && channel == "mark-price") {
        session->send(R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","markPx":"97000.05","ts":"1732000000000"}]})");
      }
      if (op == "subscribe" && channel == "funding-rate") {
        session->send(R"({"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","fundingRate":"0.0001","fundingTime":"1732003200000","ts":"1732000000000"}]})");
      }
    }
  }

  void on_private(const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
    std::lock_guard lock(mutex_);
    if (text == "ping") {
      session->send(std::string("pong"));
      return;
    }
    auto message = json::parse(text, nullptr, false);
    if (message.is_discarded()) return;
    const std::string op = message.value("op", "");
    if (op == "login") {
      const auto& arg = message["args"][0];
      const bool ok = arg.value("apiKey", "") == kKey && arg.value("passphrase", "") == kPassphrase &&
                      verify_signature(std::string_view(kSecret), arg.value("timestamp", ""), kLoginMethod,
                                       kLoginPath, "", arg.value("sign", ""));
      if (ok) ++logins_;
      session->send(ok ? std::string(R"({"event":"login","code":"0","msg":"","connId":"priv1"})")
                       : std::string(R"({"event":"error","code":"60007","msg":"Invalid sign","connId":"priv1"})"));
      return;
    }
    if (op == "subscribe") {
      for (const auto& arg : message["args"]) {
        session->send(json({{"event", "subscribe"}, {"arg", arg}, {"connId", "priv1"}}).dump());
      }
    }
  }

  std::mutex mutex_;
  std::unique_ptr<net::HttpServer> server_;
  RateMode rate_mode_ = RateMode::none;
  int place_requests_ = 0;
  int batch_requests_ = 0;
  int cancel_batch_requests_ = 0;
  int bad_signatures_ = 0;
  int pings_ = 0;
  int logins_ = 0;
  int public_opens_ = 0;
  int fills_requests_ = 0;
  std::vector<std::string> order_bodies_;
  std::vector<std::string> public_ops_;
  std::shared_ptr<net::WebSocketSession> public_session_;
  std::shared_ptr<net::WebSocketSession> private_session_;
  Levels bids_;
  Levels asks_;
  std::int64_t seq_ = 100;
};

struct BookState {
  std::string symbol;
  bool valid = false;
  std::string reason;
};

class Recorder : public MarketDataListener, public PrivateListener {
 public:
  void on_book(const md::OrderBook& book) override {
    ++books;
    if (auto bid = book.best_bid()) last_best_bid_lots = bid->qty_lots;
  }
  void on_funding(const FundingInfo& info) override { funding.push_back(info); }
  void on_book_state(const std::string& symbol, bool valid, const std::string& reason) override {
    states.push_back({symbol, valid, reason});
  }
  void on_order_update(const OrderState& order) override { orders.push_back(order); }
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  void on_position(const Position& position) override { positions.push_back(position); }
  void on_balance(const Balance& balance) override { balances.push_back(balance); }
  void on_private_stream(bool connected) override { stream.push_back(connected); }

  int books = 0;
  std::int64_t last_best_bid_lots = 0;
  std::vector<FundingInfo> funding;
  std::vector<BookState> states;
  std::vector<OrderState> orders;
  std::vector<Fill> fills;
  std::vector<Position> positions;
  std::vector<Balance> balances;
  std::vector<bool> stream;
};

class OkxAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OkxAdapterOptions options;
    const std::string host = "127.0.0.1:" + std::to_string(fake_.port());
    options.rest_base_url = "http://" + host;
    options.ws_public_url = "ws://" + host + "/ws/v5/public";
    options.ws_private_url = "ws://" + host + "/ws/v5/private";
    options.api_key = kKey;
    options.secret_key = kSecret;
    options.passphrase = kPassphrase;
    options.symbols = {"BTC-USDT"};
    options.reconnect.initial_delay = 50ms;
    options.reconnect.max_delay = 200ms;
    options.reconnect.seed = 7;
    options.ping_interval = ping_interval_;
    options.pong_timeout = 1000ms;
    options.request_timeout = 3000ms;
    LogOptions log_options;
    log_options.level = "error";
    auto venue = make_okx_adapter(io_, clock_, options, Logger::from_options(log_options));
    ASSERT_TRUE(venue.ok()) << venue.error().describe();
    venue_ = std::move(venue.value());
    adapter_ = dynamic_cast<OkxAdapter*>(venue_.get());
    ASSERT_NE(adapter_, nullptr);
  }
  void TearDown() override {
    if (venue_) venue_->stop();
    venue_.reset();
    io_.restart();
    io_.poll();
  }

  template <typename Predicate>
  bool run_until(Predicate done, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (io_.stopped()) io_.restart();
      if (io_.run_one_for(20ms) == 0) std::this_thread::sleep_for(2ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds span) {
    const auto until = std::chrono::steady_clock::now() + span;
    run_until([&] { return std::chrono::steady_clock::now() >= until; }, span + 1000ms);
  }

  template <typename T>
  std::optional<VenueResult<T>> await(std::function<void(VenueCallback<T>)> call) {
    std::optional<VenueResult<T>> result;
    call([&](VenueResult<T> r) { result.emplace(std::move(r)); });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }));
    return result;
  }

  OrderRequest btc_order(std::string id, const char* quantity) {
    OrderRequest request;
    request.symbol = "BTC-USDT";
    request.side = OrderSide::buy;
    request.time_in_force = TimeInForce::post_only;
    request.quantity = D(quantity);
    request.price = D("97000.1");
    request.client_order_id = std::move(id);
    return request;
  }

  std::chrono::milliseconds ping_interval_ = 20000ms;
  FakeOkx fake_;
  boost::asio::io_context io_;
  RealClock clock_{io_};
  std::unique_ptr<Venue> venue_;
  OkxAdapter* adapter_ = nullptr;
  Recorder recorder_;
};

TEST_F(OkxAdapterTest, StartUpLoadsInstrumentsInBaseLotsAndTheClockOffset) {
  ASSERT_EQ(venue_->instruments().size(), 1u);
  const auto& spec = venue_->instruments().front();
  EXPECT_EQ(spec.symbol, "BTC-USDT");
  EXPECT_EQ(spec.venue, "OKX");
  EXPECT_DOUBLE_EQ(spec.lot_size, 0.0001);  // lotSz 0.01 × ctVal 0.01
  EXPECT_DOUBLE_EQ(spec.tick_size, 0.1);
  EXPECT_LT(std::abs(adapter_->clock_offset_ms()), 2000);
  EXPECT_TRUE(venue_->supports_batch());
}

TEST_F(OkxAdapterTest, PlacesAnOrderWithSizeInContractsAndAValidSignature) {
  auto result = await<OrderState>([&](VenueCallback<OrderState> done) {
    venue_->place(btc_order("pbA1leg0att1", "0.05"), std::move(done));
  });
  ASSERT_TRUE(result && result->ok()) << (result ? result->error().describe() : "no result");
  EXPECT_EQ(result->value().status, OrderStatus::new_order);
  EXPECT_EQ(result->value().venue_order_id, "idpbA1leg0att1");
  EXPECT_EQ(result->value().quantity, D("0.05"));
  EXPECT_EQ(fake_.bad_signatures(), 0);
  ASSERT_EQ(fake_.order_bodies().size(), 1u);
  const auto body = json::parse(fake_.order_bodies().front());
  EXPECT_EQ(body["sz"], "5");
  EXPECT_EQ(body["ordType"], "post_only");
  EXPECT_EQ(body["tdMode"], "cross");
  EXPECT_EQ(body["instId"], "BTC-USDT-SWAP");
}

TEST_F(OkxAdapterTest, RefusesAnOffGridQuantityLocallyWithoutSending) {
  auto result = await<OrderState>([&](VenueCallback<OrderState> done) {
    venue_->place(btc_order("pbOff1", "0.00005"), std::move(done));
  });
  ASSERT_TRUE(result && !result->ok());
  EXPECT_EQ(result->error().code, VenueErrc::rejected);
  EXPECT_EQ(result->error().venue_code, "LOCAL");
  EXPECT_EQ(fake_.place_requests(), 0);
}

TEST_F(OkxAdapterTest, BatchResultsComeBackInRequestOrder) {
  std::vector<OrderRequest> requests{btc_order("pbB1", "0.01"), btc_order("bad2", "0.01"), btc_order("pbB3", "0.02"),
                                     btc_order("pbB4", "0.00001")};
  auto result = await<std::vector<VenueResult<OrderState>>>(
      [&](VenueCallback<std::vector<VenueResult<OrderState>>> done) { venue_->place_batch(requests, std::move(done)); });
  ASSERT_TRUE(result && result->ok());
  const auto& results = result->value();
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0].value().venue_order_id, "idpbB1");
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().code, VenueErrc::insufficient_margin);
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(results[2].value().venue_order_id, "idpbB3");
  ASSERT_FALSE(results[3].ok());
  EXPECT_EQ(results[3].error().venue_code, "LOCAL");
  EXPECT_EQ(fake_.batch_requests(), 1);
  EXPECT_EQ(json::parse(fake_.order_bodies()[2])["sz"], "2");
}

TEST_F(OkxAdapterTest, BatchOfTwentyFiveGoesInTwoRequestsAndKeepsOrder) {
  std::vector<OrderRequest> requests;
  for (int i = 0; i < 25; ++i) requests.push_back(btc_order("pbN" + std::to_string(i), "0.01"));
  auto result = await<std::vector<VenueResult<OrderState>>>(
      [&](VenueCallback<std::vector<VenueResult<OrderState>>> done) { venue_->place_batch(requests, std::move(done)); });
  ASSERT_TRUE(result && result->ok());
  ASSERT_EQ(result->value().size(), 25u);
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(result->value()[i].ok());
    EXPECT_EQ(result->value()[i].value().client_order_id, "pbN" + std::to_string(i));
  }
  EXPECT_EQ(fake_.batch_requests(), 2);
}


TEST_F(OkxAdapterTest, Http429WithCode50011BacksOffWithoutARequestStorm) {
  fake_.set_rate_mode(FakeOkx::RateMode::http_429);
  auto first = await<OrderState>([&](VenueCallback<OrderState> done) {
    venue_->place(btc_order("pbR1", "0.01"), std::move(done));
  });
  ASSERT_TRUE(first && !first->ok());
  EXPECT_EQ(first->error().code, VenueErrc::rate_limited);
  EXPECT_EQ(adapter_->rate_limits().state, RateLimitState::backing_off);
  int local = 0;
  for (int i = 0; i < 20; ++i) {
    auto again = await<OrderState>([&](VenueCallback<OrderState> done) {
      venue_->place(btc_order("pbR" + std::to_string(i + 2), "0.01"), std::move(done));
    });
    ASSERT_TRUE(again && !again->ok());
    EXPECT_EQ(again->error().code, VenueErrc::rate_limited);
    local += again->error().venue_code == "LOCAL" ? 1 : 0;
  }
  EXPECT_EQ(local, 20);
  EXPECT_EQ(fake_.place_requests(), 1);
}

TEST_F(OkxAdapterTest, Code50011WithHttp200AlsoBacksOff) {
  fake_.set_rate_mode(FakeOkx::RateMode::code_50011);
  auto first = await<OrderState>([&](VenueCallback<OrderState> done) {
    venue_->place(btc_order("pbS1", "0.01"), std::move(done));
  });
  ASSERT_TRUE(first && !first->ok());
  EXPECT_EQ(first->error().code, VenueErrc::rate_limited);
  EXPECT_EQ(first->error().venue_code, "50011");
  auto second = await<OrderState>([&](VenueCallback<OrderState> done) {
    venue_->place(btc_order("pbS2", "0.01"), std::move(done));
  });
  ASSERT_TRUE(second && !second->ok());
  EXPECT_EQ(second->error().venue_code, "LOCAL");
  EXPECT_EQ(fake_.place_requests(), 1);
  EXPECT_EQ(adapter_->rate_limits().hits_total, 1u);
}

TEST_F(OkxAdapterTest, BookBecomesValidFromTheSnapshotAndAppliesUpdates) {
  venue_->start(recorder_);
  ASSERT_TRUE(run_until([&] { return recorder_.books >= 1; }));
  ASSERT_FALSE(recorder_.states.empty());
  EXPECT_TRUE(recorder_.states.back().valid);
  EXPECT_EQ(recorder_.last_best_bid_lots, 150);  // 1.5 contracts in lots of 0.01 contracts
  fake_.push_book_update(false);
  ASSERT_TRUE(run_until([&] { return recorder_.books >= 2; }));
  EXPECT_EQ(recorder_.last_best_bid_lots, 250);
  ASSERT_TRUE(run_until([&] { return !recorder_.funding.empty(); }));
  EXPECT_EQ(recorder_.funding.back().mark_price, D("97000.05"));
  EXPECT_EQ(recorder_.funding.back().funding_rate, D("0.0001"));
  for (const auto& info : recorder_.funding) {
    // Never half a picture: mark price and funding come on two channels.
    EXPECT_NE(info.next_funding_time, UtcTime{}) << "a funding event before the funding rate was known";
    EXPECT_FALSE(info.mark_price.is_zero()) << "a funding event before the mark price was known";
  }
  const md::FeedHealth* health = adapter_->feed_health("BTC-USDT");
  ASSERT_NE(health, nullptr);
  EXPECT_FALSE(health->stale(clock_.now()));
  EXPECT_EQ(health->view(clock_.now()).updates_applied, 2u);
}

TEST_F(OkxAdapterTest, ChecksumMismatchInvalidatesThenResubscribesAndIsValidAgain) {
  venue_->start(recorder_);
  ASSERT_TRUE(run_until([&] { return recorder_.books >= 1; }));
  fake_.push_book_update(true);
  ASSERT_TRUE(run_until([&] {
    return recorder_.states.size() >= 3 && recorder_.states.back().valid;
  })) << recorder_.states.size();
  ASSERT_EQ(recorder_.states.size(), 3u);
  EXPECT_TRUE(recorder_.states[0].valid);
  EXPECT_FALSE(recorder_.states[1].valid);
  EXPECT_EQ(recorder_.states[1].reason, "checksum_mismatch");
  EXPECT_TRUE(recorder_.states[2].valid);
  EXPECT_EQ(fake_.count_op("unsubscribe:books:BTC-USDT-SWAP"), 1);
  EXPECT_EQ(fake_.count_op("subscribe:books:BTC-USDT-SWAP"), 2);
  EXPECT_EQ(adapter_->data_stream().resubscribes(), 1u);
  EXPECT_EQ(fake_.public_opens(), 1);
}

class OkxAdapterPingTest : public OkxAdapterTest {
 protected:
  OkxAdapterPingTest() { ping_interval_ = 150ms; }
};

TEST_F(OkxAdapterPingTest, SendsTextPingWhenSilentAndStaysConnectedOnPong) {
  venue_->start(recorder_);
  ASSERT_TRUE(run_until([&] { return recorder_.books >= 1; }));
  run_for(1000ms);
  EXPECT_GE(fake_.pings(), 3);
  EXPECT_EQ(fake_.public_opens(), 1);
  EXPECT_EQ(adapter_->data_stream().connections_opened(), 1u);
}

TEST_F(OkxAdapterTest, PrivateStreamLogsInAndDeliversOrdersFillsPositionsAndBalances) {
  venue_->start(recorder_, recorder_);
  ASSERT_TRUE(run_until([&] { return recorder_.stream.size() == 1; }));
  EXPECT_TRUE(recorder_.stream[0]);
  EXPECT_EQ(fake_.logins(), 1);
  fake_.push_private(read_fixture("orders_push_partial_fill.json"));
  fake_.push_private(read_fixture("orders_push_post_only_canceled.json"));
  fake_.push_private(read_fixture("positions_push.json"));
  auto account = json::parse(read_fixture("balance.json"));
  fake_.push_private(json({{"arg", {{"channel", "account"}, {"uid", "77001"}}}, {"data", account["data"]}}).dump());
  ASSERT_TRUE(run_until([&] { return recorder_.balances.size() == 2; }));
  ASSERT_EQ(recorder_.orders.size(), 2u);
  EXPECT_EQ(recorder_.orders[0].status, OrderStatus::partially_filled);
  EXPECT_EQ(recorder_.orders[1].status, OrderStatus::canceled);
  EXPECT_EQ(adapter_->post_only_rejections(), 1u);
  ASSERT_EQ(recorder_.fills.size(), 1u);
  EXPECT_EQ(recorder_.fills[0].quantity, D("0.02"));
  EXPECT_EQ(recorder_.fills[0].fee, D("0.3880004"));
  ASSERT_EQ(recorder_.positions.size(), 2u);
  EXPECT_EQ(recorder_.positions[0].quantity, D("-0.03"));
  EXPECT_EQ(recorder_.balances[0].wallet, D("10000.125"));

  fake_.drop_private();
  ASSERT_TRUE(run_until([&] { return recorder_.stream.size() == 3; }));
  EXPECT_FALSE(recorder_.stream[1]);
  EXPECT_TRUE(recorder_.stream[2]);
  EXPECT_EQ(fake_.logins(), 2);
  EXPECT_EQ(fake_.fills_requests(), 1) << "the reconnect was reported before the fills were read";
}

TEST_F(OkxAdapterTest, CancelAllListsPendingOrdersThenCancelsThemInOneBatch) {
  auto result = await<int>([&](VenueCallback<int> done) { venue_->cancel_all("BTC-USDT", std::move(done)); });
  ASSERT_TRUE(result && result->ok()) << result->error().describe();
  EXPECT_EQ(result->value(), 2);
  EXPECT_EQ(fake_.cancel_batch_requests(), 1);
}

TEST_F(OkxAdapterTest, QueryOpenOrdersPositionsAndBalancesConvertContracts) {
  auto order = await<OrderState>([&](VenueCallback<OrderState> done) {
    venue_->query_order("BTC-USDT", "pbQ1", std::move(done));
  });
  ASSERT_TRUE(order && order->ok()) << order->error().describe();
  EXPECT_EQ(order->value().client_order_id, "pbQ1");
  EXPECT_EQ(order->value().quantity, D("0.05"));
  auto open = await<std::vector<OrderState>>(
      [&](VenueCallback<std::vector<OrderState>> done) { venue_->open_orders(std::string("BTC-USDT"), std::move(done)); });
  ASSERT_TRUE(open && open->ok());
  EXPECT_EQ(open->value().size(), 2u);
  auto positions = await<std::vector<Position>>(
      [&](VenueCallback<std::vector<Position>> done) { venue_->positions(std::move(done)); });
  ASSERT_TRUE(positions && positions->ok());
  EXPECT_EQ(positions->value()[1].quantity, D("-0.5"));
  auto balances = await<std::vector<Balance>>(
      [&](VenueCallback<std::vector<Balance>> done) { venue_->balances(std::move(done)); });
  ASSERT_TRUE(balances && balances->ok());
  EXPECT_EQ(balances->value()[0].available, D("9100.5"));
  auto time = await<UtcTime>([&](VenueCallback<UtcTime> done) { venue_->server_time(std::move(done)); });
  ASSERT_TRUE(time && time->ok());
  EXPECT_EQ(fake_.bad_signatures(), 0);
}

}  // namespace
}  // namespace propbot::venues::okx
