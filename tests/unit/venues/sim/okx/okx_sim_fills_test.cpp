// The OKX simulator's GET /api/v5/trade/fills (newest first, billId pagination, begin /
// end, OKX's strings and error codes) and the websockets_down fault, over loopback.
#include <gtest/gtest.h>

#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

class OkxSimFillsTest : public OkxSimTest {
 protected:
  // A market order of 0.1 contract (0.001 BTC): one fill against the best level.
  std::string market(const std::string& side, const std::string& client_id) {
    json reply = place({{"instId", "BTC-USDT-SWAP"},
                        {"tdMode", "cross"},
                        {"side", side},
                        {"ordType", "market"},
                        {"sz", "0.1"},
                        {"clOrdId", client_id}});
    EXPECT_EQ(reply["code"], "0") << reply.dump();
    return reply["data"][0].value("ordId", "");
  }
  json fills(const std::string& query) {
    json body = body_of(call("GET", "/api/v5/trade/fills" + query));
    EXPECT_EQ(body["code"], "0") << body.dump();
    return body["data"];
  }
  std::string error_code(const std::string& query) {
    return body_of(call("GET", "/api/v5/trade/fills" + query)).value("code", "");
  }
};

TEST_F(OkxSimFillsTest, ListsTheAccountsFillsNewestFirstAsOkxSendsThem) {
  const std::string first = market("buy", "fillA1");
  clock.advance(2s);
  const std::string second = market("sell", "fillA2");
  json data = fills("?instType=SWAP&instId=BTC-USDT-SWAP");
  ASSERT_EQ(data.size(), 2u) << data.dump();
  const json& newest = data[0];
  for (const char* field : {"instType", "instId", "tradeId", "ordId", "clOrdId", "billId", "tag", "fillPx", "fillSz",
                            "side", "posSide", "execType", "feeCcy", "fee", "ts", "fillTime"}) {
    ASSERT_TRUE(newest.contains(field)) << field;
    EXPECT_TRUE(newest[field].is_string()) << field << " is sent as a string";
  }
  EXPECT_EQ(newest["ordId"], second);
  EXPECT_EQ(newest["clOrdId"], "fillA2");
  EXPECT_EQ(newest["side"], "sell");
  EXPECT_EQ(data[1]["ordId"], first);
  EXPECT_EQ(data[1]["side"], "buy");
  EXPECT_EQ(newest["instType"], "SWAP");
  EXPECT_EQ(newest["instId"], "BTC-USDT-SWAP");
  EXPECT_EQ(newest["fillSz"], "0.1") << "contracts";
  EXPECT_EQ(newest["posSide"], "net");
  EXPECT_EQ(newest["execType"], "T");
  EXPECT_EQ(newest["feeCcy"], "USDT");
  EXPECT_EQ(newest["fee"].get<std::string>().front(), '-') << "a fee charged is negative";
  EXPECT_EQ(newest["ts"], newest["fillTime"]);
  EXPECT_EQ(std::stoll(newest["ts"].get<std::string>()) - std::stoll(data[1]["ts"].get<std::string>()), 2000);
  EXPECT_GT(std::stoll(newest["billId"].get<std::string>()), std::stoll(data[1]["billId"].get<std::string>()));
  EXPECT_TRUE(fills("?instType=SPOT").empty()) << "no spot fills on a swap venue";
}

TEST_F(OkxSimFillsTest, PagesByBillIdAndFiltersByTimeAndOrder) {
  const std::int64_t start = to_unix_ms(clock.utc());
  std::vector<std::string> orders;
  for (int i = 0; i < 5; ++i) {
    orders.push_back(market("buy", "fillB" + std::to_string(i)));
    clock.advance(1s);
  }
  json all = fills("?instId=BTC-USDT-SWAP");
  ASSERT_EQ(all.size(), 5u);
  auto bill = [&](std::size_t i) { return all[i]["billId"].get<std::string>(); };

  json page = fills("?instId=BTC-USDT-SWAP&limit=2");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]["billId"], bill(0)) << "the newest first";
  json older = fills("?instId=BTC-USDT-SWAP&limit=2&after=" + page[1]["billId"].get<std::string>());
  ASSERT_EQ(older.size(), 2u);
  EXPECT_EQ(older[0]["billId"], bill(2));
  EXPECT_EQ(older[1]["billId"], bill(3));
  json newer = fills("?instId=BTC-USDT-SWAP&limit=2&before=" + bill(4));
  ASSERT_EQ(newer.size(), 2u) << "the two just above the cursor, newest first";
  EXPECT_EQ(newer[0]["billId"], bill(2));
  EXPECT_EQ(newer[1]["billId"], bill(3));

  json since = fills("?instId=BTC-USDT-SWAP&begin=" + std::to_string(start + 3000));
  EXPECT_EQ(since.size(), 2u);
  json window = fills("?instId=BTC-USDT-SWAP&begin=" + std::to_string(start + 1000) +
                      "&end=" + std::to_string(start + 2000));
  EXPECT_EQ(window.size(), 2u) << "begin and end inclusive";
  json one = fills("?instId=BTC-USDT-SWAP&ordId=" + orders[1]);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["clOrdId"], "fillB1");
  EXPECT_EQ(fills("?instType=SWAP").size(), 5u) << "every swap without instId";
}

TEST_F(OkxSimFillsTest, AnswersOkxErrorCodesForBadParameters) {
  EXPECT_EQ(error_code("?limit=0"), "51000");
  EXPECT_EQ(error_code("?limit=101"), "51000");
  EXPECT_EQ(error_code("?begin=yesterday"), "51000");
  EXPECT_EQ(error_code("?after=x1"), "51000");
  EXPECT_EQ(error_code("?instType=PERP"), "51000");
  EXPECT_EQ(error_code("?instId=NOPE-USDT-SWAP"), "51001");
  EXPECT_TRUE(fills("?limit=100").empty());
  auto unsigned_call = get_public("/api/v5/trade/fills");
  EXPECT_EQ(body_of(unsigned_call)["code"], "50103") << "a private endpoint";
}

TEST_F(OkxSimFillsTest, WebsocketsDownClosesEverySessionAndEveryNewOneUntilCleared) {
  WsProbe& public_probe = connect("/ws/v5/public");
  WsProbe& private_probe = connect("/ws/v5/private");
  FaultPlan plan = venue->faults();
  plan.websockets_down = true;
  venue->set_faults(plan);
  EXPECT_TRUE(test_support::wait_until([&] { return public_probe.closed() && private_probe.closed(); }));
  EXPECT_TRUE(venue->faults().websockets_down) << "lasts until cleared";
  EXPECT_EQ(venue->describe()["faults"]["websockets_down"], true);

  WsProbe& refused = connect("/ws/v5/private");  // upgraded, then closed at once
  EXPECT_TRUE(test_support::wait_until([&] { return refused.closed(); }));
  EXPECT_EQ(venue->describe()["counters"]["ws_sessions"], 0);
  EXPECT_EQ(body_of(call("GET", "/api/v5/trade/fills"))["code"], "0") << "REST keeps answering";

  plan.websockets_down = false;
  venue->set_faults(plan);
  WsProbe& back = connect("/ws/v5/public");
  back.send("ping");
  EXPECT_TRUE(test_support::wait_until([&] {
    for (const auto& message : back.messages()) {
      if (message == "pong") return true;
    }
    return false;
  }));
  EXPECT_FALSE(back.closed());
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
