// Binance adapter parsers and request builders against the fixtures in
// tests/fixtures/venues/binance: every field lands in the common types exactly.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/common/json_util.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/binance/parse.hpp"

namespace propbot::venues::binance {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/binance/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Decimal dec(const char* text) { return Decimal::parse(text).value(); }
UtcTime ms(std::int64_t value) { return UtcTime{std::chrono::milliseconds(value)}; }

BinanceInstrument btc() {
  auto instruments = parse_exchange_info_text(fixture("exchange_info.json"), "BINANCE", {"BTC-USDT"});
  return instruments.value().at(0);
}

TEST(BinanceParseTest, ParsesTheNewOrderResultIntoAnOrderState) {
  auto order = parse_order_text(fixture("order_result.json"));
  ASSERT_TRUE(order.ok()) << order.error().message;
  EXPECT_EQ(order->symbol, "BTC-USDT");
  EXPECT_EQ(order->client_order_id, "pb1a2b3c4d5e");
  EXPECT_EQ(order->venue_order_id, "4093857123");
  EXPECT_EQ(order->side, OrderSide::buy);
  EXPECT_EQ(order->type, OrderType::limit);
  EXPECT_EQ(order->time_in_force, TimeInForce::gtc);
  EXPECT_EQ(order->price.value().to_string(), "97000.20");
  EXPECT_EQ(order->quantity.to_string(), "0.025");
  EXPECT_EQ(order->filled_quantity.to_string(), "0.010");
  EXPECT_EQ(order->average_price.to_string(), "97000.20");
  EXPECT_EQ(order->status, OrderStatus::partially_filled);
  EXPECT_FALSE(order->reduce_only);
  EXPECT_EQ(order->updated_at, ms(1732000001234));
}

TEST(BinanceParseTest, ParsesOpenOrdersWithPostOnlyAndReduceOnly) {
  auto orders = parse_orders_text(fixture("open_orders.json"));
  ASSERT_TRUE(orders.ok()) << orders.error().message;
  ASSERT_EQ(orders->size(), 1u);
  const auto& order = orders->at(0);
  EXPECT_EQ(order.symbol, "ETH-USDT");
  EXPECT_EQ(order.time_in_force, TimeInForce::post_only);
  EXPECT_TRUE(order.reduce_only);
  EXPECT_EQ(order.side, OrderSide::sell);
  EXPECT_EQ(order.status, OrderStatus::new_order);
  EXPECT_EQ(order.price.value(), dec("3120.55"));
  EXPECT_EQ(order.filled_quantity, Decimal{});
  EXPECT_EQ(order.updated_at, ms(1732000003001));
}

TEST(BinanceParseTest, ParsesOrderTradeUpdateIntoAnOrderStateAndAFill) {
  auto document = parse_json(fixture("order_trade_update.json"));
  ASSERT_TRUE(document.ok());
  auto update = parse_order_trade_update(document.value());
  ASSERT_TRUE(update.ok()) << update.error().message;
  EXPECT_EQ(update->execution_type, "TRADE");
  EXPECT_EQ(update->order.status, OrderStatus::filled);
  EXPECT_EQ(update->order.filled_quantity.to_string(), "0.025");
  EXPECT_EQ(update->order.average_price.to_string(), "97000.16");
  ASSERT_TRUE(update->fill.has_value());
  const Fill& fill = *update->fill;
  EXPECT_EQ(fill.symbol, "BTC-USDT");
  EXPECT_EQ(fill.client_order_id, "pb1a2b3c4d5e");
  EXPECT_EQ(fill.venue_order_id, "4093857123");
  EXPECT_EQ(fill.trade_id, "398712345");
  EXPECT_EQ(fill.side, OrderSide::buy);
  EXPECT_EQ(fill.price.to_string(), "97000.10");
  EXPECT_EQ(fill.quantity.to_string(), "0.015");
  EXPECT_EQ(fill.fee.to_string(), "0.29100030");
  EXPECT_EQ(fill.fee_asset, "USDT");
  EXPECT_TRUE(fill.maker);
  EXPECT_EQ(fill.realized_pnl.to_string(), "-1.25000000");
  EXPECT_EQ(fill.ts, ms(1732000004000));
}

TEST(BinanceParseTest, ParsesAccountUpdateIntoBalancesAndSignedPositions) {
  auto document = parse_json(fixture("account_update.json"));
  ASSERT_TRUE(document.ok());
  auto update = parse_account_update(document.value());
  ASSERT_TRUE(update.ok()) << update.error().message;
  EXPECT_EQ(update->reason, "ORDER");
  ASSERT_EQ(update->balances.size(), 1u);
  EXPECT_EQ(update->balances[0].asset, "USDT");
  EXPECT_EQ(update->balances[0].wallet.to_string(), "10251.73915890");
  ASSERT_EQ(update->positions.size(), 2u);
  EXPECT_EQ(update->positions[0].symbol, "BTC-USDT");
  EXPECT_EQ(update->positions[0].quantity.to_string(), "0.025");
  EXPECT_EQ(update->positions[0].entry_price.to_string(), "97000.16");
  EXPECT_EQ(update->positions[1].symbol, "ETH-USDT");
  EXPECT_EQ(update->positions[1].quantity.to_string(), "-1.500");
  EXPECT_EQ(update->positions[1].unrealized_pnl.to_string(), "-2.25000000");
  EXPECT_EQ(update->positions[1].updated_at, ms(1732000004000));
}

TEST(BinanceParseTest, ParsesExchangeInfoFiltersIntoInstrumentRules) {
  auto instruments = parse_exchange_info_text(fixture("exchange_info.json"), "BINANCE", {"BTC-USDT", "ETH-USDT"});
  ASSERT_TRUE(instruments.ok()) << instruments.error().message;
  ASSERT_EQ(instruments->size(), 2u);
  const auto& b = instruments->at(0);
  EXPECT_EQ(b.venue_symbol, "BTCUSDT");
  EXPECT_EQ(b.stream_symbol, "btcusdt");
  EXPECT_EQ(b.tick_size.to_string(), "0.1");
  EXPECT_EQ(b.step_size.to_string(), "0.001");
  EXPECT_EQ(b.min_qty.to_string(), "0.001");
  EXPECT_EQ(b.min_notional.to_string(), "100");
  EXPECT_EQ(b.spec.canonical_id(), "BINANCE:PERP:BTC-USDT");
  EXPECT_DOUBLE_EQ(b.spec.tick_size, 0.1);
  EXPECT_EQ(instruments->at(1).tick_size.to_string(), "0.01");
  EXPECT_EQ(instruments->at(1).min_notional.to_string(), "20");
}

TEST(BinanceParseTest, RefusesExchangeInfoWithoutAConfiguredSymbol) {
  auto instruments = parse_exchange_info_text(fixture("exchange_info.json"), "BINANCE", {"SOL-USDT"});
  ASSERT_FALSE(instruments.ok());
  EXPECT_NE(instruments.error().message.find("SOLUSDT"), std::string::npos);
}

TEST(BinanceParseTest, ParsesPositionRiskAndSkipsDeliveryContracts) {
  auto positions = parse_position_risk_text(fixture("position_risk.json"));
  ASSERT_TRUE(positions.ok()) << positions.error().message;
  ASSERT_EQ(positions->size(), 2u);
  EXPECT_EQ(positions->at(0).symbol, "BTC-USDT");
  EXPECT_EQ(positions->at(0).quantity.to_string(), "0.025");
  EXPECT_EQ(positions->at(0).mark_price.to_string(), "97001.35000000");
  EXPECT_EQ(positions->at(0).leverage.to_string(), "5");
  EXPECT_EQ(positions->at(0).liquidation_price.to_string(), "52011.40321000");
  EXPECT_EQ(positions->at(1).quantity.to_string(), "-1.500");
  EXPECT_EQ(positions->at(1).updated_at, ms(1732000004100));
}

TEST(BinanceParseTest, ParsesBalancesWithWalletAndAvailable) {
  auto balances = parse_balances_text(fixture("balance.json"));
  ASSERT_TRUE(balances.ok()) << balances.error().message;
  ASSERT_EQ(balances->size(), 2u);
  EXPECT_EQ(balances->at(0).asset, "USDT");
  EXPECT_EQ(balances->at(0).wallet.to_string(), "10251.73915890");
  EXPECT_EQ(balances->at(0).available.to_string(), "9712.44210000");
  EXPECT_EQ(balances->at(1).asset, "BNB");
}

TEST(BinanceParseTest, ParsesMarkPriceIntoFundingInfo) {
  auto document = parse_json(fixture("mark_price_combined.json"));
  ASSERT_TRUE(document.ok());
  auto info = parse_mark_price(document.value());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->symbol, "BTC-USDT");
  EXPECT_EQ(info->mark_price.to_string(), "97001.35000000");
  EXPECT_EQ(info->index_price.to_string(), "96998.81234567");
  EXPECT_EQ(info->funding_rate.to_string(), "0.00010000");
  EXPECT_EQ(info->next_funding_time, ms(1732003200000));
}

