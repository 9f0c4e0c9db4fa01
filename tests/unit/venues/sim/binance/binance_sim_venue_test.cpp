// The Binance USDⓈ-M venue simulator over loopback: a real HttpServer on port 0 with
// the venue installed, requests signed with the production RequestSigner, streams read
// with the production WsClient and rebuilt with the production BinanceBookSync.
#include "tests/unit/venues/sim/binance/binance_sim_fixture.hpp"

namespace propbot::venues::sim {
namespace {

using namespace binance_test;

TEST_F(BinanceSimVenueTest, ServesTimeExchangeInfoAndDepth) {
  auto time = get("/fapi/v1/time");
  ASSERT_EQ(time.status, 200);
  EXPECT_EQ(json::parse(time.body)["serverTime"].get<std::int64_t>(), now_ms());

  auto info = get("/fapi/v1/exchangeInfo");
  ASSERT_EQ(info.status, 200);
  json body = json::parse(info.body);
  ASSERT_EQ(body["symbols"].size(), 1u);
  const json& symbol = body["symbols"][0];
  EXPECT_EQ(symbol["symbol"], "BTCUSDT");
  std::map<std::string, json> filters;
  for (const auto& f : symbol["filters"]) filters[f["filterType"].get<std::string>()] = f;
  EXPECT_EQ(filters["PRICE_FILTER"]["tickSize"], "0.1");
  EXPECT_EQ(filters["LOT_SIZE"]["stepSize"], "0.001");
  EXPECT_EQ(filters["MIN_NOTIONAL"]["notional"], "5");
  EXPECT_EQ(body["rateLimits"][0]["rateLimitType"], "REQUEST_WEIGHT");

  json depth = depth_snapshot(5);
  EXPECT_GT(depth["lastUpdateId"].get<std::int64_t>(), 0);
  ASSERT_EQ(depth["bids"].size(), 5u);
  ASSERT_EQ(depth["asks"].size(), 5u);
  EXPECT_LT(std::stod(depth["bids"][0][0].get<std::string>()), std::stod(depth["asks"][0][0].get<std::string>()));
  EXPECT_GT(std::stod(depth["bids"][0][0].get<std::string>()), std::stod(depth["bids"][1][0].get<std::string>()));
}

TEST_F(BinanceSimVenueTest, RestingLimitOrderAnswersTheRealOrderShape) {
  auto r = order("BUY", "LIMIT", "0.01", "49000", "GTC", "bot-limit-1");
  ASSERT_EQ(r.status, 200) << r.body;
  json o = json::parse(r.body);
  EXPECT_TRUE(o["orderId"].is_number_integer());
  EXPECT_EQ(o["clientOrderId"], "bot-limit-1");
  EXPECT_EQ(o["status"], "NEW");
  EXPECT_EQ(o["origQty"], "0.01");
  EXPECT_EQ(o["executedQty"], "0");
  EXPECT_EQ(o["price"], "49000");
  EXPECT_EQ(o["type"], "LIMIT");
  EXPECT_EQ(o["timeInForce"], "GTC");
  EXPECT_EQ(o["side"], "BUY");
  EXPECT_EQ(o["positionSide"], "BOTH");
  EXPECT_FALSE(o["reduceOnly"].get<bool>());
  EXPECT_TRUE(o.contains("avgPrice") && o.contains("updateTime") && o.contains("cumQuote"));
}

TEST_F(BinanceSimVenueTest, MarketOrderFillsAtTheBookAndReportsAveragePrice) {
  const std::string ask = best_ask();
  auto r = order("BUY", "MARKET", "0.01");
  ASSERT_EQ(r.status, 200) << r.body;
  json o = json::parse(r.body);
  EXPECT_EQ(o["status"], "FILLED");
  EXPECT_EQ(std::stod(o["executedQty"].get<std::string>()), 0.01);
  EXPECT_EQ(std::stod(o["avgPrice"].get<std::string>()), std::stod(ask));
  auto positions = call("GET", "/fapi/v2/positionRisk", {{"symbol", "BTCUSDT"}});
  ASSERT_EQ(positions.status, 200) << positions.body;
  EXPECT_EQ(std::stod(json::parse(positions.body)[0]["positionAmt"].get<std::string>()), 0.01);
}

TEST_F(BinanceSimVenueTest, PostOnlyThatWouldCrossIsRejectedWith5022AndOneThatRestsIsAccepted) {
  auto crossing = order("BUY", "LIMIT", "0.01", best_ask(), "GTX");
  EXPECT_EQ(crossing.status, 400);
  EXPECT_EQ(json::parse(crossing.body)["code"], -5022);
  auto resting = order("BUY", "LIMIT", "0.01", best_bid(), "GTX");
  ASSERT_EQ(resting.status, 200) << resting.body;
  EXPECT_EQ(json::parse(resting.body)["status"], "NEW");
  EXPECT_EQ(json::parse(resting.body)["timeInForce"], "GTX");
}

// selfTradePreventionMode: the three modes are accepted; NONE (refused by the venue since
// 2024-12-10) and unknown modes are refused with -5039 before anything rests.
TEST_F(BinanceSimVenueTest, RefusesASelfTradePreventionModeTheVenueDoesNotTake) {
  for (const char* mode : {"EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"}) {
    Params p{{"symbol", "BTCUSDT"}, {"side", "BUY"},       {"type", "LIMIT"},
             {"quantity", "0.01"},  {"price", best_bid()}, {"timeInForce", "GTX"},
             {"selfTradePreventionMode", mode}};
    auto accepted = call("POST", "/fapi/v1/order", p);
    EXPECT_EQ(accepted.status, 200) << mode << " " << accepted.body;
  }
  for (const char* mode : {"NONE", "expire_maker", "cancel_maker"}) {
    Params p{{"symbol", "BTCUSDT"}, {"side", "BUY"},       {"type", "LIMIT"},
             {"quantity", "0.01"},  {"price", best_bid()}, {"timeInForce", "GTX"},
             {"selfTradePreventionMode", mode}};
    auto refused = call("POST", "/fapi/v1/order", p);
    EXPECT_EQ(refused.status, 400) << mode;
    EXPECT_EQ(json::parse(refused.body)["code"], -5039) << mode << " " << refused.body;
  }
}

TEST_F(BinanceSimVenueTest, IocAndFokThatCannotFillExpire) {
  auto ioc = order("BUY", "LIMIT", "0.01", "40000", "IOC");
  ASSERT_EQ(ioc.status, 200) << ioc.body;
  EXPECT_EQ(json::parse(ioc.body)["status"], "EXPIRED");
  auto fok = order("BUY", "LIMIT", "1.5", best_ask(), "FOK");  // more than the best level holds
  ASSERT_EQ(fok.status, 200) << fok.body;
  EXPECT_EQ(json::parse(fok.body)["status"], "EXPIRED");
  EXPECT_EQ(json::parse(fok.body)["executedQty"], "0");
  auto fillable = order("SELL", "LIMIT", "0.01", best_bid(), "FOK");
  ASSERT_EQ(fillable.status, 200) << fillable.body;
  EXPECT_EQ(json::parse(fillable.body)["status"], "FILLED");
}

TEST_F(BinanceSimVenueTest, QueriesAndCancelsByClientOrderId) {
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC", "bot-q-1").status, 200);
  auto queried = call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bot-q-1"}});
  ASSERT_EQ(queried.status, 200) << queried.body;
  EXPECT_EQ(json::parse(queried.body)["status"], "NEW");
  auto open = call("GET", "/fapi/v1/openOrders", {{"symbol", "BTCUSDT"}});
  EXPECT_EQ(json::parse(open.body).size(), 1u);

  auto canceled = call("DELETE", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bot-q-1"}});
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(json::parse(canceled.body)["status"], "CANCELED");
  auto after = call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bot-q-1"}});
  EXPECT_EQ(json::parse(after.body)["status"], "CANCELED");

  auto again = call("DELETE", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bot-q-1"}});
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(json::parse(again.body)["code"], -2011);
  auto unknown = call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "never-sent"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body)["code"], -2013);
}

TEST_F(BinanceSimVenueTest, DuplicateClientOrderIdIsRejectedWith4116) {
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC", "bot-dup").status, 200);
  auto dup = order("BUY", "LIMIT", "0.01", "48000", "GTC", "bot-dup");
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(json::parse(dup.body)["code"], -4116);
}

TEST_F(BinanceSimVenueTest, BadSignatureIsRejectedWith1022) {
  auto r = call("GET", "/fapi/v2/balance", {}, "wrong-secret");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["code"], -1022);
  auto good = call("GET", "/fapi/v2/balance", {});
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(json::parse(good.body)[0]["balance"], "100000");
}

TEST_F(BinanceSimVenueTest, UnknownApiKeyIsRejectedWith2015) {
  auto r = call("GET", "/fapi/v2/balance", {}, kSecret, std::nullopt, "nobody");
  EXPECT_EQ(json::parse(r.body)["code"], -2015);
}

TEST_F(BinanceSimVenueTest, TimestampOutsideRecvWindowIsRejectedWith1021) {
  auto old = call("GET", "/fapi/v2/balance", {}, kSecret, now_ms() - 6000);
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(json::parse(old.body)["code"], -1021);
  auto ahead = call("GET", "/fapi/v2/balance", {}, kSecret, now_ms() + 1500);
  EXPECT_EQ(json::parse(ahead.body)["code"], -1021);

  FaultPlan skew;
  skew.clock_skew_ms = 20000;
  venue->set_faults(skew);
  auto skewed = call("GET", "/fapi/v2/balance", {});
  EXPECT_EQ(json::parse(skewed.body)["code"], -1021);
  EXPECT_EQ(json::parse(get("/fapi/v1/time").body)["serverTime"].get<std::int64_t>(), now_ms() + 20000);
}

TEST_F(BinanceSimVenueTest, RateLimitStormAnswers429WithRetryAfterThen418UntilTheBanEnds) {
  FaultPlan storm;
  storm.rate_limit_429_count = 10;
  storm.retry_after_s = 3;
  storm.ban_after_429s = 2;
  storm.ban_s = 60;
  venue->set_faults(storm);
  for (int i = 0; i < 2; ++i) {
    auto r = get("/fapi/v1/ping");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("Retry-After"), "3");
    EXPECT_EQ(json::parse(r.body)["code"], -1003);
  }
  auto banned = get("/fapi/v1/ping");
  EXPECT_EQ(banned.status, 418);
  EXPECT_FALSE(banned.header("Retry-After").empty());
  clock.advance(30s);
  EXPECT_EQ(get("/fapi/v1/time").status, 418);
  clock.advance(31s);
  EXPECT_EQ(get("/fapi/v1/ping").status, 200);
}

