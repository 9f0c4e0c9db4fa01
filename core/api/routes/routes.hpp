// The daemon's HTTP routes for the walking skeleton: liveness, health, opportunities,
// market tops and the dashboard page. Handlers run on the API thread and read only the
// engine's published snapshot (never engine state).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/api/guarded_router.hpp"
#include "core/config_service/config_service.hpp"
#include "core/api/routes/control_desk.hpp"
#include "core/engine/snapshot.hpp"
#include "core/status/status_monitor.hpp"
#include "core/store/backup_snapshotter.hpp"

namespace propbot::api {

struct RouteContext {
  const engine::SnapshotSlot* snapshots = nullptr;  // the engine's published state
  engine::EngineHandle* engine = nullptr;           // manual trades (POST /api/arb/*); may be null
  const Clock* clock = nullptr;  // for response timestamps (thread-safe readings only)
  std::string profile;
  ControlDesk* desk = nullptr;  // the control plane and its routes (null: skeleton routes only)
  std::shared_ptr<config_service::ConfigService> config;  // the config bundle routes (null: not served)
  std::string data_dir;         // where audit exports are staged
  MonoTime started_at{};
  // /healthz reports not-ok when the engine has not published for this long.
  std::chrono::milliseconds heartbeat_timeout{5000};
  // The status routes (core/api/routes/status_routes.hpp); null: not served.
  status::StatusMonitor* status_monitor = nullptr;
  const store::BackupSnapshotter* backups = nullptr;  // for the backup_snapshotter component; may be null
  std::string started_at_utc;                         // last_restart_ts_utc
  // The live stream's {clients, max} for the `stream` component; empty: not served.
  std::function<std::pair<std::size_t, std::size_t>()> stream_clients;
};

std::shared_ptr<const GuardedRouter> build_routes(RouteContext context);

}  // namespace propbot::api
