// The two VenueHarness implementations: per-venue setup copied from the adapters' own
// simulator tests (binance_sim_integration_test.cpp, okx_adapter_sim_test.cpp).
#include "tests/conformance/harness.hpp"

#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"
#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/venues/binance/adapter.hpp"
#include "core/venues/okx/adapter.hpp"
#include "core/venues/sim/binance/binance_sim_venue.hpp"
#include "core/venues/sim/okx/okx_sim_venue.hpp"

namespace propbot::venues::conformance {

namespace {

Decimal D(const char* text) { return Decimal::parse(text).value(); }

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

// What both harnesses share: server, simulator, account, io_context pumping.
class LoopbackHarness : public VenueHarness {
 public:
  ~LoopbackHarness() override {
    if (venue_) {
      venue_->stop();
      io_.restart();
      io_.poll();
      venue_.reset();
    }
    io_.restart();
    io_.poll();
    if (server_) server_->stop();
  }

  bool start() override {
    if (!venue_) return false;
    venue_->start(recorder_, recorder_);
    return run_until([&] { return recorder_.private_connected && recorder_.books > 0 && !venue_->instruments().empty(); },
                     10000ms, 50ms);
  }

  Venue& venue() override { return *venue_; }
  sim::SimulatedVenue& sim() override { return *sim_; }
  Recorder& recorder() override { return recorder_; }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                 std::optional<std::chrono::milliseconds> tick_every) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_tick = std::chrono::steady_clock::now();
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now > deadline) return false;
      if (tick_every && now >= next_tick) {
        tick(kMid);
        next_tick = now + *tick_every;
      }
      if (io_.stopped()) io_.restart();
      if (io_.run_one_for(5ms) == 0) std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  void tick(double mid) override {
    sim::MarketTick t;
    t.symbol = kSymbol;
    t.mid = mid;
    t.spread_bps = 2.0;
    t.depth_levels = 20;
    t.mark = mid;
    t.index = mid;
    t.funding_rate = 0.0001;
    sim_->on_market_tick({t});
  }

 protected:
  // Starts the server with the simulator installed and funds the account.
  bool start_simulator(std::unique_ptr<sim::SimulatedVenue> simulator, const sim::SimAccountSpec& account) {
    sim_ = std::move(simulator);
    router_ = std::make_shared<net::Router>();
    net::HttpServerOptions server_options;
    server_options.port = 0;
    server_ = std::make_unique<net::HttpServer>(server_options, router_);
    if (!sim_->install(*router_, *server_).ok()) return false;
    if (!server_->start().ok()) return false;
    if (!sim_->create_account(account).ok()) return false;
    tick(kMid);
    return true;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  static sim::SimVenueConfig config(const char* name) {
    sim::SimVenueConfig config;
    config.name = name;
    config.seed = 3;
    sim::InstrumentRules rules;
    rules.symbol = kSymbol;
    config.instruments.push_back(rules);
    return config;
  }

  boost::asio::io_context io_;
  RealClock clock_{io_};
  std::unique_ptr<sim::SimulatedVenue> sim_;
  std::shared_ptr<net::Router> router_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Venue> venue_;
  Recorder recorder_;
};

class BinanceHarness final : public LoopbackHarness {
 public:
  BinanceHarness() {
    account_.api_key = "sim-key";
    account_.api_secret = "sim-secret";
    account_.balances["USDT"] = D("100000");
    if (!start_simulator(sim::make_binance_venue(config("binance"), clock_), account_)) {
      ADD_FAILURE() << "binance simulator did not start";
      return;
    }
    venue_ = make_adapter_with_secret(account_.api_secret);
  }
  std::string name() const override { return "binance"; }
  std::string insufficient_margin_code() const override { return "-2019"; }

  std::unique_ptr<Venue> make_adapter_with_secret(const std::string& secret) override {
    binance::BinanceAdapterOptions options;
    options.venue_id = "BINANCE-SIM";
    options.rest_base_url = "http://" + host();
    options.ws_base_url = "ws://" + host();
    options.api_key = account_.api_key;
    options.api_secret = secret;
    options.symbols = {kSymbol};
    options.reconnect.initial_delay = 50ms;
    options.raw_tap = raw_tap();
    auto venue = binance::make_binance_adapter(io_, clock_, std::move(options), quiet_logger());
    if (!venue.ok()) {
      ADD_FAILURE() << "make_binance_adapter failed";
      return nullptr;
    }
    return std::move(venue.value());
  }
  std::int64_t clock_offset_ms() const override {
    const auto* adapter = dynamic_cast<const binance::BinanceAdapter*>(venue_.get());
    return adapter != nullptr ? adapter->clock_offset_ms() : 0;
  }

 private:
  sim::SimAccountSpec account_;
};

class OkxHarness final : public LoopbackHarness {
 public:
  OkxHarness() : account_{"sim-key", "SIMSECRET42", "sim-pass", {{"USDT", D("100000")}}} {
    if (!start_simulator(sim::make_okx_venue(config("okx"), clock_), account_)) {
      ADD_FAILURE() << "okx simulator did not start";
      return;
    }
    venue_ = make_adapter_with_secret(account_.api_secret);
  }
  std::string name() const override { return "okx"; }
  std::string insufficient_margin_code() const override { return "51008"; }