TEST_F(BinanceSimVenueTest, UsedWeightHeaderGrowsWithEndpointWeights) {
  auto first = get("/fapi/v1/exchangeInfo");
  const int w1 = std::stoi(first.header("X-MBX-USED-WEIGHT-1M"));
  auto second = get("/fapi/v1/exchangeInfo");
  EXPECT_EQ(std::stoi(second.header("X-MBX-USED-WEIGHT-1M")), w1 + 1);
  auto depth = get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  EXPECT_EQ(std::stoi(depth.header("X-MBX-USED-WEIGHT-1M")), w1 + 21);
  clock.advance(61s);
  EXPECT_EQ(std::stoi(get("/fapi/v1/ping").header("X-MBX-USED-WEIGHT-1M")), 1);
}

TEST_F(BinanceSimVenueTest, OrderResponsesCarryOrderCountHeaders) {
  auto first = order("BUY", "LIMIT", "0.01", "49000", "GTC");
  auto second = order("BUY", "LIMIT", "0.01", "49000", "GTC");
  EXPECT_EQ(first.header("X-MBX-ORDER-COUNT-10S"), "1");
  EXPECT_EQ(second.header("X-MBX-ORDER-COUNT-10S"), "2");
  EXPECT_EQ(second.header("X-MBX-ORDER-COUNT-1M"), "2");
}

