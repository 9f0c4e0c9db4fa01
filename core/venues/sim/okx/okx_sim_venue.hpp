// The OKX v5 venue of the simulator: a SimulatedVenue that speaks the real OKX wire
// protocol for USDT-margined perpetual swaps (instId BTC-USDT-SWAP) over our own HTTP /
// WebSocket server, on top of the venue-neutral ExchangeCore (protocols.md B1–B7, E).
//
// What it serves:
// - REST (real paths): public time, instruments?instType=SWAP, market/books,
//   funding-rate, mark-price; signed trade/order (POST place, GET query),
//   batch-orders (≤ 20), cancel-order, cancel-batch-orders, orders-pending, fills
//   (the account's fills, newest first, billId pagination, from the exchange core's
//   TradeHistory), cancel-all-after (dead-man switch, checked on every request and
//   market tick), close-position, account/positions, account/balance, account/bills
//   (one bill per wallet change — type 1 transfer, 2 trade, 5 liquidation, 8 funding
//   fee with subType 173 expense / 174 income — newest first, billId pagination, from
//   the exchange core's IncomeHistory), account/set-leverage, account/leverage-info,
//   account/config. funding-rate fundingTime / nextFundingTime follow the host's
//   schedule (set_funding_schedule); FaultPlan::skip_funding makes settlements pay no
//   account. Every answer and push
//   carries every field of OKX's documented response (tests/fixtures/venues/golden/okx). Signatures are verified
//   exactly (Base64 HMAC-SHA256 over ts + METHOD + path?query + body); the timestamp
//   window is ±30 s around the simulated clock (+ clock_skew_ms). Order-level errors
//   come in data[].sCode with top-level code "1"/"2" as OKX sends them.
// - WebSocket /ws/v5/public (books with seqId/prevSeqId and the CRC32 checksum over
//   the top 25 levels of the exact strings sent, bbo-tbt, mark-price, funding-rate),
//   /ws/v5/private (login, orders, positions, balance_and_position, account) and
//   /ws/v5/business (same channels as public). Text "ping" → "pong"; a client silent
//   for 30 s is closed.
// - Units: sz and book sizes are CONTRACTS; base coin = contracts × ctVal. ctVal is the
//   instrument's contract_multiplier when it is not 1, else 0.01 for BTC, 0.1 for ETH
//   and 1 for anything else (OKX's values for those swaps). lotSz = step / ctVal,
//   minSz = min_qty / ctVal.
// - A post_only order that would take is ACCEPTED (an ordId from a separate id range,
//   ≥ 9e12) and pushed as canceled with cancelSource "31"; it stays queryable as a
//   closed order does (the newest SimVenueConfig::max_closed_orders of them).
// - Memory is bounded under any order flow: the fields OKX shows beyond the engine's
//   order state (fee, pnl, cancelSource, cTime) go with the engine's on_forget, so an
//   order the engine no longer knows answers exactly like an unknown one (51603);
//   describe()["retained_order_records"] shows the counts and the bound. Every accepted
//   order is also kept in the back office's OrderLog (accepted_orders(), GET
//   /admin/orders), bounded by SimVenueConfig::max_order_log_records.
// - Faults (faults.hpp): rate-limit storm → HTTP 429 code 50011 with Retry-After, and
//   a ban that keeps answering 429 (OKX has no 418) for ban_s; maintenance → 50001
//   (HTTP 503) on every signed endpoint; read_only → 50001 on order entry and cancels;
//   reject_nth_order → sCode reject_code (default 51000); added_latency_ms → the
//   handler sleeps (capped at 2 s; it blocks this venue's server thread);
//   drop_every_nth_diff, corrupt_next_snapshot (WS snapshot with checksum+1),
//   stale_books, disconnect_websockets, websockets_down (every WebSocket closed, and
//   every new one right after its upgrade, until cleared); partial_fill_ratio for GTC
//   limit orders that the market model would fill completely: only ratio × sz meets
//   liquidity at once, the rest rests and fills when the next tick re-quotes through it.
//
// Not emulated: tag-level cancel-all-after (a tag is refused, 51000), amend, algo orders,
// long/short position mode (posSide must be net or absent), isolated margin (tdMode
// isolated is accepted and booked as cross), the 60 s empty-update heartbeat of the
// books channel, partial_fill_ratio for market / IOC / FOK orders.
//
// Threads: every entry point takes the venue's mutex (REST and WS callbacks run on the
// server thread, ticks on the host's timer). WebSocket sends never block. The venue
// must outlive the HttpServer it was installed on (stop the server first): the
// server's callbacks point at it.
//
// Layout: one file per concern in this folder (frontend.hpp names them); every fault
// of the FaultPlan is asked of the FaultGate shared with the Binance frontend
// (core/venues/sim/fault_gate.hpp).
#pragma once

#include <memory>

#include "core/common/clock.hpp"
#include "core/venues/sim/simulated_venue.hpp"

namespace propbot::venues::sim {

std::unique_ptr<SimulatedVenue> make_okx_venue(const SimVenueConfig& config, const Clock& clock);

}  // namespace propbot::venues::sim
