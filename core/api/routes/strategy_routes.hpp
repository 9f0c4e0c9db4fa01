// The strategy view (issue 15): GET /api/ui/strategies/{name} — one strategy as a quant
// watches it (version, state running|frozen|stopped, params, ctx.state, call timings,
// the newest faults and log lines), read on the engine thread through the
// EngineHandle (bounded wait). docs/API.md "Strategies" documents every field.
#pragma once

#include "core/api/guarded_router.hpp"
#include "core/engine/engine_handle.hpp"

namespace propbot::api {

void add_strategy_routes(GuardedRouter& router, engine::EngineHandle& engine);

}  // namespace propbot::api
