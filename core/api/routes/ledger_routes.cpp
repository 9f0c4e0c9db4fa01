#include "core/api/routes/ledger_routes.hpp"

#include <nlohmann/json.hpp>

namespace propbot::api {
namespace {

// One part of the snapshot's recon views; 503 before the engine published any.
net::HttpResponse recon_part(const engine::SnapshotSlot* snapshots, const char* part) {
  const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
  if (!snap || !snap->recon || !snap->recon->contains(part)) {
    return net::HttpResponse::error(503, "unavailable",
                                    "the ledger has not published its reconciliation yet (no executor, or the engine "
                                    "is starting); retry in a second");
  }
  return net::HttpResponse::json(200, snap->recon->at(part));
}

}  // namespace

void add_ledger_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots) {
  for (const auto& [path, part] : {std::pair{"/api/ui/recon/status", "status"}, std::pair{"/api/ui/recon/diffs", "diffs"},
                                   std::pair{"/api/ui/recon/orders", "orders"},
                                   std::pair{"/api/ui/recon/positions", "positions"}}) {
    router.add("GET", path, [snapshots, part = part](const net::HttpRequest&) { return recon_part(snapshots, part); });
  }
}

}  // namespace propbot::api
