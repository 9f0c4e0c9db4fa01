// The OKX venue simulator's REST side over loopback: public data, every ordType with
// sz in contracts, query/cancel by clOrdId, the OKX error codes and the faults.
#include <gtest/gtest.h>

#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

TEST_F(OkxSimTest, PublishesSwapInstrumentsWithContractValue) {
  json body = body_of(get_public("/api/v5/public/instruments?instType=SWAP"));
  ASSERT_EQ(body["code"], "0");
  ASSERT_EQ(body["data"].size(), 2u);
  json btc;
  for (const json& item : body["data"]) {
    if (item["instId"] == "BTC-USDT-SWAP") btc = item;
  }
  ASSERT_TRUE(btc.is_object()) << body.dump();
  EXPECT_EQ(btc["ctVal"], "0.01");
  EXPECT_EQ(btc["ctValCcy"], "BTC");
  EXPECT_EQ(btc["tickSz"], "0.1");
  EXPECT_EQ(btc["lotSz"], "0.1");  // step 0.001 BTC / ctVal 0.01
  EXPECT_EQ(btc["minSz"], "0.1");
  EXPECT_EQ(btc["settleCcy"], "USDT");
  EXPECT_EQ(btc["ctType"], "linear");
}

TEST_F(OkxSimTest, AnswersServerTimeFromTheSimulatedClockWithSkew) {
  json body = body_of(get_public("/api/v5/public/time"));
  EXPECT_EQ(body["data"][0]["ts"], std::to_string(to_unix_ms(clock.utc())));
  FaultPlan plan;
  plan.clock_skew_ms = 1500;
  venue->set_faults(plan);
  body = body_of(get_public("/api/v5/public/time"));
  EXPECT_EQ(body["data"][0]["ts"], std::to_string(to_unix_ms(clock.utc()) + 1500));
}

TEST_F(OkxSimTest, ServesTheBookInContractsAroundTheTick) {
  json body = body_of(get_public("/api/v5/market/books?instId=BTC-USDT-SWAP&sz=5"));
  ASSERT_EQ(body["code"], "0") << body.dump();
  const json& book = body["data"][0];
  ASSERT_EQ(book["asks"].size(), 5u);
  ASSERT_EQ(book["bids"].size(), 5u);
  const double best_bid = std::stod(book["bids"][0][0].get<std::string>());
  const double best_ask = std::stod(book["asks"][0][0].get<std::string>());
  EXPECT_LT(best_bid, 60000.0);
  EXPECT_GT(best_ask, 60000.0);
  EXPECT_LT(best_ask - best_bid, 10.0);
  // 12 500..37 500 USDT per level (level_notional 25 000) at 60 000 = 0.208..0.625 BTC
  // = 20.8..62.5 contracts.
  const double size = std::stod(book["asks"][0][1].get<std::string>());
  EXPECT_GE(size, 20.8);
  EXPECT_LE(size, 62.5);
  EXPECT_EQ(book["asks"][0][2], "0");
  body = body_of(get_public("/api/v5/market/books?instId=NOPE-USDT-SWAP"));
  EXPECT_EQ(body["code"], "51001");
}

TEST_F(OkxSimTest, ServesMarkPriceAndFundingRate) {
  json mark = body_of(get_public("/api/v5/public/mark-price?instType=SWAP&instId=BTC-USDT-SWAP"));
  ASSERT_EQ(mark["data"].size(), 1u);
  EXPECT_EQ(mark["data"][0]["markPx"], "60000");
  json funding = body_of(get_public("/api/v5/public/funding-rate?instId=BTC-USDT-SWAP"));
  EXPECT_EQ(funding["data"][0]["fundingRate"], "0.0001");
}

