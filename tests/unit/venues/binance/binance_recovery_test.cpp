// Binance user-stream recovery: the userTrades parser, the fill history's paging
// (startTime first, then fromId, never both) against a loopback fake, and the adapter's
// recover-then-report sequence against the real simulator frontend (websockets_down).
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/net/http_server.hpp"
#include "core/venues/binance/adapter.hpp"
#include "core/venues/binance/fill_history.hpp"
#include "core/venues/binance/parse.hpp"
#include "core/venues/binance/rest_client.hpp"
#include "core/venues/sim/binance/binance_sim_venue.hpp"

namespace propbot::venues::binance {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

Decimal D(const char* text) { return Decimal::parse(text).value(); }

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

// The official Account Trade List example (commission written as paid, see parse.hpp).
constexpr const char* kUserTrades = R"([
  {"buyer":false,"commission":"0.07819010","commissionAsset":"USDT","id":698759,"maker":false,
   "orderId":25851813,"price":"7819.01","qty":"0.002","quoteQty":"15.63802","realizedPnl":"-0.91539999",
   "side":"SELL","positionSide":"BOTH","symbol":"BTCUSDT","time":1569514978020},
  {"buyer":true,"commission":"-0.0012","commissionAsset":"USDT","id":698760,"maker":true,
   "orderId":25851814,"price":"7820.5","qty":"0.010","quoteQty":"78.205","realizedPnl":"0",
   "side":"BUY","positionSide":"BOTH","symbol":"BTCUSDT","time":1569514978999}
])";

TEST(BinanceUserTradesTest, ParsesTheTradeListIntoFillsWithoutClientIds) {
  auto fills = parse_user_trades_text(kUserTrades);
  ASSERT_TRUE(fills.ok()) << fills.error().describe();
  ASSERT_EQ(fills->size(), 2u);
  const Fill& first = fills->at(0);
  EXPECT_EQ(first.symbol, "BTC-USDT");
  EXPECT_EQ(first.trade_id, "698759");
  EXPECT_EQ(first.venue_order_id, "25851813");
  EXPECT_TRUE(first.client_order_id.empty());
  EXPECT_EQ(first.side, OrderSide::sell);
  EXPECT_EQ(first.price, D("7819.01"));
  EXPECT_EQ(first.quantity, D("0.002"));
  EXPECT_EQ(first.fee, D("0.0781901"));
  EXPECT_EQ(first.fee_asset, "USDT");
  EXPECT_EQ(first.realized_pnl, D("-0.91539999"));
  EXPECT_FALSE(first.maker);
  EXPECT_EQ(to_unix_ms(first.ts), 1569514978020);
  EXPECT_TRUE(fills->at(1).maker);
  EXPECT_EQ(fills->at(1).fee, D("-0.0012")) << "a rebate stays negative";
}

TEST(BinanceUserTradesTest, RefusesAReplyThatIsNotATradeList) {
  EXPECT_FALSE(parse_user_trades_text(R"({"code":-1121,"msg":"Invalid symbol."})").ok());
  EXPECT_FALSE(parse_user_trades_text(R"([{"symbol":"BTCUSDT","id":1}])").ok());
}

TEST(BinanceUserTradesTest, PagesByStartTimeFirstThenByFromIdNeverBoth) {
  auto first = user_trades_first_page("BTCUSDT", UtcTime{std::chrono::milliseconds(1700000000123)});
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].key, "symbol");
  EXPECT_EQ(first[1].key, "startTime");
  EXPECT_EQ(first[1].value, "1700000000123");
  EXPECT_EQ(first[2].key, "limit");
  EXPECT_EQ(first[2].value, "1000");
  auto next = user_trades_next_page("BTCUSDT", 4242);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[1].key, "fromId");
  EXPECT_EQ(next[1].value, "4243");
}

