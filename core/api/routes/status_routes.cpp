#include "core/api/routes/status_routes.hpp"

#include "core/status/live_readiness.hpp"
#include "core/status/status_views.hpp"

namespace propbot::api {

void add_status_routes(GuardedRouter& router, std::shared_ptr<const StatusRouteContext> context) {
  router.add("GET", "/api/ui/status/overview", [context](const net::HttpRequest&) {
    const auto inputs = status::gather(context->sources);
    const auto evaluation = context->monitor->evaluate(inputs);
    return net::HttpResponse::json(
        200, status::overview_json(inputs, evaluation, context->monitor->thresholds(), context->last_restart_ts_utc));
  });
  router.add("GET", "/api/ui/status/components", [context](const net::HttpRequest&) {
    const auto inputs = status::gather(context->sources);
    return net::HttpResponse::json(200, status::components_json(context->monitor->evaluate(inputs)));
  });
  router.add("GET", "/api/ui/status/slo", [context](const net::HttpRequest&) {
    const auto inputs = status::gather(context->sources);
    return net::HttpResponse::json(
        200, status::slo_json(inputs, context->monitor->thresholds(), context->last_restart_ts_utc));
  });
  // S-11.8: the venues' health — the registry's exchange:<venue> components.
  router.add("GET", "/api/ui/exchange_health", [context](const net::HttpRequest&) {
    const auto evaluation = context->monitor->evaluate(status::gather(context->sources));
    nlohmann::json venues = nlohmann::json::array();
    for (const status::ComponentCheck& check : evaluation.checks) {
      if (!check.id.starts_with("exchange:")) continue;
      nlohmann::json row = status::to_json(check);
      row["venue"] = check.id.substr(std::string_view("exchange:").size());
      if (auto since = evaluation.since.find(check.id); since != evaluation.since.end()) {
        row["since"] = format_iso8601_ms(since->second);
      }
      venues.push_back(std::move(row));
    }
    return net::HttpResponse::json(200, nlohmann::json{{"venues", std::move(venues)}});
  });
  router.add("GET", "/live-readiness", [context](const net::HttpRequest&) {
    const auto inputs = status::gather(context->sources);
    const auto readiness = status::live_readiness(inputs, context->monitor->thresholds());
    return net::HttpResponse::json(readiness.ready ? 200 : 503, status::live_readiness_json(readiness, inputs));
  });
}

}  // namespace propbot::api
