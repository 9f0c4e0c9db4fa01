#include "core/api/routes/audit_snapshot_route.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/api/routes/execution_routes.hpp"
#include "core/api/routes/snapshot_json.hpp"
#include "core/secrets/private_file.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json shared_or_null(const std::shared_ptr<const json>& part) { return part ? *part : json(nullptr); }

json engine_json(const engine::EngineSnapshot& snap) {
  json out{{"ts", format_iso8601_ms(snap.ts)},
           {"mode", std::string(to_string(snap.mode))},
           {"safe_mode", snap.safe_mode},
           {"dry_run_mode", snap.dry_run_mode},
           {"bundle_version", snap.bundle_version},
           {"book_events", snap.book_events},
           {"opportunities", json::array()},
           {"books", json::array()},
           {"strategies", json::array()},
           {"policy", policy_json(snap.policy)},
           {"positions", shared_or_null(snap.positions)},
           {"risk", shared_or_null(snap.risk)},
           {"recon", shared_or_null(snap.recon)},
           {"pnl", shared_or_null(snap.pnl)},
           {"execution", snap.execution ? execution_json(*snap.execution) : json(nullptr)}};
  for (const auto& o : snap.opportunities) out["opportunities"].push_back(opportunity_json(o));
  for (const auto& b : snap.books) out["books"].push_back(book_json(b));
  for (const auto& s : snap.strategies) out["strategies"].push_back(strategy_json(s));
  return out;
}

// "2026-12-08T01:02:03.456Z" -> "20261208T010203.456Z" (a file name without ':').
std::string file_stamp(const std::string& iso) {
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out;
}

// Keeps the newest kKeptAuditSnapshots snapshot files (names sort by time).
void prune(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (files.size() <= kKeptAuditSnapshots) return;
  std::sort(files.begin(), files.end());
  for (std::size_t i = 0; i + kKeptAuditSnapshots < files.size(); ++i) fs::remove(files[i], ignored);
}

}  // namespace

void add_audit_snapshot_route(GuardedRouter& router, const engine::SnapshotSlot* snapshots, ControlDesk& desk,
                              const Clock& clock, std::string data_dir) {
  RouteOptions options;
  options.access = Access::auditor;
  options.blocking = true;  // a file write and an incident query
  router.add("POST", "/api/ui/snapshot", [snapshots, &desk, &clock, data_dir](const net::HttpRequest&) {
    const auto snap = snapshots != nullptr ? snapshots->load() : nullptr;
    if (!snap) return net::HttpResponse::error(503, "unavailable", "the engine has not published a snapshot yet");
    const std::string ts = format_iso8601_ms(clock.utc());
    auto incidents = desk.plane().incidents_view(50);
    json body{{"ts", ts},
              {"control_state", control::to_json(desk.plane().state())},
              {"engine", engine_json(*snap)},
              {"incidents", incidents ? *incidents : json(nullptr)}};
    const fs::path dir = fs::path(data_dir) / "snapshots";
    std::error_code made;
    fs::create_directories(dir, made);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, made);
    const std::string name = file_stamp(ts) + ".json";
    if (Status written = secrets::write_file_atomically((dir / name).string(), body.dump(1)); !written) {
      return net::HttpResponse::error(500, "internal", written.error().message);
    }
    prune(dir);
    return net::HttpResponse::json(200, json{{"file", "snapshots/" + name}, {"snapshot", std::move(body)}});
  }, options);
}

}  // namespace propbot::api
