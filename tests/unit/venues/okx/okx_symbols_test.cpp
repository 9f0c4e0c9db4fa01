// OKX instIds, enum wire strings (both directions) and clOrdId validation.
#include "core/venues/okx/symbols.hpp"

#include <string>

#include <gtest/gtest.h>

namespace propbot::venues::okx {
namespace {

class OkxSymbolsTest : public ::testing::Test {};

TEST_F(OkxSymbolsTest, CanonicalSymbolMapsToSwapInstIdAndBack) {
  EXPECT_EQ(*to_inst_id("BTC-USDT"), "BTC-USDT-SWAP");
  EXPECT_EQ(*from_inst_id("BTC-USDT-SWAP"), "BTC-USDT");
  EXPECT_EQ(*from_inst_id(*to_inst_id("1000PEPE-USDC")), "1000PEPE-USDC");
}

TEST_F(OkxSymbolsTest, RefusesNonSwapOrMalformedInstruments) {
  for (const std::string_view bad : {"BTC-USDT", "BTC-USD-250328", "BTC-USD-250328-60000-C", "-SWAP", "btc-usdt-SWAP",
                                     "BTCUSDT-SWAP"}) {
    const auto result = from_inst_id(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_NE(result.error().message.find(std::string("'") + std::string(bad) + "'"), std::string::npos);
  }
  EXPECT_FALSE(to_inst_id("BTCUSDT").ok());
  EXPECT_FALSE(to_inst_id("BTC-USDT-SWAP").ok());
}

TEST_F(OkxSymbolsTest, SideRoundTrips) {
  for (const OrderSide side : {OrderSide::buy, OrderSide::sell}) EXPECT_EQ(*parse_side(to_wire(side)), side);
  EXPECT_EQ(to_wire(OrderSide::sell), "sell");
  EXPECT_FALSE(parse_side("BUY").ok());
}

TEST_F(OkxSymbolsTest, OrdTypeRoundTripsEveryWireValue) {
  for (const std::string_view wire : {"market", "limit", "post_only", "fok", "ioc"}) {
    const auto kind = parse_ord_type(wire);
    ASSERT_TRUE(kind.ok()) << wire;
    EXPECT_EQ(*to_ord_type(kind->type, kind->time_in_force), wire);
  }
}

TEST_F(OkxSymbolsTest, OrdTypeFoldsTypeAndTimeInForce) {
  EXPECT_EQ(*to_ord_type(OrderType::limit, TimeInForce::gtc), "limit");
  EXPECT_EQ(*to_ord_type(OrderType::limit, TimeInForce::ioc), "ioc");
  EXPECT_EQ(*to_ord_type(OrderType::limit, TimeInForce::fok), "fok");
  EXPECT_EQ(*to_ord_type(OrderType::limit, TimeInForce::post_only), "post_only");
  EXPECT_EQ(*to_ord_type(OrderType::market, TimeInForce::gtc), "market");
  EXPECT_EQ(*to_ord_type(OrderType::market, TimeInForce::ioc), "market");
  EXPECT_FALSE(to_ord_type(OrderType::market, TimeInForce::post_only).ok());
  EXPECT_FALSE(to_ord_type(OrderType::market, TimeInForce::fok).ok());
  EXPECT_EQ(*parse_ord_type("post_only"), (OrderKind{OrderType::limit, TimeInForce::post_only}));
  EXPECT_EQ(*parse_ord_type("market"), (OrderKind{OrderType::market, TimeInForce::gtc}));
}

TEST_F(OkxSymbolsTest, UnsupportedOrdTypeIsRefusedNamingIt) {
  const auto kind = parse_ord_type("optimal_limit_ioc");
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.error().message.find("'optimal_limit_ioc'"), std::string::npos);
}

TEST_F(OkxSymbolsTest, StateRoundTripsAndMmpCanceledIsCanceled) {
  for (const OrderStatus status :
       {OrderStatus::new_order, OrderStatus::partially_filled, OrderStatus::filled, OrderStatus::canceled}) {
    const auto wire = to_wire(status);
    ASSERT_TRUE(wire.ok());
    EXPECT_EQ(*parse_state(*wire), status) << *wire;
  }
  EXPECT_EQ(*to_wire(OrderStatus::new_order), "live");
  EXPECT_EQ(*parse_state("mmp_canceled"), OrderStatus::canceled);
  EXPECT_FALSE(to_wire(OrderStatus::rejected).ok());
  EXPECT_FALSE(to_wire(OrderStatus::expired).ok());
  EXPECT_FALSE(to_wire(OrderStatus::pending_new).ok());
  const auto unknown = parse_state("LIVE");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("'LIVE'"), std::string::npos);
}

TEST_F(OkxSymbolsTest, AcceptsAlphanumericClientOrderIdsUpTo32) {
  EXPECT_TRUE(validate_client_order_id("b15").ok());
  EXPECT_TRUE(validate_client_order_id("e847386590ce4dBCe903bbc394dc88bf").ok());
  EXPECT_TRUE(validate_client_order_id(std::string(32, '9')).ok());
}

TEST_F(OkxSymbolsTest, RefusesInvalidClientOrderIds) {
  EXPECT_FALSE(validate_client_order_id("").ok());
  EXPECT_FALSE(validate_client_order_id(std::string(33, 'a')).ok());
  for (const std::string_view bad : {"a-b", "a_b", "a.b", "a b", "a:b", "é"}) {
    EXPECT_FALSE(validate_client_order_id(bad).ok()) << bad;
  }
  const auto status = validate_client_order_id("abc_def");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("position 3"), std::string::npos);
}

}  // namespace
}  // namespace propbot::venues::okx
