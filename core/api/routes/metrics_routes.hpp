// GET /metrics (SPEC S-11.7): the Prometheus scrape of the daemon — what
// metrics_families.hpp prints from the engine's published snapshot and the control
// plane's incidents, plus the route's own render-time histogram.
//
// Access: public (Access::automatic leaves paths outside /api/ui and /api/admin open),
// as /healthz, because scrapers usually carry no bearer token; the text holds no secret
// and no free text (metrics_families.hpp), only counts and configured names. An
// operator who wants it private puts it behind the reverse proxy (docs/API.md).
// Content-Type: text/plain; version=0.0.4; charset=utf-8.
//
// Thread: the handler runs on the API server thread; the render-time histogram is the
// route's own, behind a mutex (fixed bounds: bounded memory).
#pragma once

#include "core/api/guarded_router.hpp"
#include "core/api/routes/control_desk.hpp"
#include "core/engine/snapshot.hpp"

namespace propbot::api {

// `snapshots` must outlive the router; `desk` may be null (no incident families).
void add_metrics_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots, ControlDesk* desk);

}  // namespace propbot::api
