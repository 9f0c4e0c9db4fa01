// IncidentCode: what happened, as a closed set with stable string forms (SPEC S-4.2 and
// the codes S-2.7, S-3.5, S-8, S-9 and S-10 name). Every incident carries one: it is a
// column of the incidents table (migration 0005_incident_code.sql), the "code" field of
// every incident the API, the event stream and alerts serialize, and the label an
// operator filters on. The severity and global action each code demands are the
// control plane's policy (core/control/incident_severity.hpp), not this file's.
//
// Stable strings: once released, a code's string never changes (rows and clients keep
// it). Add new codes at the end of their group and to kAllIncidentCodes.
//
// Threads: pure functions, safe from any thread; to_string never allocates.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot {

enum class IncidentCode {
  // P0 — HOLD the desk
  hedge_lost,                  // S-8.2: the second leg failed, unhedged exposure
  recon_mismatch,              // S-9.2: ledger ≠ venues, or an unhedged directional position
  daily_loss_cap_breached,     // S-4.2
  tamper_detected,             // S-5: signed state or audit chain failed verification
  hedge_latency_violation,     // S-8.3: hedge_latency_ms_p95 above its limit
  risk_cap_breached,           // S-3: a risk cap was breached
  hedge_flatten_called,        // S-8.5
  ledger_invariant_violated,   // S-9.1: position ≠ Σ fills, cash or PnL identity broken
  funds_transfer_refused,      // S-2.7: a withdraw/transfer/address path was refused
  runaway_breaker_tripped,     // S-3.3: orders/min or cancels/min over the limit
  // P0 — KILL the desk
  split_brain_detected,          // S-10.4: two instances believe they lead
  manual_kill_switch_activated,  // S-8.5: a confirmed kill switch
  // P1 — a strategy or route degrades, no global HOLD
  strategy_degraded,           // S-7.1: frozen by its faults, budget, drawdown
  policy_pipeline_degraded,    // S-7.4: every policy output is the conservative fallback
  circuit_breaker_triggered,   // S-3.5
  ws_feed_failed,              // S-4.2: critical WebSocket feed failure on a venue
  rate_limit_ban,              // S-4.2
  stress_limit_warning,        // S-3.6
  route_blocked_all_venues_bad,  // S-8.4: every venue bad, the trade cancelled before leg A
  second_factor_lockout,       // S-6.3: wrong approve tokens / second factors locked a confirmer out
  possible_logic_loop,         // S-3.3: a strategy placing and cancelling in a loop, frozen
  status_component_error,      // S-11.3: a status registry component turned ERROR (HOLD where configured)
  // P2 — recorded only
  memory_pressure,             // S-11
  autopilot_refused,           // S-1.4
  config_apply_failed,         // S-7.5
  // No severity of their own
  manual,       // an operator's manual log (POST /api/ui/incidents/manual_log) without a code
  unspecified,  // an incident recorded before codes existed whose code could not be derived;
                // never raised
};

inline constexpr std::array<IncidentCode, 27> kAllIncidentCodes = {
    IncidentCode::hedge_lost,
    IncidentCode::recon_mismatch,
    IncidentCode::daily_loss_cap_breached,
    IncidentCode::tamper_detected,
    IncidentCode::hedge_latency_violation,
    IncidentCode::risk_cap_breached,
    IncidentCode::hedge_flatten_called,
    IncidentCode::ledger_invariant_violated,
    IncidentCode::funds_transfer_refused,
    IncidentCode::runaway_breaker_tripped,
    IncidentCode::split_brain_detected,
    IncidentCode::manual_kill_switch_activated,
    IncidentCode::strategy_degraded,
    IncidentCode::policy_pipeline_degraded,
    IncidentCode::circuit_breaker_triggered,
    IncidentCode::ws_feed_failed,
    IncidentCode::rate_limit_ban,
    IncidentCode::stress_limit_warning,
    IncidentCode::route_blocked_all_venues_bad,
    IncidentCode::second_factor_lockout,
    IncidentCode::possible_logic_loop,
    IncidentCode::status_component_error,
    IncidentCode::memory_pressure,
    IncidentCode::autopilot_refused,
    IncidentCode::config_apply_failed,
    IncidentCode::manual,
    IncidentCode::unspecified,
};

constexpr std::string_view to_string(IncidentCode code) {
  switch (code) {
    case IncidentCode::hedge_lost: return "hedge_lost";
    case IncidentCode::recon_mismatch: return "recon_mismatch";
    case IncidentCode::daily_loss_cap_breached: return "daily_loss_cap_breached";
    case IncidentCode::tamper_detected: return "tamper_detected";
    case IncidentCode::hedge_latency_violation: return "hedge_latency_violation";
    case IncidentCode::risk_cap_breached: return "risk_cap_breached";
    case IncidentCode::hedge_flatten_called: return "hedge_flatten_called";
    case IncidentCode::ledger_invariant_violated: return "ledger_invariant_violated";
    case IncidentCode::funds_transfer_refused: return "funds_transfer_refused";
    case IncidentCode::runaway_breaker_tripped: return "runaway_breaker_tripped";
    case IncidentCode::split_brain_detected: return "split_brain_detected";
    case IncidentCode::manual_kill_switch_activated: return "manual_kill_switch_activated";
    case IncidentCode::strategy_degraded: return "strategy_degraded";
    case IncidentCode::policy_pipeline_degraded: return "policy_pipeline_degraded";
    case IncidentCode::circuit_breaker_triggered: return "circuit_breaker_triggered";
    case IncidentCode::ws_feed_failed: return "ws_feed_failed";
    case IncidentCode::rate_limit_ban: return "rate_limit_ban";
    case IncidentCode::stress_limit_warning: return "stress_limit_warning";
    case IncidentCode::route_blocked_all_venues_bad: return "route_blocked_all_venues_bad";
    case IncidentCode::second_factor_lockout: return "second_factor_lockout";
    case IncidentCode::possible_logic_loop: return "possible_logic_loop";
    case IncidentCode::status_component_error: return "status_component_error";
    case IncidentCode::memory_pressure: return "memory_pressure";
    case IncidentCode::autopilot_refused: return "autopilot_refused";
    case IncidentCode::config_apply_failed: return "config_apply_failed";
    case IncidentCode::manual: return "manual";
    case IncidentCode::unspecified: return "unspecified";
  }
  return "unspecified";
}

// The exact string forms above (case-sensitive), "unspecified" included. Errors:
// invalid_argument naming the text and the codes a caller may raise.
Result<IncidentCode> parse_incident_code(std::string_view text);

// "hedge_lost, recon_mismatch, …, manual": every code a caller may raise (all but
// unspecified), for messages that name the allowed values.
const std::string& raisable_incident_codes_text();

}  // namespace propbot
