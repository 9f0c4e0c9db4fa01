// The OKX simulator's GET /api/v5/account/bills (one bill per wallet change, newest
// first, type / subType codes, billId pagination), the skip_funding fault and the
// funding schedule it advertises, over loopback.
#include <gtest/gtest.h>

#include "tests/unit/venues/sim/golden_shape.hpp"
#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

class OkxSimBillsTest : public OkxSimTest {
 protected:
  // A market buy of 1 contract (0.01 BTC): a long of 600 USDT at the 60000 mark.
  void buy() {
    json reply = place({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"}, {"ordType", "market"},
                        {"sz", "1"}, {"clOrdId", "billA1"}});
    ASSERT_EQ(reply["code"], "0") << reply.dump();
  }
  json bills(const std::string& query) {
    json body = body_of(call("GET", "/api/v5/account/bills" + query));
    EXPECT_EQ(body["code"], "0") << body.dump();
    return body["data"];
  }
  std::string error_code(const std::string& query) {
    return body_of(call("GET", "/api/v5/account/bills" + query)).value("code", "");
  }
  std::string cash() {
    json body = body_of(call("GET", "/api/v5/account/balance"));
    return body["data"][0]["details"][0]["cashBal"].get<std::string>();
  }
};

TEST_F(OkxSimBillsTest, ListsTransferTradeAndFundingBillsNewestFirstInTheDocumentedShape) {
  buy();
  clock.advance(2s);
  venue->settle_funding();
  json body = body_of(call("GET", "/api/v5/account/bills"));
  EXPECT_GOLDEN_SHAPE("okx", "get_account_bills", body);
  const json& data = body["data"];
  ASSERT_EQ(data.size(), 3u) << data.dump();
  const json& funding = data[0];
  EXPECT_EQ(funding["type"], "8");
  EXPECT_EQ(funding["subType"], "173") << "a funding fee expense";
  EXPECT_EQ(funding["instId"], "BTC-USDT-SWAP");
  EXPECT_EQ(funding["instType"], "SWAP");
  EXPECT_EQ(funding["ccy"], "USDT");
  EXPECT_EQ(funding["balChg"], "-0.06") << "0.01 BTC × 60000 × 0.0001";
  EXPECT_EQ(funding["sz"], "1") << "the position, in contracts";
  EXPECT_EQ(funding["mgnMode"], "cross");
  EXPECT_EQ(funding["ts"], std::to_string(to_unix_ms(clock.utc())));
  EXPECT_EQ(funding["bal"], cash());
  const json& trade = data[1];
  EXPECT_EQ(trade["type"], "2");
  EXPECT_EQ(trade["subType"], "1") << "buy";
  EXPECT_EQ(trade["clOrdId"], "billA1");
  EXPECT_FALSE(trade["tradeId"].get<std::string>().empty());
  EXPECT_EQ(trade["fee"].get<std::string>().front(), '-') << "a fee charged is negative";
  EXPECT_EQ(trade["balChg"], trade["fee"]) << "no PnL on an opening trade";
  EXPECT_EQ(data[2]["type"], "1");
  EXPECT_EQ(data[2]["subType"], "11");
  EXPECT_EQ(data[2]["balChg"], "100000");
  EXPECT_EQ(data[2]["instId"], "");
  EXPECT_GT(std::stoll(funding["billId"].get<std::string>()), std::stoll(trade["billId"].get<std::string>()));
}

TEST_F(OkxSimBillsTest, FiltersByTypeAndPagesByBillId) {
  buy();
  for (int i = 0; i < 3; ++i) {
    clock.advance(1s);
    venue->settle_funding();
  }
  const json funding = bills("?instType=SWAP&type=8");
  ASSERT_EQ(funding.size(), 3u);
  EXPECT_EQ(bills("?type=8&subType=174").size(), 0u) << "a long paid, it received nothing";
  EXPECT_EQ(bills("?instType=SWAP").size(), 4u) << "the deposit has no instrument";
  EXPECT_EQ(bills("?mgnMode=isolated").size(), 0u);
  EXPECT_EQ(bills("?ccy=BTC").size(), 0u);
  EXPECT_EQ(bills("?instId=ETH-USDT-SWAP").size(), 0u);

  const json page = bills("?type=8&limit=2");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]["billId"], funding[0]["billId"]) << "the newest first";
  const json older = bills("?type=8&limit=2&after=" + page[1]["billId"].get<std::string>());
  ASSERT_EQ(older.size(), 1u);
  EXPECT_EQ(older[0]["billId"], funding[2]["billId"]);
  const json newer = bills("?type=8&before=" + funding[2]["billId"].get<std::string>());
  EXPECT_EQ(newer.size(), 2u);
  const std::string second_ts = funding[1]["ts"].get<std::string>();
  const json window = bills("?type=8&begin=" + second_ts + "&end=" + second_ts);
  ASSERT_EQ(window.size(), 1u) << "both ends inclusive";
  EXPECT_EQ(window[0]["billId"], funding[1]["billId"]);
}

TEST_F(OkxSimBillsTest, RefusesBadParametersWithOkxCodes) {
  EXPECT_EQ(error_code("?limit=101"), "51000");
  EXPECT_EQ(error_code("?begin=soon"), "51000");
  EXPECT_EQ(error_code("?mgnMode=spot"), "51000");
  EXPECT_EQ(error_code("?instId=DOGE-USDT-SWAP"), "51001");
}

TEST_F(OkxSimBillsTest, ASkippedSettlementPaysNoAccountAndTheNextOnePays) {
  buy();
  FaultPlan plan;
  plan.skip_funding = 1;
  venue->set_faults(plan);
  const std::string before = cash();
  clock.advance(1s);
  venue->settle_funding();
  EXPECT_EQ(cash(), before) << "the desk's account was not paid";
  EXPECT_TRUE(bills("?type=8").empty()) << "and the venue's bills show no payment";
  EXPECT_EQ(venue->describe()["faults"]["skip_funding"], 0);
  EXPECT_EQ(venue->describe()["counters"]["funding_settlements_skipped"], 1);

  clock.advance(1s);
  venue->settle_funding();
  const json paid = bills("?type=8");
  ASSERT_EQ(paid.size(), 1u);
  EXPECT_EQ(paid[0]["ts"], std::to_string(to_unix_ms(clock.utc())));
  EXPECT_NE(cash(), before);
}

TEST_F(OkxSimBillsTest, AdvertisesTheHostsScheduleAsFundingTimes) {
  const UtcTime next = clock.utc() + 4321ms;
  venue->set_funding_schedule(next, 5s);
  json body = body_of(get_public("/api/v5/public/funding-rate?instId=BTC-USDT-SWAP"));
  ASSERT_EQ(body["code"], "0") << body.dump();
  EXPECT_EQ(body["data"][0]["fundingTime"], std::to_string(to_unix_ms(next)));
  EXPECT_EQ(body["data"][0]["nextFundingTime"], std::to_string(to_unix_ms(next) + 5000));
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
