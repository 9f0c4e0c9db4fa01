// The execution routes (issue 12): GET /api/ui/positions (the ledger's positions and
// real exposure), GET /api/ui/execution (working and recent orders with their journal
// states, counters, open orders per venue, the start-up reconciliation) and
// GET /api/ui/hedge/log (every hedge order: trade_parent_id, partial_fill_pct,
// hedge_sent, hedge_latency_ms). All read the engine's published snapshot; docs/API.md
// documents every field.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "core/api/guarded_router.hpp"
#include "core/engine/engine_handle.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

void add_execution_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots);
// POST /api/arb/preview and /api/arb/execute: a manual hedged pair through every gate
// (operator only). Body {"symbol", "long_venue", "short_venue", "notional_usdt",
// "max_slippage_bps"?}; 400 names a bad field, 409 says which gate refused, 423 is the
// runaway breaker, 503 an engine that did not answer.
void add_arb_routes(GuardedRouter& router, engine::EngineHandle& engine);

// The JSON forms (exposed for tests).
nlohmann::json execution_json(const exec::ExecutionView& view);
nlohmann::json hedge_log_json(const exec::ExecutionView& view);

}  // namespace propbot::api
