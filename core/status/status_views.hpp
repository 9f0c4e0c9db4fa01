// The JSON bodies of GET /api/ui/status/overview (SPEC S-11.2), /components (S-11.3)
// and /slo (S-11.4), built from StatusInputs and an Evaluation of the registry. Every
// field of the spec is present; a field whose area is not built, or that is not
// measured yet, is null and listed in the body's "unavailable": [{field, reason}]
// (docs/API.md "Status" lists them).
// overall: KILL (mode KILL) > HOLD (mode HOLD) > ERROR (an implemented P0 component is
// ERROR) > WARN (any component not OK, areas not built included) > OK.
// Threads: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status/live_readiness.hpp"
#include "core/status/status_monitor.hpp"

namespace propbot::status {

std::string overall_status(const StatusInputs& inputs, const Evaluation& evaluation);
nlohmann::json components_json(const Evaluation& evaluation);
nlohmann::json slo_json(const StatusInputs& inputs, const StatusThresholds& thresholds,
                        const std::string& last_restart_ts_utc);
nlohmann::json overview_json(const StatusInputs& inputs, const Evaluation& evaluation,
                             const StatusThresholds& thresholds, const std::string& last_restart_ts_utc);

}  // namespace propbot::status
