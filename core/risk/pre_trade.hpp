// The pre-trade check (SPEC S-3.1, S-3.7, issue 13 item 1): one candidate entry against
// the desk's caps, the guards and the strategy's state, answered with the first reason
// that refuses it — or nothing. It sits between the policy stage and the router, on
// md_to_order_us, so it is a pure function over plain numbers: no allocation unless it
// refuses (the refusal's detail text), no lookups beyond the exposure maps.
//
// Order of the checks (the first that fails is the answer): strategy_frozen,
// circuit_breaker, safe_mode, clock_skew, venue_maintenance, stress_limit, the three
// loss caps (refused while breached), strategy_budget, order_notional, price_band,
// max_notional_per_position, max_total_notional, max_open_positions,
// max_exposure_per_symbol, max_exposure_per_venue, max_leverage, edge_below_min,
// liquidity (the book's depth for the size, then the venue's free margin for the leg:
// notional / max_leverage_per_venue, or the whole notional with no leverage cap). A
// limit of 0 is off; an unknown figure (no depth given, no balance reported) is not checked. Every comparison is "strictly over refuses": a trade
// that lands exactly on a limit passes.
//
// A close (reduce_only) is never refused here: HOLD, frozen and degraded strategies
// keep their closing path (S-1.2, S-3.2).
//
// Threads: pure; any thread.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/risk/risk_reason.hpp"

namespace propbot::risk {

struct LegCheck {
  std::string_view venue;
  double price = 0;          // the expected fill price (0: unknown, no band check)
  double notional_usdt = 0;  // this leg's notional
  double mid = 0;            // the venue book's mid (0: unknown)
  double depth_usdt = 0;     // what the book holds on the side this leg takes (10 levels); < 0: unknown
};

struct TradeCheck {
  std::string_view strategy;
  std::string_view symbol;
  bool hedged = false;       // a hedged pair: two legs
  bool reduce_only = false;
  bool post_only = false;    // a single maker-only entry
  double net_edge_bps = 0;   // hedged pairs: the net spread after fees and slippage
  std::array<LegCheck, 2> legs{};
  int leg_count = 1;
};

struct RiskRefusal {
  RiskReason reason = RiskReason::max_total_notional;
  std::string detail;  // "max_total_notional: 51000 > 50000 USDT" — names the figure and the limit
};

// The desk's figures the check compares against (what is open now, plus what was
// admitted since the last evaluation). Maps are keyed by symbol / venue.
struct ExposureFigures {
  double total_notional_usdt = 0;
  int open_positions = 0;
  std::map<std::string, double, std::less<>> by_symbol;
  std::map<std::string, double, std::less<>> by_venue;
  std::map<std::string, double, std::less<>> venue_equity;  // wallet (USDT) per venue; absent: unknown
  std::map<std::string, double, std::less<>> venue_available;  // free margin (USDT) per venue; absent: unknown
};

// Limits; 0 = that guard off.
struct PreTradeLimits {
  std::array<double, kCapCount> caps{};  // by Cap
  double min_order_notional_usdt = 0;
  double max_order_notional_usdt = 0;
  double price_band_bps = 0;
  double min_net_edge_bps = 0;
  double liquidity_depth_multiple = 0;
  double cap(Cap which) const { return caps[static_cast<std::size_t>(which)]; }
};

// What the governor knows about the strategy and the venues at this moment; each
// optional refusal is already worded by the governor (it knows the why).
struct GuardState {
  std::optional<RiskRefusal> strategy;         // frozen / degraded / budget / safe-mode pause
  std::function<std::optional<RiskRefusal>(std::string_view venue)> venue;  // clock skew, maintenance
  std::function<std::optional<RiskRefusal>(std::string_view symbol, std::string_view venue)> stress;
  std::array<bool, kCapCount> breached{};      // loss caps currently over their limit
  std::array<double, kCapCount> used{};        // their figures, for the detail text
  std::optional<RiskRefusal> budget;           // the strategy budget's admits() verdict
};

std::optional<RiskRefusal> check_pre_trade(const TradeCheck& trade, const PreTradeLimits& limits,
                                           const ExposureFigures& exposure, const GuardState& guards);

}  // namespace propbot::risk
