// OKX parsers and request builders against the fixtures in tests/fixtures/venues/okx:
// contracts → base Decimals, fee sign, post-only cancel, exact order bodies.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/common/json_util.hpp"
#include "core/venues/okx/errors.hpp"
#include "core/venues/okx/messages.hpp"
#include "core/venues/okx/parse.hpp"

namespace propbot::venues::okx {
namespace {

Decimal D(const char* text) { return Decimal::parse(text).value(); }

nlohmann::json fixture(const std::string& name) {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/tests/fixtures/venues/okx/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto parsed = parse_json(buffer.str());
  EXPECT_TRUE(parsed.ok()) << name;
  return parsed.ok() ? parsed.value() : nlohmann::json();
}

class OkxParseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table = parse_instruments(fixture("instruments.json"), "OKX");
    ASSERT_TRUE(table.ok()) << table.error().describe();
    table_ = table.value();
  }
  InstrumentTable table_;
};

TEST_F(OkxParseTest, InstrumentsGiveLotSizeInBaseCoinAsLotSzTimesCtVal) {
  ASSERT_EQ(table_.size(), 3u);
  const auto& btc = table_.at("BTC-USDT-SWAP");
  EXPECT_EQ(btc.symbol, "BTC-USDT");
  EXPECT_EQ(btc.tick_size, D("0.1"));
  EXPECT_EQ(btc.lot_size, D("0.01"));
  EXPECT_EQ(btc.min_size, D("0.01"));
  EXPECT_EQ(btc.contract_value, D("0.01"));
  EXPECT_EQ(btc.lot_step(), D("0.0001"));
  EXPECT_DOUBLE_EQ(btc.spec.lot_size, 0.0001);
  EXPECT_DOUBLE_EQ(btc.spec.tick_size, 0.1);
  EXPECT_EQ(btc.spec.venue, "OKX");
  const auto& eth = table_.at("ETH-USDT-SWAP");
  EXPECT_EQ(eth.lot_step(), D("0.1"));
  EXPECT_EQ(table_.at("DOGE-USDT-SWAP").state, "suspend");
}

TEST_F(OkxParseTest, ServerTimeIsReadInMilliseconds) {
  auto ms = parse_server_time(fixture("time.json"));
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms.value(), 1732000000123);
}

TEST_F(OkxParseTest, OrderAckCarriesOrdIdAndSCode) {
  auto acks = parse_acks(fixture("order_ack.json"));
  ASSERT_TRUE(acks.ok());
  ASSERT_EQ(acks->size(), 1u);
  EXPECT_TRUE(acks->front().ok());
  EXPECT_EQ(acks->front().venue_order_id, "1987654321098765432");
  EXPECT_EQ(acks->front().client_order_id, "pbA1leg0att1");
}

TEST_F(OkxParseTest, PartialBatchKeepsEveryItemInOrderAndMapsTheFailedOne) {
  auto acks = parse_acks(fixture("batch_ack_partial.json"));
  ASSERT_TRUE(acks.ok());
  ASSERT_EQ(acks->size(), 3u);
  EXPECT_TRUE((*acks)[0].ok());
  EXPECT_FALSE((*acks)[1].ok());
  EXPECT_TRUE((*acks)[2].ok());
  const VenueError error = ack_error((*acks)[1]);
  EXPECT_EQ(error.code, VenueErrc::insufficient_margin);
  EXPECT_EQ(error.venue_code, "51008");
}

TEST_F(OkxParseTest, OrdersPushConvertsContractsToBaseAndFlipsTheFeeSign) {
  auto updates = parse_orders(fixture("orders_push_partial_fill.json"), table_);
  ASSERT_TRUE(updates.ok()) << updates.error().describe();
  ASSERT_EQ(updates->size(), 1u);
  const OrderUpdate& update = updates->front();
  EXPECT_EQ(update.order.symbol, "BTC-USDT");
  EXPECT_EQ(update.order.client_order_id, "pbA1leg0att1");
  EXPECT_EQ(update.order.status, OrderStatus::partially_filled);
  EXPECT_EQ(update.order.time_in_force, TimeInForce::post_only);
  EXPECT_EQ(update.order.quantity, D("0.05"));         // 5 contracts × 0.01
  EXPECT_EQ(update.order.filled_quantity, D("0.02"));  // 2 contracts
  EXPECT_EQ(update.order.average_price, D("97000.1"));
  EXPECT_EQ(*update.order.price, D("97000.1"));
  EXPECT_FALSE(update.order.reduce_only);
  ASSERT_TRUE(update.fill.has_value());
  EXPECT_EQ(update.fill->quantity, D("0.02"));
  EXPECT_EQ(update.fill->price, D("97000.1"));
  EXPECT_EQ(update.fill->fee, D("0.3880004"));  // OKX -0.3880004 = charged → positive = paid
  EXPECT_EQ(update.fill->fee_asset, "USDT");
  EXPECT_TRUE(update.fill->maker);
  EXPECT_EQ(update.fill->trade_id, "445566");
  EXPECT_EQ(to_unix_ms(update.fill->ts), 1732000001000);
}

