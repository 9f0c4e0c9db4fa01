#include "core/control/incident_severity.hpp"

namespace propbot::control {

std::optional<Severity> severity_for(IncidentCode code) {
  switch (code) {
    case IncidentCode::hedge_lost:
    case IncidentCode::recon_mismatch:
    case IncidentCode::daily_loss_cap_breached:
    case IncidentCode::tamper_detected:
    case IncidentCode::hedge_latency_violation:
    case IncidentCode::risk_cap_breached:
    case IncidentCode::hedge_flatten_called:
    case IncidentCode::ledger_invariant_violated:
    case IncidentCode::funds_transfer_refused:
    case IncidentCode::runaway_breaker_tripped:
    case IncidentCode::split_brain_detected:
    case IncidentCode::manual_kill_switch_activated: return Severity::P0;
    case IncidentCode::strategy_degraded:
    case IncidentCode::policy_pipeline_degraded:
    case IncidentCode::circuit_breaker_triggered:
    case IncidentCode::ws_feed_failed:
    case IncidentCode::rate_limit_ban:
    case IncidentCode::stress_limit_warning:
    case IncidentCode::route_blocked_all_venues_bad:
    case IncidentCode::second_factor_lockout:
    case IncidentCode::possible_logic_loop:
    case IncidentCode::status_component_error: return Severity::P1;
    case IncidentCode::memory_pressure:
    case IncidentCode::autopilot_refused:
    case IncidentCode::config_apply_failed: return Severity::P2;
    case IncidentCode::manual:
    case IncidentCode::unspecified: return std::nullopt;
  }
  return Severity::P0;  // an out-of-range value fails closed
}

std::string_view to_string(GlobalAction action) {
  switch (action) {
    case GlobalAction::none: return "none";
    case GlobalAction::hold: return "HOLD";
    case GlobalAction::kill: return "KILL";
  }
  return "HOLD";
}

GlobalAction global_action_for(IncidentCode code) {
  if (code == IncidentCode::split_brain_detected || code == IncidentCode::manual_kill_switch_activated) {
    return GlobalAction::kill;
  }
  return severity_for(code) == Severity::P0 ? GlobalAction::hold : GlobalAction::none;
}

}  // namespace propbot::control
