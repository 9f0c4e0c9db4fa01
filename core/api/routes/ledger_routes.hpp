// The ledger's routes (issue 14): reconciliation and PnL, read from the engine's
// published snapshot (any role). GET /api/ui/recon/status — {"status": OK|MISMATCH|
// PENDING, "last_check_ts", "last_error", "diffs": [{"venue", "symbol", "kind":
// position|order|balance|fee|funding, "ours", "venue_value", ...}],
// "has_unhedged_directional_exposure", "banner", ...}; /api/ui/recon/diffs (confirmed and
// unconfirmed), /api/ui/recon/orders (each venue's open orders against the journal's),
// /api/ui/recon/positions (each venue's positions and wallet against the ledger's);
// GET /api/ui/pnl, /api/ui/pnl_history, /api/ui/daily_report. docs/API.md documents every
// field.
#pragma once

#include "core/api/guarded_router.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

void add_ledger_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots);

}  // namespace propbot::api