// Bounded memory (issue 11): the weight and order-count windows keep no key for a
// client address or an account that sent nothing within them.
TEST_F(BinanceSimVenueTest, RateLimitWindowsKeepNoKeyOnceTheyExpire) {
  constexpr int kClients = 20;
  for (int i = 0; i < kClients; ++i) {
    const std::string key = "window-key-" + std::to_string(i);
    const std::string secret = "window-secret-" + std::to_string(i);
    SimAccountSpec spec;
    spec.api_key = key;
    spec.api_secret = secret;
    spec.balances["USDT"] = Decimal::from_mantissa(100000, 0);
    ASSERT_TRUE(venue->create_account(spec).ok());
    const Params p{{"symbol", "BTCUSDT"}, {"side", "BUY"},      {"type", "LIMIT"},
                   {"quantity", "0.01"},  {"price", "49000"},   {"timeInForce", "GTC"}};
    auto placed = call("POST", "/fapi/v1/order", p, secret, std::nullopt, key);
    ASSERT_EQ(placed.status, 200) << placed.body;
    // Another client address (the router sees what the server would pass on).
    net::HttpRequest ping;
    ping.method = "GET";
    ping.target = ping.path = "/fapi/v1/ping";
    ping.remote_addr = "10.0.0." + std::to_string(i + 1);
    ASSERT_EQ(router->dispatch(ping).status, 200);
  }
  const auto windows = [&] {
    json counts = venue->describe()["rate_limit_windows"];
    return counts.is_object() ? counts : json::object();  // missing: every count reads huge
  };
  const auto keys = [&](const char* name) { return windows().value(name, std::size_t{999'999}); };
  EXPECT_EQ(keys("ip_weight"), std::size_t{kClients}) << windows().dump();  // an order weighs 0
  EXPECT_EQ(keys("orders_10s"), std::size_t{kClients});
  EXPECT_EQ(keys("orders_1m"), std::size_t{kClients});

  clock.advance(11s);
  tick(50000);
  EXPECT_EQ(keys("orders_10s"), 0u) << windows().dump();
  EXPECT_EQ(keys("orders_1m"), std::size_t{kClients});
  EXPECT_EQ(keys("ip_weight"), std::size_t{kClients});

  clock.advance(50s);
  tick(50000);
  EXPECT_EQ(keys("ip_weight"), 0u) << windows().dump();
  EXPECT_EQ(keys("orders_10s"), 0u);
  EXPECT_EQ(keys("orders_1m"), 0u);
  // A client that comes back starts from an empty window.
  auto again = order("BUY", "LIMIT", "0.01", "49000", "GTC");
  EXPECT_EQ(again.header("X-MBX-ORDER-COUNT-1M"), "1");
  EXPECT_EQ(keys("orders_1m"), 1u);
  EXPECT_EQ(get("/fapi/v1/ping").header("X-MBX-USED-WEIGHT-1M"), "1");
  EXPECT_EQ(keys("ip_weight"), 1u);
}

TEST_F(BinanceSimVenueTest, BatchOrdersAnswersPerItemResultsAndErrors) {
  const std::string batch =
      R"([{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.01","price":"49000","newClientOrderId":"b1"},)"
      R"({"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.01","price":"49000","newClientOrderId":"b1"}])";
  auto r = call("POST", "/fapi/v1/batchOrders", {{"batchOrders", batch}});
  ASSERT_EQ(r.status, 200) << r.body;
  json items = json::parse(r.body);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["status"], "NEW");
  EXPECT_EQ(items[1]["code"], -4116);
}

