// POST /api/ui/snapshot (S-11.8, auditor or operator): the desk as it is now — control
// state, the engine's published views (opportunities, books, strategies, policy,
// positions, risk, recon, PnL, execution counters) and the active incidents — written
// to <data_dir>/snapshots/<UTC time>.json (mode 0600, written aside then renamed, so a
// reader never sees half a file) and returned. Bounded: the directory keeps the newest
// kKeptAuditSnapshots files; an older one is removed when a new one is written.
// Reads published snapshots and the control plane only; runs on a blocking worker.
#pragma once

#include <cstddef>
#include <string>

#include "core/api/guarded_router.hpp"
#include "core/api/routes/control_desk.hpp"
#include "core/common/clock.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

inline constexpr std::size_t kKeptAuditSnapshots = 200;

void add_audit_snapshot_route(GuardedRouter& router, const engine::SnapshotSlot* snapshots, ControlDesk& desk,
                              const Clock& clock, std::string data_dir);

}  // namespace propbot::api
