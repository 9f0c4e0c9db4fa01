// Binance symbols, enum wire strings (both directions) and client order ids.
#include "core/venues/binance/symbols.hpp"

#include <string>

#include <gtest/gtest.h>

namespace propbot::venues::binance {
namespace {

class BinanceSymbolsTest : public ::testing::Test {};

TEST_F(BinanceSymbolsTest, CanonicalSymbolMapsToVenueAndStreamNames) {
  EXPECT_EQ(*to_venue_symbol("BTC-USDT"), "BTCUSDT");
  EXPECT_EQ(*to_stream_symbol("BTC-USDT"), "btcusdt");
  EXPECT_EQ(*to_venue_symbol("1000PEPE-USDC"), "1000PEPEUSDC");
}

TEST_F(BinanceSymbolsTest, VenueSymbolMapsBackToCanonical) {
  EXPECT_EQ(*from_venue_symbol("BTCUSDT"), "BTC-USDT");
  EXPECT_EQ(*from_venue_symbol("ETHUSDC"), "ETH-USDC");
  EXPECT_EQ(*from_venue_symbol("1000PEPEUSDT"), "1000PEPE-USDT");
  EXPECT_EQ(*from_venue_symbol(*to_venue_symbol("SOL-FDUSD")), "SOL-FDUSD");
}

TEST_F(BinanceSymbolsTest, RefusesMalformedSymbolsNamingThem) {
  for (const std::string_view bad : {"BTCUSDT", "btc-usdt", "BTC-", "-USDT", "BTC_USDT", ""}) {
    const auto result = to_venue_symbol(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code, Errc::invalid_argument);
    EXPECT_NE(result.error().message.find(std::string("'") + std::string(bad) + "'"), std::string::npos);
  }
  EXPECT_FALSE(to_stream_symbol("BTCUSDT").ok());
  EXPECT_FALSE(from_venue_symbol("BTCUSDT_250328").ok());
  EXPECT_FALSE(from_venue_symbol("USDT").ok());
  EXPECT_FALSE(from_venue_symbol("BTCEUR").ok());
  EXPECT_FALSE(from_venue_symbol("btcusdt").ok());
}

TEST_F(BinanceSymbolsTest, SideRoundTrips) {
  for (const OrderSide side : {OrderSide::buy, OrderSide::sell}) EXPECT_EQ(*parse_side(to_wire(side)), side);
  EXPECT_EQ(to_wire(OrderSide::buy), "BUY");
  EXPECT_EQ(to_wire(OrderSide::sell), "SELL");
}

TEST_F(BinanceSymbolsTest, OrderTypeRoundTrips) {
  for (const OrderType type : {OrderType::limit, OrderType::market}) {
    EXPECT_EQ(*parse_order_type(to_wire(type)), type);
  }
  EXPECT_EQ(to_wire(OrderType::limit), "LIMIT");
  EXPECT_EQ(to_wire(OrderType::market), "MARKET");
}

TEST_F(BinanceSymbolsTest, TimeInForceRoundTripsWithPostOnlyAsGtx) {
  for (const TimeInForce tif : {TimeInForce::gtc, TimeInForce::ioc, TimeInForce::fok, TimeInForce::post_only}) {
    EXPECT_EQ(*parse_time_in_force(to_wire(tif)), tif);
  }
  EXPECT_EQ(to_wire(TimeInForce::post_only), "GTX");
}

TEST_F(BinanceSymbolsTest, OrderStatusRoundTripsAndExpiredInMatchIsExpired) {
  for (const OrderStatus status : {OrderStatus::new_order, OrderStatus::partially_filled, OrderStatus::filled,
                                   OrderStatus::canceled, OrderStatus::rejected, OrderStatus::expired}) {
    const auto wire = to_wire(status);
    ASSERT_TRUE(wire.ok());
    EXPECT_EQ(*parse_order_status(*wire), status) << *wire;
  }
  EXPECT_EQ(*to_wire(OrderStatus::new_order), "NEW");
  EXPECT_EQ(*to_wire(OrderStatus::canceled), "CANCELED");
  EXPECT_EQ(*parse_order_status("EXPIRED_IN_MATCH"), OrderStatus::expired);
  EXPECT_FALSE(to_wire(OrderStatus::pending_new).ok());
}

TEST_F(BinanceSymbolsTest, UnknownWireValuesAreRefusedNamingTheValue) {
  const auto type = parse_order_type("STOP_MARKET");
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.error().message.find("'STOP_MARKET'"), std::string::npos);
  EXPECT_FALSE(parse_side("buy").ok());
  EXPECT_FALSE(parse_time_in_force("GTD").ok());
  const auto status = parse_order_status("NEW_INSURANCE");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("'NEW_INSURANCE'"), std::string::npos);
}

TEST_F(BinanceSymbolsTest, AcceptsClientOrderIdsMatchingTheVenueRegex) {
  EXPECT_TRUE(validate_client_order_id("a").ok());
  EXPECT_TRUE(validate_client_order_id("pb0a1B2c3").ok());
  EXPECT_TRUE(validate_client_order_id("x.Y:z/0_9-").ok());
  EXPECT_TRUE(validate_client_order_id(std::string(36, 'Z')).ok());
}

TEST_F(BinanceSymbolsTest, RefusesInvalidClientOrderIds) {
  EXPECT_FALSE(validate_client_order_id("").ok());
  EXPECT_FALSE(validate_client_order_id(std::string(37, 'a')).ok());
  for (const std::string_view bad : {"a b", "a+b", "a#b", "é", "a\nb", "a=b", "a&b"}) {
    const auto status = validate_client_order_id(bad);
    EXPECT_FALSE(status.ok()) << bad;
  }
  const auto status = validate_client_order_id("abc def");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("position 3"), std::string::npos);
}

}  // namespace
}  // namespace propbot::venues::binance