TEST_F(BinanceSimVenueTest, PartialFillRatioFillsPartThenRestsTheRemainder) {
  FaultPlan plan;
  plan.partial_fill_ratio = 0.3;
  venue->set_faults(plan);
  const std::string ask = best_ask();
  auto r = order("BUY", "LIMIT", "0.010", ask, "GTC", "bot-partial");
  ASSERT_EQ(r.status, 200) << r.body;
  json o = json::parse(r.body);
  EXPECT_EQ(o["status"], "PARTIALLY_FILLED");
  EXPECT_EQ(std::stod(o["executedQty"].get<std::string>()), 0.003);
  auto open = call("GET", "/fapi/v1/openOrders", {{"symbol", "BTCUSDT"}});
  ASSERT_EQ(json::parse(open.body).size(), 1u);
  venue->set_faults(FaultPlan{});
  tick(50000);  // the market model re-quotes through the resting remainder
  auto queried = call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bot-partial"}});
  EXPECT_EQ(json::parse(queried.body)["status"], "FILLED");
}

TEST_F(BinanceSimVenueTest, MaintenanceRefusesOrdersButAnswersQueries) {
  FaultPlan plan;
  plan.maintenance = true;
  venue->set_faults(plan);
  auto r = order("BUY", "LIMIT", "0.01", "49000", "GTC");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["code"], -1016);
  EXPECT_EQ(call("GET", "/fapi/v2/balance", {}).status, 200);
}

