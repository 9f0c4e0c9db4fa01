// Stress-tested equity (SPEC S-3.6, issue 13 item 4): what the open legs would lose
// under a few instant adverse shocks, the equity left after the worst of them, and —
// when that worst loss is above the stress limit — the symbols and venues that drive
// it, on which the risk governor blocks new trades (P1 `stress_limit_warning`).
//
// Scenarios (every loss is a notional × bps / 1e4, notional = |qty| × mark, USDT):
//  - adverse_gap: every leg moves gap_bps against itself, independently (long legs
//    down, short legs up: the conservative reading; hedges are not netted).
//  - venue_lost(V), one result per venue holding a leg: the legs on V are stranded and
//    every leg of a position that had a leg on V is unhedged; the loss is every leg of
//    those positions (on V and off V) taking venue_loss_gap_bps.
//  - funding_spike: every leg pays funding_spike_bps on its notional.
//  - mark_index_divergence(V), one result per venue: the legs on V take
//    mark_index_divergence_bps.
// A shock of 0 switches its scenario off: no result is produced for it.
// Positions: legs with the same non-zero position_id form one position; a leg with
// position_id 0 stands alone (venue_lost only strands the leg itself).
//
// Guarantees:
//  - Deterministic: scenarios come in the order adverse_gap, venue_lost (venues in
//    lexicographic order), funding_spike, mark_index_divergence (venues in order);
//    drivers are the per (symbol, venue) losses, largest first, ties by (symbol,
//    venue); the worst scenario is the first with the largest loss.
//  - worst_loss_usdt = the largest scenario loss (0 when there is none);
//    stress_tested_equity_usdt = equity_usdt − worst_loss_usdt.
//  - breached = limit_usdt > 0 && worst_loss_usdt > limit_usdt (at the limit is fine).
//  - Blocking (only when breached): the worst scenario's drivers are taken largest
//    first until the loss remaining (worst − Σ taken) is ≤ limit; the symbols and the
//    venues of the taken drivers are blocked (each list sorted, unique).
//  - A leg whose mark is not finite or not positive, or whose qty is not finite, is
//    skipped and counted in skipped_legs. An empty portfolio loses 0 and never breaches.
//  - Bounded: scenarios ≤ 2 + 2 × venues. Drivers: adverse_gap, funding_spike and the
//    divergence results hold at most one entry per leg in total each; venue_lost(V)
//    holds the legs of the positions touching V, so all of them together hold at most
//    Σ over positions of (legs × venues of that position) — twice the legs for
//    two-legged positions.
//
// Pure functions; any thread; allocates in proportion to the legs (not for the hot
// path: the governor runs it once per evaluation). Uses nlohmann::json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace propbot::risk {

struct StressLeg {  // one open leg of a position
  std::uint64_t position_id = 0;
  std::string strategy;
  std::string symbol;  // BASE-QUOTE
  std::string venue;
  double qty = 0;   // signed base units: + long, − short
  double mark = 0;  // mark price (> 0)
};

struct StressShocks {  // all in bps, >= 0; 0 = that scenario off
  double gap_bps = 300;                    // adverse_gap
  double venue_loss_gap_bps = 500;         // venue_lost: the gap the stranded legs take
  double funding_spike_bps = 50;           // funding_spike
  double mark_index_divergence_bps = 100;  // mark_index_divergence
};

// Stable strings = the enumerator names.
enum class StressScenario { adverse_gap, venue_lost, funding_spike, mark_index_divergence };
std::string_view to_string(StressScenario scenario);

struct StressDriver {
  std::string symbol;
  std::string venue;
  double loss_usdt = 0;
};

struct ScenarioResult {
  StressScenario scenario = StressScenario::adverse_gap;
  std::string venue;   // venue_lost / mark_index_divergence: which venue; else empty
  double loss_usdt = 0;  // >= 0
  std::vector<StressDriver> drivers;  // per (symbol, venue), largest first
};

struct StressReport {
  double equity_usdt = 0;
  double stress_tested_equity_usdt = 0;  // equity − worst loss
  double worst_loss_usdt = 0;
  double limit_usdt = 0;  // the most the worst scenario may lose; 0 = off
  bool breached = false;  // limit > 0 && worst_loss > limit
  std::vector<ScenarioResult> scenarios;
  std::vector<std::string> blocked_symbols;  // when breached; sorted, unique
  std::vector<std::string> blocked_venues;   // when breached; sorted, unique
  // Added: index into scenarios of the worst one (none when there is no scenario).
  std::optional<std::size_t> worst_index;
  // Added: legs left out for a non-finite / non-positive mark or a non-finite qty.
  std::size_t skipped_legs = 0;
};

// Shocks below 0 or not finite count as 0 (off); a limit ≤ 0 or not finite is off.
StressReport run_stress(const std::vector<StressLeg>& legs, double equity_usdt,
                        const StressShocks& shocks, double limit_usdt);

// The report for /api/ui/risk_snapshot "stress":
// {"equity": n, "stress_tested_equity": n, "worst_loss": n, "limit": n,
//  "breached": bool, "skipped_legs": n,
//  "worst": {"scenario": s, "venue": s?} | null,
//  "shocks": [{"scenario": s, "venue": s?, "loss": n,
//              "drivers": [{"symbol": s, "venue": s, "loss": n}]}],
//  "blocked": [{"symbol": s}..., {"venue": s}...]}
// "venue" appears only on the venue-scoped scenarios; "blocked" lists the symbols
// first, then the venues, each sorted. Amounts are USDT numbers.
nlohmann::json to_json(const StressReport& report);

}  // namespace propbot::risk
