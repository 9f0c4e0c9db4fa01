// Golden shapes of the OKX v5 simulator: every REST answer and every WebSocket push and
// event it serves, fetched over its real HTTP / WebSocket interface, carries every field
// of the venue's documented response with the documented JSON type
// (tests/fixtures/venues/golden/okx, golden_shape.hpp); the endpoints a client needs to
// open, watch and close a position (set-leverage, leverage-info, config, positions,
// close-position) exist with OKX's validation; positions and balance carry the account's
// real margin figures.
#include "tests/unit/venues/sim/golden_shape.hpp"
#include "tests/unit/venues/sim/okx/okx_sim_fixture.hpp"

namespace propbot::venues::sim::okx_test {
namespace {

constexpr const char* kVenue = "okx";
constexpr const char* kInst = "BTC-USDT-SWAP";

json limit_order(const std::string& side, const std::string& px, const std::string& cl_ord_id = "") {
  json order = {{"instId", kInst}, {"tdMode", "cross"}, {"side", side}, {"ordType", "limit"}, {"sz", "1"}, {"px", px}};
  if (!cl_ord_id.empty()) order["clOrdId"] = cl_ord_id;
  return order;
}
json market_order(const std::string& side, const std::string& sz) {
  return {{"instId", kInst}, {"tdMode", "cross"}, {"side", side}, {"ordType", "market"}, {"sz", sz}};
}
json subscribe(const json& arg) { return json{{"op", "subscribe"}, {"args", json::array({arg})}}; }
Decimal dec(const json& text) { return Decimal::parse(text.get<std::string>()).value(); }

class OkxSimGoldenTest : public OkxSimTest {};

TEST_F(OkxSimGoldenTest, PublicEndpointsCarryEveryDocumentedField) {
  EXPECT_GOLDEN_SHAPE(kVenue, "get_public_time", body_of(get_public("/api/v5/public/time")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_public_instruments", body_of(get_public("/api/v5/public/instruments?instType=SWAP")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_market_books", body_of(get_public("/api/v5/market/books?instId=BTC-USDT-SWAP&sz=5")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_public_funding_rate",
                      body_of(get_public("/api/v5/public/funding-rate?instId=BTC-USDT-SWAP")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_public_mark_price",
                      body_of(get_public("/api/v5/public/mark-price?instType=SWAP&instId=BTC-USDT-SWAP")));
}

TEST_F(OkxSimGoldenTest, TradeEndpointsCarryEveryDocumentedField) {
  json placed = place(limit_order("buy", "55000", "golden1"));
  ASSERT_EQ(placed["code"], "0") << placed;
  EXPECT_GOLDEN_SHAPE(kVenue, "post_trade_order", placed);
  json batch = json::array({limit_order("buy", "54000", "golden2"), limit_order("buy", "53000", "golden3")});
  EXPECT_GOLDEN_SHAPE(kVenue, "post_trade_batch_orders", body_of(call("POST", "/api/v5/trade/batch-orders", batch.dump())));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_trade_order", body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=golden1")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_trade_orders_pending", body_of(call("GET", "/api/v5/trade/orders-pending")));
  json cancel = {{"instId", kInst}, {"clOrdId", "golden1"}};
  EXPECT_GOLDEN_SHAPE(kVenue, "post_trade_cancel_order", body_of(call("POST", "/api/v5/trade/cancel-order", cancel.dump())));
  json cancels = json::array({json{{"instId", kInst}, {"clOrdId", "golden2"}}, json{{"instId", kInst}, {"clOrdId", "golden3"}}});
  EXPECT_GOLDEN_SHAPE(kVenue, "post_trade_cancel_batch_orders",
                      body_of(call("POST", "/api/v5/trade/cancel-batch-orders", cancels.dump())));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_trade_cancel_all_after",
                      body_of(call("POST", "/api/v5/trade/cancel-all-after", R"({"timeOut":"60"})")));
  ASSERT_EQ(place(market_order("buy", "2"))["code"], "0");
  EXPECT_GOLDEN_SHAPE(kVenue, "get_trade_fills", body_of(call("GET", "/api/v5/trade/fills")));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_trade_close_position",
                      body_of(call("POST", "/api/v5/trade/close-position",
                                   json{{"instId", kInst}, {"mgnMode", "cross"}}.dump())));
}

TEST_F(OkxSimGoldenTest, AccountEndpointsCarryEveryDocumentedField) {
  ASSERT_EQ(place(market_order("buy", "2"))["code"], "0");
  ASSERT_EQ(place(limit_order("sell", "65000"))["code"], "0");
  EXPECT_GOLDEN_SHAPE(kVenue, "get_account_positions", body_of(call("GET", "/api/v5/account/positions")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_account_balance", body_of(call("GET", "/api/v5/account/balance")));
  EXPECT_GOLDEN_SHAPE(kVenue, "post_account_set_leverage",
                      body_of(call("POST", "/api/v5/account/set-leverage",
                                   json{{"instId", kInst}, {"lever", "10"}, {"mgnMode", "cross"}}.dump())));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_account_leverage_info",
                      body_of(call("GET", "/api/v5/account/leverage-info?instId=BTC-USDT-SWAP&mgnMode=cross")));
  EXPECT_GOLDEN_SHAPE(kVenue, "get_account_config", body_of(call("GET", "/api/v5/account/config")));
}

TEST_F(OkxSimGoldenTest, PublicChannelsCarryEveryDocumentedField) {
  WsProbe& probe = connect("/ws/v5/public");
  for (const char* channel : {"books", "bbo-tbt", "mark-price", "funding-rate"}) {
    probe.send(subscribe(json{{"channel", channel}, {"instId", kInst}}).dump());
  }
  auto acks = probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }, 4);
  ASSERT_EQ(acks.size(), 4u);
  EXPECT_GOLDEN_SHAPE(kVenue, "ws_subscribe", acks.front());
  tick(60010.0);
  auto of = [&](const std::string& channel) {
    return probe.wait_for([&](const json& m) { return m.contains("data") && m["arg"].value("channel", "") == channel; });
  };
  for (const json& m : of("books")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_books", m);
  for (const json& m : of("bbo-tbt")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_bbo_tbt", m);
  for (const json& m : of("mark-price")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_mark_price", m);
  for (const json& m : of("funding-rate")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_funding_rate", m);
  EXPECT_FALSE(of("books").empty());
}

TEST_F(OkxSimGoldenTest, PrivateChannelsCarryEveryDocumentedField) {
  WsProbe& probe = connect("/ws/v5/private");
  venues::okx::RequestSigner signer({kKey, kSecret, kPassphrase, true});
  probe.send(signer.login_message(clock.utc()));
  auto login = probe.wait_for([](const json& m) { return m.value("event", "") == "login"; });
  ASSERT_EQ(login.size(), 1u);
  EXPECT_GOLDEN_SHAPE(kVenue, "ws_login", login.front());
  for (const char* channel : {"orders", "positions"}) probe.send(subscribe(json{{"channel", channel}, {"instType", "SWAP"}}).dump());
  for (const char* channel : {"account", "balance_and_position"}) probe.send(subscribe(json{{"channel", channel}}).dump());
  ASSERT_EQ(probe.wait_for([](const json& m) { return m.value("event", "") == "subscribe"; }, 4).size(), 4u);
  ASSERT_EQ(place(market_order("buy", "2"))["code"], "0");
  // Empty lists are allowed (a flat account's snapshot): wait for the filled ones too.
  ASSERT_FALSE(probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"].value("channel", "") == "positions" && !m["data"].empty();
  }).empty());
  ASSERT_FALSE(probe.wait_for([](const json& m) {
    return m.contains("data") && m["arg"].value("channel", "") == "balance_and_position" &&
           !m["data"][0]["posData"].empty();
  }).empty());
  auto of = [&](const std::string& channel) {
    return probe.wait_for([&](const json& m) { return m.contains("data") && m["arg"].value("channel", "") == channel; });
  };
  for (const json& m : of("orders")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_orders", m);
  for (const json& m : of("positions")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_positions", m);
  for (const json& m : of("account")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_account", m);
  for (const json& m : of("balance_and_position")) EXPECT_GOLDEN_SHAPE(kVenue, "ws_balance_and_position", m);
}

// Open, watch and close a position the way a client does, and read real figures.
TEST_F(OkxSimGoldenTest, APositionOpensShowsItsMarginAndClosesWithClosePosition) {
  json lever = body_of(call("POST", "/api/v5/account/set-leverage",
                            json{{"instId", kInst}, {"lever", "10"}, {"mgnMode", "cross"}}.dump()));
  ASSERT_EQ(lever["code"], "0");
  json info = body_of(call("GET", "/api/v5/account/leverage-info?instId=BTC-USDT-SWAP&mgnMode=cross"));
  EXPECT_EQ(info["data"][0]["lever"], "10");
  EXPECT_EQ(body_of(call("GET", "/api/v5/account/leverage-info?instId=BTC-USDT-SWAP"))["code"], "51000");
  EXPECT_EQ(body_of(call("GET", "/api/v5/account/config"))["data"][0]["posMode"], "net_mode");
  EXPECT_EQ(body_of(call("POST", "/api/v5/trade/close-position", json{{"instId", kInst}, {"mgnMode", "cross"}}.dump()))["code"],
            "51023");

  ASSERT_EQ(place(market_order("buy", "3"))["code"], "0");  // 3 contracts = 0.03 BTC
  ASSERT_EQ(place(limit_order("buy", "50000", "resting"))["code"], "0");
  const json position = position_of(kInst);
  ASSERT_FALSE(position.is_null());
  EXPECT_EQ(position["pos"], "3");
  const Decimal notional = *dec(position["markPx"]).mul(*Decimal::parse("0.03"));
  EXPECT_EQ(dec(position["notionalUsd"]), notional);
  EXPECT_EQ(dec(position["imr"]), *notional.div(Decimal::from_mantissa(10, 0), 8, RoundMode::up));
  EXPECT_EQ(dec(position["mmr"]), *notional.mul(*Decimal::parse("0.004"), 8, RoundMode::up));
  EXPECT_LT(dec(position["fee"]), Decimal{}) << "the taker fee, negative when charged";
  EXPECT_EQ(dec(position["realizedPnl"]), *dec(position["pnl"]).add(dec(position["fee"])));
  const json balance = body_of(call("GET", "/api/v5/account/balance"))["data"][0];
  // The resting order's margin: 1 contract (0.01) × 50000 / 10 + taker fee estimate.
  EXPECT_EQ(dec(balance["ordFroz"]), *Decimal::parse("50.25"));
  EXPECT_EQ(balance["imr"], position["imr"]);
  EXPECT_EQ(dec(balance["availEq"]),
            *(*dec(balance["totalEq"]).sub(dec(balance["imr"]))).sub(dec(balance["ordFroz"])));

  json closed = body_of(call("POST", "/api/v5/trade/close-position",
                             json{{"instId", kInst}, {"mgnMode", "cross"}, {"autoCxl", true}, {"clOrdId", "closer"}}.dump()));
  ASSERT_EQ(closed["code"], "0") << closed;
  EXPECT_EQ(closed["data"][0]["clOrdId"], "closer");
  EXPECT_TRUE(position_of(kInst).is_null()) << "flat after close-position";
  json closer = body_of(call("GET", "/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=closer"))["data"][0];
  EXPECT_EQ(closer["reduceOnly"], "true");
  EXPECT_EQ(closer["state"], "filled");
  EXPECT_TRUE(body_of(call("GET", "/api/v5/trade/orders-pending"))["data"].empty()) << "autoCxl cancelled the resting order";
}

}  // namespace
}  // namespace propbot::venues::sim::okx_test
