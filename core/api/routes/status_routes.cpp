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
  router.add("GET", "/live-readiness", [context](const net::HttpRequest&) {
    const auto inputs = status::gather(context->sources);
    const auto readiness = status::live_readiness(inputs, context->monitor->thresholds());
    return net::HttpResponse::json(readiness.ready ? 200 : 503, status::live_readiness_json(readiness, inputs));
  });
}

}  // namespace propbot::api
