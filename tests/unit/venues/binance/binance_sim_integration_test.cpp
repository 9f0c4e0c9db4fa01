// The Binance adapter against the real venue simulator frontend (make_binance_venue)
// over loopback: start-up, a live book through the documented procedure, the user
// stream, an order's life (place, query, stream update, cancel, positions, balances),
// and the funding history (funding_since) with a payment the venue skipped.
#include <chrono>
#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "core/venues/binance/adapter.hpp"
#include "core/venues/sim/binance/binance_sim_venue.hpp"

namespace propbot::venues::binance {
namespace {

Logger quiet_logger() {
  LogOptions options;
  options.level = "warn";
  return Logger(make_logger(options));
}

constexpr const char* kKey = "sim-key";
constexpr const char* kSecret = "sim-secret";

class Recorder : public MarketDataListener, public PrivateListener {
 public:
  void on_book(const md::OrderBook&) override { ++books; }
  void on_funding(const FundingInfo&) override { ++funding; }
  void on_book_state(const std::string&, bool valid, const std::string&) override { last_valid = valid; }
  void on_order_update(const OrderState& order) override { orders.push_back(order); }
  void on_fill(const Fill&) override {}
  void on_position(const Position&) override {}
  void on_balance(const Balance&) override {}
  void on_private_stream(bool connected) override { private_connected = connected; }
  int books = 0;
  int funding = 0;
  bool last_valid = false;
  bool private_connected = false;
  std::vector<OrderState> orders;
};

class BinanceSimIntegrationTest : public ::testing::Test {
 protected:
  BinanceSimIntegrationTest() : clock_(io_) {
    sim::SimVenueConfig config;
    config.name = "binance";
    config.seed = 3;
    sim::InstrumentRules rules;
    rules.symbol = "BTC-USDT";
    config.instruments.push_back(rules);
    sim_ = sim::make_binance_venue(config, clock_);
    router_ = std::make_shared<net::Router>();
    net::HttpServerOptions server_options;
    server_options.port = 0;
    server_ = std::make_unique<net::HttpServer>(server_options, router_);
    EXPECT_TRUE(sim_->install(*router_, *server_).ok());
    EXPECT_TRUE(server_->start().ok());
    sim::SimAccountSpec account;
    account.api_key = kKey;
    account.api_secret = kSecret;
    account.balances["USDT"] = Decimal::from_mantissa(100000, 0);
    EXPECT_TRUE(sim_->create_account(account).ok());
    tick();

    BinanceAdapterOptions options;
    options.venue_id = "BINANCE-SIM";
    options.rest_base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    options.ws_base_url = "ws://127.0.0.1:" + std::to_string(server_->port());
    options.api_key = kKey;
    options.api_secret = kSecret;
    options.symbols = {"BTC-USDT"};
    options.reconnect.initial_delay = std::chrono::milliseconds(50);
    auto venue = make_binance_adapter(io_, clock_, std::move(options), quiet_logger());
    EXPECT_TRUE(venue.ok());
    venue_ = std::move(venue.value());
  }
  ~BinanceSimIntegrationTest() override {
    venue_->stop();
    run_until([] { return false; }, std::chrono::milliseconds(50));
    venue_.reset();
    server_->stop();
  }

  void tick() {
    sim::MarketTick t;
    t.symbol = "BTC-USDT";
    t.mid = 50000;
    t.spread_bps = 2.0;
    t.depth_levels = 5;
    t.mark = 50000;
    t.index = 50000;
    t.funding_rate = 0.0001;
    sim_->on_market_tick({t});
  }

  // Runs the adapter's io_context, ticking the simulator every 50 ms.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_tick = std::chrono::steady_clock::now();
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now > deadline) return false;
      if (now >= next_tick && sim_) {
        tick();
        next_tick = now + std::chrono::milliseconds(50);
      }
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  template <typename T>
  VenueResult<T> wait(std::function<void(VenueCallback<T>)> call) {
    std::optional<VenueResult<T>> result;
    call([&](VenueResult<T> r) { result = std::move(r); });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }));
    return result ? std::move(*result) : VenueResult<T>(VenueError{});
  }

  // A post-only buy of 0.01 BTC at 49000, far under the book: it rests.
  static OrderRequest resting_buy(const std::string& client_order_id) {
    OrderRequest request;
    request.symbol = "BTC-USDT";
    request.side = OrderSide::buy;
    request.time_in_force = TimeInForce::post_only;
    request.quantity = Decimal::parse("0.010").value();
    request.price = Decimal::parse("49000.0").value();
    request.client_order_id = client_order_id;
    return request;
  }

  boost::asio::io_context io_;
  RealClock clock_;
  std::unique_ptr<sim::SimulatedVenue> sim_;
  std::shared_ptr<net::Router> router_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Venue> venue_;
};

