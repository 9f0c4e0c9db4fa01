// The OKX adapter against the venue simulator's OKX frontend (make_okx_venue) over
// loopback: the simulator's clock is an hour behind the real one, so every signed
// request and the WS login only pass if the adapter applies the /public/time offset.
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/venues/okx/adapter.hpp"
#include "core/venues/sim/okx/okx_sim_venue.hpp"

namespace propbot::venues::okx {
namespace {

using namespace std::chrono_literals;

Decimal D(const char* text) { return Decimal::parse(text).value(); }

class Recorder : public MarketDataListener, public PrivateListener {
 public:
  void on_book(const md::OrderBook&) override { ++books; }
  void on_order_update(const OrderState& order) override { orders.push_back(order); }
  void on_fill(const Fill& fill) override { fills.push_back(fill); }
  void on_position(const Position&) override {}
  void on_balance(const Balance&) override {}
  void on_private_stream(bool connected) override { stream.push_back(connected); }
  int books = 0;
  std::vector<OrderState> orders;
  std::vector<Fill> fills;
  std::vector<bool> stream;
};

class OkxAdapterSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimVenueConfig config;
    config.name = "okx";
    sim::InstrumentRules btc;
    btc.symbol = "BTC-USDT";
    config.instruments.push_back(btc);
    sim_venue_ = sim::make_okx_venue(config, sim_clock_);
    router_ = std::make_shared<net::Router>();
    net::HttpServerOptions server_options;
    server_options.port = 0;
    server_ = std::make_unique<net::HttpServer>(server_options, router_);
    ASSERT_TRUE(sim_venue_->install(*router_, *server_).ok());
    ASSERT_TRUE(server_->start().ok());
    ASSERT_TRUE(sim_venue_->create_account({"sim-key", "SIMSECRET42", "sim-pass", {{"USDT", D("100000")}}}).ok());
    tick();

    OkxAdapterOptions options;
    const std::string host = "127.0.0.1:" + std::to_string(server_->port());
    options.rest_base_url = "http://" + host;
    options.ws_public_url = "ws://" + host + "/ws/v5/public";
    options.ws_private_url = "ws://" + host + "/ws/v5/private";
    options.api_key = "sim-key";
    options.secret_key = "SIMSECRET42";
    options.passphrase = "sim-pass";
    options.demo = true;
    options.symbols = {"BTC-USDT"};
    options.reconnect.initial_delay = 50ms;
    LogOptions log_options;
    log_options.level = "error";
    auto venue = make_okx_adapter(io_, clock_, options, Logger::from_options(log_options));
    ASSERT_TRUE(venue.ok()) << venue.error().describe();
    venue_ = std::move(venue.value());
    adapter_ = dynamic_cast<OkxAdapter*>(venue_.get());
  }
  void TearDown() override {
    if (venue_) venue_->stop();
    venue_.reset();
    io_.restart();
    io_.poll();
    if (server_) server_->stop();
  }

  void tick() {
    sim_venue_->on_market_tick({sim::MarketTick{"BTC-USDT", 60000.0, 1.0, 20, 60000.0, 60000.0, 0.0001}});
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
  std::optional<VenueResult<OrderState>> place(const char* id, const char* price) {
    OrderRequest request;
    request.symbol = "BTC-USDT";
    request.side = OrderSide::buy;
    request.time_in_force = TimeInForce::post_only;
    request.quantity = D("0.01");
    request.price = D(price);
    request.client_order_id = id;
    std::optional<VenueResult<OrderState>> result;
    venue_->place(request, [&](VenueResult<OrderState> r) { result.emplace(std::move(r)); });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }));
    return result;
  }
  const OrderState* last_update(const std::string& id) const {
    const OrderState* found = nullptr;
    for (const auto& order : recorder_.orders) {
      if (order.client_order_id == id) found = &order;
    }
    return found;
  }

  SimClock sim_clock_{RealClock().utc() - std::chrono::hours(1)};
  std::unique_ptr<sim::SimulatedVenue> sim_venue_;
  std::shared_ptr<net::Router> router_;
  std::unique_ptr<net::HttpServer> server_;
  boost::asio::io_context io_;
  RealClock clock_{io_};
  std::unique_ptr<Venue> venue_;
  OkxAdapter* adapter_ = nullptr;
  Recorder recorder_;
};

TEST_F(OkxAdapterSimTest, TradesAgainstTheSimulatorWithTheClockOffsetApplied) {
  ASSERT_NE(adapter_, nullptr);
  EXPECT_LT(adapter_->clock_offset_ms(), -3'500'000);  // the simulator is an hour behind
  ASSERT_EQ(venue_->instruments().size(), 1u);
  EXPECT_DOUBLE_EQ(venue_->instruments()[0].lot_size, 0.001);

  venue_->start(recorder_, recorder_);
  ASSERT_TRUE(run_until([&] { return !recorder_.stream.empty() && recorder_.stream.back(); }));
  tick();
  ASSERT_TRUE(run_until([&] { return recorder_.books > 0; }));

  auto resting = place("pbSim1", "59000.0");
  ASSERT_TRUE(resting && resting->ok()) << resting->error().describe();
  ASSERT_TRUE(run_until([&] { return last_update("pbSim1") != nullptr; }));
  EXPECT_EQ(last_update("pbSim1")->quantity, D("0.01"));

  // Would take: OKX accepts it, then cancels it with cancelSource 31.
  auto taking = place("pbSim2", "61000.0");
  ASSERT_TRUE(taking && taking->ok()) << taking->error().describe();
  ASSERT_TRUE(run_until([&] {
    const OrderState* order = last_update("pbSim2");
    return order != nullptr && order->status == OrderStatus::canceled;
  }));
  EXPECT_EQ(adapter_->post_only_rejections(), 1u);

  std::optional<VenueResult<OrderState>> canceled;
  venue_->cancel("BTC-USDT", "pbSim1", [&](VenueResult<OrderState> r) { canceled.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return canceled.has_value(); }));
  ASSERT_TRUE(canceled->ok()) << canceled->error().describe();
  EXPECT_EQ(canceled->value().status, OrderStatus::canceled);

  std::optional<VenueResult<std::vector<Balance>>> balances;
  venue_->balances([&](VenueResult<std::vector<Balance>> r) { balances.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return balances.has_value(); }));
  ASSERT_TRUE(balances->ok()) << balances->error().describe();
  EXPECT_FALSE(balances->value().empty());
}

