// The Binance simulator's Get Income History (GET /fapi/v1/income), the skip_funding
// fault and the funding schedule it advertises, over loopback: requests signed with the
// production RequestSigner against a SimClock.
#include <cstdint>
#include <string>

#include "tests/unit/venues/sim/binance/binance_sim_fixture.hpp"
#include "tests/unit/venues/sim/golden_shape.hpp"

namespace propbot::venues::sim {
namespace {

using namespace binance_test;

class BinanceSimIncomeTest : public BinanceSimVenueTest {
 protected:
  // A market buy of 0.01 BTC (a long of 500 USDT at the 50000 mark).
  void buy() {
    auto r = order("BUY", "MARKET", "0.01");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  json income(const Params& params) {
    auto r = call("GET", "/fapi/v1/income", params);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  json refused(const Params& params) {
    auto r = call("GET", "/fapi/v1/income", params);
    EXPECT_EQ(r.status, 400) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  std::vector<json> rows_of_type(const json& rows, const std::string& type) {
    std::vector<json> out;
    for (const auto& row : rows) {
      if (row["incomeType"] == type) out.push_back(row);
    }
    return out;
  }
  std::string wallet() {
    auto r = call("GET", "/fapi/v2/balance", {});
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)[0]["balance"].get<std::string>();
  }
};

TEST_F(BinanceSimIncomeTest, ListsTransferCommissionAndFundingRowsOldestFirstInTheDocumentedShape) {
  buy();
  clock.advance(1s);
  venue->settle_funding();

  auto r = call("GET", "/fapi/v1/income", {});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-MBX-USED-WEIGHT-1M"), "30") << "weight 30";
  const json rows = json::parse(r.body);
  EXPECT_GOLDEN_SHAPE("binance", "get_fapi_v1_income", rows);
  ASSERT_EQ(rows.size(), 3U) << r.body;
  EXPECT_EQ(rows[0]["incomeType"], "TRANSFER");
  EXPECT_EQ(rows[0]["income"], "100000.00000000");
  EXPECT_EQ(rows[0]["symbol"], "");
  EXPECT_EQ(rows[1]["incomeType"], "COMMISSION");
  EXPECT_EQ(rows[1]["symbol"], "BTCUSDT");
  EXPECT_TRUE(Decimal::parse(rows[1]["income"].get<std::string>()).value().is_negative()) << "a taker pays";
  EXPECT_NE(rows[1]["tradeId"], "") << "a commission names its trade";
  const json& funding = rows[2];
  EXPECT_EQ(funding["incomeType"], "FUNDING_FEE");
  EXPECT_EQ(funding["symbol"], "BTCUSDT");
  EXPECT_EQ(funding["income"], "-0.05000000") << "0.01 × 50000 × 0.0001, paid by a long";
  EXPECT_EQ(funding["asset"], "USDT");
  EXPECT_EQ(funding["tradeId"], "");
  EXPECT_EQ(funding["time"].get<std::int64_t>(), now_ms());
  EXPECT_LT(rows[0]["tranId"].get<std::int64_t>(), rows[1]["tranId"].get<std::int64_t>());
  EXPECT_LT(rows[1]["tranId"].get<std::int64_t>(), funding["tranId"].get<std::int64_t>());
}

TEST_F(BinanceSimIncomeTest, FiltersByTypeSymbolAndTimeAndPagesByLimit) {
  buy();
  const std::int64_t first_settlement = now_ms() + 1000;
  for (int i = 0; i < 3; ++i) {
    clock.advance(1s);
    venue->settle_funding();
  }
  const json funding = income({{"incomeType", "FUNDING_FEE"}});
  ASSERT_EQ(funding.size(), 3U);
  EXPECT_EQ(funding[0]["time"].get<std::int64_t>(), first_settlement);
  EXPECT_EQ(income({{"symbol", "BTCUSDT"}, {"incomeType", "TRANSFER"}}).size(), 0U) << "a deposit has no symbol";
  EXPECT_EQ(income({{"incomeType", "WELCOME_BONUS"}}).size(), 0U) << "documented, never produced";

  const json window = income({{"incomeType", "FUNDING_FEE"}, {"startTime", std::to_string(first_settlement + 1000)},
                              {"endTime", std::to_string(first_settlement + 1000)}});
  ASSERT_EQ(window.size(), 1U) << "both ends inclusive";
  EXPECT_EQ(window[0]["tranId"], funding[1]["tranId"]);

  const json first_page = income({{"incomeType", "FUNDING_FEE"}, {"limit", "2"}});
  ASSERT_EQ(first_page.size(), 2U);
  EXPECT_EQ(first_page[0]["tranId"], funding[0]["tranId"]) << "the first `limit` from the window's start";
  const json second_page = income({{"incomeType", "FUNDING_FEE"}, {"limit", "2"}, {"page", "2"}});
  ASSERT_EQ(second_page.size(), 1U);
  EXPECT_EQ(second_page[0]["tranId"], funding[2]["tranId"]);

  const json old = income({{"incomeType", "FUNDING_FEE"}, {"endTime", std::to_string(first_settlement - 1)}});
  EXPECT_EQ(old.size(), 0U);
}

TEST_F(BinanceSimIncomeTest, RefusesBadParametersWithTheVenuesCodes) {
  EXPECT_EQ(refused({{"incomeType", "FUNDING"}})["code"], -1130);
  EXPECT_EQ(refused({{"limit", "1001"}})["code"], -1130);
  EXPECT_EQ(refused({{"limit", "0"}})["code"], -1130);
  EXPECT_EQ(refused({{"startTime", "soon"}})["code"], -1102);
  EXPECT_EQ(refused({{"symbol", "DOGEUSDT"}})["code"], -1121);
}

TEST_F(BinanceSimIncomeTest, ASkippedSettlementPaysNoAccountAndTheNextOnePays) {
  buy();
  FaultPlan plan;
  plan.skip_funding = 1;
  venue->set_faults(plan);
  const std::string before = wallet();
  clock.advance(1s);
  venue->settle_funding();
  EXPECT_EQ(wallet(), before) << "the desk's account was not paid";
  EXPECT_TRUE(rows_of_type(income({}), "FUNDING_FEE").empty()) << "and the venue's history shows no payment";
  const json described = venue->describe();
  EXPECT_EQ(described["faults"]["skip_funding"], 0) << "the count went down by one";
  EXPECT_EQ(described["counters"]["funding_settlements_skipped"], 1);

  clock.advance(1s);
  venue->settle_funding();
  const auto paid = rows_of_type(income({}), "FUNDING_FEE");
  ASSERT_EQ(paid.size(), 1U);
  EXPECT_EQ(paid[0]["time"].get<std::int64_t>(), now_ms());
  EXPECT_NE(wallet(), before);
}

TEST_F(BinanceSimIncomeTest, AdvertisesTheHostsNextSettlementAsNextFundingTime) {
  const UtcTime next = clock.utc() + std::chrono::milliseconds(4321);
  venue->set_funding_schedule(next, std::chrono::seconds(5));
  auto r = get("/fapi/v1/premiumIndex?symbol=BTCUSDT");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["nextFundingTime"].get<std::int64_t>(), to_unix_ms(next));
}

}  // namespace
}  // namespace propbot::venues::sim
