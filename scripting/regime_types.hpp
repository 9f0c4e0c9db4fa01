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

// Every value the circuit-breaker rules may read (policies/circuit_breakers.lua).
struct BreakerMetrics {
  double drawdown_usdt = 0;  // from the day's peak, positive
  double reject_rate = 0;    // [0, 1]
  double cancel_fail_rate = 0;
  double hedge_latency_ms_p99 = 0;
  double ws_gap_ms = 0;  // worst venue
  double consecutive_losses = 0;
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
};

}  // namespace propbot::scripting
