// StatusInputs: everything the status registry reads, gathered by the caller from
// published snapshots and thread-safe reads (never engine internals): the engine's
// snapshot, the control plane's state and incidents, the backups' status, the data-dir
// lock and the process's own figures. Plain values; building one never blocks the
// engine (a snapshot load is a pointer copy under a short lock).
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/common/clock.hpp"
#include "core/control/control_plane.hpp"
#include "core/engine/snapshot.hpp"
#include "core/store/backup_snapshotter.hpp"

namespace propbot::status {

struct BackupInputs {
  store::BackupSnapshotterStatus status;
  std::chrono::milliseconds interval{0};  // 0 = off
};

struct StatusInputs {
  std::shared_ptr<const engine::EngineSnapshot> snapshot;  // null before the first publish
  MonoTime now{};                                          // the Clock's monotonic now (engine heartbeat age)
  UtcTime utc_now{};
  std::optional<control::ControlState> control;  // null: no control plane wired
  nlohmann::json incidents;                      // ControlPlane::incidents_view(0), null when unavailable
  std::optional<BackupInputs> backup;            // null: no backups wired
  std::string data_dir;                          // the locked data directory (empty: no lock taken)
  std::string profile;                           // paper | testnet | live
  std::optional<std::pair<std::size_t, std::size_t>> stream;  // {clients, max}; null: no stream served
  double memory_usage_mb = 0;
  double uptime_sec = 0;
};

}  // namespace propbot::status