// stpMode: cancel_maker, cancel_taker and cancel_both are accepted (absent: the venue's
// default); an unknown mode, and cancel_both on a FOK order, are refused with 51000.
TEST_F(OkxSimTest, ValidatesStpModeAsTheVenueDoes) {
  auto order = [](const std::string& id, const std::string& ord_type, const std::string& stp) {
    json item{{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"}, {"ordType", ord_type},
              {"sz", "1"},                 {"px", "55000"},     {"clOrdId", id}};
    if (!stp.empty()) item["stpMode"] = stp;
    return item;
  };
  int n = 0;
  for (const char* mode : {"cancel_maker", "cancel_taker", "cancel_both", ""}) {
    json placed = place(order("stpok" + std::to_string(++n), "limit", mode));
    EXPECT_EQ(placed["code"], "0") << mode << " " << placed;
  }
  for (const char* mode : {"EXPIRE_MAKER", "cancel", "none"}) {
    json refused = place(order("stpbad" + std::to_string(++n), "limit", mode));
    EXPECT_EQ(refused["data"][0]["sCode"], "51000") << mode << " " << refused;
    EXPECT_EQ(refused["data"][0]["sMsg"], "Parameter stpMode error") << refused;
  }
  json fok = place(order("stpfok", "fok", "cancel_both"));
  EXPECT_EQ(fok["data"][0]["sCode"], "51000") << fok;
}

TEST_F(OkxSimTest, FillsEveryOrdTypeWithSizeInContracts) {
  // market buy 10 contracts = 0.1 BTC
  json market = place({{"instId", "BTC-USDT-SWAP"},
                       {"tdMode", "cross"},
                       {"side", "buy"},
                       {"ordType", "market"},
                       {"sz", "10"},
                       {"clOrdId", "mkt1"}});
  ASSERT_EQ(market["code"], "0") << market.dump();
  EXPECT_EQ(market["data"][0]["sCode"], "0");
  json position = position_of("BTC-USDT-SWAP");
  ASSERT_TRUE(position.is_object());
  EXPECT_EQ(position["pos"], "10");
  EXPECT_DOUBLE_EQ(std::stod(position["pos"].get<std::string>()) * 0.01, 0.1);  // base coin

  json order = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=mkt1"));
  EXPECT_EQ(order["data"][0]["state"], "filled");
  EXPECT_EQ(order["data"][0]["accFillSz"], "10");
  EXPECT_EQ(order["data"][0]["ordType"], "market");
  EXPECT_LT(std::stod(order["data"][0]["fee"].get<std::string>()), 0.0);  // charged: negative

  // ioc sell 2 and fok sell 3 at a price that crosses: both fill at once.
  json ioc = place({{"instId", "BTC-USDT-SWAP"},
                    {"tdMode", "cross"},
                    {"side", "sell"},
                    {"ordType", "ioc"},
                    {"sz", "2"},
                    {"px", "59000"},
                    {"clOrdId", "ioc1"}});
  EXPECT_EQ(ioc["data"][0]["sCode"], "0") << ioc.dump();
  json fok = place({{"instId", "BTC-USDT-SWAP"},
                    {"tdMode", "cross"},
                    {"side", "sell"},
                    {"ordType", "fok"},
                    {"sz", "3"},
                    {"px", "59000"},
                    {"clOrdId", "fok1"}});
  EXPECT_EQ(fok["data"][0]["sCode"], "0") << fok.dump();
  EXPECT_EQ(position_of("BTC-USDT-SWAP")["pos"], "5");  // 0.05 BTC

  // limit and post_only far from the market rest.
  json limit = place({{"instId", "BTC-USDT-SWAP"},
                      {"tdMode", "cross"},
                      {"side", "buy"},
                      {"ordType", "limit"},
                      {"sz", "1.5"},
                      {"px", "50000"},
                      {"clOrdId", "lim1"}});
  EXPECT_EQ(limit["data"][0]["sCode"], "0") << limit.dump();
  json post = place({{"instId", "BTC-USDT-SWAP"},
                     {"tdMode", "cross"},
                     {"side", "buy"},
                     {"ordType", "post_only"},
                     {"sz", "1"},
                     {"px", "50000.5"},
                     {"clOrdId", "post1"}});
  EXPECT_EQ(post["data"][0]["sCode"], "0") << post.dump();
  json pending = body_of(call("GET", "/api/v5/trade/orders-pending?instId=BTC-USDT-SWAP"));
  ASSERT_EQ(pending["data"].size(), 2u) << pending.dump();
  EXPECT_EQ(pending["data"][1]["clOrdId"], "lim1");
  EXPECT_EQ(pending["data"][1]["sz"], "1.5");
  EXPECT_EQ(pending["data"][1]["state"], "live");
  EXPECT_EQ(pending["data"][0]["ordType"], "post_only");
}

TEST_F(OkxSimTest, QueriesAndCancelsByClientOrderId) {
  json placed = place({{"instId", "BTC-USDT-SWAP"},
                       {"tdMode", "cross"},
                       {"side", "buy"},
                       {"ordType", "limit"},
                       {"sz", "1"},
                       {"px", "55000"},
                       {"clOrdId", "abc1"}});
  ASSERT_EQ(placed["data"][0]["sCode"], "0") << placed.dump();
  const std::string ord_id = placed["data"][0]["ordId"];
  json live = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=abc1"));
  EXPECT_EQ(live["data"][0]["state"], "live");
  EXPECT_EQ(live["data"][0]["ordId"], ord_id);

  json canceled = body_of(
      call("POST", "/api/v5/trade/cancel-order", json{{"instId", "BTC-USDT-SWAP"}, {"clOrdId", "abc1"}}.dump()));
  EXPECT_EQ(canceled["code"], "0") << canceled.dump();
  EXPECT_EQ(canceled["data"][0]["ordId"], ord_id);
  json after = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&ordId=" + ord_id));
  EXPECT_EQ(after["data"][0]["state"], "canceled");
  EXPECT_EQ(after["data"][0]["cancelSource"], "1");

  json again = body_of(
      call("POST", "/api/v5/trade/cancel-order", json{{"instId", "BTC-USDT-SWAP"}, {"clOrdId", "abc1"}}.dump()));
  EXPECT_EQ(again["code"], "1");
  EXPECT_EQ(again["data"][0]["sCode"], "51400");
  json unknown = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=never1"));
  EXPECT_EQ(unknown["code"], "51603");
}

TEST_F(OkxSimTest, DuplicateClientOrderIdIsRefusedWith51016) {
  json order = {{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                {"ordType", "limit"},        {"sz", "1"},         {"px", "55000"},
                {"clOrdId", "dup1"}};
  ASSERT_EQ(place(order)["data"][0]["sCode"], "0");
  json second = place(order);
  EXPECT_EQ(second["code"], "1");
  EXPECT_EQ(second["msg"], "All operations failed");
  EXPECT_EQ(second["data"][0]["sCode"], "51016");
  EXPECT_EQ(second["data"][0]["clOrdId"], "dup1");
}

TEST_F(OkxSimTest, BatchOrdersReportsPartialSuccessWithCode2) {
  json batch = json::array({
      {{"instId", "BTC-USDT-SWAP"},
       {"tdMode", "cross"},
       {"side", "buy"},
       {"ordType", "limit"},
       {"sz", "1"},
       {"px", "55000"},
       {"clOrdId", "b1"}},
      {{"instId", "BTC-USDT-SWAP"},
       {"tdMode", "cross"},
       {"side", "buy"},
       {"ordType", "limit"},
       {"sz", "1"},
       {"px", "55000"},
       {"clOrdId", "b1"}},
  });
  json body = body_of(call("POST", "/api/v5/trade/batch-orders", batch.dump()));
  EXPECT_EQ(body["code"], "2") << body.dump();
  EXPECT_EQ(body["data"][0]["sCode"], "0");
  EXPECT_EQ(body["data"][1]["sCode"], "51016");
  json too_many = json::array();
  for (int i = 0; i < 21; ++i) too_many.push_back(batch[0]);
  EXPECT_EQ(body_of(call("POST", "/api/v5/trade/batch-orders", too_many.dump()))["code"], "51000");
}

TEST_F(OkxSimTest, InsufficientMarginIs51008) {
  json big = place({{"instId", "BTC-USDT-SWAP"},
                    {"tdMode", "cross"},
                    {"side", "buy"},
                    {"ordType", "limit"},
                    {"sz", "100000"},
                    {"px", "59000"}});
  EXPECT_EQ(big["data"][0]["sCode"], "51008") << big.dump();
}

TEST_F(OkxSimTest, PostOnlyThatWouldTakeIsAcceptedThenCanceledWithSource31) {
  json post = place({{"instId", "BTC-USDT-SWAP"},
                     {"tdMode", "cross"},
                     {"side", "buy"},
                     {"ordType", "post_only"},
                     {"sz", "1"},
                     {"px", "61000"},
                     {"clOrdId", "po1"}});
  ASSERT_EQ(post["code"], "0") << post.dump();
  EXPECT_EQ(post["data"][0]["sCode"], "0");
  json order = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=po1"));
  EXPECT_EQ(order["data"][0]["state"], "canceled");
  EXPECT_EQ(order["data"][0]["cancelSource"], "31");
  EXPECT_EQ(order["data"][0]["accFillSz"], "0");
}

TEST_F(OkxSimTest, BadSignatureIs50113) {
  test_support::HttpResult result = call("GET", "/api/v5/account/balance", "", UtcTime{}, "wrong-secret");
  EXPECT_EQ(result.status, 401);
  EXPECT_EQ(body_of(result)["code"], "50113");
}

TEST_F(OkxSimTest, StaleTimestampIs50102) {
  test_support::HttpResult result = call("GET", "/api/v5/account/balance", "", clock.utc() - 31s);
  EXPECT_EQ(result.status, 401);
  EXPECT_EQ(body_of(result)["code"], "50102");
  EXPECT_EQ(call("GET", "/api/v5/account/balance", "", clock.utc() - 29s).status, 200);
}

TEST_F(OkxSimTest, MissingAndWrongCredentialsHaveTheirOwnCodes) {
  test_support::HttpResult none =
      test_support::http_request("127.0.0.1", server->port(), "GET", "/api/v5/account/balance");
  EXPECT_EQ(body_of(none)["code"], "50103");
  venues::okx::RequestSigner wrong_pass({kKey, kSecret, "nope", false});
  test_support::HeaderList headers;
  for (const auto& h : wrong_pass.headers(clock.utc(), "GET", "/api/v5/account/balance", ""))
    headers.emplace_back(h.name, h.value);
  EXPECT_EQ(body_of(test_support::http_request("127.0.0.1", server->port(), "GET", "/api/v5/account/balance", "",
                                               headers))["code"],
            "50105");
}

TEST_F(OkxSimTest, BalanceShowsTheDeposit) {
  json body = body_of(call("GET", "/api/v5/account/balance"));
  ASSERT_EQ(body["code"], "0") << body.dump();
  EXPECT_EQ(body["data"][0]["details"][0]["ccy"], "USDT");
  EXPECT_EQ(body["data"][0]["details"][0]["cashBal"], "100000");
}

TEST_F(OkxSimTest, RateLimitStormAnswers429ThenBansWith429) {
  FaultPlan plan;
  plan.rate_limit_429_count = 5;
  plan.retry_after_s = 2;
  plan.ban_after_429s = 3;
  plan.ban_s = 60;
  venue->set_faults(plan);
  for (int i = 0; i < 2; ++i) {
    test_support::HttpResult result = get_public("/api/v5/public/time");
    EXPECT_EQ(result.status, 429);
    EXPECT_EQ(body_of(result)["code"], "50011");
    EXPECT_EQ(result.header("retry-after"), "2");
  }
  test_support::HttpResult banned = get_public("/api/v5/public/time");  // third 429 → ban
  EXPECT_EQ(banned.status, 429);
  EXPECT_EQ(banned.header("retry-after"), "60");
  EXPECT_TRUE(venue->describe()["counters"]["banned"].get<bool>());
  clock.advance(30s);
  EXPECT_EQ(get_public("/api/v5/public/time").status, 429);  // OKX has no 418: still 429
  clock.advance(31s);
  // The storm's remaining 429s were consumed by the ban; the venue answers again.
  venue->set_faults(FaultPlan{});
  EXPECT_EQ(get_public("/api/v5/public/time").status, 200);
}

TEST_F(OkxSimTest, MaintenanceAndReadOnlyRefuseOrdersWith50001) {
  FaultPlan plan;
  plan.read_only = true;
  venue->set_faults(plan);
  json order = {{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                {"ordType", "limit"},        {"sz", "1"},         {"px", "55000"}};
  test_support::HttpResult result = call("POST", "/api/v5/trade/order", order.dump());
  EXPECT_EQ(result.status, 503);
  EXPECT_EQ(body_of(result)["code"], "50001");
  EXPECT_EQ(call("GET", "/api/v5/account/balance").status, 200);  // queries still answer
  plan.read_only = false;
  plan.maintenance = true;
  venue->set_faults(plan);
  EXPECT_EQ(body_of(call("GET", "/api/v5/account/balance"))["code"], "50001");
}

TEST_F(OkxSimTest, RejectNthOrderRefusesExactlyThatOrder) {
  FaultPlan plan;
  plan.reject_nth_order = 2;
  plan.reject_code = "51008";
  venue->set_faults(plan);
  json order = {{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "buy"},
                {"ordType", "limit"},        {"sz", "1"},         {"px", "55000"}};
  EXPECT_EQ(place(order)["data"][0]["sCode"], "0");
  EXPECT_EQ(place(order)["data"][0]["sCode"], "51008");
  EXPECT_EQ(place(order)["data"][0]["sCode"], "0");
}

TEST_F(OkxSimTest, CancelAllAfterCancelsRestingOrdersWhenItExpires) {
  json placed = place({{"instId", "BTC-USDT-SWAP"},
                       {"tdMode", "cross"},
                       {"side", "buy"},
                       {"ordType", "limit"},
                       {"sz", "1"},
                       {"px", "55000"},
                       {"clOrdId", "dms1"}});
  ASSERT_EQ(placed["data"][0]["sCode"], "0");
  json armed = body_of(call("POST", "/api/v5/trade/cancel-all-after", json{{"timeOut", "10"}}.dump()));
  ASSERT_EQ(armed["code"], "0") << armed.dump();
  clock.advance(9s);
  tick(60000.0);
  EXPECT_EQ(body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=dms1"))["data"][0]["state"], "live");
  clock.advance(2s);
  tick(60000.0);
  json order = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=dms1"));
  EXPECT_EQ(order["data"][0]["state"], "canceled");
  EXPECT_EQ(order["data"][0]["cancelSource"], "20");
}

TEST_F(OkxSimTest, SetLeverageIsReflectedInPositions) {
  json body = body_of(call("POST", "/api/v5/account/set-leverage",
                           json{{"instId", "BTC-USDT-SWAP"}, {"lever", "5"}, {"mgnMode", "cross"}}.dump()));
  ASSERT_EQ(body["code"], "0") << body.dump();
  EXPECT_EQ(body["data"][0]["lever"], "5");
  place({{"instId", "BTC-USDT-SWAP"}, {"tdMode", "cross"}, {"side", "sell"}, {"ordType", "market"}, {"sz", "1"}});
  json position = position_of("BTC-USDT-SWAP");
  EXPECT_EQ(position["lever"], "5");
  EXPECT_EQ(position["pos"], "-1");
}

TEST_F(OkxSimTest, DescribeShowsAccountsWithoutSecrets) {
  json described = venue->describe();
  EXPECT_EQ(described["protocol"], "okx");
  EXPECT_EQ(described["accounts"].size(), 1u);
  EXPECT_EQ(described.dump().find(kSecret), std::string::npos);
  EXPECT_EQ(described.dump().find(kPassphrase), std::string::npos);
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test

namespace propbot::venues::sim::okx_test {
namespace {

TEST_F(OkxSimTest, PartialFillRatioFillsAFractionThenTheRestOnTheNextTick) {
  FaultPlan plan;
  plan.partial_fill_ratio = 0.3;
  venue->set_faults(plan);
  json placed = place({{"instId", "BTC-USDT-SWAP"},
                       {"tdMode", "cross"},
                       {"side", "buy"},
                       {"ordType", "limit"},
                       {"sz", "10"},
                       {"px", "61000"},
                       {"clOrdId", "part1"}});
  ASSERT_EQ(placed["data"][0]["sCode"], "0") << placed.dump();
  json first = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=part1"));
  EXPECT_EQ(first["data"][0]["state"], "partially_filled");
  EXPECT_EQ(first["data"][0]["accFillSz"], "3");
  tick(60000.0);
  json second = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=part1"));
  EXPECT_EQ(second["data"][0]["state"], "filled");
  EXPECT_EQ(position_of("BTC-USDT-SWAP")["pos"], "10");
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
