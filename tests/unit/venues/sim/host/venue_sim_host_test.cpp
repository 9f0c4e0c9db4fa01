#include "core/venues/sim/host/venue_sim_host.hpp"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/unit/venues/sim/host/fake_venue.hpp"

namespace propbot::venues::sim {
namespace {

using nlohmann::json;
using testing::FakeVenue;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  json body;
};

class VenueSimHostTest : public ::testing::Test {
 protected:
  // Two fake venues named after the real protocols; the tick thread is slowed down so
  // the tests step the market themselves unless they ask otherwise.
  void start(int tick_ms = 60000, std::chrono::milliseconds funding_interval = std::chrono::hours(8)) {
    VenueSimHostOptions options;
    options.seed = 11;
    options.market.tick_ms = tick_ms;
    options.funding_interval = funding_interval;
    for (const std::string name : {"binance", "okx"}) {
      options.venues.push_back(HostedVenueSpec{name, 0, [this, name](const SimVenueConfig& config, const Clock&) {
                                                 auto venue = std::make_unique<FakeVenue>(name, config);
                                                 fakes_[name] = venue.get();
                                                 return venue;
                                               }});
    }
    host_ = std::make_unique<VenueSimHost>(std::move(options), clock_);
    const Status started = host_->start();
    ASSERT_TRUE(started.ok()) << started.error().describe();
  }

  void TearDown() override {
    if (host_) host_->stop();
  }

  Reply admin(const std::string& method, const std::string& path, const std::string& body = "") {
    const auto result = test_support::http_request("127.0.0.1", host_->admin_port(), method, path, body,
                                                   {{"Content-Type", "application/json"}});
    Reply reply;
    reply.status = result.status;
    reply.body = json::parse(result.body, nullptr, false);
    return reply;
  }

  static std::string error_message(const Reply& reply) {
    return reply.body.is_object() && reply.body.contains("error") ? reply.body["error"].value("message", "") : "";
  }

