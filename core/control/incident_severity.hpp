// Incident severity policy (SPEC S-4.2) as pure data: which severity each incident
// code (core/common/incident_code.hpp) carries and what it demands of the whole desk.
// The codes and severities themselves are core vocabulary (core/common/); this file is
// the control plane's rule over them.
//
//   P0 — a threat to capital or neutrality: always an immediate global HOLD
//        (split_brain_detected and manual_kill_switch_activated: KILL).
//   P1 — serious degradation, capital under control: the affected strategy or route is
//        degraded; no global HOLD is required. Also second_factor_lockout: someone is
//        guessing the two-man secrets, which needs a person now, but the lockout already
//        contains it (a P0 would let a guesser stop the desk at will).
//   P2 — technical: recorded, nothing is stopped.
//   manual and unspecified have no severity of their own: whoever records one says it.
//
// Threads: pure functions, safe from any thread. Uses core/common only.
#pragma once

#include <optional>
#include <string_view>

#include "core/common/incident_code.hpp"
#include "core/common/severity.hpp"

namespace propbot::control {

// The S-4.2 severity of a code; nullopt for manual and unspecified.
std::optional<Severity> severity_for(IncidentCode code);

// What an incident demands of the whole desk.
enum class GlobalAction { none, hold, kill };
std::string_view to_string(GlobalAction action);  // "none" | "HOLD" | "KILL"
// P0 → hold, except split_brain_detected and manual_kill_switch_activated → kill; P1,
// P2, manual and unspecified → none (a manual P0 holds by its severity, see
// ControlPlane::safety_action).
GlobalAction global_action_for(IncidentCode code);

}  // namespace propbot::control
