#include "core/api/routes/routes.hpp"

#include "core/api/routes/config_routes.hpp"
#include "core/api/routes/control_routes.hpp"
#include "core/api/routes/execution_routes.hpp"
#include "core/api/routes/ledger_routes.hpp"
#include "core/api/routes/risk_routes.hpp"

#include <nlohmann/json.hpp>

#include "core/api/routes/dashboard_page.hpp"
#include "propbot/build_info.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

std::string build_id() { return std::string(build_info::git_sha) + "-" + build_info::build_type; }

json opportunity_json(const engine::OpportunityView& o) {
  json out{{"strategy", o.strategy},
           {"kind", o.kind},
           {"symbol", o.symbol},
           {"long_venue", o.long_venue},
           {"short_venue", o.short_venue},
           {"spread_bps", o.spread_bps},
           {"net_spread_bps", o.net_spread_bps},
           {"notional_suggestion", o.notional_suggestion},
           {"intent_notional_usdt", o.intent_notional_usdt},
           {"long_price", o.long_price},
           {"short_price", o.short_price},
           {"reduce_only", o.reduce_only},
           {"reason", o.reason},
           {"regime", o.regime.empty() ? json(nullptr) : json(o.regime)},
           {"regime_confidence", o.regime_confidence},
           {"policy_min_edge_bps", o.policy_min_edge_bps},
           {"risk_reason", o.risk_reason.empty() ? json(nullptr) : json(o.risk_reason)},
           {"policy", o.policy},
           {"status", o.status},
           {"first_seen", format_iso8601_ms(o.first_seen)},
           {"last_seen", format_iso8601_ms(o.last_seen)}};
  if (o.kind == "single") {
    out["venue"] = o.venue;
    out["side"] = o.side;
    out["price"] = o.price;
    out["post_only"] = o.post_only;
  }
  return out;
}

json policy_json(const engine::PolicyView& p) {
  json regimes = json::array();
  for (const auto& r : p.regimes) {
    regimes.push_back({{"symbol", r.symbol},
                       {"regime", r.regime.empty() ? json(nullptr) : json(r.regime)},
                       {"confidence", r.confidence},
                       {"fallback", r.fallback}});
  }
  json breakers = json::array();
  for (const auto& b : p.breakers) {
    breakers.push_back({{"rule", b.rule}, {"action", b.action}, {"severity", b.severity}, {"reason", b.reason}});
  }
  return json{{"loaded", p.loaded},       {"degraded", p.degraded},   {"calls", p.calls},
              {"faults", p.faults},       {"fallbacks", p.fallbacks}, {"clamped_sizes", p.clamped_sizes},
              {"last_fault", p.last_fault}, {"last_fault_where", p.last_fault_where},
              {"regimes", regimes},       {"breakers", breakers}};
}

json book_json(const engine::BookView& b) {
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

json strategy_json(const engine::StrategyView& s) {
  return json{{"strategy", s.name},         {"state", s.state},
              {"file", s.file},             {"version", s.version},
              {"calls", s.calls},           {"faults", s.faults},
              {"intents", s.intents},       {"freeze_reason", s.freeze_reason},
              {"params", s.params.is_null() ? json::object() : s.params},
              {"last_fault", s.last_fault}, {"last_fault_where", s.last_fault_where}};
}

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
  if (ctx->engine != nullptr) add_arb_routes(*router, *ctx->engine);
  if (ctx->desk != nullptr) add_control_routes(*router, *ctx->desk, *ctx->clock, ctx->data_dir);
  if (ctx->config != nullptr) add_config_routes(*router, ctx->config);

  router->add("GET", "/ui/dashboard", [](const net::HttpRequest&) {
    net::HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = std::string(dashboard_page_html());
    return response;
  });

  return router;
}

}  // namespace propbot::api
