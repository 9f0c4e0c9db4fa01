// GET /api/ui/state (S-11.8, viewer+): the desk in one read, for the runbook's first look
// ("what are the limits, is risk blocked and why, what is open"): mode and flags, the
// control state, the risk caps, whether the risk governor blocks the autopilot and its
// reasons, the open positions and their exposure, the strategies' states and the
// running config version. Built from the engine's published snapshot and the control
// plane's state (thread-safe reads); never waits for the engine.
#pragma once

#include "core/api/guarded_router.hpp"
#include "core/api/routes/control_desk.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

void add_state_route(GuardedRouter& router, const engine::SnapshotSlot* snapshots, ControlDesk& desk);

}  // namespace propbot::api
