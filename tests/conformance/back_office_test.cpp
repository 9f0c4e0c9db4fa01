// The venue simulator's back office, GET /admin/orders?venue=, as an outside test sees
// it: a VenueSimHost with the real Binance and OKX frontends, orders placed over the
// venues' real REST interfaces with the production signers, then the admin list read
// over HTTP. Every order the venue accepted is listed — resting, filled, cancelled and
// expired ones — with its final status and fill; orders the venue refused are not.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/venues/binance/signing.hpp"
#include "core/venues/okx/signing.hpp"
#include "core/venues/sim/host/venue_factory.hpp"
#include "core/venues/sim/host/venue_sim_host.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::venues::sim {
namespace {

using nlohmann::json;

constexpr const char* kBinanceKey = "bo-binance-key";
constexpr const char* kBinanceSecret = "bo-binance-secret";
constexpr const char* kOkxKey = "bo-okx-key";
constexpr const char* kOkxSecret = "bo-okx-secret";
constexpr const char* kOkxPassphrase = "bo-okx-pass";

class BackOfficeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VenueSimHostOptions options;
    options.seed = 5;
    options.market.tick_ms = 60000;  // the test does not need the market to move
    for (const char* name : {"binance", "okx"}) {
      auto factory = venue_factory(name);
      ASSERT_TRUE(factory.ok()) << factory.error().describe();
      options.venues.push_back(HostedVenueSpec{name, 0, factory.value()});
    }
    host_ = std::make_unique<VenueSimHost>(std::move(options), clock_);
    ASSERT_TRUE(host_->start().ok());
    ASSERT_EQ(admin("POST", "/admin/accounts",
                    json{{"venue", "binance"}, {"api_key", kBinanceKey}, {"api_secret", kBinanceSecret},
                         {"balances", {{"USDT", "100000"}}}}.dump())
                  .status,
              201);
    ASSERT_EQ(admin("POST", "/admin/accounts",
                    json{{"venue", "okx"}, {"api_key", kOkxKey}, {"api_secret", kOkxSecret},
                         {"passphrase", kOkxPassphrase}, {"balances", {{"USDT", "100000"}}}}.dump())
                  .status,
              201);
  }
  void TearDown() override {
    if (host_) host_->stop();
  }

  test_support::HttpResult admin(const std::string& method, const std::string& target, const std::string& body = "") {
    return test_support::http_request("127.0.0.1", host_->admin_port(), method, target, body,
                                      {{"Content-Type", "application/json"}});
  }
  std::uint16_t port(const char* venue) { return host_->venue(venue)->server->port(); }

  json binance(const std::string& method, const std::string& path, const std::vector<binance::QueryParam>& params) {
    binance::RequestSigner signer(kBinanceSecret);
    const std::string query = signer.sign_params(params, to_unix_ms(clock_.utc()));
    test_support::HeaderList headers{{"X-MBX-APIKEY", kBinanceKey}};
    auto r = method == "GET" || method == "DELETE"
                 ? test_support::http_request("127.0.0.1", port("binance"), method, path + "?" + query, "", headers)
                 : test_support::http_request("127.0.0.1", port("binance"), method, path, query,
                                              {{"X-MBX-APIKEY", kBinanceKey},
                                               {"Content-Type", "application/x-www-form-urlencoded"}});
    return json::parse(r.body, nullptr, false);
  }
  json binance_order(const std::string& side, const std::string& type, const std::string& price,
                     const std::string& tif, const std::string& id, const std::string& quantity = "0.01") {
    std::vector<binance::QueryParam> p{{"symbol", "BTCUSDT"}, {"side", side}, {"type", type},
                                       {"quantity", quantity}, {"newClientOrderId", id}};
    if (!price.empty()) p.push_back({"price", price});
    if (!tif.empty()) p.push_back({"timeInForce", tif});
    return binance("POST", "/fapi/v1/order", p);
  }

  json okx(const std::string& method, const std::string& target, const std::string& body = "") {
    venues::okx::RequestSigner signer({kOkxKey, kOkxSecret, kOkxPassphrase, /*demo=*/true});
    test_support::HeaderList headers;
    for (const auto& h : signer.headers(clock_.utc(), method, target, body)) headers.emplace_back(h.name, h.value);
    auto r = test_support::http_request("127.0.0.1", port("okx"), method, target, body, headers);
    return json::parse(r.body, nullptr, false);
  }
  json okx_order(const std::string& side, const std::string& ord_type, const std::string& px, const std::string& id,
                 const std::string& sz = "1") {
    json order{{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", side}, {"ordType", ord_type},
               {"sz", sz},                  {"clOrdId", id}};
    if (!px.empty()) order["px"] = px;
    return okx("POST", "/api/v5/trade/order", order.dump());
  }

  // The admin list, keyed by client order id.
  std::map<std::string, json> orders_of(const std::string& venue, json* whole = nullptr) {
    auto r = admin("GET", "/admin/orders?venue=" + venue);
    EXPECT_EQ(r.status, 200) << r.body;
    json body = json::parse(r.body);
    if (whole != nullptr) *whole = body;
    std::map<std::string, json> out;
    for (const json& o : body["orders"]) out[o["client_order_id"].get<std::string>()] = o;
    return out;
  }

  RealClock clock_;
  std::unique_ptr<VenueSimHost> host_;
};

