// ctl_views: the readable text `propbot ctl` prints for each daemon answer (without
// --json) — status lines, tables of components, positions, incidents and approvals,
// an action's resulting control state, a config validation's file:line errors — and the
// audit export's JSON lines as CSV.
//
// Guarantees: every function takes the daemon's parsed JSON as it is and never throws on
// a missing or mistyped field (it shows "-"), so a daemon a version ahead or behind still
// prints; nothing here prints a token (answers carry none). Output ends in '\n'.
//
// Uses: ctl_table, nlohmann::json.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace propbot::app {

// A field as text: strings as they are, null or missing "-", anything else compact JSON.
std::string field_text(const nlohmann::json& object, const std::string& key);

// `status` from GET /api/ui/status/overview.
std::string view_overview(const nlohmann::json& overview);
// `status` from GET /api/health and GET /api/ui/control-state (a daemon without the
// overview route).
std::string view_health(const nlohmann::json& health, const nlohmann::json& control_state);
std::string view_components(const nlohmann::json& answer);
std::string view_positions(const nlohmann::json& answer);
std::string view_incidents(const nlohmann::json& answer);
std::string view_approvals(const nlohmann::json& answer);
// An action's answer {"state", "approval"?, "incident"?, "request_id"?}.
std::string view_action(const nlohmann::json& answer);
// A validate answer: "bundle valid …" or one "file:line: message" per error; warnings.
std::string view_validation(const nlohmann::json& answer);
// An apply / rollback answer (errors as in view_validation when present).
std::string view_apply(const nlohmann::json& answer);

// The audit export (one JSON object per line) as CSV with the header
// id,ts_utc,actor,role,action,target,details,prev_hash,cumulative_hash (details as
// compact JSON); fields are quoted per RFC 4180. A line that is not a JSON object is
// skipped and counted in `skipped`.
std::string audit_lines_to_csv(const std::string& ndjson, std::size_t& skipped);

}  // namespace propbot::app
