// Binance USDⓈ-M response and event parsers (protocols.md A2, A3, A7, A8): REST order
// objects, openOrders, userTrades, income (funding rows), positionRisk v2, balance v2, exchangeInfo, server time,
// listenKey, markPriceUpdate and the user-data events ORDER_TRADE_UPDATE,
// ACCOUNT_UPDATE and listenKeyExpired, into the common venue types.
//
// Guarantees: prices and quantities are exact Decimals as sent (strings; JSON numbers
// accepted too); symbols leave canonical (BTC-USDT); ids that Binance sends as
// numbers (orderId, tradeId) leave as decimal text; times as UtcTime from epoch ms
// (numbers or strings, listenKeyExpired sends E as a string). A combined-stream
// wrapper {"stream":..,"data":{..}} is unwrapped. Errors are parse_error /
// not_found / invalid_argument naming the field. Never throws (beyond bad_alloc).
// Not on the hot path of market data (depth uses core/md/binance_depth).
//
// Threads: pure functions, safe from any thread. Uses json_util, symbols, messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/venues/binance/messages.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::venues::binance {

// A REST order object (new order RESULT, query, cancel, openOrders item).
Result<OrderState> parse_order(const nlohmann::json& object);
Result<OrderState> parse_order_text(std::string_view text);
Result<std::vector<OrderState>> parse_orders_text(std::string_view text);

// Trades of GET /fapi/v1/userTrades, in the order sent, as Fills: trade_id = id,
// venue_order_id = orderId, fee = commission (positive = paid, as the stream's `n`),
// realized_pnl = realizedPnl, ts = time, maker; client_order_id stays EMPTY (the trade
// list does not carry it). Items whose symbol is not a canonical perpetual are an error.
Result<std::vector<Fill>> parse_user_trades_text(std::string_view text);

// The FUNDING_FEE rows of GET /fapi/v1/income, in the order sent, as FundingPayments:
// symbol canonical, asset, amount = income exactly as printed (+ received),
// payment_id = tranId (a number or a string) as decimal text, ts = time. Rows of other
// income types are skipped; a FUNDING_FEE row whose symbol is not a canonical
// perpetual is an error.
Result<std::vector<FundingPayment>> parse_funding_income_text(std::string_view text);

// Positions of GET /fapi/v2/positionRisk (also accepts v3 items). Items whose symbol
// is not a canonical perpetual (delivery contracts) are skipped.
Result<std::vector<Position>> parse_position_risk_text(std::string_view text);
// Assets of GET /fapi/v2/balance (or v3).
Result<std::vector<Balance>> parse_balances_text(std::string_view text);

// The symbols of exchangeInfo named in `wanted` (canonical); every wanted symbol must
// be present and TRADING, else not_found / unavailable naming it.
Result<std::vector<BinanceInstrument>> parse_exchange_info_text(std::string_view text, const std::string& venue_id,
                                                                 const std::vector<std::string>& wanted);

Result<std::int64_t> parse_server_time_text(std::string_view text);  // serverTime, ms
Result<std::string> parse_listen_key_text(std::string_view text);

// markPriceUpdate (bare or wrapped).
Result<FundingInfo> parse_mark_price(const nlohmann::json& event);

struct OrderTradeUpdate {
  std::string execution_type;  // x: NEW, TRADE, CANCELED, EXPIRED, CALCULATED, AMENDMENT
  OrderState order;
  std::optional<Fill> fill;    // set when x == TRADE (or CALCULATED) with l > 0
};
Result<OrderTradeUpdate> parse_order_trade_update(const nlohmann::json& event);

struct AccountUpdate {
  std::string reason;  // a.m: ORDER, FUNDING_FEE, DEPOSIT, ...
  std::vector<Balance> balances;
  std::vector<Position> positions;
};
// Balance.available is cw (cross wallet balance): the event has no available field.
// Position.mark_price and leverage are zero: the event does not carry them.
Result<AccountUpdate> parse_account_update(const nlohmann::json& event);

// The event object of a user-data or market frame: `data` of a combined-stream
// wrapper, else the frame itself.
const nlohmann::json& unwrap_stream(const nlohmann::json& frame);

}  // namespace propbot::venues::binance
