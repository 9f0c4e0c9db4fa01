// Golden shapes of the Binance USDⓈ-M simulator: every REST answer and every WebSocket
// event it serves, fetched over its real HTTP / WebSocket interface, carries every field
// of the venue's documented example with the documented JSON type
// (tests/fixtures/venues/golden/binance, golden_shape.hpp). And the margin figures a
// client reads from /fapi/v3/account are the simulated account's, not placeholders.
#include "tests/unit/venues/sim/binance/binance_sim_fixture.hpp"
#include "tests/unit/venues/sim/golden_shape.hpp"

namespace propbot::venues::sim {
namespace {

using namespace binance_test;

constexpr const char* kVenue = "binance";

json body_of(const HttpResult& result) {
  json parsed = json::parse(result.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << result.body;
  return parsed;
}

Decimal dec(const json& text) { return Decimal::parse(text.get<std::string>()).value(); }

class BinanceSimGoldenTest : public BinanceSimVenueTest {};

TEST_F(BinanceSimGoldenTest, TheCheckerReportsAMissingFieldAndAWrongType) {
  const json fixture = golden::load_fixture(kVenue, "get_fapi_v1_time");
  EXPECT_FALSE(golden::check_golden_shape(fixture, json::object()).empty());
  EXPECT_FALSE(golden::check_golden_shape(fixture, json{{"serverTime", "1"}}).empty());
  EXPECT_TRUE(golden::check_golden_shape(fixture, json{{"serverTime", 1}}).empty());
  const json list = golden::load_fixture(kVenue, "get_fapi_v1_openOrders");
  EXPECT_FALSE(golden::check_golden_shape(list, json::array()).empty()) << "an empty list proves nothing";
  // A conditional field given by path excuses that path only.
  json fixture_with_path = fixture;
  fixture_with_path["shape"] = json{{"arg", {{"instId", "string"}}}, {"data", json::array({json{{"instId", "string"}}})}};
  fixture_with_path["conditional"] = json{{"$.arg.instId", "subscribed without it"}};
  EXPECT_TRUE(golden::check_golden_shape(fixture_with_path, json{{"arg", json::object()},
                                                                 {"data", json::array({json{{"instId", "X"}}})}})
                  .empty());
  EXPECT_EQ(golden::check_golden_shape(fixture_with_path, json{{"arg", json::object()},
                                                               {"data", json::array({json::object()})}}),
            std::vector<std::string>{"$.data[0].instId: missing"});
}

TEST_F(BinanceSimGoldenTest, PublicEndpointsCarryEveryDocumentedField) {
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_ping", body_of(get("/fapi/v1/ping")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_time", body_of(get("/fapi/v1/time")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_exchangeInfo", body_of(get("/fapi/v1/exchangeInfo")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_depth", body_of(get("/fapi/v1/depth?symbol=BTCUSDT&limit=5")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_premiumIndex", body_of(get("/fapi/v1/premiumIndex?symbol=BTCUSDT")));
}

TEST_F(BinanceSimGoldenTest, OrderEndpointsCarryEveryDocumentedField) {
  auto placed = order("BUY", "LIMIT", "0.01", "49000", "GTC", "golden-1");
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_order", body_of(placed));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_order",
                      body_of(call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "golden-1"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_openOrders",
                      body_of(call("GET", "/fapi/v1/openOrders", {{"symbol", "BTCUSDT"}})));
  const std::string batch =
      R"([{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.01","price":"48000"}])";
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_batchOrders",
                      body_of(call("POST", "/fapi/v1/batchOrders", {{"batchOrders", batch}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_countdownCancelAll",
                      body_of(call("POST", "/fapi/v1/countdownCancelAll", {{"symbol", "BTCUSDT"}, {"countdownTime", "60000"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "delete_fapi_v1_order",
                      body_of(call("DELETE", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "golden-1"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "delete_fapi_v1_allOpenOrders",
                      body_of(call("DELETE", "/fapi/v1/allOpenOrders", {{"symbol", "BTCUSDT"}})));
}

TEST_F(BinanceSimGoldenTest, AccountEndpointsCarryEveryDocumentedField) {
  ASSERT_EQ(order("BUY", "MARKET", "0.01").status, 200);
  ASSERT_EQ(order("SELL", "LIMIT", "0.01", "52000", "GTC").status, 200);
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v2_account", body_of(call("GET", "/fapi/v2/account", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v3_account", body_of(call("GET", "/fapi/v3/account", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v2_balance", body_of(call("GET", "/fapi/v2/balance", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v3_balance", body_of(call("GET", "/fapi/v3/balance", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v2_positionRisk", body_of(call("GET", "/fapi/v2/positionRisk", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v3_positionRisk", body_of(call("GET", "/fapi/v3/positionRisk", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_userTrades",
                      body_of(call("GET", "/fapi/v1/userTrades", {{"symbol", "BTCUSDT"}})));
}

TEST_F(BinanceSimGoldenTest, PositionSettingsCarryEveryDocumentedField) {
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_leverage",
                      body_of(call("POST", "/fapi/v1/leverage", {{"symbol", "BTCUSDT"}, {"leverage", "10"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_marginType",
                      body_of(call("POST", "/fapi/v1/marginType", {{"symbol", "BTCUSDT"}, {"marginType", "CROSSED"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_positionSide_dual", body_of(call("GET", "/fapi/v1/positionSide/dual", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_positionSide_dual",
                      body_of(call("POST", "/fapi/v1/positionSide/dual", {{"dualSidePosition", "false"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_leverageBracket", body_of(call("GET", "/fapi/v1/leverageBracket", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_leverageBracket_symbol",
                      body_of(call("GET", "/fapi/v1/leverageBracket", {{"symbol", "BTCUSDT"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_fapi_v1_commissionRate",
                      body_of(call("GET", "/fapi/v1/commissionRate", {{"symbol", "BTCUSDT"}})));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_listenKey", body_of(call("POST", "/fapi/v1/listenKey", {})));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_fapi_v1_listenKey", body_of(call("PUT", "/fapi/v1/listenKey", {})));
  EXPECT_EQ(body_of(call("DELETE", "/fapi/v1/listenKey", {})), json::object());  // documented: {}
}

TEST_F(BinanceSimGoldenTest, StreamEventsCarryEveryDocumentedField) {
  auto key = call("POST", "/fapi/v1/listenKey", {});
  const std::string listen_key = json::parse(key.body)["listenKey"];
  StreamRecorder& user = connect("/private/ws?listenKey=" + listen_key);
  StreamRecorder& depth = connect("/ws/btcusdt@depth@100ms");
  StreamRecorder& ticker = connect("/ws/btcusdt@bookTicker");
  StreamRecorder& mark = connect("/ws/btcusdt@markPrice");
  ASSERT_EQ(order("BUY", "MARKET", "0.01").status, 200);
  tick(50010);
  ASSERT_TRUE(wait_until([&] {
    return !events_of(user, "ORDER_TRADE_UPDATE").empty() && !events_of(user, "ACCOUNT_UPDATE").empty() &&
           !events_of(depth, "depthUpdate").empty() && !events_of(ticker, "bookTicker").empty() &&
           !events_of(mark, "markPriceUpdate").empty();
  }));
  for (const json& e : events_of(user, "ORDER_TRADE_UPDATE")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_ORDER_TRADE_UPDATE", e);
  EXPECT_GOLDEN_SHAPE(kVenue, "ws_ACCOUNT_UPDATE", events_of(user, "ACCOUNT_UPDATE").front());
  bool both_sides = false;  // one diff with levels on both sides, so their type is checked
  for (const json& e : events_of(depth, "depthUpdate")) {
    EXPECT_GOLDEN_SHAPE(kVenue, "ws_depthUpdate", e);
    both_sides = both_sides || (!e["b"].empty() && !e["a"].empty());
  }
  EXPECT_TRUE(both_sides);
  EXPECT_GOLDEN_SHAPE(kVenue, "ws_bookTicker", events_of(ticker, "bookTicker").front());
  EXPECT_GOLDEN_SHAPE(kVenue, "ws_markPriceUpdate", events_of(mark, "markPriceUpdate").front());

  clock.advance(61min);
  tick(50010);
  ASSERT_TRUE(wait_until([&] { return !events_of(user, "listenKeyExpired").empty(); }));
  EXPECT_GOLDEN_SHAPE(kVenue, "ws_listenKeyExpired", events_of(user, "listenKeyExpired").front());
}

// The figures the third-party client failed on: computed from the account at the
// configured leverage — open-order margin from the resting order, position margin from
// the position at the mark — and consistent between the totals and assets[].
TEST_F(BinanceSimGoldenTest, AccountMarginFiguresComeFromTheSimulatedAccount) {
  ASSERT_EQ(call("POST", "/fapi/v1/leverage", {{"symbol", "BTCUSDT"}, {"leverage", "10"}}).status, 200);
  json flat = body_of(call("GET", "/fapi/v3/account", {}));
  EXPECT_EQ(flat["totalWalletBalance"], "100000");
  EXPECT_EQ(dec(flat["totalInitialMargin"]), Decimal{});
  EXPECT_EQ(dec(flat["availableBalance"]), Decimal::from_mantissa(100000, 0));

  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC").status, 200);
  json resting = body_of(call("GET", "/fapi/v3/account", {}));
  // 0.01 × 49000 / 10 + the taker fee estimate 0.01 × 49000 × 0.0005.
  EXPECT_EQ(dec(resting["totalOpenOrderInitialMargin"]), *Decimal::parse("49.245"));
  EXPECT_EQ(dec(resting["totalPositionInitialMargin"]), Decimal{});
  EXPECT_EQ(dec(resting["availableBalance"]), *Decimal::parse("99950.755"));

  ASSERT_EQ(order("BUY", "MARKET", "0.01").status, 200);
  json held = body_of(call("GET", "/fapi/v3/account", {}));
  const json risk = body_of(call("GET", "/fapi/v3/positionRisk", {{"symbol", "BTCUSDT"}}))[0];
  const Decimal mark = dec(risk["markPrice"]);
  const Decimal position_margin = *(*mark.mul(*Decimal::parse("0.01"))).div(Decimal::from_mantissa(10, 0), 8, RoundMode::up);
  EXPECT_EQ(dec(held["totalPositionInitialMargin"]), position_margin);
  EXPECT_EQ(dec(risk["positionInitialMargin"]), position_margin);
  EXPECT_EQ(dec(held["totalOpenOrderInitialMargin"]), *Decimal::parse("49.245"));
  EXPECT_EQ(dec(held["totalInitialMargin"]), *position_margin.add(*Decimal::parse("49.245")));
  const Decimal maint = *(*mark.mul(*Decimal::parse("0.01"))).mul(*Decimal::parse("0.004"), 8, RoundMode::up);
  EXPECT_EQ(dec(held["totalMaintMargin"]), maint);
  EXPECT_EQ(dec(held["totalMarginBalance"]), *dec(held["totalWalletBalance"]).add(dec(held["totalUnrealizedProfit"])));
  EXPECT_EQ(dec(held["availableBalance"]), *dec(held["totalMarginBalance"]).sub(dec(held["totalInitialMargin"])));
  EXPECT_EQ(held["totalUnrealizedProfit"], risk["unRealizedProfit"]);
  EXPECT_LT(dec(held["totalWalletBalance"]), Decimal::from_mantissa(100000, 0)) << "the taker fee was paid";
  const json& asset = held["assets"][0];
  for (const auto& [asset_field, total_field] :
       std::vector<std::pair<const char*, const char*>>{{"walletBalance", "totalWalletBalance"},
                                                        {"unrealizedProfit", "totalUnrealizedProfit"},
                                                        {"marginBalance", "totalMarginBalance"},
                                                        {"initialMargin", "totalInitialMargin"},
                                                        {"maintMargin", "totalMaintMargin"},
                                                        {"positionInitialMargin", "totalPositionInitialMargin"},
                                                        {"openOrderInitialMargin", "totalOpenOrderInitialMargin"},
                                                        {"availableBalance", "availableBalance"}}) {
    EXPECT_EQ(asset[asset_field], held[total_field]) << asset_field;
  }
  ASSERT_EQ(held["positions"].size(), 1u);
  EXPECT_EQ(held["positions"][0]["positionAmt"], "0.01");
  EXPECT_EQ(dec(held["positions"][0]["initialMargin"]), dec(held["totalInitialMargin"]));
}

TEST_F(BinanceSimGoldenTest, ModesTheSimulatorDoesNotBookAreRefusedWithTheVenuesCodes) {
  auto cross = call("POST", "/fapi/v1/marginType", {{"symbol", "BTCUSDT"}, {"marginType", "CROSSED"}});
  EXPECT_EQ(body_of(cross)["code"], -4046);
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC").status, 200);
  EXPECT_EQ(body_of(call("POST", "/fapi/v1/marginType", {{"symbol", "BTCUSDT"}, {"marginType", "ISOLATED"}}))["code"],
            -4047);
  EXPECT_EQ(body_of(call("POST", "/fapi/v1/positionSide/dual", {{"dualSidePosition", "true"}}))["code"], -4067);
  EXPECT_EQ(body_of(call("POST", "/fapi/v1/positionSide/dual", {{"dualSidePosition", "false"}}))["code"], -4059);
  EXPECT_FALSE(body_of(call("GET", "/fapi/v1/positionSide/dual", {}))["dualSidePosition"].get<bool>());
  EXPECT_EQ(body_of(call("GET", "/fapi/v1/commissionRate", {{"symbol", "BTCUSDT"}}))["takerCommissionRate"], "0.0005");
  const json bracket = body_of(call("GET", "/fapi/v1/leverageBracket", {{"symbol", "BTCUSDT"}}));
  EXPECT_EQ(bracket["brackets"][0]["initialLeverage"], 125);
  EXPECT_DOUBLE_EQ(bracket["brackets"][0]["maintMarginRatio"].get<double>(), 0.004);
}

}  // namespace
}  // namespace propbot::venues::sim
