// The Binance USDⓈ-M frontend of the venue simulator: a SimulatedVenue that speaks the
// real futures wire protocol (protocols.md A1–A8) on our own HttpServer, on top of one
// ExchangeCore (its own books, accounts and prices).
//
// What it serves (real paths, params, headers and error bodies):
// - REST, public: /fapi/v1/ping, time, exchangeInfo, depth, premiumIndex.
// - REST, signed (HMAC over the raw query + body, timestamp/recvWindow against the
//   simulator clock + FaultPlan::clock_skew_ms): order (POST/GET/DELETE), batchOrders,
//   allOpenOrders, openOrders, userTrades (the account's fills, from the exchange
//   core's TradeHistory), income (the account's wallet changes — TRANSFER, COMMISSION,
//   REALIZED_PNL, FUNDING_FEE, INSURANCE_CLEAR — from its IncomeHistory), leverage, leverageBracket, commissionRate, marginType,
//   positionSide/dual (GET/POST), countdownCancelAll (the dead-man switch: per account
//   and symbol, fired by the next request or tick after its deadline),
//   /fapi/v2|v3/positionRisk, /fapi/v2|v3/balance, /fapi/v2|v3/account; API-key only:
//   listenKey POST/PUT/DELETE. Every answer and stream event carries every field of the
//   venue's documented example (tests/fixtures/venues/golden/binance); margin figures
//   are the account's own (AccountBook::account_margin). Cross margin, one-way only.
//   Every response carries X-MBX-USED-WEIGHT-1M (per IP, sliding minute, A2 weights);
//   order responses carry X-MBX-ORDER-COUNT-10S/-1M (per account).
// - WebSocket market streams `<sym>@depth[@100ms|@500ms]`, `<sym>@bookTicker`,
//   `<sym>@markPrice[@1s]` as raw `/ws/<stream>` (legacy), routed `/public/ws/<stream>`
//   (depth, bookTicker) and `/market/ws/<stream>` (markPrice), combined
//   `[/public|/market]/stream?streams=a/b`, and bare `/ws` + live SUBSCRIBE. The routed
//   combined paths accept every stream (the "accept both styles" reading of A1).
// - User data stream on `/private/ws?listenKey=<key>[&events=A/B]`: ORDER_TRADE_UPDATE,
//   ACCOUNT_UPDATE, listenKeyExpired. The legacy `/ws/<listenKey>` form is NOT served:
//   HttpServer::add_websocket matches exact paths and listen keys are made at run time.
// - premiumIndex / markPrice nextFundingTime is the host's next settlement
//   (set_funding_schedule); FaultPlan::skip_funding makes settlements pay no account.
// - FaultPlan::websockets_down closes every WebSocket and every new one right after
//   its upgrade until cleared (REST keeps answering): a private-stream outage.
//
// Guarantees: depth diffs carry U/u/pu chained by pu == previous u (U = pu + 1); the
// REST snapshot answers the last published book with lastUpdateId = last u + 1, which
// the next diff's [U, u] covers, so the documented local-book procedure (A7) rebuilds
// exactly the venue's book (all levels, up to 1000 per side). Deterministic for a seed
// and a call sequence. Bounded memory under any order flow: the books keep
// SimVenueConfig::max_closed_orders closed orders each, and the weight and order-count
// windows keep only the addresses and accounts active within them (describe() shows
// both: "retained_order_records", "rate_limit_windows"). Every accepted order is also
// kept in the back office's OrderLog (accepted_orders(), GET /admin/orders), bounded by
// SimVenueConfig::max_order_log_records.
//
// Threads: one mutex guards everything; REST/WS callbacks run on the server thread,
// on_market_tick/settle_funding/force_mark on the host's thread. The venue must outlive
// the HttpServer it is installed on (its WebSocket callbacks point into it). FaultPlan
// added_latency_ms is served by sleeping in the handler (capped at 2 s): acceptable in
// a simulator, it delays the other connections of that server too.
//
// Layout: one file per concern in this folder (frontend.hpp names them); every fault
// of the FaultPlan is asked of the FaultGate shared with the OKX frontend
// (core/venues/sim/fault_gate.hpp).
#pragma once

#include <memory>

#include "core/common/clock.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim {

std::unique_ptr<SimulatedVenue> make_binance_venue(const SimVenueConfig& config, const Clock& clock);

}  // namespace propbot::venues::sim