TEST_F(BinanceSimVenueTest, RejectsTheNthOrderOnce) {
  FaultPlan plan;
  plan.reject_nth_order = 2;
  plan.reject_code = "-2019";
  venue->set_faults(plan);
  EXPECT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC").status, 200);
  auto second = order("BUY", "LIMIT", "0.01", "49000", "GTC");
  EXPECT_EQ(json::parse(second.body)["code"], -2019);
  EXPECT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC").status, 200);
}

TEST_F(BinanceSimVenueTest, UserStreamGetsNewThenTradeForACrossingOrder) {
  auto key = call("POST", "/fapi/v1/listenKey", {});
  ASSERT_EQ(key.status, 200) << key.body;
  const std::string listen_key = json::parse(key.body)["listenKey"];
  StreamRecorder& stream = connect("/private/ws?listenKey=" + listen_key);

  const std::string ask = best_ask();
  auto r = order("BUY", "LIMIT", "0.01", ask, "GTC", "bot-cross");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(wait_until([&] { return events_of(stream, "ORDER_TRADE_UPDATE").size() >= 2; }));
  auto updates = events_of(stream, "ORDER_TRADE_UPDATE");
  EXPECT_EQ(updates[0]["o"]["x"], "NEW");
  EXPECT_EQ(updates[0]["o"]["X"], "NEW");
  EXPECT_EQ(updates[0]["o"]["c"], "bot-cross");
  const json& trade = updates[1]["o"];
  EXPECT_EQ(trade["x"], "TRADE");
  EXPECT_EQ(trade["X"], "FILLED");
  EXPECT_EQ(std::stod(trade["l"].get<std::string>()), 0.01);
  EXPECT_EQ(std::stod(trade["z"].get<std::string>()), 0.01);
  EXPECT_EQ(trade["L"], ask);
  EXPECT_EQ(trade["N"], "USDT");
  EXPECT_GT(std::stod(trade["n"].get<std::string>()), 0.0);
  EXPECT_FALSE(trade["m"].get<bool>());
  EXPECT_EQ(trade["i"], json::parse(r.body)["orderId"]);
  ASSERT_TRUE(wait_until([&] { return !events_of(stream, "ACCOUNT_UPDATE").empty(); }));
  auto account = events_of(stream, "ACCOUNT_UPDATE")[0];
  EXPECT_EQ(account["a"]["m"], "ORDER");
  EXPECT_EQ(std::stod(account["a"]["P"][0]["pa"].get<std::string>()), 0.01);
}

TEST_F(BinanceSimVenueTest, ClassicWsListenKeyPathGetsTheUserDataStream) {
  auto key = call("POST", "/fapi/v1/listenKey", {});
  ASSERT_EQ(key.status, 200) << key.body;
  const std::string listen_key = json::parse(key.body)["listenKey"];
  StreamRecorder& stream = connect("/ws/" + listen_key);  // wss://fstream.binance.com/ws/<listenKey>
  auto r = order("BUY", "LIMIT", "0.01", best_ask(), "GTC", "bot-classic");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(wait_until([&] { return events_of(stream, "ORDER_TRADE_UPDATE").size() >= 2; }));
  EXPECT_EQ(events_of(stream, "ORDER_TRADE_UPDATE")[0]["o"]["c"], "bot-classic");
  ASSERT_TRUE(wait_until([&] { return !events_of(stream, "ACCOUNT_UPDATE").empty(); }));
}

TEST_F(BinanceSimVenueTest, ListenKeyExpiresAfterAnHourWithoutKeepalive) {
  auto key = call("POST", "/fapi/v1/listenKey", {});
  const std::string listen_key = json::parse(key.body)["listenKey"];
  StreamRecorder& stream = connect("/private/ws?listenKey=" + listen_key);
  clock.advance(59min);
  EXPECT_EQ(call("PUT", "/fapi/v1/listenKey", {}).status, 200);
  clock.advance(59min);
  tick(50000);
  EXPECT_TRUE(events_of(stream, "listenKeyExpired").empty());
  clock.advance(2min);
  tick(50000);
  ASSERT_TRUE(wait_until([&] { return !events_of(stream, "listenKeyExpired").empty(); }));
  EXPECT_EQ(events_of(stream, "listenKeyExpired")[0]["listenKey"], listen_key);
  EXPECT_EQ(json::parse(call("PUT", "/fapi/v1/listenKey", {}).body)["code"], -1125);
}

