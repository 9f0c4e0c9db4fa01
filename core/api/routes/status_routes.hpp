// The status routes (SPEC S-11.2–S-11.5): GET /api/ui/status/overview, /components and
// /slo (viewer+), and GET /live-readiness (public: 200 when ready, else 503 with the
// reasons). Each request gathers StatusInputs through StatusSources (a snapshot pointer
// copy, the control plane's thread-safe reads, the backups' status) and evaluates the
// registry through the daemon's one StatusMonitor, so a read also takes part in the
// edge-triggered ERROR alert; nothing here touches engine internals or waits for the
// engine loop.
#pragma once

#include <memory>
#include <string>

#include "core/api/guarded_router.hpp"
#include "core/status/status_monitor.hpp"
#include "core/status/status_sources.hpp"

namespace propbot::api {

struct StatusRouteContext {
  status::StatusMonitor* monitor = nullptr;  // must outlive the router
  status::StatusSources sources;
  std::string last_restart_ts_utc;  // when this process started (ISO-8601 UTC)
};

void add_status_routes(GuardedRouter& router, std::shared_ptr<const StatusRouteContext> context);

}  // namespace propbot::api
