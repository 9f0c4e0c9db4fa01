#include "core/api/routes/routes.hpp"

#include "core/api/routes/audit_snapshot_route.hpp"
#include "core/api/routes/config_routes.hpp"
#include "core/api/routes/control_routes.hpp"
#include "core/api/routes/execution_routes.hpp"
#include "core/api/routes/ledger_routes.hpp"
#include "core/api/routes/openapi.hpp"
#include "core/api/routes/metrics_routes.hpp"
#include "core/api/routes/risk_routes.hpp"
#include "core/api/routes/snapshot_json.hpp"
#include "core/api/routes/state_route.hpp"
#include "core/api/routes/status_routes.hpp"
#include "core/api/routes/strategy_routes.hpp"

#include <nlohmann/json.hpp>

#include "core/api/routes/dashboard_page.hpp"
#include "propbot/build_info.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

std::string build_id() { return std::string(build_info::git_sha) + "-" + build_info::build_type; }

}  // namespace

std::shared_ptr<const GuardedRouter> build_routes(RouteContext context) {
  auto router = std::make_shared<GuardedRouter>();
  const auto ctx = std::make_shared<const RouteContext>(context);

  // Liveness: the process answers and the engine loop has published recently.
  router->add("GET", "/healthz", [ctx](const net::HttpRequest&) {
    const auto snap = ctx->snapshots->load();
    const auto age = snap ? ctx->clock->now() - snap->built_at : Nanos::max();
    if (!snap || age > ctx->heartbeat_timeout) {
      return net::HttpResponse::json(503, json{{"ok", false}, {"reason", "engine loop has not published a snapshot recently"}});
    }
    return net::HttpResponse::json(200, json{{"ok", true}});
  });

  router->add("GET", "/api/health", [ctx](const net::HttpRequest&) {
    const auto snap = ctx->snapshots->load();
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(ctx->clock->now() - ctx->started_at);
    json body{{"status", "ok"},
              {"version", build_info::version},
              {"build", build_id()},
              {"ts", format_iso8601_ms(ctx->clock->utc())},
              {"mode", std::string(to_string(snap ? snap->mode : Mode::hold))},
              {"profile", ctx->profile},
              {"uptime_sec", uptime.count()}};
    if (snap) {
      body["safe_mode"] = snap->safe_mode;
      body["dry_run_mode"] = snap->dry_run_mode;
      body["hold_reason"] = snap->hold_reason;
      body["hold_since"] = snap->hold_since_text.empty() ? format_iso8601_ms(snap->hold_since) : snap->hold_since_text;
    }
    return net::HttpResponse::json(200, body);
  });

  router->add("GET", "/api/opportunities", [ctx](const net::HttpRequest&) {
    const auto snap = ctx->snapshots->load();
    json list = json::array();
    if (snap) {
      for (const auto& o : snap->opportunities) list.push_back(opportunity_json(o));
    }
    json body{{"opportunities", list}};
    if (snap) {
      body["mode"] = std::string(to_string(snap->mode));
      body["ts"] = format_iso8601_ms(snap->ts);
      body["book_events"] = snap->book_events;
      body["bundle_version"] = snap->bundle_version;
    }
    return net::HttpResponse::json(200, body);
  });

  router->add("GET", "/api/ui/market", [ctx](const net::HttpRequest&) {
    const auto snap = ctx->snapshots->load();
    json books = json::array();
    json strategies = json::array();
    if (snap) {
      for (const auto& b : snap->books) books.push_back(book_json(b));
      for (const auto& s : snap->strategies) strategies.push_back(strategy_json(s));
    }
    json body{{"books", books}, {"strategies", strategies}, {"book_events", snap ? snap->book_events : 0}};
    if (snap) {
      body["policy"] = policy_json(snap->policy);
      body["bundle_version"] = snap->bundle_version;
      body["reloads"] = snap->reloads;
    }
    return net::HttpResponse::json(200, body);
  });

  add_execution_routes(*router, ctx->snapshots);
  add_risk_routes(*router, ctx->snapshots, ctx->engine, ctx->desk);
  add_ledger_routes(*router, ctx->snapshots);
  add_metrics_routes(*router, ctx->snapshots, ctx->desk);
  if (ctx->engine != nullptr) add_strategy_routes(*router, *ctx->engine);
  if (ctx->engine != nullptr) add_arb_routes(*router, *ctx->engine);
  if (ctx->desk != nullptr) add_control_routes(*router, *ctx->desk, *ctx->clock, ctx->data_dir);
  if (ctx->desk != nullptr) add_audit_snapshot_route(*router, ctx->snapshots, *ctx->desk, *ctx->clock, ctx->data_dir);
  if (ctx->desk != nullptr) add_state_route(*router, ctx->snapshots, *ctx->desk);
  if (ctx->config != nullptr) add_config_routes(*router, ctx->config);
  if (ctx->status_monitor != nullptr) {
    auto status_context = std::make_shared<StatusRouteContext>();
    status_context->monitor = ctx->status_monitor;
    status_context->sources = {ctx->snapshots, ctx->desk != nullptr ? &ctx->desk->plane() : nullptr, ctx->backups,
                               ctx->clock, ctx->data_dir, ctx->profile, ctx->started_at, ctx->stream_clients};
    status_context->last_restart_ts_utc = ctx->started_at_utc;
    add_status_routes(*router, std::move(status_context));
  }

  add_openapi_route(*router);  // describes every route above and below

  router->add("GET", "/ui/dashboard", [](const net::HttpRequest&) {
    net::HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = std::string(dashboard_page_html());
    return response;
  });

  return router;
}

}  // namespace propbot::api