TEST_F(OkxParseTest, PostOnlyThatWouldTakeIsCanceledWithCancelSource31) {
  auto updates = parse_orders(fixture("orders_push_post_only_canceled.json"), table_);
  ASSERT_TRUE(updates.ok()) << updates.error().describe();
  const OrderUpdate& update = updates->front();
  EXPECT_EQ(update.order.status, OrderStatus::canceled);
  EXPECT_EQ(update.cancel_source, kCancelSourcePostOnly);
  EXPECT_EQ(update.order.quantity, D("1.2"));  // 12 contracts × 0.1 ETH
  EXPECT_EQ(update.order.filled_quantity, D("0"));
  EXPECT_TRUE(update.order.reduce_only);
  EXPECT_FALSE(update.fill.has_value());
}

TEST_F(OkxParseTest, PositionsAreSignedBaseQuantities) {
  auto positions = parse_positions(fixture("positions_push.json"), table_);
  ASSERT_TRUE(positions.ok()) << positions.error().describe();
  ASSERT_EQ(positions->size(), 2u);
  EXPECT_EQ((*positions)[0].symbol, "BTC-USDT");
  EXPECT_EQ((*positions)[0].quantity, D("-0.03"));  // net, pos -3 contracts × 0.01
  EXPECT_EQ((*positions)[0].entry_price, D("97010.5"));
  EXPECT_EQ((*positions)[0].mark_price, D("97001"));
  EXPECT_EQ((*positions)[0].liquidation_price, D("105000.2"));
  EXPECT_EQ((*positions)[0].leverage, D("10"));
  EXPECT_EQ((*positions)[1].symbol, "ETH-USDT");
  EXPECT_EQ((*positions)[1].quantity, D("-0.5"));  // posSide short, pos 5 × 0.1
  EXPECT_EQ((*positions)[1].unrealized_pnl, D("-5.25"));
}

TEST_F(OkxParseTest, PositionOfAnUnknownSwapFailsClosed) {
  auto push = fixture("positions_push.json");
  push["data"][0]["instId"] = "XRP-USDT-SWAP";
  EXPECT_FALSE(parse_positions(push, table_).ok());
}

TEST_F(OkxParseTest, BalancesUseCashBalAndAvailEqWhenSent) {
  auto balances = parse_balances(fixture("balance.json"));
  ASSERT_TRUE(balances.ok()) << balances.error().describe();
  ASSERT_EQ(balances->size(), 2u);
  EXPECT_EQ((*balances)[0].asset, "USDT");
  EXPECT_EQ((*balances)[0].wallet, D("10000.125"));
  EXPECT_EQ((*balances)[0].available, D("9100.5"));
  EXPECT_EQ((*balances)[1].asset, "BTC");
  EXPECT_EQ((*balances)[1].available, D("0.5"));  // availEq "" → availBal
}

TEST_F(OkxParseTest, OrdersPendingParsesEveryOrder) {
  auto orders = parse_orders(fixture("orders_pending.json"), table_);
  ASSERT_TRUE(orders.ok()) << orders.error().describe();
  ASSERT_EQ(orders->size(), 2u);
  EXPECT_EQ((*orders)[0].order.status, OrderStatus::new_order);
  EXPECT_EQ((*orders)[0].order.average_price, D("0"));
  EXPECT_EQ((*orders)[1].order.quantity, D("0.03"));
  EXPECT_EQ((*orders)[1].order.time_in_force, TimeInForce::ioc);
  EXPECT_TRUE((*orders)[1].order.reduce_only);
}

TEST_F(OkxParseTest, OrderBodyWritesSizeInContracts) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.side = OrderSide::sell;
  request.time_in_force = TimeInForce::post_only;
  request.quantity = D("0.05");
  request.price = D("97000.10");
  request.reduce_only = true;
  request.client_order_id = "pbA1leg0att1";
  auto body = order_body(request, table_.at("BTC-USDT-SWAP"));
  ASSERT_TRUE(body.ok()) << body.error().describe();
  EXPECT_EQ(body->dump(),
            R"({"clOrdId":"pbA1leg0att1","instId":"BTC-USDT-SWAP","ordType":"post_only","px":"97000.1","reduceOnly":true,"side":"sell","stpMode":"cancel_maker","sz":"5","tdMode":"cross"})");
}