TEST_F(BinanceSimIntegrationTest, TradesAgainstTheSimulatorFrontend) {
  Recorder recorder;
  venue_->start(recorder, recorder);
  ASSERT_TRUE(run_until([&] { return recorder.private_connected && recorder.books > 0; }));
  EXPECT_TRUE(recorder.last_valid);
  ASSERT_EQ(venue_->instruments().size(), 1u);

  OrderRequest request = resting_buy("pbsim1");
  auto placed = wait<OrderState>([&](auto done) { venue_->place(request, done); });
  ASSERT_TRUE(placed.ok()) << placed.error().describe();
  EXPECT_EQ(placed.value().status, OrderStatus::new_order);
  EXPECT_EQ(placed.value().client_order_id, "pbsim1");

  auto queried = wait<OrderState>([&](auto done) { venue_->query_order("BTC-USDT", "pbsim1", done); });
  ASSERT_TRUE(queried.ok()) << queried.error().describe();
  EXPECT_EQ(queried.value().price.value(), Decimal::parse("49000").value());

  auto open = wait<std::vector<OrderState>>([&](auto done) { venue_->open_orders(std::string("BTC-USDT"), done); });
  ASSERT_TRUE(open.ok()) << open.error().describe();
  EXPECT_EQ(open.value().size(), 1u);

  auto canceled = wait<OrderState>([&](auto done) { venue_->cancel("BTC-USDT", "pbsim1", done); });
  ASSERT_TRUE(canceled.ok()) << canceled.error().describe();
  EXPECT_EQ(canceled.value().status, OrderStatus::canceled);
  ASSERT_TRUE(run_until([&] {
    return !recorder.orders.empty() && recorder.orders.back().status == OrderStatus::canceled;
  }));

  // Two resting orders, one cancel-all: the count is what was open.
  for (const char* id : {"pbsim2", "pbsim3"}) {
    request.client_order_id = id;
    auto resting = wait<OrderState>([&](auto done) { venue_->place(request, done); });
    ASSERT_TRUE(resting.ok()) << resting.error().describe();
  }
  auto cancelled_all = wait<int>([&](auto done) { venue_->cancel_all("BTC-USDT", done); });
  ASSERT_TRUE(cancelled_all.ok()) << cancelled_all.error().describe();
  EXPECT_EQ(cancelled_all.value(), 2);
  auto none = wait<std::vector<OrderState>>([&](auto done) { venue_->open_orders(std::nullopt, done); });
  ASSERT_TRUE(none.ok()) << none.error().describe();
  EXPECT_TRUE(none.value().empty());

  auto balances = wait<std::vector<Balance>>([&](auto done) { venue_->balances(done); });
  ASSERT_TRUE(balances.ok()) << balances.error().describe();
  EXPECT_FALSE(balances.value().empty());
  auto positions = wait<std::vector<Position>>([&](auto done) { venue_->positions(done); });
  ASSERT_TRUE(positions.ok()) << positions.error().describe();
}

