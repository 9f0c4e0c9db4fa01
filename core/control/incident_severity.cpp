#include "core/control/incident_severity.hpp"

#include <string>

namespace propbot::control {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::P0: return "P0";
    case Severity::P1: return "P1";
    case Severity::P2: return "P2";
  }
  return "P0";
}

Result<Severity> parse_severity(std::string_view text) {
  for (Severity severity : {Severity::P0, Severity::P1, Severity::P2}) {
    if (to_string(severity) == text) return severity;
  }
  return make_error(Errc::invalid_argument, "severity '" + std::string(text) + "' is unknown; use P0, P1 or P2");
}

std::string_view to_string(IncidentKind kind) {
  switch (kind) {
    case IncidentKind::hedge_lost: return "hedge_lost";
    case IncidentKind::recon_mismatch: return "recon_mismatch";
    case IncidentKind::daily_loss_cap_breached: return "daily_loss_cap_breached";
    case IncidentKind::tamper_detected: return "tamper_detected";
    case IncidentKind::split_brain: return "split_brain";
    case IncidentKind::hedge_latency_sla_violated: return "hedge_latency_sla_violated";
    case IncidentKind::risk_cap_breached: return "risk_cap_breached";
    case IncidentKind::kill_switch: return "kill_switch";
    case IncidentKind::hedge_flatten_called: return "hedge_flatten_called";
    case IncidentKind::strategy_degraded: return "strategy_degraded";
    case IncidentKind::ws_feed_failed: return "ws_feed_failed";
    case IncidentKind::rate_limit_ban: return "rate_limit_ban";
    case IncidentKind::stress_limit_warning: return "stress_limit_warning";
    case IncidentKind::all_venues_bad_for_route: return "all_venues_bad_for_route";
    case IncidentKind::second_factor_lockout: return "second_factor_lockout";
    case IncidentKind::memory_pressure: return "memory_pressure";
    case IncidentKind::autopilot_refused: return "autopilot_refused";
    case IncidentKind::config_apply_failed: return "config_apply_failed";
  }
  return "unknown";
}

Result<IncidentKind> parse_incident_kind(std::string_view text) {
  for (IncidentKind kind : kAllIncidentKinds) {
    if (to_string(kind) == text) return kind;
  }
  return make_error(Errc::invalid_argument, "incident kind '" + std::string(text) + "' is unknown");
}

Severity severity_for(IncidentKind kind) {
  switch (kind) {
    case IncidentKind::hedge_lost:
    case IncidentKind::recon_mismatch:
    case IncidentKind::daily_loss_cap_breached:
    case IncidentKind::tamper_detected:
    case IncidentKind::split_brain:
    case IncidentKind::hedge_latency_sla_violated:
    case IncidentKind::risk_cap_breached:
    case IncidentKind::kill_switch:
    case IncidentKind::hedge_flatten_called: return Severity::P0;
    case IncidentKind::strategy_degraded:
    case IncidentKind::ws_feed_failed:
    case IncidentKind::rate_limit_ban:
    case IncidentKind::stress_limit_warning:
    case IncidentKind::all_venues_bad_for_route:
    case IncidentKind::second_factor_lockout: return Severity::P1;
    case IncidentKind::memory_pressure:
    case IncidentKind::autopilot_refused:
    case IncidentKind::config_apply_failed: return Severity::P2;
  }
  return Severity::P0;  // an unknown value fails closed
}

std::string_view to_string(GlobalAction action) {
  switch (action) {
    case GlobalAction::none: return "none";
    case GlobalAction::hold: return "HOLD";
    case GlobalAction::kill: return "KILL";
  }
  return "HOLD";
}

GlobalAction global_action_for(IncidentKind kind) {
  if (kind == IncidentKind::split_brain || kind == IncidentKind::kill_switch) return GlobalAction::kill;
  return severity_for(kind) == Severity::P0 ? GlobalAction::hold : GlobalAction::none;
}

}  // namespace propbot::control
