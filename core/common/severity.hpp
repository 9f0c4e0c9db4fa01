// Severity: the incident severities of SPEC S-4.2, one enum for the control plane, the
// incident log, the policy scripts' circuit-breaker verdicts and the API.
//
//   P0 — a threat to capital or neutrality: always an immediate global HOLD (or KILL).
//   P1 — serious degradation with capital under control: a strategy or route degrades.
//   P2 — technical: recorded, nothing is stopped.
//
// What each incident code demands (its severity, HOLD or KILL) is the control plane's
// policy (core/control/incident_severity.hpp); this file only names the levels.
//
// The string forms "P0" | "P1" | "P2" are stable: the incidents table (a CHECK), the
// API, alerts, metrics, the audit log and policies/circuit_breakers.lua use them.
//
// Threads: pure functions, safe from any thread; to_string never allocates.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/common/stable_name.hpp"

namespace propbot {

enum class Severity { P0, P1, P2 };

inline constexpr std::array<Severity, 3> kAllSeverities = {Severity::P0, Severity::P1, Severity::P2};

constexpr std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::P0: return "P0";
    case Severity::P1: return "P1";
    case Severity::P2: return "P2";
  }
  return "P0";  // an out-of-range value reads as the most severe
}

// The exact string forms above (case-sensitive). Errors: invalid_argument naming the
// text and the allowed values.
inline Result<Severity> parse_severity(std::string_view text) {
  if (auto severity = find_by_name(text, kAllSeverities)) return *severity;
  return make_error(Errc::invalid_argument, "severity '" + std::string(text) + "' is unknown; use P0, P1 or P2");
}

}  // namespace propbot