// The dead-man switch through the adapter: countdownCancelAll arms per symbol with the
// cancels' priority, the simulator cancels the resting order when the countdown runs
// out; a disarmed switch (countdown 0) leaves the order resting.
TEST_F(BinanceSimIntegrationTest, DeadManSwitchCancelsTheRestingOrderWhenNotRefreshed) {
  Recorder recorder;
  venue_->start(recorder, recorder);
  ASSERT_TRUE(run_until([&] { return recorder.private_connected && recorder.books > 0; }));
  EXPECT_EQ(venue_->dead_man_scope(), DeadManScope::per_symbol);

  auto resting = wait<OrderState>([&](auto done) { venue_->place(resting_buy("pbdm1"), done); });
  ASSERT_TRUE(resting.ok()) << resting.error().describe();
  // Armed, then disarmed: the order stays past the countdown.
  auto armed = wait<std::chrono::milliseconds>(
      [&](auto done) { venue_->arm_dead_man("BTC-USDT", std::chrono::milliseconds(600), done); });
  ASSERT_TRUE(armed.ok()) << armed.error().describe();
  EXPECT_EQ(armed.value(), std::chrono::milliseconds(600)) << "the countdown the venue echoed";
  auto disarmed = wait<std::chrono::milliseconds>(
      [&](auto done) { venue_->arm_dead_man("BTC-USDT", std::chrono::milliseconds(0), done); });
  ASSERT_TRUE(disarmed.ok()) << disarmed.error().describe();
  EXPECT_EQ(disarmed.value(), std::chrono::milliseconds(0));
  run_until([] { return false; }, std::chrono::milliseconds(900));
  auto still = wait<OrderState>([&](auto done) { venue_->query_order("BTC-USDT", "pbdm1", done); });
  ASSERT_TRUE(still.ok()) << still.error().describe();
  EXPECT_EQ(still.value().status, OrderStatus::new_order) << "a disarmed switch cancels nothing";

  // Armed and not refreshed: the venue cancels it.
  armed = wait<std::chrono::milliseconds>(
      [&](auto done) { venue_->arm_dead_man("BTC-USDT", std::chrono::milliseconds(500), done); });
  ASSERT_TRUE(armed.ok()) << armed.error().describe();
  ASSERT_TRUE(run_until([&] {
    return !recorder.orders.empty() && recorder.orders.back().client_order_id == "pbdm1" &&
           recorder.orders.back().status == OrderStatus::canceled;
  }, std::chrono::seconds(5)));
  auto gone = wait<OrderState>([&](auto done) { venue_->query_order("BTC-USDT", "pbdm1", done); });
  ASSERT_TRUE(gone.ok()) << gone.error().describe();
  EXPECT_EQ(gone.value().status, OrderStatus::canceled);

  // A symbol the adapter does not trade is refused locally.
  auto unknown = wait<std::chrono::milliseconds>(
      [&](auto done) { venue_->arm_dead_man("DOGE-USDT", std::chrono::milliseconds(500), done); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().venue_code, "LOCAL");
}

// funding_since through the adapter: a long, one settlement swallowed by the
// skip_funding fault, one paid — the venue's income holds exactly the paid one, with the
// amount as the simulator printed it.
TEST_F(BinanceSimIntegrationTest, ReportsEachFundingPaymentTheVenueMadeAndNotTheOneItSkipped) {
  const UtcTime since = clock_.utc();
  const auto empty = wait<std::vector<FundingPayment>>([&](auto done) { venue_->funding_since(since, done); });
  ASSERT_TRUE(empty.ok()) << empty.error().describe();
  EXPECT_TRUE(empty.value().empty());

  // The position: a market buy of 0.01 BTC.
  Recorder recorder;
  venue_->start(recorder, recorder);
  ASSERT_TRUE(run_until([&] { return recorder.private_connected; }));
  OrderRequest buy;
  buy.symbol = "BTC-USDT";
  buy.type = OrderType::market;
  buy.time_in_force = TimeInForce::ioc;
  buy.quantity = Decimal::parse("0.010").value();
  buy.client_order_id = "fund1";
  const auto placed = wait<OrderState>([&](auto done) { venue_->place(buy, done); });
  ASSERT_TRUE(placed.ok()) << placed.error().describe();

  sim::FaultPlan skip;
  skip.skip_funding = 1;
  sim_->set_faults(skip);
  sim_->settle_funding();  // swallowed
  sim_->settle_funding();  // paid
  const auto payments = wait<std::vector<FundingPayment>>([&](auto done) { venue_->funding_since(since, done); });
  ASSERT_TRUE(payments.ok()) << payments.error().describe();
  ASSERT_EQ(payments.value().size(), 1u) << "the skipped settlement paid nothing, so the venue reports nothing";
  const FundingPayment& paid = payments.value()[0];
  EXPECT_EQ(paid.symbol, "BTC-USDT");
  EXPECT_EQ(paid.asset, "USDT");
  EXPECT_EQ(paid.amount.to_string(), "-0.05000000") << "0.01 × 50000 × 0.0001, as the venue printed it";
  EXPECT_FALSE(paid.payment_id.empty());
  EXPECT_GE(to_unix_ms(paid.ts), to_unix_ms(since));
}

}  // namespace
}  // namespace propbot::venues::binance