  RealClock clock_;
  std::map<std::string, FakeVenue*> fakes_;
  std::unique_ptr<VenueSimHost> host_;
};

TEST_F(VenueSimHostTest, StartsOneServerPerVenueWithItsRoutesAndTheAdminServer) {
  start();
  ASSERT_EQ(host_->venue_names(), (std::vector<std::string>{"binance", "okx"}));
  for (const auto& name : host_->venue_names()) {
    HostedVenue* hosted = host_->venue(name);
    ASSERT_NE(hosted, nullptr);
    EXPECT_EQ(hosted->url, "http://127.0.0.1:" + std::to_string(hosted->server->port()));
    const auto ping = test_support::http_request("127.0.0.1", hosted->server->port(), "GET", "/ping");
    EXPECT_EQ(ping.status, 200);
    EXPECT_EQ(json::parse(ping.body)["venue"], name);
    EXPECT_EQ(fakes_[name]->config().name, name);
    EXPECT_EQ(fakes_[name]->config().instruments.size(), 2u);
  }
  EXPECT_NE(fakes_["binance"]->config().seed, fakes_["okx"]->config().seed);
  EXPECT_EQ(host_->admin_url(), "http://127.0.0.1:" + std::to_string(host_->admin_port()));

  const Reply health = admin("GET", "/admin/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["status"], "ok");
  EXPECT_EQ(health.body["venues"].size(), 2u);
  EXPECT_EQ(health.body["venues"][1]["protocol"], "okx");
}

TEST_F(VenueSimHostTest, TicksReachBothVenuesWithDifferentMids) {
  start();
  // The venues get the current quotes at start, then one set per step.
  ASSERT_EQ(fakes_["binance"]->ticks().size(), 1u);
  host_->tick_once();
  host_->tick_once();
  const auto binance = fakes_["binance"]->ticks();
  const auto okx = fakes_["okx"]->ticks();
  ASSERT_EQ(binance.size(), 3u);
  ASSERT_EQ(okx.size(), 3u);
  ASSERT_EQ(binance.back().size(), 2u);
  EXPECT_EQ(binance.back()[0].symbol, "BTC-USDT");
  EXPECT_EQ(okx.back()[1].symbol, "ETH-USDT");
  EXPECT_NE(binance.back()[0].mid, okx.back()[0].mid);
  EXPECT_NE(binance.back()[0].mid, binance[1][0].mid);  // the market moves
  EXPECT_GT(okx.back()[0].funding_rate, -1);
  EXPECT_EQ(host_->health().ticks, 2u);
}

TEST_F(VenueSimHostTest, TheTickThreadDrivesTheMarketAndSettlesFundingOnSchedule) {
  start(10, 100ms);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline &&
         (fakes_["okx"]->ticks().size() < 5 || fakes_["binance"]->settlements() < 1)) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(fakes_["okx"]->ticks().size(), 5u);
  EXPECT_GE(fakes_["binance"]->settlements(), 1);
  EXPECT_GE(fakes_["okx"]->settlements(), 1);
}

// What the venues advertise as the next funding time is the host's timer: the schedule
// reaches every venue at start, and again after each timed settlement (not before it).
TEST_F(VenueSimHostTest, TellsEveryVenueWhenTheTimerSettlesNext) {
  const UtcTime before_start = clock_.utc();
  start(10, 200ms);
  for (const char* name : {"binance", "okx"}) {
    const auto first = fakes_[name]->schedules();
    ASSERT_FALSE(first.empty()) << name;
    EXPECT_EQ(first[0].interval, 200ms);
    EXPECT_EQ(first[0].settlements_before, 0);
    EXPECT_GE(first[0].next, std::chrono::floor<std::chrono::milliseconds>(before_start + 200ms));
    EXPECT_LE(first[0].next, clock_.utc() + 200ms);
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline && fakes_["okx"]->schedules().size() < 3) {
    std::this_thread::sleep_for(10ms);
  }
  const auto schedules = fakes_["okx"]->schedules();
  ASSERT_GE(schedules.size(), 3u);
  for (std::size_t i = 1; i < schedules.size(); ++i) {
    EXPECT_EQ(schedules[i].settlements_before, static_cast<int>(i)) << "published after the settlement it follows";
    EXPECT_GT(schedules[i].next, schedules[i - 1].next);
  }
  EXPECT_LE(admin("GET", "/admin/health").body["next_funding_in_ms"].get<std::int64_t>(), 200);
}

TEST_F(VenueSimHostTest, AccountsAreCreatedOnTheNamedVenue) {
  start();
  Reply created = admin("POST", "/admin/accounts",
                        R"({"venue":"binance","api_key":"key-1","api_secret":"secret-1","balances":{"USDT":100000}})");
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["api_key"], "key-1");
  EXPECT_EQ(created.body["balances"]["USDT"], "100000");
  EXPECT_FALSE(created.body.contains("api_secret"));
  const auto accounts = fakes_["binance"]->accounts();
  ASSERT_EQ(accounts.count("key-1"), 1u);
  EXPECT_EQ(accounts.at("key-1").api_secret, "secret-1");
  EXPECT_EQ(accounts.at("key-1").balances.at("USDT"), Decimal::from_mantissa(100000, 0));
  EXPECT_TRUE(fakes_["okx"]->accounts().empty());

  Reply duplicate = admin("POST", "/admin/accounts", R"({"venue":"binance","api_key":"key-1","api_secret":"other"})");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(duplicate.body["error"]["code"], "already_exists");
  EXPECT_NE(error_message(duplicate).find("api_key"), std::string::npos);

  Reply no_passphrase = admin("POST", "/admin/accounts", R"({"venue":"okx","api_key":"k","api_secret":"s"})");
  EXPECT_EQ(no_passphrase.status, 400);
  EXPECT_EQ(error_message(no_passphrase).rfind("passphrase:", 0), 0u);

  Reply okx = admin("POST", "/admin/accounts",
                    R"({"venue":"okx","api_key":"k","api_secret":"s","passphrase":"p","balances":{"USDT":"2500.5"}})");
  EXPECT_EQ(okx.status, 201);
  EXPECT_EQ(fakes_["okx"]->accounts().at("k").passphrase, "p");

  Reply unknown_venue = admin("POST", "/admin/accounts", R"({"venue":"bybit","api_key":"k","api_secret":"s"})");
  EXPECT_EQ(unknown_venue.status, 400);
  EXPECT_EQ(error_message(unknown_venue).rfind("venue:", 0), 0u);

  Reply bad_balance = admin("POST", "/admin/accounts",
                            R"({"venue":"binance","api_key":"k2","api_secret":"s","balances":{"USDT":"-1"}})");
  EXPECT_EQ(bad_balance.status, 400);
  EXPECT_EQ(error_message(bad_balance).rfind("balances.USDT:", 0), 0u);

  EXPECT_EQ(admin("POST", "/admin/accounts", "").status, 400);

