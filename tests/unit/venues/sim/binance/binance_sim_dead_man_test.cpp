// The Binance dead-man switch, POST /fapi/v1/countdownCancelAll, over loopback: when a
// countdown expires every open order of that symbol of that API key is cancelled and
// the user stream reports each cancel; a client that keeps renewing it (the documented
// heartbeat) keeps its orders; countdownTime 0 disarms it; other API keys are untouched.
#include "tests/unit/venues/sim/binance/binance_sim_fixture.hpp"

namespace propbot::venues::sim {
namespace {

using namespace binance_test;

constexpr const char* kOtherKey = "dead-man-other-key";
constexpr const char* kOtherSecret = "dead-man-other-secret";

class BinanceSimDeadManTest : public BinanceSimVenueTest {
 protected:
  BinanceSimDeadManTest() { add_account(kOtherKey, kOtherSecret); }

  HttpResult arm(std::int64_t countdown_ms) {
    return call("POST", "/fapi/v1/countdownCancelAll",
                {{"symbol", "BTCUSDT"}, {"countdownTime", std::to_string(countdown_ms)}});
  }
  std::size_t open_orders(const std::string& key = kKey, const std::string& secret = kSecret) {
    auto r = call("GET", "/fapi/v1/openOrders", {{"symbol", "BTCUSDT"}}, secret, std::nullopt, key);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).size();
  }
};

TEST_F(BinanceSimDeadManTest, AnExpiredCountdownCancelsEveryOpenOrderOfTheKeyAndTheStreamReportsIt) {
  auto key = call("POST", "/fapi/v1/listenKey", {});
  StreamRecorder& stream = connect("/private/ws?listenKey=" + json::parse(key.body)["listenKey"].get<std::string>());
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC", "dms-a").status, 200);
  ASSERT_EQ(order("SELL", "LIMIT", "0.01", "51000", "GTC", "dms-b").status, 200);
  Params other_order{{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "LIMIT"}, {"timeInForce", "GTC"},
                     {"quantity", "0.01"}, {"price", "48000"}};
  ASSERT_EQ(call("POST", "/fapi/v1/order", other_order, kOtherSecret, std::nullopt, kOtherKey).status, 200);

  auto armed = arm(5000);
  ASSERT_EQ(armed.status, 200) << armed.body;
  EXPECT_EQ(json::parse(armed.body)["symbol"], "BTCUSDT");
  EXPECT_EQ(json::parse(armed.body)["countdownTime"], "5000");
  clock.advance(4999ms);
  EXPECT_EQ(open_orders(), 2u) << "not yet expired";
  clock.advance(2ms);
  EXPECT_EQ(open_orders(), 0u) << "the next request after the deadline finds the orders cancelled";
  EXPECT_EQ(open_orders(kOtherKey, kOtherSecret), 1u) << "another API key's orders are not touched";

  ASSERT_TRUE(wait_until([&] {
    std::size_t cancels = 0;
    for (const json& e : events_of(stream, "ORDER_TRADE_UPDATE")) cancels += e["o"]["x"] == "CANCELED";
    return cancels == 2;
  }));
  for (const char* id : {"dms-a", "dms-b"}) {
    auto q = call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", id}});
    EXPECT_EQ(json::parse(q.body)["status"], "CANCELED") << id;
  }
}

TEST_F(BinanceSimDeadManTest, AHeartbeatThatKeepsRenewingTheCountdownKeepsTheOrders) {
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC").status, 200);
  for (int beat = 0; beat < 10; ++beat) {
    ASSERT_EQ(arm(3000).status, 200);
    clock.advance(2s);  // well inside every countdown, 20 s in all
    tick(50000);
  }
  EXPECT_EQ(open_orders(), 1u);
  clock.advance(3001ms);  // the heartbeat stops
  tick(50000);            // the host's ticks fire due countdowns too
  EXPECT_EQ(open_orders(), 0u);
}

TEST_F(BinanceSimDeadManTest, CountdownZeroDisarmsAndBadParametersAreRefused) {
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC").status, 200);
  ASSERT_EQ(arm(1000).status, 200);
  auto disarmed = arm(0);
  ASSERT_EQ(disarmed.status, 200);
  EXPECT_EQ(json::parse(disarmed.body)["countdownTime"], "0");
  clock.advance(10s);
  EXPECT_EQ(open_orders(), 1u);

  EXPECT_EQ(json::parse(call("POST", "/fapi/v1/countdownCancelAll", {{"symbol", "BTCUSDT"}}).body)["code"], -1102);
  EXPECT_EQ(json::parse(call("POST", "/fapi/v1/countdownCancelAll", {{"symbol", "NOPEUSDT"}, {"countdownTime", "1000"}})
                            .body)["code"],
            -1121);
}

}  // namespace
}  // namespace propbot::venues::sim