TEST(BinanceParseTest, ParsesServerTimeAndListenKey) {
  EXPECT_EQ(parse_server_time_text(fixture("server_time.json")).value(), 1732000000500);
  EXPECT_EQ(parse_listen_key_text(fixture("listen_key.json")).value(),
            "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1");
}

// The configured self-trade prevention mode goes out as given; NONE (refused by the venue
// since 2024-12-10) and modes Binance does not know are refused locally.
TEST(BinanceMessagesTest, SendsTheConfiguredSelfTradePreventionMode) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.side = OrderSide::buy;
  request.quantity = dec("0.01");
  request.price = dec("97000");
  request.client_order_id = "pbstp1";
  auto params = order_params(request, btc(), "EXPIRE_BOTH");
  ASSERT_TRUE(params.ok()) << params.error().message;
  EXPECT_NE(encode_params(params.value()).find("selfTradePreventionMode=EXPIRE_BOTH"), std::string::npos);
  auto batch = batch_order_json(request, btc(), "EXPIRE_TAKER");
  ASSERT_TRUE(batch.ok()) << batch.error().message;
  EXPECT_NE(batch.value().find(R"("selfTradePreventionMode":"EXPIRE_TAKER")"), std::string::npos);
  for (const char* refused : {"NONE", "expire_maker", "cancel_maker", ""}) {
    auto bad = order_params(request, btc(), refused);
    ASSERT_FALSE(bad.ok()) << refused;
    EXPECT_NE(bad.error().message.find("selfTradePreventionMode"), std::string::npos) << bad.error().message;
  }
}