  Reply venues = admin("GET", "/admin/venues");
  ASSERT_EQ(venues.status, 200);
  ASSERT_EQ(venues.body["venues"].size(), 2u);
  EXPECT_EQ(venues.body["venues"][0]["name"], "binance");
  EXPECT_EQ(venues.body["venues"][0]["state"]["accounts"], json::array({"key-1"}));
}

TEST_F(VenueSimHostTest, FaultsRoundTripMergeAndReset) {
  start();
  Reply initial = admin("GET", "/admin/faults/okx");
  ASSERT_EQ(initial.status, 200);
  EXPECT_EQ(initial.body["added_latency_ms"], 0);
  EXPECT_EQ(initial.body["maintenance"], false);

  Reply first = admin("PUT", "/admin/faults/okx", R"({"added_latency_ms":150,"stale_books":true})");
  ASSERT_EQ(first.status, 200) << first.body.dump();
  Reply second = admin("PUT", "/admin/faults/okx", R"({"rate_limit_429_count":3})");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body["added_latency_ms"], 150);  // merged, not replaced
  EXPECT_EQ(second.body["rate_limit_429_count"], 3);
  const FaultPlan plan = fakes_["okx"]->faults();
  EXPECT_EQ(plan.added_latency_ms, 150);
  EXPECT_TRUE(plan.stale_books);
  EXPECT_EQ(plan.rate_limit_429_count, 3);
  EXPECT_EQ(fakes_["binance"]->faults().added_latency_ms, 0);

  Reply unknown_field = admin("PUT", "/admin/faults/okx", R"({"latency_ms":5})");
  EXPECT_EQ(unknown_field.status, 400);
  EXPECT_EQ(error_message(unknown_field).rfind("latency_ms:", 0), 0u);
  EXPECT_EQ(fakes_["okx"]->faults().added_latency_ms, 150);  // nothing applied

  EXPECT_EQ(admin("GET", "/admin/faults/bybit").status, 404);
  EXPECT_EQ(admin("PUT", "/admin/faults/bybit", "{}").status, 404);

  Reply reset = admin("POST", "/admin/faults/okx/reset");
  EXPECT_EQ(reset.status, 200);
  EXPECT_EQ(reset.body["added_latency_ms"], 0);
  EXPECT_FALSE(fakes_["okx"]->faults().stale_books);
}

