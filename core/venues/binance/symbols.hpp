// Binance USDⓈ-M names (protocols.md A6, A7): canonical symbols ↔ venue symbols and
// stream names, order enums ↔ wire strings, and client order id validation.
//
// Guarantees:
//  - Canonical symbols are BASE-QUOTE, upper-case alphanumerics joined by one '-'
//    (BTC-USDT); the venue symbol is the concatenation (BTCUSDT), the stream name its
//    lower case (btcusdt). from_venue_symbol splits on a known quote asset (USDT, USDC,
//    FDUSD, BUSD) and refuses delivery contracts (BTCUSDT_250328).
//  - Every to_wire/parse pair round-trips for each value the venue and PropBot share.
//    Parse errors are invalid_argument and name the unknown value and the field.
//  - Status EXPIRED_IN_MATCH (expired by self-trade prevention) parses as expired;
//    expired is written EXPIRED. pending_new has no wire form (it is PropBot-side).
//  - Order types other than LIMIT/MARKET (STOP, TAKE_PROFIT, …) and time in force GTD
//    are refused: PropBot does not send them.
//
// Threads: pure functions, safe from any thread. Never throw (beyond std::bad_alloc).
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::venues::binance {

// Errors: invalid_argument naming the symbol.
Result<std::string> to_venue_symbol(std::string_view canonical);    // BTC-USDT → BTCUSDT
Result<std::string> from_venue_symbol(std::string_view venue_symbol);  // BTCUSDT → BTC-USDT
Result<std::string> to_stream_symbol(std::string_view canonical);   // BTC-USDT → btcusdt

std::string_view to_wire(OrderSide side);          // BUY / SELL
std::string_view to_wire(OrderType type);          // LIMIT / MARKET
std::string_view to_wire(TimeInForce tif);         // GTC / IOC / FOK / GTX
Result<std::string_view> to_wire(OrderStatus status);  // error for pending_new

Result<OrderSide> parse_side(std::string_view wire);
Result<OrderType> parse_order_type(std::string_view wire);
Result<TimeInForce> parse_time_in_force(std::string_view wire);
Result<OrderStatus> parse_order_status(std::string_view wire);

// newClientOrderId must match ^[\.A-Z\:/a-z0-9_-]{1,36}$. Errors: invalid_argument
// giving the length or the position of the first bad character.
Status validate_client_order_id(std::string_view id);

}  // namespace propbot::venues::binance