// stpMode is the configured mode (default cancel_maker); a mode OKX does not know, and
// cancel_both on a FOK order (the venue refuses it), are refused locally.
TEST_F(OkxParseTest, OrderBodyCarriesTheConfiguredStpMode) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.side = OrderSide::buy;
  request.time_in_force = TimeInForce::fok;
  request.quantity = D("0.05");
  request.price = D("97000.1");
  request.client_order_id = "pbStp1";
  const OkxInstrument& btc = table_.at("BTC-USDT-SWAP");
  auto taker = order_body(request, btc, "cancel_taker");
  ASSERT_TRUE(taker.ok()) << taker.error().describe();
  EXPECT_EQ((*taker)["stpMode"], "cancel_taker");
  auto fok_both = order_body(request, btc, "cancel_both");
  ASSERT_FALSE(fok_both.ok());
  EXPECT_NE(fok_both.error().message.find("FOK"), std::string::npos) << fok_both.error().message;
  request.time_in_force = TimeInForce::gtc;
  EXPECT_EQ((*order_body(request, btc, "cancel_both"))["stpMode"], "cancel_both");
  for (const char* refused : {"EXPIRE_MAKER", "cancel", ""}) {
    auto bad = order_body(request, btc, refused);
    ASSERT_FALSE(bad.ok()) << refused;
    EXPECT_NE(bad.error().message.find("stpMode"), std::string::npos) << bad.error().message;
  }
}

// cancel-all-after takes whole seconds in [10, 120] or 0.
TEST_F(OkxParseTest, CancelAllAfterSecondsRoundUpAndClamp) {
  using std::chrono::milliseconds;
  EXPECT_EQ(cancel_all_after_seconds(milliseconds(0)), 0);
  EXPECT_EQ(cancel_all_after_seconds(milliseconds(3000)), 10) << "below the venue's minimum: 10 s";
  EXPECT_EQ(cancel_all_after_seconds(milliseconds(15001)), 16) << "rounded up: never earlier than asked";
  EXPECT_EQ(cancel_all_after_seconds(milliseconds(60000)), 60);
  EXPECT_EQ(cancel_all_after_seconds(milliseconds(600000)), 120);
}

TEST_F(OkxParseTest, OrderBodyRefusesOffGridQuantityPriceAndClientId) {
  OrderRequest request;
  request.symbol = "BTC-USDT";
  request.quantity = D("0.00005");  // half a lot (lot = 0.0001 BTC)
  request.price = D("97000.1");
  request.client_order_id = "pbOK1";
  auto off_grid = order_body(request, table_.at("BTC-USDT-SWAP"));
  ASSERT_FALSE(off_grid.ok());
  EXPECT_NE(off_grid.error().message.find("0.0001"), std::string::npos) << off_grid.error().message;
  request.quantity = D("0.0001");  // one lot but below minSz 0.01 contracts? 0.01 contracts = minSz: ok
  EXPECT_TRUE(order_body(request, table_.at("BTC-USDT-SWAP")).ok());
  request.price = D("97000.15");
  EXPECT_FALSE(order_body(request, table_.at("BTC-USDT-SWAP")).ok());
  request.price = D("97000.1");
  request.client_order_id = "pb-bad_id";
  EXPECT_FALSE(order_body(request, table_.at("BTC-USDT-SWAP")).ok());
  request.client_order_id = "pbOK2";
  request.symbol = "ETH-USDT";
  request.quantity = D("0.05");  // half a contract of ETH (lotSz 1 × ctVal 0.1)
  EXPECT_FALSE(order_body(request, table_.at("ETH-USDT-SWAP")).ok());
}

TEST_F(OkxParseTest, ErrorFixturesMapToTheCommonVocabulary) {
  const VenueError margin = map_error(200, fixture("error_order_failed.json").dump());
  EXPECT_EQ(margin.code, VenueErrc::insufficient_margin);
  EXPECT_EQ(margin.venue_code, "51008");
  const VenueError limited = map_error(429, fixture("error_rate_limit.json").dump());
  EXPECT_EQ(limited.code, VenueErrc::rate_limited);
  EXPECT_EQ(limited.venue_code, "50011");
}

TEST_F(OkxParseTest, ContractConversionIsExactBothWays) {
  const auto& eth = table_.at("ETH-USDT-SWAP");
  EXPECT_EQ(contracts_from_base(D("1.2"), eth).value(), D("12"));
  EXPECT_EQ(base_from_contracts(D("12"), eth).value(), D("1.2"));
}

}  // namespace
}  // namespace propbot::venues::okx
