// OKX v5 response and push parsers (protocols.md B2, B4, B7): instruments, server
// time, order acks (data[].sCode), order objects (REST trade/order, orders-pending and
// the `orders` channel), fills (REST trade/fills), funding bills (account/bills), positions, balance (REST account/balance and the `account`
// channel share the shape), mark-price / funding-rate pushes — into the common venue
// types.
//
// Guarantees:
//  - Sizes leave in BASE coin: contracts × ctVal of the order's instrument, exact
//    Decimals (an instId missing from the table is a not_found error, never a guess).
//  - Fees leave in PropBot's sign: OKX sends fillFee/fee NEGATIVE when charged and
//    positive for a rebate; Fill.fee is positive when paid, so it is negated here.
//  - A post_only order that would take arrives as state "canceled" with cancelSource
//    "31" (OKX never rejects it): OrderState.status is canceled, and OrderUpdate keeps
//    cancel_source so the adapter can log it (OrderState has no reason field; see
//    adapter.hpp for how the executor tells).
//  - Positions: `net` posSide takes the sign of pos; `long` / `short` force it.
//  - Errors are parse_error / not_found / invalid_argument naming the field. Never
//    throws (beyond bad_alloc). Not on the market-data hot path (books use core/md).
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
#include "core/venues/okx/messages.hpp"
#include "core/venues/order_types.hpp"
#include "core/venues/venue_error.hpp"

namespace propbot::venues::okx {

inline constexpr std::string_view kCancelSourcePostOnly = "31";

// Every swap in the instruments reply, keyed by instId; `venue_id` fills the specs.
Result<InstrumentTable> parse_instruments(const nlohmann::json& reply, const std::string& venue_id);

// data[0].ts of GET /api/v5/public/time, epoch ms.
Result<std::int64_t> parse_server_time(const nlohmann::json& reply);

// One data[] item of a place / cancel / batch answer.
struct OrderAck {
  std::string venue_order_id;  // ordId
  std::string client_order_id;
  std::string code;            // sCode, "0" = accepted
  std::string message;         // sMsg
  bool ok() const { return code == "0"; }
};
Result<std::vector<OrderAck>> parse_acks(const nlohmann::json& reply);
// The VenueError of a failed item (okx::map_error over the item).
VenueError ack_error(const OrderAck& ack);

struct OrderUpdate {
  OrderState order;
  std::optional<Fill> fill;   // set when fillSz > 0 (orders channel: the last fill)
  std::string cancel_source;  // "31" = post-only would have taken
  std::string state_text;     // OKX state as sent
};
Result<OrderUpdate> parse_order(const nlohmann::json& item, const InstrumentTable& instruments);
// data[] of GET trade/order or orders-pending, or of an `orders` push.
Result<std::vector<OrderUpdate>> parse_orders(const nlohmann::json& reply, const InstrumentTable& instruments);

// One item of GET /api/v5/trade/fills: the Fill (base quantity = fillSz × ctVal, fee
// negated to positive = paid, maker = execType "M", ts = fillTime, else ts,
// realized_pnl = fillPnl) and its billId (the pagination cursor).
struct FillRecord {
  Fill fill;
  std::string bill_id;
};
// data[] of GET /api/v5/trade/fills, in the order sent (newest first). Items of other
// instrument types are skipped; a SWAP whose instId is unknown is an error.
Result<std::vector<FillRecord>> parse_fills(const nlohmann::json& reply, const InstrumentTable& instruments);

// A billId as a number (the history endpoints' after / before cursor); nullopt when the
// text is not a whole base-10 integer.
std::optional<std::int64_t> bill_id_number(std::string_view text);

// The funding-fee bills (type "8") of GET /api/v5/account/bills, in the order sent
// (newest first), as FundingPayments: symbol canonical from instId (a SWAP whose instId
// is unknown is an error), asset = ccy, amount = balChg exactly as printed (+ received),
// payment_id = billId, ts = ts. Bills of other types or instrument types are skipped.
Result<std::vector<FundingPayment>> parse_funding_bills(const nlohmann::json& reply, const InstrumentTable& instruments);

// data[] of GET account/positions or a `positions` push. Items of other instrument
// types are skipped; a SWAP whose instId is unknown is an error (fail closed).
Result<std::vector<Position>> parse_positions(const nlohmann::json& reply, const InstrumentTable& instruments);

// data[0].details[] of GET account/balance or an `account` push. wallet = cashBal,
// available = availEq when sent non-empty (cross margin) else availBal.
Result<std::vector<Balance>> parse_balances(const nlohmann::json& reply);

// data[0] of a `mark-price` (markPx) or `funding-rate` (fundingRate, fundingTime)
// push merged into `info` (kept per symbol by the caller).
Status merge_funding(const nlohmann::json& push, FundingInfo& info);

}  // namespace propbot::venues::okx
