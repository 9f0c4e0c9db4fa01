#include "core/api/routes/metrics_routes.hpp"

#include <chrono>
#include <memory>
#include <mutex>

#include "core/api/routes/metrics_families.hpp"
#include "core/common/severity.hpp"

namespace propbot::api {
namespace {

// The route's render times (seconds), observed after each scrape.
struct RenderTimes {
  std::mutex mutex;
  BucketHistogram histogram{{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1}};
};

std::optional<IncidentFigures> incident_figures(ControlDesk* desk) {
  if (desk == nullptr) return std::nullopt;
  auto view = desk->plane().incidents_view(1);
  if (!view) return std::nullopt;
  IncidentFigures figures;
  figures.trade_locked = view->value("trade_locked", false);
  for (const auto& incident : view->value("active", nlohmann::json::array())) {
    const std::string severity = incident.value("severity", "");
    for (std::size_t i = 0; i < kAllSeverities.size(); ++i) {
      if (severity == to_string(kAllSeverities[i])) ++figures.active_by_severity[i];
    }
  }
  return figures;
}

}  // namespace

void add_metrics_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots, ControlDesk* desk) {
  auto times = std::make_shared<RenderTimes>();
  router.add("GET", "/metrics", [snapshots, desk, times](const net::HttpRequest&) {
    const auto started = std::chrono::steady_clock::now();
    const auto snap = snapshots != nullptr ? snapshots->load() : nullptr;
    MetricsInputs inputs;
    inputs.snapshot = snap.get();
    inputs.incidents = incident_figures(desk);
    MetricsText text;
    BucketHistogram past;
    {
      std::lock_guard lock(times->mutex);
      past = times->histogram;
    }
    inputs.render_seconds = &past;
    add_metric_families(text, inputs);
    net::HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = text.text();
    const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    std::lock_guard lock(times->mutex);
    times->histogram.observe(elapsed.count());
    return response;
  });
}

}  // namespace propbot::api