TEST_F(VenueSimHostTest, MarketParamsRoundTripAndJumpMovesOneVenueNow) {
  start();
  Reply market = admin("GET", "/admin/market");
  ASSERT_EQ(market.status, 200);
  EXPECT_EQ(market.body["params"]["tick_ms"], 60000);
  const double binance_before = market.body["quotes"]["binance"]["BTC-USDT"]["mid"];

  Reply updated = admin("PUT", "/admin/market", R"({"spread_bps":4,"depth_levels":5})");
  ASSERT_EQ(updated.status, 200) << updated.body.dump();
  EXPECT_EQ(updated.body["params"]["spread_bps"], 4.0);
  host_->tick_once();
  EXPECT_DOUBLE_EQ(fakes_["okx"]->ticks().back()[0].spread_bps, 4);
  EXPECT_EQ(fakes_["okx"]->ticks().back()[0].depth_levels, 5);

  Reply bad = admin("PUT", "/admin/market", R"({"spread_bps":-2})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(error_message(bad).rfind("spread_bps:", 0), 0u);
  Reply unknown = admin("PUT", "/admin/market", R"({"volatility":2})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(error_message(unknown).rfind("volatility:", 0), 0u);

  const std::size_t ticks_before_jump = fakes_["okx"]->ticks().size();
  const double okx_mid = admin("GET", "/admin/market").body["quotes"]["okx"]["BTC-USDT"]["mid"];
  Reply jumped = admin("PUT", "/admin/market", R"({"jump":{"venue":"okx","symbol":"BTC-USDT","bps":-2000}})");
  ASSERT_EQ(jumped.status, 200) << jumped.body.dump();
  const double okx_after = jumped.body["quotes"]["okx"]["BTC-USDT"]["mid"];
  EXPECT_NEAR(okx_after, okx_mid * 0.8, 1e-6);
  // Published at once, without waiting for a tick.
  ASSERT_EQ(fakes_["okx"]->ticks().size(), ticks_before_jump + 1);
  EXPECT_NEAR(fakes_["okx"]->ticks().back()[0].mid, okx_after, 1e-6);
  EXPECT_LT(okx_after, binance_before * 0.9);

  Reply post_jump = admin("POST", "/admin/market/jump", R"({"venue":"binance","bps":100})");
  EXPECT_EQ(post_jump.status, 200);
  Reply bad_jump = admin("POST", "/admin/market/jump", R"({"venue":"bybit","bps":100})");
  EXPECT_EQ(bad_jump.status, 400);
  EXPECT_EQ(error_message(bad_jump).rfind("jump.venue:", 0), 0u);

  // A bad jump in a PUT refuses the whole request: the params stay as they were.
  Reply mixed = admin("PUT", "/admin/market", R"({"spread_bps":7,"jump":{"symbol":"DOGE-USDT","bps":5}})");
  EXPECT_EQ(mixed.status, 400);
  EXPECT_EQ(error_message(mixed).rfind("jump.symbol:", 0), 0u);
  EXPECT_DOUBLE_EQ(host_->market().params().spread_bps, 4);
}

TEST_F(VenueSimHostTest, FundingSettleAndLiquidateAreForwarded) {
  start();
  Reply settled = admin("POST", "/admin/funding/settle");
  ASSERT_EQ(settled.status, 200) << settled.body.dump();
  EXPECT_EQ(fakes_["binance"]->settlements(), 1);
  EXPECT_EQ(fakes_["okx"]->settlements(), 1);
  EXPECT_EQ(admin("GET", "/admin/health").body["funding_settlements"], 1);

  Reply liquidated = admin("POST", "/admin/liquidate", R"({"venue":"okx","symbol":"BTC-USDT","mark":"50000.5"})");
  ASSERT_EQ(liquidated.status, 200) << liquidated.body.dump();
  const auto marks = fakes_["okx"]->marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].first, "BTC-USDT");
  EXPECT_EQ(marks[0].second, Decimal::from_mantissa(500005, 1));

  EXPECT_EQ(error_message(admin("POST", "/admin/liquidate", R"({"venue":"okx","symbol":"DOGE-USDT","mark":1})")).rfind("symbol:", 0), 0u);
  EXPECT_EQ(error_message(admin("POST", "/admin/liquidate", R"({"venue":"okx","symbol":"BTC-USDT","mark":0})")).rfind("mark:", 0), 0u);
  EXPECT_EQ(error_message(admin("POST", "/admin/liquidate", R"({"venue":"okx","symbol":"BTC-USDT"})")).rfind("mark:", 0), 0u);
  EXPECT_EQ(fakes_["okx"]->marks().size(), 1u);
}

TEST(VenueSimHostStartTest, APortInUseFailsNamingTheVenue) {
  RealClock clock;
  VenueSimHostOptions first_options;
  VenueSimHost first(std::move(first_options), clock);
  ASSERT_TRUE(first.start().ok());

  VenueSimHostOptions options;
  options.venues.push_back(HostedVenueSpec{"okx", first.admin_port(), [](const SimVenueConfig& config, const Clock&) {
                                             return std::make_unique<FakeVenue>("okx", config);
                                           }});
  VenueSimHost second(std::move(options), clock);
  const Status started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().message.rfind("okx: ", 0), 0u) << started.error().message;
}

TEST(VenueSimHostStartTest, ADuplicateVenueNameIsRefused) {
  RealClock clock;
  const auto factory = [](const SimVenueConfig& config, const Clock&) { return std::make_unique<FakeVenue>("okx", config); };
  VenueSimHostOptions options;
  options.venues = {HostedVenueSpec{"okx", 0, factory}, HostedVenueSpec{"okx", 0, factory}};
  VenueSimHost host(std::move(options), clock);
  const Status started = host.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, Errc::invalid_argument);
}

TEST_F(VenueSimHostTest, OrdersAnswersOnlyForAVenueThatKeepsAnOrderLog) {
  start();
  const Reply missing = admin("GET", "/admin/orders");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(error_message(missing).find("venue: is required"), std::string::npos);
  EXPECT_EQ(admin("GET", "/admin/orders?venue=nope").status, 404);
  // The fakes keep no order log (the real frontends do: tests/conformance/back_office_test.cpp).
  const Reply fake = admin("GET", "/admin/orders?venue=binance");
  EXPECT_EQ(fake.status, 404);
  EXPECT_NE(error_message(fake).find("keeps no order log"), std::string::npos);
}

}  // namespace
}  // namespace propbot::venues::sim