// A loopback userTrades that answers a full page of 1000 for startTime, then 2 more.
class FakeTradeList {
 public:
  FakeTradeList() {
    auto router = std::make_shared<net::Router>();
    router->add("GET", "/fapi/v1/userTrades", [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      queries_.push_back(request.query);
      json page = json::array();
      const bool by_time = request.query.count("startTime") != 0;
      const int first = by_time ? 1 : std::stoi(request.query.at("fromId"));
      const int count = by_time ? 1000 : 2;
      for (int id = first; id < first + count; ++id) {
        page.push_back({{"symbol", "BTCUSDT"}, {"id", id}, {"orderId", 77}, {"side", "BUY"}, {"price", "50000"},
                        {"qty", "0.001"}, {"realizedPnl", "0"}, {"quoteQty", "50"}, {"commission", "0.02"},
                        {"commissionAsset", "USDT"}, {"time", 1700000000000LL + id}, {"positionSide", "BOTH"},
                        {"buyer", true}, {"maker", false}});
      }
      return net::HttpResponse{200, "application/json", page.dump(), {}};
    });
    net::HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(options, router);
    EXPECT_TRUE(server_->start().ok());
  }
  ~FakeTradeList() { server_->stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<std::map<std::string, std::string>> queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::map<std::string, std::string>> queries_;
};

TEST(BinanceFillHistoryTest, ReadsEveryPageUntilOneIsNotFull) {
  FakeTradeList fake;
  boost::asio::io_context io;
  RealClock clock(io);
  RestClientOptions options;
  options.base_url = fake.url();
  options.api_key = "k";
  options.api_secret = "s";
  auto rest = RestClient::create(io, clock, options, quiet_logger());
  ASSERT_TRUE(rest.ok()) << rest.error().describe();
  std::optional<VenueResult<std::vector<Fill>>> result;
  fetch_fills_since(*rest.value(), "BTCUSDT", UtcTime{std::chrono::milliseconds(1699999990000)},
                    [&](VenueResult<std::vector<Fill>> r) { result.emplace(std::move(r)); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(5ms);
  }
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->error().describe();
  ASSERT_EQ(result->value().size(), 1002u);
  EXPECT_EQ(result->value().front().trade_id, "1");
  EXPECT_EQ(result->value().back().trade_id, "1002");
  const auto queries = fake.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0].at("startTime"), "1699999990000");
  EXPECT_EQ(queries[0].at("limit"), "1000");
  EXPECT_EQ(queries[0].count("fromId"), 0u);
  EXPECT_EQ(queries[1].at("fromId"), "1001");
  EXPECT_EQ(queries[1].count("startTime"), 0u) << "fromId with startTime is -1128 on Binance";
  EXPECT_EQ(queries[1].count("signature"), 1u);
  rest.value()->close();
}

// Everything the caller hears, in order, as short strings.
class SequenceRecorder : public MarketDataListener, public PrivateListener {
 public:
  void on_book(const md::OrderBook&) override { ++books; }
  void on_order_update(const OrderState& o) override {
    events.push_back("order " + o.client_order_id + " " + std::string(to_string(o.status)));
  }
  void on_fill(const Fill& f) override {
    events.push_back("fill " + f.client_order_id);
    fills.push_back(f);
  }
  void on_position(const Position& p) override { events.push_back("position " + p.symbol); }
  void on_balance(const Balance& b) override { events.push_back("balance " + b.asset); }
  void on_private_stream(bool connected) override {
    events.push_back(connected ? "up" : "down");
    up = connected;
  }
  int books = 0;
  bool up = false;
  std::vector<std::string> events;
  std::vector<Fill> fills;
};