// The dead-man switch through the adapter: cancel-all-after for the whole account, in
// whole seconds (3 s asked → 10 s armed, the venue's minimum); when the simulator's
// clock passes it, the resting order (sent with stpMode cancel_maker, which the
// simulator validates) is cancelled. A zero timeout disarms.
TEST_F(OkxAdapterSimTest, DeadManSwitchCancelsTheRestingOrderWhenNotRefreshed) {
  ASSERT_NE(adapter_, nullptr);
  EXPECT_EQ(venue_->dead_man_scope(), DeadManScope::per_account);
  venue_->start(recorder_, recorder_);
  ASSERT_TRUE(run_until([&] { return !recorder_.stream.empty() && recorder_.stream.back(); }));
  auto resting = place("pbDm1", "59000.0");
  ASSERT_TRUE(resting && resting->ok()) << resting->error().describe();
  ASSERT_TRUE(run_until([&] { return last_update("pbDm1") != nullptr; }));

  auto arm = [&](std::chrono::milliseconds timeout) {
    std::optional<VenueResult<std::chrono::milliseconds>> armed;
    venue_->arm_dead_man("BTC-USDT", timeout, [&](VenueResult<std::chrono::milliseconds> r) { armed.emplace(std::move(r)); });
    EXPECT_TRUE(run_until([&] { return armed.has_value(); }));
    return armed.value_or(VenueResult<std::chrono::milliseconds>(VenueError{}));
  };
  auto disarmed = arm(0ms);
  ASSERT_TRUE(disarmed.ok()) << disarmed.error().describe();
  EXPECT_EQ(disarmed.value(), 0ms);
  auto armed = arm(3000ms);
  ASSERT_TRUE(armed.ok()) << armed.error().describe();
  EXPECT_EQ(armed.value(), 10000ms) << "OKX's minimum is 10 s";

  sim_clock_.advance(9s);
  tick();
  run_until([] { return false; }, 200ms);
  EXPECT_EQ(last_update("pbDm1")->status, OrderStatus::new_order) << "not due yet";
  sim_clock_.advance(2s);
  tick();
  ASSERT_TRUE(run_until([&] {
    const OrderState* order = last_update("pbDm1");
    return order != nullptr && order->status == OrderStatus::canceled;
  }));
}

}  // namespace
}  // namespace propbot::venues::okx

// funding_since through the adapter: a long, one settlement swallowed by the
// skip_funding fault, one paid — the venue's bills hold exactly the paid one, with the
// amount as the simulator printed it.
namespace propbot::venues::okx {
namespace {

TEST_F(OkxAdapterSimTest, ReportsEachFundingPaymentTheVenueMadeAndNotTheOneItSkipped) {
  const UtcTime since = sim_clock_.utc();
  std::optional<VenueResult<std::vector<FundingPayment>>> none;
  venue_->funding_since(since, [&](VenueResult<std::vector<FundingPayment>> r) { none.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return none.has_value(); }));
  ASSERT_TRUE(none->ok()) << none->error().describe();
  EXPECT_TRUE(none->value().empty());

  OrderRequest buy;
  buy.symbol = "BTC-USDT";
  buy.type = OrderType::market;
  buy.time_in_force = TimeInForce::ioc;
  buy.quantity = D("0.01");
  buy.client_order_id = "pbFund1";
  std::optional<VenueResult<OrderState>> placed;
  venue_->place(buy, [&](VenueResult<OrderState> r) { placed.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return placed.has_value(); }));
  ASSERT_TRUE(placed->ok()) << placed->error().describe();

  sim::FaultPlan skip;
  skip.skip_funding = 1;
  sim_venue_->set_faults(skip);
  sim_venue_->settle_funding();  // swallowed
  sim_clock_.advance(1s);
  sim_venue_->settle_funding();  // paid
  std::optional<VenueResult<std::vector<FundingPayment>>> payments;
  venue_->funding_since(since, [&](VenueResult<std::vector<FundingPayment>> r) { payments.emplace(std::move(r)); });
  ASSERT_TRUE(run_until([&] { return payments.has_value(); }));
  ASSERT_TRUE(payments->ok()) << payments->error().describe();
  ASSERT_EQ(payments->value().size(), 1u) << "the skipped settlement paid nothing, so the venue reports nothing";
  const FundingPayment& paid = payments->value()[0];
  EXPECT_EQ(paid.symbol, "BTC-USDT");
  EXPECT_EQ(paid.asset, "USDT");
  EXPECT_EQ(paid.amount.to_string(), "-0.06") << "0.01 × 60000 × 0.0001, as the venue printed it";
  EXPECT_FALSE(paid.payment_id.empty());
  EXPECT_EQ(to_unix_ms(paid.ts), to_unix_ms(sim_clock_.utc()));
}

}  // namespace
}  // namespace propbot::venues::okx