TEST_F(BinanceSimVenueTest, DepthStreamAndRestSnapshotRebuildTheVenueBook) {
  StreamRecorder& stream = connect("/stream?streams=btcusdt@depth@100ms");
  tick(50010);
  tick(50020);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 2; }));
  auto snapshot = get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  const std::size_t before_snapshot = stream.count();
  ASSERT_EQ(order("BUY", "LIMIT", "0.5", "49900", "GTC").status, 200);  // a user level in the stream
  tick(50030);
  tick(49990);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= before_snapshot + 3; }));

  md::BinanceBookSync sync = make_sync();
  auto messages = stream.messages();
  for (std::size_t i = 0; i < before_snapshot; ++i) sync.on_update_frame(messages[i], MonoTime{});
  auto outcome = sync.on_snapshot_frame(snapshot.body, MonoTime{});
  EXPECT_NE(outcome.result, md::SyncResult::needs_resync);
  for (std::size_t i = before_snapshot; i < messages.size(); ++i) {
    auto applied = sync.on_update_frame(messages[i], MonoTime{});
    EXPECT_NE(applied.result, md::SyncResult::needs_resync) << messages[i];
  }
  ASSERT_EQ(sync.state(), md::BookSyncState::live);

  json truth = depth_snapshot(1000);
  // The snapshot names the id the next diff will start at.
  EXPECT_EQ(sync.last_update_id() + 1, truth["lastUpdateId"].get<std::int64_t>());
  md::BinanceDepthSnapshot parsed;
  ASSERT_TRUE(md::parse_binance_depth_snapshot(truth.dump(), sync.grid(), parsed).ok());
  ASSERT_EQ(sync.book().bids().size(), parsed.bids.size());
  ASSERT_EQ(sync.book().asks().size(), parsed.asks.size());
  for (std::size_t i = 0; i < parsed.bids.size(); ++i) {
    EXPECT_EQ(sync.book().bids()[i].price_ticks, parsed.bids[i].price_ticks);
    EXPECT_EQ(sync.book().bids()[i].qty_lots, parsed.bids[i].qty_lots);
  }
  for (std::size_t i = 0; i < parsed.asks.size(); ++i) {
    EXPECT_EQ(sync.book().asks()[i].price_ticks, parsed.asks[i].price_ticks);
    EXPECT_EQ(sync.book().asks()[i].qty_lots, parsed.asks[i].qty_lots);
  }
  bool user_level = false;
  for (const auto& level : sync.book().bids()) user_level |= level.price_ticks == 499'000 && level.qty_lots >= 500;
  EXPECT_TRUE(user_level);
}

TEST_F(BinanceSimVenueTest, DroppedDiffMakesBookSyncReportAGap) {
  StreamRecorder& stream = connect("/ws/btcusdt@depth");
  md::BinanceBookSync sync = make_sync();
  ASSERT_TRUE(sync.on_snapshot_frame(get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000").body, MonoTime{}).result !=
              md::SyncResult::needs_resync);
  tick(50010);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 1; }));
  EXPECT_EQ(sync.on_update_frame(stream.messages()[0], MonoTime{}).result, md::SyncResult::applied);
  EXPECT_EQ(sync.state(), md::BookSyncState::live);

  FaultPlan plan;
  plan.drop_every_nth_diff = 2;  // this venue has published 2 diffs so far: the 4th is dropped
  venue->set_faults(plan);
  tick(50020);  // diff 3: published
  tick(50030);  // diff 4: dropped
  tick(50040);  // diff 5: its pu points at the dropped one
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 3; }));
  auto messages = stream.messages();
  EXPECT_EQ(sync.on_update_frame(messages[1], MonoTime{}).result, md::SyncResult::applied);
  auto gap = sync.on_update_frame(messages[2], MonoTime{});
  EXPECT_EQ(gap.result, md::SyncResult::needs_resync);
  EXPECT_EQ(gap.reason, md::SyncReason::gap);
}

