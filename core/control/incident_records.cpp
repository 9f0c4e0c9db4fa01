// The ControlPlane's incidents (log, ack + postmortem, the view) and its audit-only
// records (forbidden calls, lockouts, secret reads, the audit page, verify, export).
#include "core/control/control_plane.hpp"

#include <algorithm>

#include "core/control/control_plane_checks.hpp"

namespace propbot::control {

using detail::first_too_long;

// --- incidents ---------------------------------------------------------------------

Result<ControlOutcome> ControlPlane::log_incident(Severity severity, const std::string& component,
                                                 const std::string& summary, const Actor& actor, IncidentCode code) {
  if (code == IncidentCode::unspecified) {
    std::lock_guard lock(mutex_);
    return refused(Refusal::invalid, "code unspecified is only for incidents recorded before codes existed; use one of " +
                                         raisable_incident_codes_text());
  }
  if (component.empty() || summary.empty()) {
    std::lock_guard lock(mutex_);
    return refused(Refusal::invalid, "component and summary are required");
  }
  if (auto too_long = first_too_long({{kComponentLimit, component}, {kSummaryLimit, summary}})) {
    std::lock_guard lock(mutex_);
    return refused(Refusal::invalid, *too_long);
  }
  SafetyEvent event;
  event.code = code;
  event.severity = severity;
  event.component = component;
  event.summary = summary;
  event.actor = actor;
  return safety_action(event);
}

Result<ControlOutcome> ControlPlane::ack_and_postmortem(std::int64_t incident_id, const std::string& root_cause,
                                                        bool resolve, const Actor& actor) {
  std::lock_guard lock(mutex_);
  const std::string target = "incident:" + std::to_string(incident_id);
  if (root_cause.empty()) return refused(Refusal::invalid, "postmortem_root_cause is required");
  if (auto too_long = text_too_long(kRootCauseLimit, root_cause)) return refused(Refusal::invalid, *too_long);
  auto done = incidents_.ack_and_postmortem(incident_id, actor.name, root_cause, resolve);
  if (!done) {
    (void)audit_locked(actor, "ack_and_postmortem", target, {{"outcome", "denied"}, {"message", done.error().message}});
    if (done.error().code == Errc::not_found) return refused(Refusal::not_found, done.error().message);
    if (done.error().code == Errc::invalid_argument) return refused(Refusal::invalid, done.error().message);
    if (done.error().code == Errc::conflict) return refused(Refusal::already_decided, done.error().message);
    return done.error();
  }
  if (Status s = audit_locked(actor, "ack_and_postmortem", target, {{"outcome", "approved"}, {"resolve", resolve}}); !s) {
    return s.error();
  }
  publish_locked("INCIDENT_ACKED", to_json(*done));
  ControlOutcome outcome;
  outcome.state = state_;
  outcome.incident = *done;
  return outcome;
}

Result<std::vector<Incident>> ControlPlane::close_fixed_incidents(IncidentCode code, const std::string& component,
                                                                 const std::string& root_cause, const Actor& actor) {
  std::lock_guard lock(mutex_);
  auto active = incidents_.active();
  if (!active) return active.error();
  std::vector<Incident> closed;
  for (const Incident& incident : *active) {
    if (incident.code != code || incident.component != component) continue;
    Result<Incident> done = make_error(Errc::internal, "not closed");
    if (!incident.postmortem_root_cause) {
      done = incidents_.ack_and_postmortem(incident.id, actor.name, root_cause, true);
    } else {
      done = incident.operator_ack ? incidents_.resolve(incident.id) : incidents_.acknowledge(incident.id, actor.name);
      if (done && !done->resolved_ts_utc) done = incidents_.resolve(incident.id);
    }
    if (!done) return done.error();
    if (Status s = audit_locked(actor, "incident_closed_by_fix", "incident:" + std::to_string(incident.id),
                                {{"code", std::string(to_string(code))}, {"component", component}, {"fix", root_cause}});
        !s) {
      return s.error();
    }
    publish_locked("INCIDENT_ACKED", to_json(*done));
    closed.push_back(std::move(*done));
  }
  return closed;
}

Result<nlohmann::json> ControlPlane::incidents_view(int recent_closed) const {
  std::lock_guard lock(mutex_);
  auto active = incidents_.active();
  if (!active) return active.error();
  auto closed = incidents_.recent_closed(std::clamp(recent_closed, 1, 1000));
  if (!closed) return closed.error();
  auto locked = incidents_.postmortem_required();
  if (!locked) return locked.error();
  nlohmann::json out = {{"active", nlohmann::json::array()},
                        {"recent_closed", nlohmann::json::array()},
                        {"trade_locked", !locked->empty()},
                        {"postmortem_required", nlohmann::json::array()}};
  for (const auto& i : *active) out["active"].push_back(to_json(i));
  for (const auto& i : *closed) out["recent_closed"].push_back(to_json(i));
  for (const auto& i : *locked) out["postmortem_required"].push_back(i.id);
  if (!locked->empty()) out["banner"] = "TRADE LOCKED: POSTMORTEM REQUIRED";
  return out;
}

Result<Incident> ControlPlane::record_forensic_ref(std::int64_t incident_id, const std::string& forensic_ref,
                                                   nlohmann::json details) {
  std::lock_guard lock(mutex_);
  auto referenced = incidents_.set_forensic_ref(incident_id, forensic_ref);
  if (!referenced) return referenced.error();
  details["forensic_ref"] = forensic_ref;
  if (Status s = audit_locked(Actor::system(), "forensic_bundle_written", "incident:" + std::to_string(incident_id),
                              std::move(details));
      !s) {
    return s.error();
  }
  return referenced;
}

Result<std::vector<ApprovalRequest>> ControlPlane::pending_approvals() {
  std::lock_guard lock(mutex_);
  return approvals_.pending();
}

// --- audit-only records -----------------------------------------------------------

Status ControlPlane::record_forbidden(const Actor& actor, const std::string& method, const std::string& path) {
  std::lock_guard lock(mutex_);
  std::vector<ForbiddenSummary> due;
  const bool audit_now = forbidden_.observe(ForbiddenCaller{actor.name, actor.role, actor.source}, method, path,
                                            clock_.now(), clock_.utc(), due);
  write_forbidden_summaries_locked(due);
  if (!audit_now) return {};
  return audit_locked(actor, "forbidden", path, {{"method", method}, {"outcome", "forbidden"}});
}

void ControlPlane::write_forbidden_summaries_locked(const std::vector<ForbiddenSummary>& summaries) {
  for (const auto& summary : summaries) {
    const Actor actor{summary.caller.name, summary.caller.role, summary.caller.source};
    (void)audit_locked(actor, "forbidden", summary.path,
                       {{"method", summary.method},
                        {"outcome", "forbidden"},
                        {"repeated", summary.repeated},
                        {"first_ts", format_iso8601_ms(summary.first)},
                        {"last_ts", format_iso8601_ms(summary.last)}});
  }
}

Status ControlPlane::record_lockout(const std::string& source, int failures) {
  std::lock_guard lock(mutex_);
  Actor actor{"unknown", "none", source};
  if (Status s = audit_locked(actor, "auth_lockout", "api", {{"failures", failures}}); !s) return s;
  alert_locked("P1", "brute-force lockout of " + source + " after " + std::to_string(failures) + " bad tokens",
               {{"source", source}, {"failures", failures}});
  return {};
}

Status ControlPlane::record_secret_access(const std::string& name, const std::string& actor, bool found) {
  std::lock_guard lock(mutex_);
  return audit_locked(Actor{actor, "system", "internal"}, "access_secret", "secret:" + name,
                      {{"which_key", name}, {"found", found}});
}

Status ControlPlane::record(const Actor& actor, const std::string& action, const std::string& target,
                            nlohmann::json details) {
  std::lock_guard lock(mutex_);
  return audit_locked(actor, action, target, std::move(details));
}

Result<std::vector<AuditRecord>> ControlPlane::audit_page(const AuditFilter& filter, int limit,
                                                          std::optional<std::int64_t> before_id) {
  std::lock_guard lock(mutex_);
  write_forbidden_summaries_locked(forbidden_.take_counts(clock_.now()));
  return audit_.page(filter, limit, before_id);
}

Result<ChainReport> ControlPlane::verify_audit() const {
  std::lock_guard lock(mutex_);
  return audit_.verify();
}

Result<std::int64_t> ControlPlane::export_audit(const std::string& path) {
  std::lock_guard lock(mutex_);
  write_forbidden_summaries_locked(forbidden_.take_counts(clock_.now()));
  return audit_.export_jsonl(path);
}

Status ControlPlane::expire_due() {
  std::lock_guard lock(mutex_);
  auto expired = approvals_.expire_due();
  if (!expired) return expired.error();
  for (const auto& request : *expired) {
    (void)audit_locked(Actor::system(), "approval_expired", "approval:" + std::to_string(request.id),
                       {{"kind", to_string(request.kind)}, {"requested_by", request.requested_by}});
    publish_locked("APPROVAL_DECIDED", to_json(request));
  }
  return {};
}

}  // namespace propbot::control
