#include "core/api/routes/ledger_routes.hpp"

#include <charconv>

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

net::HttpResponse pnl_unavailable() {
  return net::HttpResponse::error(503, "unavailable",
                                  "the ledger has not published its PnL yet (no executor, or the engine is starting); "
                                  "retry in a second");
}

}  // namespace

void add_ledger_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots) {
  for (const auto& [path, part] : {std::pair{"/api/ui/recon/status", "status"}, std::pair{"/api/ui/recon/diffs", "diffs"},
                                   std::pair{"/api/ui/recon/orders", "orders"},
                                   std::pair{"/api/ui/recon/positions", "positions"}}) {
    router.add("GET", path, [snapshots, part = part](const net::HttpRequest&) { return recon_part(snapshots, part); });
  }
  router.add("GET", "/api/ui/pnl", [snapshots](const net::HttpRequest&) {
    const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
    if (!snap || !snap->pnl) return pnl_unavailable();
    return net::HttpResponse::json(200, snap->pnl->at("pnl"));
  });
  // ?limit=N (1..10080, default 1440: a day of one-minute points), newest last.
  router.add("GET", "/api/ui/pnl_history", [snapshots](const net::HttpRequest& request) {
    const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
    if (!snap || !snap->pnl_history) return pnl_unavailable();
    std::size_t limit = 1440;
    if (auto found = request.query.find("limit"); found != request.query.end()) {
      const std::string& text = found->second;
      std::size_t parsed = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
      if (ec != std::errc() || end != text.data() + text.size() || parsed < 1 || parsed > 10'080) {
        return net::HttpResponse::error(400, "bad_request", "query 'limit': a whole number of points in 1..10080");
      }
      limit = parsed;
    }
    const nlohmann::json& all = *snap->pnl_history;
    if (!all.contains("points") || !all["points"].is_array() || all["points"].size() <= limit) {
      return net::HttpResponse::json(200, all);
    }
    // The newest `limit` points, copied once (not the whole ring).
    const nlohmann::json& points = all["points"];
    nlohmann::json tail = nlohmann::json::array();
    for (std::size_t i = points.size() - limit; i < points.size(); ++i) tail.push_back(points[i]);
    return net::HttpResponse::json(200, nlohmann::json{{"capacity", all.value("capacity", 0)}, {"points", std::move(tail)}});
  });
  // ?date=YYYY-MM-DD: a closed day's report (the last 90 kept); none or today: today's so far.
  router.add("GET", "/api/ui/daily_report", [snapshots](const net::HttpRequest& request) {
    const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
    if (!snap || !snap->pnl) return pnl_unavailable();
    const nlohmann::json& today = snap->pnl->at("report_today");
    const auto found = request.query.find("date");
    const std::optional<std::string> date =
        found == request.query.end() ? std::nullopt : std::optional<std::string>(found->second);
    if (!date || date->empty() || (today.is_object() && today.value("date", "") == *date)) {
      return net::HttpResponse::json(200, today);
    }
    if (snap->pnl_reports && snap->pnl_reports->contains(*date)) {
      return net::HttpResponse::json(200, snap->pnl_reports->at(*date));
    }
    if (date->size() != 10 || (*date)[4] != '-' || (*date)[7] != '-') {
      return net::HttpResponse::error(400, "bad_request", "query 'date': YYYY-MM-DD (UTC), e.g. 2026-12-07");
    }
    return net::HttpResponse::error(404, "not_found",
                                    "no daily report for " + *date + ": the last 90 closed days are kept, and a day "
                                    "the daemon was down has none");
  });
}

}  // namespace propbot::api
