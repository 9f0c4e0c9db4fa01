// StatusSources: where the daemon's status comes from — the engine's snapshot slot, the
// control plane, the backups, the data-dir lock — and gather(), which reads them into
// StatusInputs with thread-safe calls only (a snapshot pointer copy, the plane's
// state() and incidents_view(), the snapshotter's status()), plus the process's
// resident memory from /proc/self/statm. Never touches engine internals.
// Threads: gather() from any thread; the pointed-to objects must outlive its calls.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/common/clock.hpp"
#include "core/control/control_plane.hpp"
#include "core/engine/snapshot.hpp"
#include "core/status/status_inputs.hpp"
#include "core/store/backup_snapshotter.hpp"

namespace propbot::status {

struct StatusSources {
  const engine::SnapshotSlot* snapshots = nullptr;
  const control::ControlPlane* plane = nullptr;       // null: no control plane
  const store::BackupSnapshotter* backups = nullptr;  // null: no backups
  const Clock* clock = nullptr;
  std::string data_dir;  // the locked data directory
  std::string profile;
  MonoTime started_at{};
  // The live stream's client count and limit (null: no stream served).
  std::function<std::pair<std::size_t, std::size_t>()> stream_clients;
};

StatusInputs gather(const StatusSources& sources);

// Resident set size of this process in MB from /proc/self/statm; nullopt when unreadable.
std::optional<double> resident_memory_mb();

}  // namespace propbot::status
