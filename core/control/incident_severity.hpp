// Incident severity policy (SPEC S-4.2) as pure data: the severities, the kinds of
// incident the SPEC names, which severity each kind carries, and what each demands of
// the whole desk. The stable string forms are used in the incidents table, the API,
// metrics and the audit log.
//
//   P0 — a threat to capital or neutrality: always an immediate global HOLD
//        (split brain and the kill switch: KILL).
//   P1 — serious degradation, capital under control: the affected strategy or route
//        is degraded; no global HOLD is required. Also second_factor_lockout: someone
//        is guessing the two-man secrets, which needs a person now, but the lockout
//        already contains it (a P0 would let a guesser stop the desk at will).
//   P2 — technical: recorded, nothing is stopped.
//
// Threads: pure functions, safe from any thread. Uses core/common Result only.
#pragma once

#include <array>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::control {

enum class Severity { P0, P1, P2 };
std::string_view to_string(Severity severity);
// Errors: invalid_argument naming the allowed values.
Result<Severity> parse_severity(std::string_view text);

enum class IncidentKind {
  // P0
  hedge_lost,                  // the second leg failed: unhedged exposure
  recon_mismatch,              // positions differ from the venues: directional exposure
  daily_loss_cap_breached,
  tamper_detected,             // signed state or audit chain failed verification
  split_brain,                 // two leaders
  hedge_latency_sla_violated,
  risk_cap_breached,
  kill_switch,                 // manual kill switch activated
  hedge_flatten_called,
  // P1
  strategy_degraded,           // by budget, drawdown or circuit breaker
  ws_feed_failed,              // critical WebSocket feed failure on a venue
  rate_limit_ban,
  stress_limit_warning,
  all_venues_bad_for_route,
  second_factor_lockout,       // wrong approve tokens / second factors locked a confirmer out
  // P2
  memory_pressure,
  autopilot_refused,
  config_apply_failed,
};

inline constexpr std::array<IncidentKind, 18> kAllIncidentKinds = {
    IncidentKind::hedge_lost,           IncidentKind::recon_mismatch,
    IncidentKind::daily_loss_cap_breached, IncidentKind::tamper_detected,
    IncidentKind::split_brain,          IncidentKind::hedge_latency_sla_violated,
    IncidentKind::risk_cap_breached,    IncidentKind::kill_switch,
    IncidentKind::hedge_flatten_called, IncidentKind::strategy_degraded,
    IncidentKind::ws_feed_failed,       IncidentKind::rate_limit_ban,
    IncidentKind::stress_limit_warning, IncidentKind::all_venues_bad_for_route,
    IncidentKind::second_factor_lockout, IncidentKind::memory_pressure,
    IncidentKind::autopilot_refused,    IncidentKind::config_apply_failed,
};

std::string_view to_string(IncidentKind kind);
// Errors: invalid_argument naming the text.
Result<IncidentKind> parse_incident_kind(std::string_view text);

// The S-4.2 severity of a kind.
Severity severity_for(IncidentKind kind);

// What an incident of this kind demands of the whole desk.
enum class GlobalAction { none, hold, kill };
std::string_view to_string(GlobalAction action);
// P0 → hold, except split_brain and kill_switch → kill; P1 and P2 → none.
GlobalAction global_action_for(IncidentKind kind);

}  // namespace propbot::control
