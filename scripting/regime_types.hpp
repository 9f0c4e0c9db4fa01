// The plain structs that cross the C++ ↔ policy-script boundary (SPEC S-7.3, S-7.4):
// what the core feeds policies/*.lua and what the host hands back after validation.
// No Lua types here, so the engine, risk and tests can use them without the sandbox.
// Uses core/common/severity.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/severity.hpp"

namespace propbot::scripting {

// Market regimes policies/regime.lua may answer. Stable string forms below.
enum class Regime { range, trend, volatile_market, liquidity_shock };

constexpr std::string_view to_string(Regime regime) {
  switch (regime) {
    case Regime::range: return "range";
    case Regime::trend: return "trend";
    case Regime::volatile_market: return "volatile";
    case Regime::liquidity_shock: return "liquidity_shock";
  }
  return "volatile";
}

constexpr std::optional<Regime> parse_regime(std::string_view name) {
  if (name == "range") return Regime::range;
  if (name == "trend") return Regime::trend;
  if (name == "volatile") return Regime::volatile_market;
  if (name == "liquidity_shock") return Regime::liquidity_shock;
  return std::nullopt;
}

// Computed by FeatureTracker (funding and basis passed through).
struct RegimeFeatures {
  double realised_vol_bps = 0;
  double spread_std_bps = 0;
  double depth_usdt = 0;  // top-N, both sides
  double funding_rate = 0;
  double basis_bps = 0;
  double trend_bps = 0;  // drift over the window, signed
};

struct RegimeVerdict {
  Regime regime = Regime::volatile_market;  // the fallback: "volatile" with confidence 0
  double confidence = 0;                    // [0, 1]
  bool fallback = false;                    // true when the script faulted or the pipeline is degraded
};

struct PolicyRow {
  double min_edge_bps = 0;    // entry threshold, net of fees
  double max_impact_bps = 0;  // allowed market impact
  bool allow_taker = false;
  bool maker_only = true;
  std::int64_t time_guard_ms = 0;  // how long a quote/decision stays valid
  bool fallback = false;
};

// What the caller asks to trade and where its exposure stands; the caps are the
// pipeline's (PolicyCaps), not the caller's.
struct SizingRequest {
  double intent_notional_usdt = 0;    // what the strategy proposed
  int risk_level = 0;                 // 0 (flat) … 100 (full size)
  double vol_baseline_bps = 0;        // normal realised vol for this instrument; 0 = unknown
  double position_notional_usdt = 0;  // already open on this position
  double open_notional_usdt = 0;      // already open in total
};

struct SizingResult {
  double notional_usdt = 0;
  bool clamped = false;   // the script asked for more than the caps allow
  bool fallback = false;  // script fault or degraded: size 0
};

// Where a breaker metrics snapshot applies (SPEC S-3.5): the whole desk, or one route —
// one symbol on one unordered venue pair. Stable string forms below (the rules read
// them as m.scope).
enum class BreakerScope { global, route };

constexpr std::string_view to_string(BreakerScope scope) {
  switch (scope) {
    case BreakerScope::global: return "global";
    case BreakerScope::route: return "route";
  }
  return "global";
}

constexpr std::optional<BreakerScope> parse_breaker_scope(std::string_view name) {
  if (name == "global") return BreakerScope::global;
  if (name == "route") return BreakerScope::route;
  return std::nullopt;
}

// Every value the circuit-breaker rules may read (policies/circuit_breakers.lua), for
// one scope. The engine builds one global snapshot and one per route each evaluation
// (core/engine/breaker_inputs.hpp); a field that does not apply to a scope reads 0.
// Field order is kept stable for designated initialisers.
struct BreakerMetrics {
  BreakerScope scope = BreakerScope::global;
  std::string symbol = {};  // route: the symbol; global: empty
  std::string venues = {};  // route: "A/B", the two venue ids sorted; global: empty

  // Desk figures (global scope).
  double drawdown_usdt = 0;  // from the day's peak, positive
  double reject_rate = 0;    // [0, 1]
  double cancel_fail_rate = 0;
  double hedge_latency_ms_p95 = 0;
  double hedge_latency_ms_p99 = 0;
  double ws_gap_ms = 0;  // global: the worst valid book's age over every venue and symbol
  double consecutive_losses = 0;
  double loss_today_usdt = 0;  // −(realised since 00:00 UTC + unrealised), at least 0

  // Market figures (route scope; global carries the worst book_staleness_ms and depeg_bps).
  double book_staleness_ms = 0;          // the older of the two books' ages
  double spread_std_bps = 0;             // population std of the cross-venue mid spread over the window
  double volatility_bps = 0;             // the worse venue's realised vol over the window
  double ws_gap_ms_p95 = 0;              // the worse venue's p95 of inter-message gaps
  double crossed_books = 0;              // 0..2: books crossed (bid >= ask) or invalid as crossed
  double mark_index_divergence_bps = 0;  // worst |mark - index| / index; 0 when unknown
  double mark_last_divergence_bps = 0;   // worst |mark - mid| / mid; 0 when unknown
  double funding_rate_abs_bps = 0;       // worst |funding rate| x 1e4
  double basis_bps = 0;                  // worst |mid - index| / index; 0 when unknown
  double depeg_bps = 0;                  // |USDC-USDT price - 1| x 1e4; 0 without such a symbol
};

enum class BreakerAction { degrade, pause_strategy, pause_symbol, safe_mode, hold };
// A verdict's severity is the core's S-4.2 Severity (core/common/severity.hpp): P0
// always HOLDs the desk, P1 degrades a strategy or route, P2 is recorded only. Named
// here so scripting::to_string / scripting::parse_severity keep reading as they did.
using propbot::parse_severity;
using propbot::Severity;
using propbot::to_string;

constexpr std::string_view to_string(BreakerAction action) {
  switch (action) {
    case BreakerAction::degrade: return "degrade";
    case BreakerAction::pause_strategy: return "pause_strategy";
    case BreakerAction::pause_symbol: return "pause_symbol";
    case BreakerAction::safe_mode: return "safe_mode";
    case BreakerAction::hold: return "hold";
  }
  return "hold";
}

constexpr std::optional<BreakerAction> parse_breaker_action(std::string_view name) {
  if (name == "degrade") return BreakerAction::degrade;
  if (name == "pause_strategy") return BreakerAction::pause_strategy;
  if (name == "pause_symbol") return BreakerAction::pause_symbol;
  if (name == "safe_mode") return BreakerAction::safe_mode;
  if (name == "hold") return BreakerAction::hold;
  return std::nullopt;
}

struct BreakerVerdict {
  std::string rule;
  BreakerAction action = BreakerAction::hold;
  Severity severity = Severity::P1;
  std::string reason;
  // Copied from the metrics the rule fired on: what the verdict applies to.
  BreakerScope scope = BreakerScope::global;
  std::string symbol;
  std::string venues;
};

}  // namespace propbot::scripting