TEST_F(BackOfficeTest, BinanceListsEveryAcceptedOrderFinishedOnesIncludedAndNoRefusedOne) {
  json book = json::parse(test_support::http_request("127.0.0.1", port("binance"), "GET",
                                                     "/fapi/v1/depth?symbol=BTCUSDT&limit=5").body);
  const double bid = std::stod(book["bids"][0][0].get<std::string>());
  const std::string far_bid = std::to_string(static_cast<long long>(bid * 0.9));
  const std::string far_ask = std::to_string(static_cast<long long>(bid * 1.1));

  ASSERT_EQ(binance_order("BUY", "LIMIT", far_bid, "GTC", "bo-rest")["status"], "NEW");
  ASSERT_EQ(binance_order("SELL", "LIMIT", far_ask, "GTC", "bo-cancel")["status"], "NEW");
  ASSERT_EQ(binance("DELETE", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bo-cancel"}})["status"],
            "CANCELED");
  ASSERT_EQ(binance_order("BUY", "MARKET", "", "", "bo-fill")["status"], "FILLED");
  ASSERT_EQ(binance_order("SELL", "LIMIT", far_ask, "IOC", "bo-ioc")["status"], "EXPIRED");
  EXPECT_EQ(binance_order("BUY", "LIMIT", far_bid, "GTC", "bo-bad-step", "0.0105")["code"], -4023);
  EXPECT_EQ(binance_order("BUY", "LIMIT", far_bid, "GTC", "bo-rest")["code"], -4116);  // duplicate id: refused

  json whole;
  auto orders = orders_of("binance", &whole);
  ASSERT_EQ(whole["orders"].size(), 4u) << whole.dump(1);
  EXPECT_EQ(whole["venue"], "binance");
  EXPECT_EQ(whole["dropped"], 0);
  EXPECT_FALSE(whole["truncated"].get<bool>());
  EXPECT_EQ(whole["capacity"], kDefaultOrderLogCapacity);
  EXPECT_FALSE(orders.count("bo-bad-step"));
  EXPECT_EQ(orders["bo-rest"]["status"], "new");
  EXPECT_EQ(orders["bo-cancel"]["status"], "canceled");
  EXPECT_EQ(orders["bo-fill"]["status"], "filled");
  EXPECT_EQ(orders["bo-fill"]["filled_qty"], "0.01");
  EXPECT_EQ(orders["bo-fill"]["type"], "market");
  EXPECT_EQ(orders["bo-ioc"]["status"], "expired");
  EXPECT_EQ(orders["bo-rest"]["api_key"], kBinanceKey);
  EXPECT_EQ(orders["bo-rest"]["symbol"], "BTC-USDT");
  EXPECT_EQ(orders["bo-rest"]["side"], "buy");
  EXPECT_EQ(orders["bo-rest"]["type"], "limit");
  EXPECT_EQ(orders["bo-rest"]["qty"], "0.01");
  EXPECT_EQ(orders["bo-rest"]["price"], far_bid);
  EXPECT_EQ(orders["bo-rest"]["reduce_only"], false);
  EXPECT_EQ(orders["bo-rest"]["filled_qty"], "0");
  EXPECT_GT(orders["bo-rest"]["created_ms"].get<std::int64_t>(), 0);
  EXPECT_FALSE(orders["bo-rest"]["order_id"].get<std::string>().empty());
  // Oldest first: the order of acceptance.
  EXPECT_EQ(whole["orders"][0]["client_order_id"], "bo-rest");
  EXPECT_EQ(whole["orders"][3]["client_order_id"], "bo-ioc");
}

TEST_F(BackOfficeTest, OkxListsEveryAcceptedOrderIncludingAPostOnlyCancelledOnArrival) {
  json book = okx("GET", "/api/v5/market/books?instId=BTC-USDT-SWAP&sz=1");
  const double ask = std::stod(book["data"][0]["asks"][0][0].get<std::string>());
  const std::string far_bid = std::to_string(static_cast<long long>(ask * 0.9));

  ASSERT_EQ(okx_order("buy", "limit", far_bid, "boRest")["code"], "0");
  ASSERT_EQ(okx_order("buy", "limit", far_bid, "boCancel")["code"], "0");
  ASSERT_EQ(okx("POST", "/api/v5/trade/cancel-order",
                json{{"instId", "BTC-USDT-SWAP"}, {"clOrdId", "boCancel"}}.dump())["code"],
            "0");
  ASSERT_EQ(okx_order("buy", "market", "", "boFill", "2")["code"], "0");
  // A post-only buy at the ask would take: OKX accepts it and cancels it (cancelSource 31).
  ASSERT_EQ(okx_order("buy", "post_only", std::to_string(static_cast<long long>(ask * 1.01)), "boPostOnly")["code"], "0");
  EXPECT_EQ(okx_order("buy", "limit", far_bid, "boBadSize", "0.001")["code"], "1");  // off the lot size: refused
  ASSERT_EQ(okx("POST", "/api/v5/trade/close-position", json{{"instId", "BTC-USDT-SWAP"}, {"mgnMode", "cross"}, {"clOrdId", "boClose"}}.dump())["code"],
            "0");

  json whole;
  auto orders = orders_of("okx", &whole);
  ASSERT_EQ(whole["orders"].size(), 5u) << whole.dump(1);
  EXPECT_FALSE(orders.count("boBadSize"));
  EXPECT_EQ(orders["boRest"]["status"], "new");
  EXPECT_EQ(orders["boCancel"]["status"], "canceled");
  EXPECT_EQ(orders["boFill"]["status"], "filled");
  EXPECT_EQ(orders["boFill"]["filled_qty"], "0.02") << "base units: 2 contracts × ctVal 0.01";
  EXPECT_EQ(orders["boPostOnly"]["status"], "canceled");
  EXPECT_EQ(orders["boClose"]["status"], "filled");
  EXPECT_EQ(orders["boClose"]["reduce_only"], true);
  EXPECT_EQ(orders["boClose"]["side"], "sell");
  EXPECT_EQ(orders["boRest"]["api_key"], kOkxKey);
}

TEST_F(BackOfficeTest, TheVenueParameterIsRequiredAndChecked) {
  EXPECT_EQ(admin("GET", "/admin/orders").status, 400);
  EXPECT_EQ(admin("GET", "/admin/orders?venue=kraken").status, 404);
  json whole;
  orders_of("okx", &whole);
  EXPECT_TRUE(whole["orders"].empty());
}

}  // namespace
}  // namespace propbot::venues::sim
