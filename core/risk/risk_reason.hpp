// RiskReason: why the risk governor refused a trade (SPEC S-3.1, issue 13 item 1).
// One code per guard; the string forms are stable — /api/ui/risk_snapshot "skips",
// an opportunity's risk_reason, the audit log and the docs use them, and the metric
// propbot_risk_skips_total{reason,strategy} will (there is no /metrics yet). A refusal is an outcome, not an error: it is
// counted per (reason, strategy) and shown to the operator.
//
// The nine caps (Cap) are also the names of the rows of the snapshot's "caps" and of
// what risk_cap_breached names; each has the config key it is set by.
//
// Threads: pure functions, safe from any thread; none allocates.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "core/common/stable_name.hpp"

namespace propbot::risk {

enum class RiskReason {
  max_total_notional,
  max_open_positions,
  max_notional_per_position,
  max_exposure_per_symbol,
  max_exposure_per_venue,
  max_leverage,
  daily_loss_cap,
  monthly_loss_cap,
  max_unrealized_loss,
  price_band,
  order_notional,
  strategy_budget,
  strategy_frozen,
  circuit_breaker,
  stress_limit,
  clock_skew,
  venue_maintenance,
  edge_below_min,
  liquidity,
  safe_mode,  // S-1.2, S-3.1: an entry that is not post-only, or a strategy that pauses in safe_mode
};

inline constexpr std::array<RiskReason, 20> kAllRiskReasons = {
    RiskReason::max_total_notional, RiskReason::max_open_positions, RiskReason::max_notional_per_position,
    RiskReason::max_exposure_per_symbol, RiskReason::max_exposure_per_venue, RiskReason::max_leverage,
    RiskReason::daily_loss_cap, RiskReason::monthly_loss_cap, RiskReason::max_unrealized_loss,
    RiskReason::price_band, RiskReason::order_notional, RiskReason::strategy_budget,
    RiskReason::strategy_frozen, RiskReason::circuit_breaker, RiskReason::stress_limit,
    RiskReason::clock_skew, RiskReason::venue_maintenance, RiskReason::edge_below_min,
    RiskReason::liquidity, RiskReason::safe_mode};

constexpr std::string_view to_string(RiskReason reason) {
  switch (reason) {
    case RiskReason::max_total_notional: return "max_total_notional";
    case RiskReason::max_open_positions: return "max_open_positions";
    case RiskReason::max_notional_per_position: return "max_notional_per_position";
    case RiskReason::max_exposure_per_symbol: return "max_exposure_per_symbol";
    case RiskReason::max_exposure_per_venue: return "max_exposure_per_venue";
    case RiskReason::max_leverage: return "max_leverage";
    case RiskReason::daily_loss_cap: return "daily_loss_cap";
    case RiskReason::monthly_loss_cap: return "monthly_loss_cap";
    case RiskReason::max_unrealized_loss: return "max_unrealized_loss";
    case RiskReason::price_band: return "price_band";
    case RiskReason::order_notional: return "order_notional";
    case RiskReason::strategy_budget: return "strategy_budget";
    case RiskReason::strategy_frozen: return "strategy_frozen";
    case RiskReason::circuit_breaker: return "circuit_breaker";
    case RiskReason::stress_limit: return "stress_limit";
    case RiskReason::clock_skew: return "clock_skew";
    case RiskReason::venue_maintenance: return "venue_maintenance";
    case RiskReason::edge_below_min: return "edge_below_min";
    case RiskReason::liquidity: return "liquidity";
    case RiskReason::safe_mode: return "safe_mode";
  }
  return "max_total_notional";
}

inline std::optional<RiskReason> parse_risk_reason(std::string_view text) {
  return find_by_name(text, kAllRiskReasons);
}

// The hard caps checked both pre-trade and continuously on open positions.
enum class Cap {
  max_total_notional,
  max_open_positions,
  max_notional_per_position,
  max_exposure_per_symbol,
  max_exposure_per_venue,
  max_leverage,
  daily_loss_cap,
  monthly_loss_cap,
  max_unrealized_loss,
};
inline constexpr std::size_t kCapCount = 9;
inline constexpr std::array<Cap, kCapCount> kAllCaps = {
    Cap::max_total_notional,     Cap::max_open_positions, Cap::max_notional_per_position,
    Cap::max_exposure_per_symbol, Cap::max_exposure_per_venue, Cap::max_leverage,
    Cap::daily_loss_cap,         Cap::monthly_loss_cap,   Cap::max_unrealized_loss};

constexpr RiskReason reason_of(Cap cap) { return static_cast<RiskReason>(static_cast<int>(cap)); }
constexpr std::string_view to_string(Cap cap) { return to_string(reason_of(cap)); }

// The configuration key a cap is set by (configs/README.md).
constexpr std::string_view config_key(Cap cap) {
  switch (cap) {
    case Cap::max_total_notional: return "risk.max_total_notional_usdt";
    case Cap::max_open_positions: return "risk.max_open_positions";
    case Cap::max_notional_per_position: return "risk.max_notional_per_position_usdt";
    case Cap::max_exposure_per_symbol: return "risk.max_exposure_per_symbol_usdt";
    case Cap::max_exposure_per_venue: return "risk.max_exposure_per_venue_usdt";
    case Cap::max_leverage: return "risk.max_leverage_per_venue";
    case Cap::daily_loss_cap: return "risk.daily_loss_cap_usdt";
    case Cap::monthly_loss_cap: return "risk.monthly_loss_cap_usdt";
    case Cap::max_unrealized_loss: return "risk.max_unrealized_loss_usdt";
  }
  return "risk.max_total_notional_usdt";
}

// A cap by its name ("max_leverage") or its config key ("risk.max_leverage_per_venue").
inline std::optional<Cap> parse_cap(std::string_view text) {
  for (Cap cap : kAllCaps) {
    if (text == to_string(cap) || text == config_key(cap)) return cap;
  }
  return std::nullopt;
}

}  // namespace propbot::risk
