// LiveReadiness (SPEC S-11.5): whether the desk may trade live now, with every reason
// it may not. Ready only if: the engine publishes, recon OK, no P0 without postmortem,
// the daily loss cap not breached, mode RESUME, safe_mode allowed by the thresholds'
// readiness_allows_safe_mode, no critical memory pressure. Split brain is not checked:
// the leader / fencing area is not built (one daemon per data directory is enforced by
// the data-dir lock); `leader` and `fencing_token` come from the control state.
// Reason codes are stable strings: engine_stale, no_control_plane, recon_not_ok,
// p0_without_postmortem, daily_loss_cap_breached, mode_not_resume,
// safe_mode_not_allowed, memory_pressure_critical.
// Threads: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status/status_inputs.hpp"
#include "core/status/status_thresholds.hpp"

namespace propbot::status {

struct ReadinessReason {
  std::string code;
  std::string detail;
};

struct LiveReadiness {
  bool ready = false;
  std::vector<ReadinessReason> reasons;  // empty iff ready; in the order listed above
};

LiveReadiness live_readiness(const StatusInputs& inputs, const StatusThresholds& thresholds);

// What an operator should do first, from the first reason ("" when ready → "ready to trade").
std::string readiness_advice(const LiveReadiness& readiness);

// The body of GET /live-readiness: {ready, reasons[{code, detail}], leader,
// fencing_token, metrics{…}, advice}.
nlohmann::json live_readiness_json(const LiveReadiness& readiness, const StatusInputs& inputs);

// Whether the risk view says the daily loss cap is breached.
bool daily_loss_cap_breached(const StatusInputs& inputs);
// The recon verdict ("OK", "PENDING", "MISMATCH", …; "UNKNOWN" without a recon view).
std::string recon_verdict(const StatusInputs& inputs);

}  // namespace propbot::status