  std::unique_ptr<Venue> make_adapter_with_secret(const std::string& secret) override {
    okx::OkxAdapterOptions options;
    options.venue_id = "OKX-SIM";
    options.rest_base_url = "http://" + host();
    options.ws_public_url = "ws://" + host() + "/ws/v5/public";
    options.ws_private_url = "ws://" + host() + "/ws/v5/private";
    options.api_key = account_.api_key;
    options.secret_key = secret;
    options.passphrase = account_.passphrase;
    options.demo = true;
    options.symbols = {kSymbol};
    options.reconnect.initial_delay = 50ms;
    options.raw_tap = raw_tap();
    auto venue = okx::make_okx_adapter(io_, clock_, options, quiet_logger());
    if (!venue.ok()) {
      ADD_FAILURE() << "make_okx_adapter failed: " << venue.error().describe();
      return nullptr;
    }
    return std::move(venue.value());
  }
  std::int64_t clock_offset_ms() const override {
    const auto* adapter = dynamic_cast<const okx::OkxAdapter*>(venue_.get());
    return adapter != nullptr ? adapter->clock_offset_ms() : 0;
  }

 private:
  sim::SimAccountSpec account_;
};

}  // namespace

std::vector<Fill> Recorder::fills_for(const std::string& client_order_id) const {
  std::vector<Fill> out;
  for (const auto& fill : fills) {
    if (fill.client_order_id == client_order_id) out.push_back(fill);
  }
  return out;
}

Decimal Recorder::filled_quantity(const std::string& client_order_id) const {
  Decimal total;
  for (const auto& fill : fills_for(client_order_id)) {
    if (auto sum = total.add(fill.quantity)) total = *sum;
  }
  return total;
}

const OrderState* Recorder::last_update(const std::string& client_order_id) const {
  const OrderState* found = nullptr;
  for (const auto& order : orders) {
    if (order.client_order_id == client_order_id) found = &order;
  }
  return found;
}

template <typename T>
VenueResult<T> VenueHarness::wait_for(const std::function<void(VenueCallback<T>)>& call) {
  auto result = std::make_shared<std::optional<VenueResult<T>>>();
  call([result](VenueResult<T> r) { result->emplace(std::move(r)); });
  if (!run_until([&] { return result->has_value(); })) {
    ADD_FAILURE() << name() << ": no answer within " << kTimeout.count() << " ms";
    VenueError timeout;
    timeout.code = VenueErrc::network;
    timeout.venue_code = "TIMEOUT";
    return timeout;
  }
  return std::move(**result);
}

VenueResult<OrderState> VenueHarness::place_and_wait(const OrderRequest& request) {
  return wait_for<OrderState>([&](VenueCallback<OrderState> done) { venue().place(request, std::move(done)); });
}
VenueResult<OrderState> VenueHarness::cancel_and_wait(const std::string& client_order_id) {
  return wait_for<OrderState>(
      [&](VenueCallback<OrderState> done) { venue().cancel(kSymbol, client_order_id, std::move(done)); });
}
VenueResult<int> VenueHarness::cancel_all_and_wait() {
  return wait_for<int>([&](VenueCallback<int> done) { venue().cancel_all(kSymbol, std::move(done)); });
}
VenueResult<OrderState> VenueHarness::query_and_wait(const std::string& client_order_id) {
  return wait_for<OrderState>(
      [&](VenueCallback<OrderState> done) { venue().query_order(kSymbol, client_order_id, std::move(done)); });
}
VenueResult<std::vector<OrderState>> VenueHarness::open_orders_and_wait() {
  return wait_for<std::vector<OrderState>>([&](VenueCallback<std::vector<OrderState>> done) {
    venue().open_orders(std::string(kSymbol), std::move(done));
  });
}
VenueResult<std::vector<Position>> VenueHarness::positions_and_wait() {
  return wait_for<std::vector<Position>>(
      [&](VenueCallback<std::vector<Position>> done) { venue().positions(std::move(done)); });
}
VenueResult<std::vector<Balance>> VenueHarness::balances_and_wait() {
  return wait_for<std::vector<Balance>>(
      [&](VenueCallback<std::vector<Balance>> done) { venue().balances(std::move(done)); });
}

std::uint64_t VenueHarness::server_requests() const {
  const auto described = const_cast<VenueHarness*>(this)->sim().describe();
  return described.at("counters").at("requests").get<std::uint64_t>();
}

std::unique_ptr<VenueHarness> make_harness(const std::string& name) {
  if (name == "binance") return std::make_unique<BinanceHarness>();
  if (name == "okx") return std::make_unique<OkxHarness>();
  return nullptr;
}

OrderRequest limit_order(const std::string& client_order_id, OrderSide side, const char* price, TimeInForce tif,
                         const char* quantity) {
  OrderRequest request;
  request.symbol = kSymbol;
  request.side = side;
  request.type = OrderType::limit;
  request.time_in_force = tif;
  request.quantity = D(quantity);
  request.price = D(price);
  request.client_order_id = client_order_id;
  return request;
}

OrderRequest market_order(const std::string& client_order_id, OrderSide side, const char* quantity) {
  OrderRequest request;
  request.symbol = kSymbol;
  request.side = side;
  request.type = OrderType::market;
  request.time_in_force = TimeInForce::ioc;
  request.quantity = D(quantity);
  request.client_order_id = client_order_id;
  return request;
}

}  // namespace propbot::venues::conformance