TEST(BinanceMessagesTest, WritesOrderParamsExactlyOnTheGrid) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.side = OrderSide::sell;
  request.time_in_force = TimeInForce::post_only;
  request.quantity = dec("0.0250");
  request.price = dec("97000.10");
  request.reduce_only = true;
  request.client_order_id = "pbabc123";
  auto params = order_params(request, btc());
  ASSERT_TRUE(params.ok()) << params.error().message;
  EXPECT_EQ(encode_params(params.value()),
            "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.025&price=97000.1&reduceOnly=true&"
            "newClientOrderId=pbabc123&selfTradePreventionMode=EXPIRE_MAKER&newOrderRespType=RESULT");
}

TEST(BinanceMessagesTest, RefusesOffGridPriceAndQuantityLocally) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.quantity = dec("0.025");
  request.price = dec("97000.15");
  request.client_order_id = "pbabc123";
  auto params = order_params(request, btc());
  ASSERT_FALSE(params.ok());
  EXPECT_NE(params.error().message.find("price 97000.15 is not a multiple of 0.1"), std::string::npos);
  request.price = dec("97000.1");
  request.quantity = dec("0.0255");
  params = order_params(request, btc());
  ASSERT_FALSE(params.ok());
  EXPECT_NE(params.error().message.find("quantity"), std::string::npos);
}

TEST(BinanceMessagesTest, RefusesBadClientIdAndSmallNotional) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.quantity = dec("0.001");
  request.price = dec("97000.1");
  request.client_order_id = "has space";
  EXPECT_FALSE(order_params(request, btc()).ok());
  request.client_order_id = "pbok1";
  auto params = order_params(request, btc());  // 97 USDT < 100 minimum
  ASSERT_FALSE(params.ok());
  EXPECT_NE(params.error().message.find("notional"), std::string::npos);
  request.reduce_only = true;  // reduce-only is exempt
  EXPECT_TRUE(order_params(request, btc()).ok());
}

TEST(BinanceMessagesTest, WritesABatchOrderAsJsonWithStringValues) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.type = OrderType::market;
  request.quantity = dec("0.002");
  request.client_order_id = "pbm1";
  auto json = batch_order_json(request, btc());
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(json.value(),
            R"({"symbol":"BTCUSDT","side":"BUY","type":"MARKET","quantity":"0.002","newClientOrderId":"pbm1",)"
            R"("selfTradePreventionMode":"EXPIRE_MAKER","newOrderRespType":"RESULT"})");
}

}  // namespace
}  // namespace propbot::venues::binance
