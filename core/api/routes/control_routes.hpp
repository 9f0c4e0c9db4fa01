// The control-plane routes (issue 4 §10; docs/API.md "Control plane"): HOLD, the
// two-man resume, generic approvals, safe_mode / dry-run switches, the kill switch,
// incidents and postmortems, the control state, the audit log and its export, and the
// secrets status. Handlers translate HTTP to ControlPlane calls and its refusals to
// status codes (ControlPlane::http_status_of); the actor is always the bearer token's
// principal, so the two-man rule cannot be dodged by naming someone else in a body.
// Every free-text field is capped by core/control/text_limits.hpp (400 bad_request
// naming the field and the limit), and POST /api/ui/secret refuses the secrets one
// operator must not choose (ControlDesk::offline_only()).
//
// Also installs the AccessGuard (bearer tokens from the secrets store, 403 audited as
// `forbidden`, lockout alerts) on the router.
#pragma once

#include <string>

#include "core/api/guarded_router.hpp"
#include "core/api/routes/control_desk.hpp"
#include "core/common/clock.hpp"

namespace propbot::api {

// `desk` and `clock` must outlive the router. `export_dir` is where audit exports are
// staged (the data directory).
void add_control_routes(GuardedRouter& router, ControlDesk& desk, const Clock& clock, std::string export_dir);

}  // namespace propbot::api
