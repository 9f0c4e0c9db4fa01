// The Binance simulator's Account Trade List (GET /fapi/v1/userTrades) and the
// websockets_down fault, over loopback: requests signed with the production
// RequestSigner against a SimClock, streams read with the production WsClient.
#include <atomic>
#include <cstdint>
#include <string>

#include "tests/unit/venues/sim/binance/binance_sim_fixture.hpp"

namespace propbot::venues::sim {
namespace {

using namespace binance_test;

constexpr const char* kOtherKey = "other-key";
constexpr const char* kOtherSecret = "other-secret";

// The shared simulator fixture with its own seed and a second funded account.
class BinanceSimUserTradesTest : public BinanceSimVenueTest {
 protected:
  BinanceSimUserTradesTest() : BinanceSimVenueTest(11) { add_account(kOtherKey, kOtherSecret); }

  // A market buy of `quantity`; returns the order's id.
  std::int64_t market_buy(const std::string& client_id, const char* quantity = "0.001", const char* key = kKey,
                          const char* secret = kSecret) {
    auto r = call("POST", "/fapi/v1/order",
                  {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "MARKET"}, {"quantity", quantity},
                   {"newClientOrderId", client_id}},
                  secret, std::nullopt, key);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).value("orderId", std::int64_t{0});
  }
  json trades(const Params& params) {
    auto r = call("GET", "/fapi/v1/userTrades", params);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }
  json error_of(const Params& params) {
    auto r = call("GET", "/fapi/v1/userTrades", params);
    EXPECT_EQ(r.status, 400) << r.body;
    return json::parse(r.body);
  }
};

TEST_F(BinanceSimUserTradesTest, ListsTheAccountsFillsOldestFirstInTheRealShape) {
  const std::int64_t first_order = market_buy("utA1");
  clock.advance(1s);
  const std::int64_t second_order = market_buy("utA2", "0.002");
  market_buy("utOther", "0.001", kOtherKey, kOtherSecret);  // another account's trade

  auto r = call("GET", "/fapi/v1/userTrades", {{"symbol", "BTCUSDT"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-MBX-USED-WEIGHT-1M"), "5") << "weight 5";
  json list = json::parse(r.body);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 2u) << "only this account's trades: " << r.body;
  const json& first = list[0];
  for (const char* field : {"symbol", "id", "orderId", "side", "price", "qty", "realizedPnl", "quoteQty",
                            "commission", "commissionAsset", "time", "positionSide", "buyer", "maker"}) {
    EXPECT_TRUE(first.contains(field)) << field;
  }
  EXPECT_EQ(first["symbol"], "BTCUSDT");
  EXPECT_TRUE(first["id"].is_number_integer());
  EXPECT_EQ(first["orderId"].get<std::int64_t>(), first_order);
  EXPECT_EQ(list[1]["orderId"].get<std::int64_t>(), second_order);
  EXPECT_LT(first["id"].get<std::int64_t>(), list[1]["id"].get<std::int64_t>());
  EXPECT_EQ(first["side"], "BUY");
  EXPECT_TRUE(first["price"].is_string());
  EXPECT_EQ(first["qty"], "0.001");
  EXPECT_EQ(list[1]["qty"], "0.002");
  const Decimal price = Decimal::parse(first["price"].get<std::string>()).value();
  EXPECT_EQ(Decimal::parse(first["quoteQty"].get<std::string>()).value(),
            price.mul(Decimal::parse("0.001").value()).value());
  EXPECT_GT(Decimal::parse(first["commission"].get<std::string>()).value().sign(), 0) << "a taker pays";
  EXPECT_EQ(first["commissionAsset"], "USDT");
  EXPECT_EQ(first["time"].get<std::int64_t>() + 1000, list[1]["time"].get<std::int64_t>());
  EXPECT_EQ(first["positionSide"], "BOTH");
  EXPECT_EQ(first["buyer"], true);
  EXPECT_EQ(first["maker"], false);
}

TEST_F(BinanceSimUserTradesTest, FiltersByStartTimeFromIdOrderIdAndLimit) {
  const std::int64_t t0 = now_ms();
  market_buy("utB1");
  clock.advance(10s);
  const std::int64_t t1 = now_ms();
  const std::int64_t second_order = market_buy("utB2");
  clock.advance(10s);
  market_buy("utB3");

  auto all = trades({{"symbol", "BTCUSDT"}});
  ASSERT_EQ(all.size(), 3u);
  const std::int64_t second_id = all[1]["id"].get<std::int64_t>();

  auto since = trades({{"symbol", "BTCUSDT"}, {"startTime", std::to_string(t1)}});
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0]["id"].get<std::int64_t>(), second_id);

  auto window = trades({{"symbol", "BTCUSDT"}, {"startTime", std::to_string(t0)}, {"endTime", std::to_string(t1)}});
  EXPECT_EQ(window.size(), 2u) << "both ends inclusive";

  auto from_id = trades({{"symbol", "BTCUSDT"}, {"fromId", std::to_string(second_id)}});
  ASSERT_EQ(from_id.size(), 2u);
  EXPECT_EQ(from_id[0]["id"].get<std::int64_t>(), second_id);

  auto by_order = trades({{"symbol", "BTCUSDT"}, {"orderId", std::to_string(second_order)}});
  ASSERT_EQ(by_order.size(), 1u);
  EXPECT_EQ(by_order[0]["orderId"].get<std::int64_t>(), second_order);

  auto first_two = trades({{"symbol", "BTCUSDT"}, {"startTime", std::to_string(t0)}, {"limit", "2"}});
  ASSERT_EQ(first_two.size(), 2u);
  EXPECT_EQ(first_two[0]["id"], all[0]["id"]) << "from startTime: the first ones";
  auto last_two = trades({{"symbol", "BTCUSDT"}, {"limit", "2"}});
  ASSERT_EQ(last_two.size(), 2u);
  EXPECT_EQ(last_two[0]["id"], all[1]["id"]) << "without startTime: the most recent ones, oldest first";

  EXPECT_TRUE(trades({{"symbol", "BTCUSDT"}, {"startTime", std::to_string(now_ms() + 1)}}).empty());
}

