// The risk governor's routes (issue 13 item 8). Reads (any role) come from the engine's
// published snapshot: GET /api/ui/risk_snapshot, /api/ui/strategy_status,
// /api/ui/strategy_budget, /api/ui/capital. Acts (operator): POST /api/ui/budget/reset
// {"strategy": name|"all"} (audited BUDGET_RESET, immediate); POST
// /api/ui/unfreeze-strategy {"strategy", "reason"} and POST /api/ui/risk/limit-request
// {"limit", "value", "reason"} file the two-man unfreeze_strategy / raise_limit
// approvals, which take effect when another operator confirms them. docs/API.md
// documents every field.
#pragma once

#include "core/api/guarded_router.hpp"
#include "core/api/routes/control_desk.hpp"
#include "core/engine/engine_handle.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

// An engine call's error as an answer: invalid_argument 400, not_found 404,
// unavailable 503, anything else 409 `refused`.
net::HttpResponse engine_refusal(const Error& error);

// `engine` and `desk` may be null: their routes are then not served.
void add_risk_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots, engine::EngineHandle* engine,
                     ControlDesk* desk);

}  // namespace propbot::api
