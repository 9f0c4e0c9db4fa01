// The OKX dead-man switch, POST /api/v5/trade/cancel-all-after, over loopback: timeOut in
// seconds, 0 disarms, otherwise 10..120 (51000); the answer carries triggerTime, tag and
// ts. When it expires every pending order of the account is cancelled — on the next
// request or market tick, whichever comes first — and the orders channel reports each
// with cancelSource "20"; a heartbeat that keeps renewing it keeps the orders.
#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

json resting(const std::string& inst_id, const std::string& px, const std::string& cl_ord_id) {
  return {{"instId", inst_id}, {"tdMode", "cross"}, {"side", "buy"}, {"ordType", "limit"},
          {"sz", "1"},         {"px", px},          {"clOrdId", cl_ord_id}};
}

class OkxSimDeadManTest : public OkxSimTest {
 protected:
  json arm(const std::string& timeout) {
    return body_of(call("POST", "/api/v5/trade/cancel-all-after", json{{"timeOut", timeout}}.dump()));
  }
  std::size_t pending() { return body_of(call("GET", "/api/v5/trade/orders-pending"))["data"].size(); }
};

TEST_F(OkxSimDeadManTest, AnExpiredSwitchCancelsEveryPendingOrderWithCancelSource20) {
  WsProbe& probe = login_private();
  probe.send(json{{"op", "subscribe"}, {"args", json::array({json{{"channel", "orders"}, {"instType", "SWAP"}}})}}.dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }).size(), 1u);
  ASSERT_EQ(place(resting("BTC-USDT-SWAP", "55000", "caa1"))["code"], "0");
  ASSERT_EQ(place(resting("ETH-USDT-SWAP", "2900", "caa2"))["code"], "0");

  json armed = arm("10");
  ASSERT_EQ(armed["code"], "0") << armed;
  const json& item = armed["data"][0];
  EXPECT_EQ(item["triggerTime"], std::to_string(to_unix_ms(clock.utc()) + 10'000));
  EXPECT_EQ(item["ts"], std::to_string(to_unix_ms(clock.utc())));
  EXPECT_EQ(item["tag"], "");

  clock.advance(9999ms);
  EXPECT_EQ(pending(), 2u) << "not yet due";
  clock.advance(1ms);
  EXPECT_EQ(pending(), 0u) << "due: the request itself finds them cancelled";
  auto cancels = probe.wait_for(
      [](const json& m) {
        return m.contains("data") && m["data"][0].value("state", "") == "canceled" &&
               m["data"][0].value("cancelSource", "") == "20";
      },
      2);
  EXPECT_EQ(cancels.size(), 2u);
  EXPECT_EQ(body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=caa1"))["data"][0]["state"],
            "canceled");
}

TEST_F(OkxSimDeadManTest, AHeartbeatThatKeepsRenewingKeepsTheOrdersAndTheTickFiresOnceItStops) {
  ASSERT_EQ(place(resting("BTC-USDT-SWAP", "55000", "beat"))["code"], "0");
  for (int beat = 0; beat < 12; ++beat) {
    ASSERT_EQ(arm("10")["code"], "0");
    clock.advance(5s);  // the documented advice is a heartbeat every second; 5 s is inside 10
    tick(60000.0);
  }
  EXPECT_EQ(pending(), 1u);
  clock.advance(11s);
  tick(60000.0);  // no request: the market tick fires it
  EXPECT_EQ(venue->describe()["accounts"][0]["open_orders"].size(), 0u);
}

TEST_F(OkxSimDeadManTest, TimeOutZeroDisarmsAndOutOfRangeIsRefused) {
  ASSERT_EQ(place(resting("BTC-USDT-SWAP", "55000", "keep"))["code"], "0");
  ASSERT_EQ(arm("10")["code"], "0");
  json off = arm("0");
  ASSERT_EQ(off["code"], "0");
  EXPECT_EQ(off["data"][0]["triggerTime"], "0");
  clock.advance(30s);
  EXPECT_EQ(pending(), 1u);
  for (const char* bad : {"5", "121", "-1", "ten"}) EXPECT_EQ(arm(bad)["code"], "51000") << bad;
  // Tag-level switches are not simulated: refused rather than armed for the whole account.
  EXPECT_EQ(body_of(call("POST", "/api/v5/trade/cancel-all-after", R"({"timeOut":"10","tag":"grid"})"))["code"], "51000");
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
