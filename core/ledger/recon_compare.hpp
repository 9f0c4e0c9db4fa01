// The recon daemon's comparisons (SPEC S-9.2): what one pass found at the venues, held
// against the desk's records. Pure functions of their inputs — the daemon gathers the
// inputs and decides what a difference means (confirmation, P0, HOLD).
//
// Each compare_* appends one ReconDiff per difference to `out`, with a stable key
// (ReconDiff::key) so the same difference seen on the next pass is recognised:
// - positions: per symbol either side holds, the venue's net quantity against the
//   desk's (the fills the desk caused, CashLedger::desk_position);
// - orders: an order open at the venue that the journal does not hold open, and a
//   resting order (gtc / post-only) the journal holds open that the venue no longer
//   lists, older than the grace;
// - balance: the venue's USDT wallet against the ledger's (opening + flows), beyond the
//   tolerance; nothing until the venue has an opening balance;
// - fees: each fill the desk journaled, against the venue's own trade record (fee and
//   its asset, exactly); a journaled fill the venue's history lacks after the grace;
// - funding: every settlement the desk held a position over must have a payment in the
//   venue's history within the match window, after the grace;
// - neutrality: per symbol, Σ over venues of the venues' positions against what the
//   desk means to hold directionally (its single-leg positions), beyond the tolerance.
//
// Thread: any (pure).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/exec/journal.hpp"
#include "core/ledger/cash_ledger.hpp"
#include "core/ledger/recon_types.hpp"
#include "core/venues/order_types.hpp"

namespace propbot::ledger {

// What one venue answered in one pass; a query that failed is nullopt and named in errors.
struct VenueReport {
  std::string venue;
  std::optional<std::vector<venues::Position>> positions;
  std::optional<std::vector<venues::OrderState>> open_orders;
  std::optional<std::vector<venues::Balance>> balances;
  std::map<std::string, std::vector<venues::Fill>> trades;  // per symbol asked (fee check)
  std::optional<std::vector<venues::FundingPayment>> funding;
  std::vector<std::string> errors;  // "positions: <why>"
};

struct ReconTolerances {
  Decimal balance_usdt = Decimal::from_mantissa(1, 2);  // 0.01
  std::int64_t order_grace_ms = 5000;
  std::int64_t fee_grace_ms = 30'000;
  std::int64_t funding_grace_ms = 60'000;
  std::int64_t funding_match_window_ms = 120'000;
};

// A fill the desk journaled whose fee the venue has not confirmed yet.
struct UnverifiedFill {
  std::string venue;
  std::string symbol;
  std::string trade_id;
  Decimal fee;
  std::string fee_asset;
  std::int64_t ts_ms = 0;
};

// A funding settlement the desk held a position over: the venue owes a payment record.
struct FundingExpectation {
  std::string venue;
  std::string symbol;
  std::int64_t settle_ms = 0;
  Decimal position;  // the desk's net quantity there at the settlement
};

// A venue's net quantity per symbol (Σ of its position rows: one-way and hedge mode alike).
std::map<std::string, Decimal> net_by_symbol(const std::vector<venues::Position>& positions);

void compare_positions(const CashLedger& ledger, const VenueReport& report, std::vector<ReconDiff>& out);

// `journal_open`: the desk's unfinished real orders on this venue (journal last entries).
// `journal_knows_open(coid)`: whether the journal holds that order open (not terminal).
void compare_orders(const std::vector<exec::OrderEntry>& journal_open,
                    const std::function<bool(const std::string&)>& journal_knows_open, const VenueReport& report,
                    std::int64_t now_ms, const ReconTolerances& tolerances, std::vector<ReconDiff>& out);

void compare_balance(const CashLedger& ledger, const VenueReport& report, const ReconTolerances& tolerances,
                     std::vector<ReconDiff>& out);

// Returns the trade ids the venue confirmed (equal fee): the caller forgets them.
std::vector<std::string> compare_fees(const std::vector<UnverifiedFill>& fills, const VenueReport& report,
                                      std::int64_t now_ms, const ReconTolerances& tolerances,
                                      std::vector<ReconDiff>& out);

// `paid`: every funding payment known for this venue (booked and just reported).
// Returns the expectations met (by index into `expected`).
std::vector<std::size_t> compare_funding(const std::vector<FundingExpectation>& expected,
                                         const std::vector<venues::FundingPayment>& paid, std::int64_t now_ms,
                                         const ReconTolerances& tolerances, std::vector<ReconDiff>& out);

// `venue_net`: per symbol, Σ over every venue that answered of its position;
// `intended`: per symbol, the desk's directional (single-leg) holding; `tolerance`:
// per symbol, the largest lot among its venues; `skip`: symbols with a trade in flight.
void check_neutrality(const std::map<std::string, Decimal>& venue_net, const std::map<std::string, Decimal>& intended,
                      const std::map<std::string, Decimal>& tolerance, const std::set<std::string>& skip,
                      std::vector<ReconDiff>& out);

}  // namespace propbot::ledger