TEST(BinanceRecoverySimTest, RecoversAFillMissedDuringAnOutageBeforeReportingTheStreamUp) {
  boost::asio::io_context io;
  RealClock clock(io);
  sim::SimVenueConfig config;
  config.name = "binance";
  config.seed = 5;
  sim::InstrumentRules rules;
  rules.symbol = "BTC-USDT";
  config.instruments.push_back(rules);
  auto simulator = sim::make_binance_venue(config, clock);
  auto router = std::make_shared<net::Router>();
  net::HttpServerOptions server_options;
  server_options.port = 0;
  net::HttpServer server(server_options, router);
  ASSERT_TRUE(simulator->install(*router, server).ok());
  ASSERT_TRUE(server.start().ok());
  sim::SimAccountSpec account;
  account.api_key = "sim-key";
  account.api_secret = "sim-secret";
  account.balances["USDT"] = D("100000");
  ASSERT_TRUE(simulator->create_account(account).ok());
  auto tick = [&] {
    sim::MarketTick t{"BTC-USDT", 50000, 2.0, 5, 50000, 50000, 0.0001};
    simulator->on_market_tick({t});
  };
  tick();

  BinanceAdapterOptions options;
  options.rest_base_url = "http://127.0.0.1:" + std::to_string(server.port());
  options.ws_base_url = "ws://127.0.0.1:" + std::to_string(server.port());
  options.api_key = account.api_key;
  options.api_secret = account.api_secret;
  options.symbols = {"BTC-USDT"};
  options.reconnect.initial_delay = 50ms;
  options.reconnect.max_delay = 400ms;
  auto made = make_binance_adapter(io, clock, std::move(options), quiet_logger());
  ASSERT_TRUE(made.ok());
  std::unique_ptr<Venue> venue = std::move(made.value());
  SequenceRecorder recorder;
  // Pumps the adapter's io_context; the market moves (same mid) every 50 ms meanwhile.
  auto run_until = [&](const std::function<bool()>& done, std::chrono::milliseconds timeout = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_tick = std::chrono::steady_clock::now();
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now > deadline) return false;
      if (now >= next_tick) {
        tick();
        next_tick = now + 50ms;
      }
      io.restart();
      io.run_for(5ms);
    }
    return true;
  };
  venue->start(recorder, recorder);
  ASSERT_TRUE(run_until([&] { return recorder.up && recorder.books > 0 && !venue->instruments().empty(); }));

  sim::FaultPlan plan = simulator->faults();
  plan.websockets_down = true;
  simulator->set_faults(plan);
  ASSERT_TRUE(run_until([&] { return !recorder.up; }));
  std::optional<VenueResult<OrderState>> placed;
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.side = OrderSide::buy;
  request.type = OrderType::market;
  request.time_in_force = TimeInForce::ioc;
  request.quantity = D("0.01");
  request.client_order_id = "recMkt1";
  venue->place(request, [&](VenueResult<OrderState> r) { placed.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return placed.has_value(); }));
  ASSERT_TRUE(placed->ok()) << placed->error().describe();
  EXPECT_TRUE(recorder.fills.empty()) << "the stream is down: nothing can have arrived yet";

  const std::size_t before = recorder.events.size();
  plan.websockets_down = false;
  simulator->set_faults(plan);
  ASSERT_TRUE(run_until([&] { return recorder.up; }));
  const std::vector<std::string> after(recorder.events.begin() + static_cast<std::ptrdiff_t>(before),
                                       recorder.events.end());
  // Fills, then the order's final state, then positions, balances, then up — nothing
  // after "up" was part of the recovery.
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.back(), "up");
  std::vector<std::string> phases;
  for (const auto& event : after) {
    const std::string phase = event.substr(0, event.find(' '));
    if (phases.empty() || phases.back() != phase) phases.push_back(phase);
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"fill", "order", "position", "balance", "up"}));
  ASSERT_FALSE(recorder.fills.empty());
  Decimal total;
  for (const auto& f : recorder.fills) {
    EXPECT_EQ(f.client_order_id, "recMkt1") << "client id from the place() answer";
    total = total.add(f.quantity).value();
  }
  EXPECT_EQ(total, D("0.01"));
  EXPECT_NE(std::find(after.begin(), after.end(), "order recMkt1 filled"), after.end());

  venue->stop();
  io.restart();
  io.poll();
  venue.reset();
  server.stop();
}

}  // namespace
}  // namespace propbot::venues::binance