TEST_F(BinanceSimUserTradesTest, AnswersTheRealErrorsForBadParameters) {
  EXPECT_EQ(error_of({})["code"], -1102);
  EXPECT_EQ(error_of({{"symbol", "DOGEUSDT"}})["code"], -1121);
  EXPECT_EQ(error_of({{"symbol", "BTCUSDT"}, {"fromId", "1"}, {"startTime", "1"}})["code"], -1128);
  EXPECT_EQ(error_of({{"symbol", "BTCUSDT"}, {"fromId", "1"}, {"endTime", "1"}})["code"], -1128);
  const std::int64_t eight_days = 8LL * 24 * 3600 * 1000;
  EXPECT_EQ(error_of({{"symbol", "BTCUSDT"}, {"startTime", "1"}, {"endTime", std::to_string(1 + eight_days)}})["code"],
            -1127);
  EXPECT_EQ(error_of({{"symbol", "BTCUSDT"}, {"limit", "0"}})["code"], -1130);
  EXPECT_EQ(error_of({{"symbol", "BTCUSDT"}, {"limit", "1001"}})["code"], -1130);
  EXPECT_EQ(error_of({{"symbol", "BTCUSDT"}, {"startTime", "yesterday"}})["code"], -1102);
  EXPECT_EQ(trades({{"symbol", "BTCUSDT"}, {"limit", "1000"}}).size(), 0u);
  auto unsigned_call = test_support::http_request("127.0.0.1", server->port(), "GET",
                                                  "/fapi/v1/userTrades?symbol=BTCUSDT", "",
                                                  {{"X-MBX-APIKEY", kKey}});
  EXPECT_EQ(unsigned_call.status, 400) << "a USER_DATA endpoint: signature required";
}

TEST_F(BinanceSimUserTradesTest, WebsocketsDownClosesEveryStreamAndEveryNewOneUntilCleared) {
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
  auto connect = [&](const std::string& target) {
    net::WsClientOptions options;
    options.scheme = "ws";
    options.host = "127.0.0.1";
    options.port = server->port();
    options.reconnect.enabled = false;
    net::WsCallbacks callbacks;
    callbacks.on_open = [&] { opens.fetch_add(1); };
    callbacks.on_close = [&](const net::WsCloseInfo&) { closes.fetch_add(1); };
    auto created = io.run([&] { return net::WsClient::create(io.io(), options, callbacks); });
    ASSERT_TRUE(created.ok());
    clients.push_back(std::move(created.value()));
    net::WsClient* client = clients.back().get();
    ASSERT_TRUE(io.run([&] { return client->connect(target); }).ok());
  };
  connect("/public/ws/btcusdt@depth");
  ASSERT_TRUE(wait_until([&] { return sessions() == 1; }));

  FaultPlan plan = venue->faults();
  plan.websockets_down = true;
  venue->set_faults(plan);
  EXPECT_TRUE(wait_until([&] { return closes.load() == 1 && sessions() == 0; }));
  EXPECT_TRUE(venue->faults().websockets_down) << "not one-shot: it lasts until cleared";
  EXPECT_EQ(venue->describe()["faults"]["websockets_down"], true);

  connect("/market/ws/btcusdt@markPrice");  // accepted, then closed at once
  EXPECT_TRUE(wait_until([&] { return closes.load() == 2; }));
  EXPECT_EQ(sessions(), 0u);
  EXPECT_EQ(call("GET", "/fapi/v1/userTrades", {{"symbol", "BTCUSDT"}}).status, 200) << "REST keeps answering";

  plan.websockets_down = false;
  venue->set_faults(plan);
  connect("/market/ws/btcusdt@markPrice");
  EXPECT_TRUE(wait_until([&] { return sessions() == 1; }));
  EXPECT_EQ(closes.load(), 2);
  io.run([this] { clients.clear(); });  // before the counters go out of scope
}

}  // namespace
}  // namespace propbot::venues::sim
