#include "core/api/routes/control_routes.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/api/access_guard.hpp"
#include "core/api/routes/request_actor.hpp"
#include "core/common/incident_code.hpp"
#include "core/common/severity.hpp"
#include "core/control/csv_text.hpp"
#include "core/control/text_limits.hpp"

namespace propbot::api {
namespace {

using nlohmann::json;
using control::ControlOutcome;
using control::Refusal;
using control::TextLimit;

net::HttpResponse bad_request(const std::string& field, const std::string& fix) {
  return net::HttpResponse::error(400, "bad_request", "field '" + field + "': " + fix);
}

// `text` if it fits `limit`, else the 400 naming the field and the limit.
std::optional<net::HttpResponse> too_long(TextLimit limit, std::string_view text) {
  if (auto message = control::text_too_long(limit, text)) return net::HttpResponse::error(400, "bad_request", *message);
  return std::nullopt;
}

// A required non-empty string field of at most limit.max_bytes, or an error response naming it.
std::optional<net::HttpResponse> need_string(const json& body, TextLimit limit, std::string& out) {
  const std::string field(limit.field);
  if (!body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty()) {
    return bad_request(field, "required, a non-empty string");
  }
  out = body[field].get<std::string>();
  return too_long(limit, out);
}

std::optional<net::HttpResponse> optional_string(const json& body, TextLimit limit, std::string& out) {
  const std::string field(limit.field);
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  if (!body[field].is_string()) return bad_request(field, "must be a string");
  out = body[field].get<std::string>();
  return too_long(limit, out);
}

std::optional<net::HttpResponse> need_id(const json& body, const std::string& field, std::int64_t& out) {
  if (body.contains(field) && body[field].is_number_integer() && body[field].get<std::int64_t>() > 0) {
    out = body[field].get<std::int64_t>();
    return std::nullopt;
  }
  if (body.contains(field) && body[field].is_string()) {
    try {
      std::size_t used = 0;
      out = std::stoll(body[field].get<std::string>(), &used);
      if (used == body[field].get<std::string>().size() && out > 0) return std::nullopt;
    } catch (...) {
    }
  }
  return bad_request(field, "required, a positive integer id");
}

std::optional<net::HttpResponse> need_bool(const json& body, const std::string& field, bool& out) {
  if (!body.contains(field) || !body[field].is_boolean()) return bad_request(field, "required, true or false");
  out = body[field].get<bool>();
  return std::nullopt;
}

json state_json(const control::ControlState& state) {
  json out = control::to_json(state);
  out["hold_active"] = state.mode != Mode::resume;
  return out;
}

// A ControlPlane answer as HTTP: refusals with their status and code, else 200.
net::HttpResponse respond(const Result<ControlOutcome>& result, const std::function<void(json&)>& extra = {}) {
  if (!result) return net::HttpResponse::error(500, "internal", "control plane: " + result.error().message);
  const ControlOutcome& outcome = *result;
  if (!outcome.ok()) {
    net::HttpResponse response = net::HttpResponse::error(control::http_status_of(outcome.refusal),
                                                          std::string(to_string(outcome.refusal)), outcome.message);
    if (outcome.retry_after) response.headers.emplace_back("Retry-After", std::to_string(outcome.retry_after->count()));
    return response;
  }
  json body{{"state", state_json(outcome.state)}};
  if (outcome.approval) body["approval"] = control::to_json(*outcome.approval);
  if (outcome.incident) body["incident"] = control::to_json(*outcome.incident);
  if (extra) extra(body);
  return net::HttpResponse::json(200, body);
}

net::HttpResponse approval_requested(const Result<ControlOutcome>& result) {
  return respond(result, [&](json& body) {
    const auto& approval = *result->approval;
    body["request_id"] = approval.id;
    body["status"] = to_string(approval.status);
    body["expires_at"] = approval.expires_at;
    body["second_factor_required"] = approval.second_factor_required;
  });
}

RouteOptions json_route(Access access = Access::automatic) {
  RouteOptions options;
  options.json_body = true;
  options.access = access;
  return options;
}
RouteOptions read_route(Access access) {
  RouteOptions options;
  options.access = access;
  return options;
}

// One bus event as /api/ui/events and its export show it.
json event_json(const control::ControlEvent& e) {
  return json{{"seq", e.seq}, {"type", e.type}, {"ts", e.ts_utc}, {"payload", e.payload}};
}

std::optional<int> query_int(const net::HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  try {
    std::size_t used = 0;
    const int value = std::stoi(it->second, &used);
    if (used == it->second.size()) return value;
  } catch (...) {
  }
  return std::nullopt;
}

}  // namespace

void add_control_routes(GuardedRouter& router, ControlDesk& desk, const Clock& clock, std::string export_dir) {
  control::ControlPlane& cp = desk.plane();

  AccessGuardCallbacks callbacks;
  callbacks.authenticate = [&desk](std::string_view token) -> std::optional<net::Principal> {
    auto identity = desk.authenticate(token);
    if (!identity) return std::nullopt;
    return net::Principal{identity->name, std::string(secrets::to_string(identity->role))};
  };
  callbacks.on_forbidden = [&cp](const net::Principal& who, std::string_view method, std::string_view path) {
    (void)cp.record_forbidden(control::Actor{who.name, who.role, "api"}, std::string(method), std::string(path));
  };
  callbacks.on_lockout = [&cp](std::string_view source, int failures) {
    (void)cp.record_lockout(std::string(source), failures);
  };
  router.set_guard(std::make_shared<const AccessGuard>(clock, callbacks));

  // --- mode ---------------------------------------------------------------------
  router.add("GET", "/api/ui/control-state", [&cp](const net::HttpRequest&) {
    return net::HttpResponse::json(200, state_json(cp.state()));
  });

  router.add("POST", "/api/ui/hold", [&cp](const net::HttpRequest& request) {
    std::string reason;
    if (auto bad = need_string(request.json, control::kReasonLimit, reason)) return *bad;
    return respond(cp.hold(reason, actor_of(request)));
  }, json_route());

  router.add("POST", "/api/ui/resume-request", [&cp](const net::HttpRequest& request) {
    std::string reason;
    if (auto bad = need_string(request.json, control::kReasonLimit, reason)) return *bad;
    return approval_requested(cp.request_resume(reason, actor_of(request)));
  }, json_route());

  // {request_id, token, actor?, totp?}: the confirmer is the bearer token's principal;
  // a body `actor` that names someone else is refused (no confirming on another's behalf).
  router.add("POST", "/api/ui/resume-confirm", [&cp](const net::HttpRequest& request) {
    std::int64_t id = 0;
    std::string token, totp, named;
    if (auto bad = need_id(request.json, "request_id", id)) return *bad;
    if (auto bad = optional_string(request.json, control::kApproveTokenLimit, token)) return *bad;
    if (auto bad = optional_string(request.json, control::kSecondFactorLimit, totp)) return *bad;
    if (auto bad = optional_string(request.json, control::kActorLimit, named)) return *bad;
    const control::Actor actor = actor_of(request);
    if (!named.empty() && named != actor.name) {
      return bad_request("actor", "names '" + named + "' but the bearer token belongs to '" + actor.name +
                                      "': confirm with your own token");
    }
    return respond(cp.confirm(id, actor, token, totp));
  }, json_route());

  router.add("POST", "/api/ui/resume", [&cp](const net::HttpRequest& request) {
    return respond(cp.resume(actor_of(request)));
  });

  // {"enabled", "reason"}: on is immediate, off files a two-man request.
  using SwitchSetter = Result<ControlOutcome> (control::ControlPlane::*)(bool, const std::string&, const control::Actor&);
  for (const auto& [path, setter] : {std::pair<const char*, SwitchSetter>{"/api/ui/safe-mode", &control::ControlPlane::set_safe_mode},
                                     std::pair<const char*, SwitchSetter>{"/api/ui/dry-run", &control::ControlPlane::set_dry_run}}) {
    router.add("POST", path, [&cp, setter](const net::HttpRequest& request) {
      bool enabled = true;
      std::string reason;
      if (auto bad = need_bool(request.json, "enabled", enabled)) return *bad;
      if (auto bad = need_string(request.json, control::kReasonLimit, reason)) return *bad;
      auto result = (cp.*setter)(enabled, reason, actor_of(request));
      return result && result->approval ? approval_requested(result) : respond(result);
    }, json_route());
  }

  // --- approvals --------------------------------------------------------------------
  router.add("GET", "/api/ui/approvals", [&cp](const net::HttpRequest&) {
    (void)cp.expire_due();
    auto pending = cp.pending_approvals();
    if (!pending) return net::HttpResponse::error(500, "internal", pending.error().message);
    json list = json::array();
    for (const auto& request : *pending) list.push_back(control::to_json(request));
    return net::HttpResponse::json(200, json{{"pending", list}});
  });

  // Files a two-man request of any kind: {"kind", "reason", "payload"?} (resume, kill
  // switch, safe_mode off and dry-run exit also have their own routes).
  router.add("POST", "/api/ui/approvals", [&cp](const net::HttpRequest& request) {
    std::string kind_text, reason;
    if (auto bad = need_string(request.json, control::kKindLimit, kind_text)) return *bad;
    auto kind = control::parse_approval_kind(kind_text);
    if (!kind) {
      return bad_request("kind", "must be one of resume, exit_dry_run, raise_limit, unfreeze_strategy, kill_switch, "
                                 "promote_standby, safe_mode_off, config_apply_loosening");
    }
    if (auto bad = need_string(request.json, control::kReasonLimit, reason)) return *bad;
    json payload = json::object();
    if (request.json.contains("payload")) {
      if (!request.json["payload"].is_object()) return bad_request("payload", "must be a JSON object");
      payload = request.json["payload"];
      if (auto bad = too_long(control::kPayloadLimit, payload.dump())) return *bad;
    }
    return approval_requested(cp.request_approval(*kind, reason, payload, actor_of(request)));
  }, json_route());

  router.add("POST", "/api/ui/approvals/{id}/confirm", [&cp](const net::HttpRequest& request) {
    std::int64_t id = 0;
    if (auto bad = need_id(json{{"id", request.params.at("id")}}, "id", id)) return *bad;
    std::string token, totp;
    if (auto bad = optional_string(request.json, control::kApproveTokenLimit, token)) return *bad;
    if (auto bad = optional_string(request.json, control::kSecondFactorLimit, totp)) return *bad;
    return respond(cp.confirm(id, actor_of(request), token, totp));
  }, json_route());

  router.add("POST", "/api/ui/approvals/{id}/reject", [&cp](const net::HttpRequest& request) {
    std::int64_t id = 0;
    if (auto bad = need_id(json{{"id", request.params.at("id")}}, "id", id)) return *bad;
    return respond(cp.reject(id, actor_of(request)));
  });

  // --- kill switch: {"action":"request","reason"} then {"action":"confirm","request_id","token","totp"}
  router.add("POST", "/api/admin/kill_switch", [&cp](const net::HttpRequest& request) {
    std::string action;
    if (auto bad = need_string(request.json, control::kActionLimit, action)) return *bad;
    if (action == "request") {
      std::string reason;
      if (auto bad = need_string(request.json, control::kReasonLimit, reason)) return *bad;
      return approval_requested(cp.request_kill(reason, actor_of(request)));
    }
    if (action == "confirm") {
      std::int64_t id = 0;
      std::string token, totp;
      if (auto bad = need_id(request.json, "request_id", id)) return *bad;
      if (auto bad = optional_string(request.json, control::kApproveTokenLimit, token)) return *bad;
      if (auto bad = optional_string(request.json, control::kSecondFactorLimit, totp)) return *bad;
      return respond(cp.confirm(id, actor_of(request), token, totp));
    }
    return bad_request("action", "must be \"request\" or \"confirm\"");
  }, json_route());

  // --- incidents --------------------------------------------------------------------
  router.add("GET", "/api/ui/incidents", [&cp](const net::HttpRequest& request) {
    auto view = cp.incidents_view(query_int(request, "limit").value_or(20));
    if (!view) return net::HttpResponse::error(500, "internal", view.error().message);
    return net::HttpResponse::json(200, *view);
  });

  router.add("POST", "/api/ui/incidents/manual_log", [&cp](const net::HttpRequest& request) {
    std::string severity_text, component, summary;
    if (auto bad = need_string(request.json, control::kSeverityLimit, severity_text)) return *bad;
    auto severity = parse_severity(severity_text);
    if (!severity) return bad_request("severity", "must be \"P0\", \"P1\" or \"P2\"");
    if (auto bad = need_string(request.json, control::kComponentLimit, component)) return *bad;
    if (auto bad = need_string(request.json, control::kSummaryLimit, summary)) return *bad;
    // "code" is optional (default manual); unspecified only labels rows older than codes.
    IncidentCode code = IncidentCode::manual;
    std::string code_text;
    if (auto bad = optional_string(request.json, control::kIncidentCodeLimit, code_text)) return *bad;
    if (request.json.contains("code") && !request.json["code"].is_null()) {
      auto parsed = parse_incident_code(code_text);
      if (!parsed || *parsed == IncidentCode::unspecified) {
        return bad_request("code", "must be one of " + raisable_incident_codes_text());
      }
      code = *parsed;
    }
    return respond(cp.log_incident(*severity, component, summary, actor_of(request), code));
  }, json_route());

  router.add("POST", "/api/ui/incidents/ack_and_postmortem", [&cp](const net::HttpRequest& request) {
    std::int64_t id = 0;
    std::string root_cause;
    if (auto bad = need_id(request.json, "incident_id", id)) return *bad;
    if (auto bad = need_string(request.json, control::kRootCauseLimit, root_cause)) return *bad;
    bool resolve = true;
    if (request.json.contains("resolve")) {
      if (auto bad = need_bool(request.json, "resolve", resolve)) return *bad;
    }
    return respond(cp.ack_and_postmortem(id, root_cause, resolve, actor_of(request)));
  }, json_route());

  // --- audit (auditor and operator) -------------------------------------------------
  router.add("GET", "/api/ui/audit_log", [&cp](const net::HttpRequest& request) {
    control::AuditFilter filter;
    if (auto it = request.query.find("actor"); it != request.query.end()) filter.actor = it->second;
    if (auto it = request.query.find("action"); it != request.query.end()) filter.action = it->second;
    const int limit = query_int(request, "limit").value_or(100);
    if (limit < 1 || limit > control::kMaxAuditPage) {
      return net::HttpResponse::error(400, "bad_request", "query 'limit': must be 1..1000");
    }
    std::optional<std::int64_t> before;
    if (auto b = query_int(request, "before_id")) before = *b;
    auto page = cp.audit_page(filter, limit, before);
    if (!page) return net::HttpResponse::error(500, "internal", page.error().message);
    json entries = json::array();
    for (const auto& r : *page) {
      entries.push_back({{"id", r.id}, {"ts_utc", r.ts_utc}, {"actor", r.actor}, {"role", r.role},
                         {"action", r.action}, {"target", r.target}, {"details", json::parse(r.details_json)},
                         {"prev_hash", r.prev_hash}, {"cumulative_hash", r.cumulative_hash}});
    }
    return net::HttpResponse::json(200, json{{"entries", entries}});
  }, read_route(Access::auditor));

  // The whole chain as JSON lines, verifiable offline with `propbot audit verify --file`.
  // A long chain takes a while to write and read back: the route runs on the API
  // server's blocking workers, inside the desk's slow-call gate (the control plane must
  // not be used once the daemon has begun to take it down).
  RouteOptions export_options = read_route(Access::auditor);
  export_options.blocking = true;
  router.add("GET", "/api/ui/audit/export", [&cp, export_dir, gate = desk.slow_calls()](const net::HttpRequest& request) {
    const CallGate::Scope call(*gate);
    if (!call) return net::HttpResponse::error(503, "unavailable", "the daemon is stopping; export after it restarts");
    static std::atomic<std::uint64_t> counter{0};
    const std::filesystem::path path =
        std::filesystem::path(export_dir) / ("audit-export-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(counter.fetch_add(1)) + ".jsonl");
    auto written = cp.export_audit(path.string());
    if (!written) return net::HttpResponse::error(500, "internal", "audit export: " + written.error().message);
    (void)cp.record(actor_of(request), "audit_export", "audit_log", {{"entries", *written}});
    net::HttpResponse response;
    response.content_type = "application/x-ndjson";
    {
      std::ifstream in(path, std::ios::binary | std::ios::ate);
      response.body.resize(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())));
      in.seekg(0);
      in.read(response.body.data(), static_cast<std::streamsize>(response.body.size()));
    }
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"propbot-audit.jsonl\"");
    return response;
  }, export_options);

  // --- secrets (names and dates only, never values) ---------------------------------
  router.add("GET", "/api/ui/secrets/status", [&desk](const net::HttpRequest&) {
    json list = json::array();
    for (const auto& info : desk.secret_names()) {
      if (info.name.rfind("dev.", 0) == 0) continue;  // paper tokens' plain text: not even their names
      list.push_back({{"name", info.name}, {"last_rotated", info.updated_at}});
    }
    return net::HttpResponse::json(200, json{{"store", desk.store_path()}, {"secrets", list}});
  }, read_route(Access::auditor));

  router.add("POST", "/api/ui/secret", [&desk, &cp](const net::HttpRequest& request) {
    std::string name, value;
    if (auto bad = need_string(request.json, control::kSecretNameLimit, name)) return *bad;
    if (auto bad = need_string(request.json, control::kSecretValueLimit, value)) return *bad;
    // The second man's secrets and the state key are refused (ControlDesk::offline_only):
    // the attempt is audited, the value never.
    if (auto refused = desk.offline_only(name)) {
      (void)cp.record(actor_of(request), "secret_rotated", "secret:" + name,
                      {{"which_key", name}, {"outcome", "denied"}, {"why", "offline only"}});
      return bad_request("name", *refused);
    }
    if (Status set = desk.set_secret(name, value); !set) return bad_request("name", set.error().message);
    (void)cp.record(actor_of(request), "secret_rotated", "secret:" + name, {{"which_key", name}});
    return net::HttpResponse::json(200, json{{"name", name}, {"rotated", true}});
  }, json_route());

  router.add("GET", "/api/ui/events", [&desk](const net::HttpRequest& request) {
    json list = json::array();
    const std::string type = request.query.count("type") ? request.query.at("type") : "";
    for (const auto& e : desk.bus().recent(static_cast<std::size_t>(std::clamp(query_int(request, "limit").value_or(50), 1, static_cast<int>(control::kKeptControlEvents))), type)) {
      list.push_back(event_json(e));
    }
    return net::HttpResponse::json(200, json{{"events", list}});
  });

  // S-11.8: the events as a file. `limit` in [1, kKeptControlEvents] (default all kept),
  // `format` csv | json (default json), `type` as above; a bad value is a 400 naming it.
  router.add("GET", "/api/ui/events/export", [&desk](const net::HttpRequest& request) {
    const int kept = static_cast<int>(control::kKeptControlEvents);
    int limit = kept;
    if (request.query.count("limit")) {
      const auto asked = query_int(request, "limit");
      if (!asked || *asked < 1 || *asked > kept) {
        return net::HttpResponse::error(400, "bad_request",
                                        "query 'limit': an integer in [1, " + std::to_string(kept) + "]");
      }
      limit = *asked;
    }
    const std::string format = request.query.count("format") ? request.query.at("format") : "json";
    if (format != "csv" && format != "json") {
      return net::HttpResponse::error(400, "bad_request", "query 'format': csv or json");
    }
    const std::string type = request.query.count("type") ? request.query.at("type") : "";
    const auto events = desk.bus().recent(static_cast<std::size_t>(limit), type);
    net::HttpResponse response;
    if (format == "json") {
      json list = json::array();
      for (const auto& e : events) list.push_back(event_json(e));
      response = net::HttpResponse::json(200, json{{"events", list}});
    } else {
      response.content_type = "text/csv; charset=utf-8";
      response.body = control::csv_record({"seq", "type", "ts", "payload"});
      for (const auto& e : events) {
        response.body += control::csv_record({std::to_string(e.seq), e.type, e.ts_utc, net::dump_json(e.payload)});
      }
    }
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"propbot-events." + format + "\"");
    return response;
  });

  // S-11.8: the alerts the control plane raised (newest `limit`, default 50), oldest first.
  router.add("GET", "/api/ui/alerts", [&desk](const net::HttpRequest& request) {
    const int limit = std::clamp(query_int(request, "limit").value_or(50), 1, static_cast<int>(control::kKeptControlEvents));
    json list = json::array();
    for (const auto& e : desk.bus().recent(static_cast<std::size_t>(limit), "ALERT")) {
      list.push_back({{"seq", e.seq},
                      {"ts", e.ts_utc},
                      {"severity", e.payload.value("severity", std::string())},
                      {"message", e.payload.value("message", std::string())},
                      {"details", e.payload}});
    }
    return net::HttpResponse::json(200, json{{"alerts", list}});
  });
}

}  // namespace propbot::api