TEST_F(BinanceSimVenueTest, CorruptSnapshotMakesBookSyncResync) {
  StreamRecorder& stream = connect("/ws/btcusdt@depth");
  tick(50010);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 1; }));
  FaultPlan plan;
  plan.corrupt_next_snapshot = true;
  venue->set_faults(plan);
  md::BinanceBookSync sync = make_sync();
  tick(50020);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 2; }));
  sync.on_update_frame(stream.messages()[1], MonoTime{});
  auto outcome = sync.on_snapshot_frame(get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000").body, MonoTime{});
  EXPECT_EQ(outcome.result, md::SyncResult::needs_resync);
}

TEST_F(BinanceSimVenueTest, BookTickerAndMarkPriceStreamsPublishOnTicks) {
  StreamRecorder& stream = connect("/stream?streams=btcusdt@bookTicker/btcusdt@markPrice@1s");
  tick(50100);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 2; }));
  bool book_ticker = false;
  bool mark = false;
  for (const auto& m : stream.messages()) {
    json j = json::parse(m);
    if (j["stream"] == "btcusdt@bookTicker") {
      book_ticker = true;
      EXPECT_EQ(j["data"]["b"], best_bid());
    }
    if (j["stream"] == "btcusdt@markPrice@1s") {
      mark = true;
      EXPECT_EQ(std::stod(j["data"]["p"].get<std::string>()), 50100.0);
      EXPECT_EQ(j["data"]["r"], "0.00010000");
    }
  }
  EXPECT_TRUE(book_ticker);
  EXPECT_TRUE(mark);
}

TEST_F(BinanceSimVenueTest, CountdownCancelAllCancelsAfterTheCountdown) {
  ASSERT_EQ(order("BUY", "LIMIT", "0.01", "49000", "GTC", "bot-dms").status, 200);
  auto armed = call("POST", "/fapi/v1/countdownCancelAll", {{"symbol", "BTCUSDT"}, {"countdownTime", "5000"}});
  ASSERT_EQ(armed.status, 200) << armed.body;
  EXPECT_EQ(json::parse(armed.body)["countdownTime"], "5000");
  clock.advance(4s);
  tick(50000);
  EXPECT_EQ(json::parse(call("GET", "/fapi/v1/openOrders", {{"symbol", "BTCUSDT"}}).body).size(), 1u);
  clock.advance(2s);
  tick(50000);
  EXPECT_EQ(json::parse(call("GET", "/fapi/v1/openOrders", {{"symbol", "BTCUSDT"}}).body).size(), 0u);
  auto queried = call("GET", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "bot-dms"}});
  EXPECT_EQ(json::parse(queried.body)["status"], "CANCELED");
}

TEST_F(BinanceSimVenueTest, StaleBooksStopPublishingWhileConnected) {
  StreamRecorder& stream = connect("/ws/btcusdt@depth@100ms");
  tick(50010);
  ASSERT_TRUE(wait_until([&] { return stream.count() >= 1; }));
  FaultPlan plan;
  plan.stale_books = true;
  venue->set_faults(plan);
  tick(50020);
  tick(50030);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(stream.count(), 1u);
  EXPECT_EQ(stream.closes(), 0);
}

TEST_F(BinanceSimVenueTest, DisconnectWebsocketsClosesEveryStream) {
  StreamRecorder& depth = connect("/public/ws/btcusdt@depth");
  StreamRecorder& mark = connect("/market/ws/btcusdt@markPrice");
  FaultPlan plan;
  plan.disconnect_websockets = true;
  venue->set_faults(plan);
  EXPECT_TRUE(wait_until([&] { return depth.closes() == 1 && mark.closes() == 1; }));
  EXPECT_TRUE(wait_until([&] { return sessions() == 0; }));
  EXPECT_FALSE(venue->faults().disconnect_websockets);  // one-shot
}

TEST_F(BinanceSimVenueTest, AddedLatencyDelaysEveryAnswer) {
  FaultPlan plan;
  plan.added_latency_ms = 150;
  venue->set_faults(plan);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/fapi/v1/ping").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST_F(BinanceSimVenueTest, DescribeShowsAccountsWithoutSecrets) {
  json d = venue->describe();
  EXPECT_EQ(d["protocol"], "binance");
  ASSERT_EQ(d["accounts"].size(), 1u);
  EXPECT_EQ(d.dump().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace propbot::venues::sim
