#include "core/api/routes/risk_routes.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/api/routes/request_actor.hpp"
#include "core/control/text_limits.hpp"
#include "core/risk/figure_text.hpp"
#include "core/risk/risk_reason.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;

net::HttpResponse bad_field(const std::string& field, const std::string& fix) {
  return net::HttpResponse::error(400, "bad_request", "field '" + field + "': " + fix);
}

// One part of the snapshot's risk views; 503 before the engine published any.
net::HttpResponse risk_part(const engine::SnapshotSlot* snapshots, const char* part) {
  const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
  if (!snap || !snap->risk || !snap->risk->contains(part)) {
    return net::HttpResponse::error(503, "unavailable", "the risk governor has not evaluated yet; retry in a second");
  }
  return net::HttpResponse::json(200, snap->risk->at(part));
}

std::optional<net::HttpResponse> strategy_field(const json& body, std::string& out) {
  if (!body.contains("strategy") || !body["strategy"].is_string() || body["strategy"].get<std::string>().empty() ||
      body["strategy"].get<std::string>().size() > 64) {
    return bad_field("strategy", "required, a strategy name (1..64 characters) or \"all\"");
  }
  out = body["strategy"].get<std::string>();
  return std::nullopt;
}

std::optional<net::HttpResponse> reason_field(const json& body, std::string& out) {
  if (!body.contains("reason") || !body["reason"].is_string() || body["reason"].get<std::string>().empty()) {
    return bad_field("reason", "required, a non-empty string saying why");
  }
  out = body["reason"].get<std::string>();
  if (auto message = control::text_too_long(control::kReasonLimit, out)) {
    return net::HttpResponse::error(400, "bad_request", *message);
  }
  return std::nullopt;
}

net::HttpResponse filed(const Result<control::ControlOutcome>& result) {
  if (!result) return net::HttpResponse::error(500, "internal", result.error().message);
  if (!result->ok()) {
    return net::HttpResponse::error(control::http_status_of(result->refusal), std::string(to_string(result->refusal)),
                                    result->message);
  }
  json body = json::object();
  if (result->approval) {
    body["approval"] = control::to_json(*result->approval);
    body["request_id"] = result->approval->id;
    body["status"] = to_string(result->approval->status);
    body["expires_at"] = result->approval->expires_at;
  }
  return net::HttpResponse::json(202, body);
}

RouteOptions json_body(Access access) {
  RouteOptions options;
  options.json_body = true;
  options.access = access;
  return options;
}

}  // namespace

net::HttpResponse engine_refusal(const Error& error) {
  if (error.code == Errc::invalid_argument) return net::HttpResponse::error(400, "bad_request", error.message);
  if (error.code == Errc::not_found) return net::HttpResponse::error(404, "not_found", error.message);
  if (error.code == Errc::unavailable) return net::HttpResponse::error(503, "unavailable", error.message);
  return net::HttpResponse::error(409, "refused", error.message);
}

void add_risk_routes(GuardedRouter& router, const engine::SnapshotSlot* snapshots, engine::EngineHandle* engine,
                     ControlDesk* desk) {
  for (const auto& [path, part] : {std::pair{"/api/ui/risk_snapshot", "risk_snapshot"},
                                   std::pair{"/api/ui/strategy_status", "strategy_status"},
                                   std::pair{"/api/ui/strategy_budget", "strategy_budget"},
                                   std::pair{"/api/ui/capital", "capital"}}) {
    router.add("GET", path, [snapshots, part = part](const net::HttpRequest&) { return risk_part(snapshots, part); });
  }
  if (engine != nullptr) {
    router.add(
        "POST", "/api/ui/budget/reset",
        [engine](const net::HttpRequest& request) {
          std::string strategy;
          if (auto bad = strategy_field(request.json, strategy)) return *bad;
          const control::Actor actor = actor_of(request);
          auto answer = engine->risk_action(engine::RiskAction::reset_budget, json{{"strategy", strategy}},
                                            actor.name + "@" + actor.source, std::chrono::seconds(5));
          if (!answer) return engine_refusal(answer.error());
          return net::HttpResponse::json(200, *answer);
        },
        json_body(Access::operator_));
  }
  if (desk == nullptr) return;
  control::ControlPlane& plane = desk->plane();
  router.add(
      "POST", "/api/ui/unfreeze-strategy",
      [&plane, snapshots](const net::HttpRequest& request) {
        std::string strategy, reason;
        if (auto bad = strategy_field(request.json, strategy)) return *bad;
        if (auto bad = reason_field(request.json, reason)) return *bad;
        // The strategy must be one the governor knows (or "all").
        if (strategy != "all") {
          const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
          bool known = false;
          if (snap && snap->risk) {
            for (const auto& row : snap->risk->at("strategy_status").at("strategies")) {
              if (row.value("name", "") == strategy) known = true;
            }
          }
          if (!known) return bad_field("strategy", "'" + strategy + "' is not a configured strategy; see /api/ui/strategy_status");
        }
        return filed(plane.request_approval(control::ApprovalKind::unfreeze_strategy, reason, json{{"strategy", strategy}},
                                            actor_of(request)));
      },
      json_body(Access::operator_));
  router.add(
      "POST", "/api/ui/risk/limit-request",
      [&plane, snapshots](const net::HttpRequest& request) {
        const json& body = request.json;
        if (!body.contains("limit") || !body["limit"].is_string()) {
          return bad_field("limit", "required, a cap name such as max_total_notional (or its config key)");
        }
        auto cap = risk::parse_cap(body["limit"].get<std::string>());
        if (!cap) {
          return bad_field("limit", "'" + body["limit"].get<std::string>() +
                                        "' is not a cap; use max_total_notional, max_open_positions, "
                                        "max_notional_per_position, max_exposure_per_symbol, max_exposure_per_venue, "
                                        "max_leverage, daily_loss_cap, monthly_loss_cap or max_unrealized_loss");
        }
        if (!body.contains("value") || !body["value"].is_number() || !std::isfinite(body["value"].get<double>()) ||
            body["value"].get<double>() <= 0) {
          return bad_field("value", "required, the new limit: a number > 0");
        }
        const double value = body["value"].get<double>();
        std::string reason;
        if (auto bad = reason_field(body, reason)) return *bad;
        const auto snap = snapshots == nullptr ? nullptr : snapshots->load();
        if (snap && snap->risk) {
          for (const auto& row : snap->risk->at("risk_snapshot").at("caps")) {
            if (row.value("name", "") != risk::to_string(*cap)) continue;
            const double limit = row.value("limit", 0.0);
            if (limit <= 0) return bad_field("limit", std::string(risk::to_string(*cap)) + " is off (0); nothing to raise");
            if (value <= limit) {
              return bad_field("value", "must be above the limit in force (" + row["limit"].dump() +
                                            "); lower a limit through a config apply");
            }
          }
        }
        // Canonical payload: the value as its text (the approvals table stores no fractions).
        return filed(plane.request_approval(control::ApprovalKind::raise_limit, reason,
                                            json{{"limit", std::string(risk::to_string(*cap))},
                                                 {"value", risk::figure_text(value)}},
                                            actor_of(request)));
      },
      json_body(Access::operator_));
}

}  // namespace propbot::api
