#include "core/app/routes.hpp"

#include "core/app/control_routes.hpp"

#include <nlohmann/json.hpp>

#include "core/app/dashboard_page.hpp"
#include "propbot/build_info.hpp"

namespace propbot::app {
namespace {

using nlohmann::json;

std::string build_id() { return std::string(build_info::git_sha) + "-" + build_info::build_type; }

json opportunity_json(const OpportunityView& o) {
  return json{{"strategy", o.strategy},
              {"symbol", o.symbol},
              {"long_venue", o.long_venue},
              {"short_venue", o.short_venue},
              {"spread_bps", o.spread_bps},
              {"net_spread_bps", o.net_spread_bps},
              {"notional_suggestion", o.notional_suggestion},
              {"long_price", o.long_price},
              {"short_price", o.short_price},
              {"status", o.status},
              {"first_seen", format_iso8601_ms(o.first_seen)},
              {"last_seen", format_iso8601_ms(o.last_seen)}};
}

json book_json(const BookView& b) {
  return json{{"venue", b.venue},       {"symbol", b.symbol},   {"instrument_id", b.instrument_id},
              {"valid", b.valid},       {"bid", b.bid},         {"ask", b.ask},
              {"bid_qty", b.bid_qty},   {"ask_qty", b.ask_qty}, {"mid", b.mid},
              {"spread_bps", b.spread_bps}, {"age_ms", b.age_ms}, {"sequence", b.sequence},
              {"updates", b.updates},   {"invalid_reason", b.invalid_reason},
              {"invalid_since", b.invalidations == 0 ? json(nullptr) : json(format_iso8601_ms(b.invalid_since))},
              {"invalidations", b.invalidations},
              {"mark_price", b.mark_price}, {"funding_rate", b.funding_rate},
              {"next_funding_time", b.next_funding_time == UtcTime{} ? json(nullptr) : json(format_iso8601_ms(b.next_funding_time))}};
}

json strategy_json(const StrategyView& s) {
  return json{{"strategy", s.name},         {"state", s.state},
              {"calls", s.calls},           {"faults", s.faults},
              {"intents", s.intents},       {"freeze_reason", s.freeze_reason},
              {"last_fault", s.last_fault}, {"last_fault_where", s.last_fault_where}};
}

}  // namespace

std::shared_ptr<const api::Router> build_routes(RouteContext context) {
  auto router = std::make_shared<api::Router>();
  const auto ctx = std::make_shared<const RouteContext>(context);

  // Liveness: the process answers and the engine loop has published recently.
  router->add("GET", "/healthz", [ctx](const api::HttpRequest&) {
    const auto snap = ctx->engine->snapshot();
    const auto age = snap ? ctx->clock->now() - snap->built_at : Nanos::max();
    if (!snap || age > ctx->heartbeat_timeout) {
      return api::HttpResponse::json(503, json{{"ok", false}, {"reason", "engine loop has not published a snapshot recently"}});
    }
    return api::HttpResponse::json(200, json{{"ok", true}});
  });

  router->add("GET", "/api/health", [ctx](const api::HttpRequest&) {
    const auto snap = ctx->engine->snapshot();
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(ctx->clock->now() - ctx->started_at);
    json body{{"status", "ok"},
              {"version", build_info::version},
              {"build", build_id()},
              {"ts", format_iso8601_ms(ctx->clock->utc())},
              {"mode", std::string(to_string(snap ? snap->mode : ControlMode::hold))},
              {"profile", ctx->profile},
              {"uptime_sec", uptime.count()}};
    if (snap) {
      body["safe_mode"] = snap->safe_mode;
      body["dry_run_mode"] = snap->dry_run_mode;
      body["hold_reason"] = snap->hold_reason;
      body["hold_since"] = snap->hold_since_text.empty() ? format_iso8601_ms(snap->hold_since) : snap->hold_since_text;
    }
    return api::HttpResponse::json(200, body);
  });

  router->add("GET", "/api/opportunities", [ctx](const api::HttpRequest&) {
    const auto snap = ctx->engine->snapshot();
    json list = json::array();
    if (snap) {
      for (const auto& o : snap->opportunities) list.push_back(opportunity_json(o));
    }
    json body{{"opportunities", list}};
    if (snap) {
      body["mode"] = std::string(to_string(snap->mode));
      body["ts"] = format_iso8601_ms(snap->ts);
    }
    return api::HttpResponse::json(200, body);
  });

  router->add("GET", "/api/ui/market", [ctx](const api::HttpRequest&) {
    const auto snap = ctx->engine->snapshot();
    json books = json::array();
    json strategies = json::array();
    if (snap) {
      for (const auto& b : snap->books) books.push_back(book_json(b));
      for (const auto& s : snap->strategies) strategies.push_back(strategy_json(s));
    }
    return api::HttpResponse::json(
        200, json{{"books", books}, {"strategies", strategies}, {"book_events", snap ? snap->book_events : 0}});
  });

  if (ctx->desk != nullptr) add_control_routes(*router, *ctx->desk, *ctx->clock, ctx->data_dir);

  router->add("GET", "/ui/dashboard", [](const api::HttpRequest&) {
    api::HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = std::string(dashboard_page_html());
    return response;
  });

  return router;
}

}  // namespace propbot::app
