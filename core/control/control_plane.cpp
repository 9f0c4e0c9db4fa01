#include "core/control/control_plane.hpp"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <utility>

#include "core/control/text_limits.hpp"

namespace propbot::control {

namespace {

constexpr std::string_view kStateName = "control_state";

// Every route cap stays within what the store accepts: a longer text would be a store
// error (answered 500) instead of a named refusal.
static_assert(kComponentLimit.max_bytes <= kMaxIncidentFieldLength);
static_assert(kSummaryLimit.max_bytes <= kMaxIncidentTextLength);
static_assert(kRootCauseLimit.max_bytes <= kMaxIncidentTextLength);
// A kill switch's incident summary is the reason plus two operator names and ~50 bytes.
static_assert(kReasonLimit.max_bytes + 2 * kActorLimit.max_bytes + 100 <= kMaxIncidentTextLength);

using Field = std::pair<TextLimit, std::string_view>;

// The first over-long field's message, or nullopt when every field fits.
std::optional<std::string> first_too_long(std::initializer_list<Field> fields) {
  for (const auto& [limit, value] : fields) {
    if (auto message = text_too_long(limit, value)) return message;
  }
  return std::nullopt;
}

Refusal refusal_for(ApprovalRefusal refusal) {
  switch (refusal) {
    case ApprovalRefusal::none: return Refusal::none;
    case ApprovalRefusal::not_found: return Refusal::not_found;
    case ApprovalRefusal::already_decided: return Refusal::already_decided;
    case ApprovalRefusal::expired: return Refusal::expired;
    case ApprovalRefusal::self_confirmation: return Refusal::self_confirmation;
    case ApprovalRefusal::second_factor_required: return Refusal::second_factor_required;
  }
  return Refusal::invalid;
}

std::string minutes_text(Nanos span) {
  return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(span).count()) + " min";
}

// Which global action an event demands: an operator's severity decides for a manual
// log (a P0 holds, nothing an operator logs can KILL), the S-4.2 policy otherwise.
GlobalAction action_for(const SafetyEvent& event, Severity severity) {
  if (event.severity) return severity == Severity::P0 ? GlobalAction::hold : GlobalAction::none;
  return global_action_for(event.code);
}

}  // namespace

std::string_view to_string(Refusal refusal) {
  switch (refusal) {
    case Refusal::none: return "none";
    case Refusal::invalid: return "invalid";
    case Refusal::bad_token: return "bad_token";
    case Refusal::second_factor_required: return "second_factor_required";
    case Refusal::bad_second_factor: return "bad_second_factor";
    case Refusal::self_confirmation: return "self_confirmation";
    case Refusal::not_found: return "not_found";
    case Refusal::expired: return "expired";
    case Refusal::already_decided: return "already_decided";
    case Refusal::wrong_mode: return "wrong_mode";
    case Refusal::postmortem_required: return "postmortem_required";
    case Refusal::not_approved: return "not_approved";
    case Refusal::second_factor_locked: return "second_factor_locked";
  }
  return "invalid";
}

int http_status_of(Refusal refusal) {
  switch (refusal) {
    case Refusal::none: return 200;
    case Refusal::invalid: return 400;
    case Refusal::bad_token:
    case Refusal::second_factor_required:
    case Refusal::bad_second_factor: return 401;
    case Refusal::self_confirmation: return 403;
    case Refusal::not_found: return 404;
    case Refusal::expired:
    case Refusal::already_decided:
    case Refusal::wrong_mode:
    case Refusal::postmortem_required:
    case Refusal::not_approved: return 409;
    case Refusal::second_factor_locked: return 429;
  }
  return 400;
}

nlohmann::json to_json(const ControlState& state) {
  nlohmann::json out = {{"mode", to_string(state.mode)},
                        {"safe_mode", state.safe_mode},
                        {"dry_run_mode", state.dry_run_mode},
                        {"reason", state.reason},
                        {"since", state.since},
                        {"last_released_ts", state.last_released_ts},
                        {"autopilot_status", state.autopilot_status},
                        {"autopilot_last_decision", state.autopilot_last_decision},
                        {"tamper_status", state.tamper_status},
                        {"leader_id", state.leader_id},
                        {"fencing_token", state.fencing_token},
                        {"resume_authorization", nullptr}};
  if (state.resume_authorization) {
    const auto& a = *state.resume_authorization;
    out["resume_authorization"] = {{"request_id", a.request_id},
                                   {"requested_by", a.requested_by},
                                   {"approved_by", a.approved_by},
                                   {"approved_at", a.approved_at}};
  }
  return out;
}

// ---------------------------------------------------------------------------------

ControlPlane::ControlPlane(store::Database& database, SignedStateStore signed_state, const Clock& clock,
                           EventBus& bus, ApprovalCredentials& credentials, ControlPlaneOptions options, Logger logger,
                           Flattener* flattener, AutopilotGates* gates, ForensicSink* forensics)
    : database_(database),
      signed_state_(std::move(signed_state)),
      audit_(database, clock),
      incidents_(database, clock, forensics),
      approvals_(database, clock, options.approvals),
      clock_(clock),
      bus_(bus),
      credentials_(credentials),
      options_(options),
      logger_(std::move(logger)),
      flattener_(flattener),
      gates_(gates),
      confirm_failures_(options.confirm_lockout, "control plane confirm_lockout"),
      forbidden_(options.forbidden_audit) {}

ControlPlane::~ControlPlane() {
  std::lock_guard lock(mutex_);
  write_forbidden_summaries_locked(forbidden_.take_counts(clock_.now()));
}

Result<std::unique_ptr<ControlPlane>> ControlPlane::open(store::Database& database, std::string_view state_hmac_key,
                                                         const Clock& clock, EventBus& bus,
                                                         ApprovalCredentials& credentials, ControlPlaneOptions options,
                                                         Logger logger, Flattener* flattener, AutopilotGates* gates,
                                                         ForensicSink* forensics) {
  auto signed_state = SignedStateStore::open(database, state_hmac_key, clock);
  if (!signed_state) return signed_state.error();
  std::unique_ptr<ControlPlane> plane;
  try {
    plane.reset(new ControlPlane(database, std::move(*signed_state), clock, bus, credentials, options,
                                 std::move(logger), flattener, gates, forensics));
  } catch (const std::invalid_argument& error) {
    return make_error(Errc::invalid_argument, error.what());
  }
  if (Status started = plane->start_up(); !started) return started.error();
  return plane;
}

std::string ControlPlane::now_iso() const { return format_iso8601_ms(clock_.utc()); }

ControlState ControlPlane::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

ControlOutcome ControlPlane::refused(Refusal refusal, std::string message) const {
  ControlOutcome outcome;
  outcome.refusal = refusal;
  outcome.message = std::move(message);
  outcome.state = state_;
  return outcome;
}

// --- persistence, audit, events ----------------------------------------------------

Status ControlPlane::save_locked() {
  nlohmann::json value = {{"mode", to_string(state_.mode)},
                          {"safe_mode", state_.safe_mode},
                          {"dry_run_mode", state_.dry_run_mode},
                          {"reason", state_.reason},
                          {"since", state_.since},
                          {"last_released_ts", state_.last_released_ts},
                          {"autopilot_status", state_.autopilot_status},
                          {"autopilot_last_decision", state_.autopilot_last_decision},
                          {"tamper_status", state_.tamper_status},
                          {"leader_id", state_.leader_id},
                          {"fencing_token", state_.fencing_token}};
  // The audit head as an anchor: a chain cut back or rewritten below it is caught at start.
  if (auto head = audit_.head()) {
    value["audit_anchor"] = {{"id", head->id}, {"cumulative_hash", head->cumulative_hash}};
  } else {
    return head.error();
  }
  auto saved = signed_state_.save(kStateName, value);
  if (!saved) return saved.error();
  mode_.store(state_.mode, std::memory_order_release);
  safe_mode_.store(state_.safe_mode, std::memory_order_release);
  dry_run_.store(state_.dry_run_mode, std::memory_order_release);
  return {};
}

Status ControlPlane::audit_locked(const Actor& actor, const std::string& action, const std::string& target,
                                  nlohmann::json details) {
  AuditEntry entry;
  entry.actor = actor.name;
  entry.role = actor.role;
  entry.action = action;
  entry.target = target;
  details["source"] = actor.source;
  entry.details = std::move(details);
  auto appended = audit_.append(entry);
  if (!appended) {
    logger_.error("audit_append_failed", {{"action", action}, {"error", appended.error().describe()}});
    return appended.error();
  }
  return {};
}

void ControlPlane::publish_locked(const std::string& type, nlohmann::json payload) {
  bus_.publish(type, now_iso(), std::move(payload));
}

void ControlPlane::alert_locked(const std::string& severity, const std::string& message, nlohmann::json details) {
  logger_.warn("alert", {{"severity", severity}, {"message", message}});
  details["severity"] = severity;
  details["message"] = message;
  publish_locked("ALERT", std::move(details));
}

Status ControlPlane::set_mode_locked(Mode mode, const std::string& reason) {
  const Mode before = state_.mode;
  state_.mode = mode;
  state_.reason = reason;
  state_.since = now_iso();
  if (mode != Mode::resume) state_.resume_authorization.reset();
  if (mode == Mode::resume) state_.last_released_ts = state_.since;
  if (Status saved = save_locked(); !saved) return saved;
  publish_locked("MODE_CHANGED", {{"from", to_string(before)}, {"to", to_string(mode)}, {"reason", reason}});
  logger_.warn("mode_changed", {{"from", std::string(to_string(before))}, {"to", std::string(to_string(mode))},
                                {"reason", reason}});
  return {};
}

Result<bool> ControlPlane::after_p0_locked() const {
  if (state_.mode == Mode::kill || state_.tamper_status != "OK") return true;
  auto active = incidents_.open_p0();
  if (!active) return active.error();
  return !active->empty();
}

// --- start-up ---------------------------------------------------------------------

Status ControlPlane::start_up() {
  std::unique_lock lock(mutex_);
  std::vector<std::string> tamper;

  auto chain = audit_.verify();
  if (!chain) return chain.error();
  if (!chain->ok) {
    tamper.push_back("audit chain broken at id " + std::to_string(chain->broken_id) + ": " + chain->reason);
  }

  Mode persisted_mode = Mode::hold;
  bool have_persisted = false;
  state_.dry_run_mode = options_.dry_run_default;
  auto loaded = signed_state_.load(kStateName);
  if (!loaded) return loaded.error();
  switch (loaded->status) {
    case StateLoadStatus::not_found: break;
    case StateLoadStatus::tamper_detected:
      tamper.push_back("control state: " + loaded->reason);
      break;
    case StateLoadStatus::loaded: {
      const nlohmann::json& v = loaded->state->value;
      have_persisted = true;
      if (auto m = parse_mode(v.value("mode", "HOLD"))) persisted_mode = *m;
      state_.dry_run_mode = v.value("dry_run_mode", options_.dry_run_default);
      state_.last_released_ts = v.value("last_released_ts", "");
      state_.autopilot_last_decision = v.value("autopilot_last_decision", "");
      state_.leader_id = v.value("leader_id", "");
      state_.fencing_token = v.value("fencing_token", std::int64_t{0});
      // A tamper found earlier and not yet cleared by the P0 procedure stays.
      if (v.value("tamper_status", "OK") != "OK") state_.tamper_status = "TAMPER_DETECTED_HOLD";
      if (chain->ok && v.contains("audit_anchor")) {
        ChainHead anchor;
        anchor.id = v["audit_anchor"].value("id", std::int64_t{0});
        anchor.cumulative_hash = v["audit_anchor"].value("cumulative_hash", std::string(kGenesisHash));
        auto anchored = audit_.verify(anchor);
        if (!anchored) return anchored.error();
        if (!anchored->ok) {
          tamper.push_back("audit chain does not reach the signed anchor (id " + std::to_string(anchor.id) +
                           "): " + anchored->reason);
        }
      }
      break;
    }
  }

  // Guarded start (S-1.3): HOLD + safe_mode, whatever was persisted.
  state_.mode = Mode::hold;
  state_.safe_mode = true;
  state_.reason = "startup: guarded start is always HOLD (SPEC S-1.3)";
  state_.since = now_iso();
  state_.autopilot_status = options_.autopilot_enabled ? "idle" : "disabled";
  if (Status s = audit_locked(Actor::system(), "startup_hold", "control_state",
                              {{"persisted_mode", have_persisted ? std::string(to_string(persisted_mode)) : "none"}});
      !s) {
    return s;
  }
  if (Status saved = save_locked(); !saved) return saved;

  for (const auto& reason : tamper) {
    state_.tamper_status = "TAMPER_DETECTED_HOLD";
    SafetyEvent event;
    event.code = IncidentCode::tamper_detected;
    event.component = "control_plane";
    event.summary = reason;
    auto acted = safety_action_locked(event);
    if (!acted) return acted.error();
  }
  if (!tamper.empty()) {
    if (Status saved = save_locked(); !saved) return saved;
  }
  lock.unlock();
  run_autopilot(persisted_mode);
  return {};
}

void ControlPlane::run_autopilot(Mode persisted_mode) {
  std::lock_guard lock(mutex_);
  if (!options_.autopilot_enabled) return;
  if (persisted_mode != Mode::resume) {
    state_.autopilot_status = "idle";
    state_.autopilot_last_decision = "stay_in_hold: the desk was not trading before the restart";
    (void)save_locked();
    return;
  }
  std::vector<std::string> blockers;
  if (state_.tamper_status != "OK") blockers.push_back("blocked_by_tamper");
  if (auto missing = incidents_.postmortem_required(); !missing || !missing->empty()) {
    blockers.push_back("blocked_by_unresolved_P0");
  }
  if (persisted_mode == Mode::kill) blockers.push_back("blocked_by_kill");
  if (gates_ != nullptr) {
    for (auto& blocker : gates_->blockers()) blockers.push_back(std::move(blocker));
  }
  Actor autopilot{"autopilot", "system", "internal"};
  if (!blockers.empty()) {
    std::string joined;
    for (const auto& b : blockers) joined += (joined.empty() ? "" : ",") + b;
    state_.autopilot_status = "refused";
    state_.autopilot_last_decision = joined;
    (void)audit_locked(autopilot, "autopilot_refused", "control_state", {{"blockers", blockers}});
    SafetyEvent event;
    event.code = IncidentCode::autopilot_refused;
    event.component = "control_plane";
    event.summary = "autopilot refused to resume after restart: " + joined;
    event.actor = autopilot;
    (void)safety_action_locked(event);
    (void)save_locked();
    return;
  }
  state_.autopilot_status = "resumed";
  state_.autopilot_last_decision = "resumed: every gate green after restart";
  (void)audit_locked(autopilot, "autopilot_resumed", "control_state", {{"safe_mode", state_.safe_mode}});
  alert_locked("info", "AUTOPILOT: resumed trading after restart (safe_mode stays on)", nlohmann::json::object());
  (void)set_mode_locked(Mode::resume, "autopilot: resumed after restart, every gate green");
}

// --- the safety action ------------------------------------------------------------

Result<ControlOutcome> ControlPlane::safety_action(const SafetyEvent& event) {
  std::lock_guard lock(mutex_);
  return safety_action_locked(event);
}

Result<ControlOutcome> ControlPlane::safety_action_locked(const SafetyEvent& event) {
  const std::optional<Severity> severity_of_code = severity_for(event.code);
  if (!event.severity && !severity_of_code) {
    return refused(Refusal::invalid,
                   "incident code " + std::string(to_string(event.code)) + " has no severity of its own: pass one");
  }
  const Severity severity = event.severity ? *event.severity : *severity_of_code;
  GlobalAction action = action_for(event, severity);
  if (action == GlobalAction::hold && state_.mode == Mode::kill) action = GlobalAction::none;  // KILL is stronger

  // Never refused for its length: a safety action must act whatever its text says.
  NewIncident incident;
  incident.severity = severity;
  incident.code = event.code;
  incident.component = clip_text(event.component, kMaxIncidentFieldLength);
  incident.summary = clip_text(event.summary, kMaxIncidentTextLength);
  incident.action_taken = action == GlobalAction::kill ? "KILL" : action == GlobalAction::hold ? "HOLD" : "none";
  auto opened = incidents_.open(incident);
  if (!opened) return opened.error();

  // "kind" is the code's name from before codes were stored; kept for readers of old
  // audit rows and alerts.
  const std::string code(to_string(event.code));
  nlohmann::json details = {{"incident_id", opened->id},
                            {"severity", to_string(severity)},
                            {"code", code},
                            {"kind", code},
                            {"component", incident.component},
                            {"summary", incident.summary},
                            {"action_taken", incident.action_taken}};
  const bool automatic = event.actor.role == "system";
  std::string audit_action = "incident_logged";
  if (action == GlobalAction::hold) audit_action = automatic ? "hold_auto" : "hold_incident";
  if (action == GlobalAction::kill) audit_action = automatic ? "kill_auto" : "kill";
  if (Status s = audit_locked(event.actor, audit_action, "incident:" + std::to_string(opened->id), details); !s) {
    return s.error();
  }
  if (action == GlobalAction::hold && state_.mode != Mode::hold) {
    if (Status s = set_mode_locked(Mode::hold, "P0 incident " + std::to_string(opened->id) + ": " + incident.summary);
        !s) {
      return s.error();
    }
  } else if (action == GlobalAction::hold) {
    state_.resume_authorization.reset();  // an approval given before this P0 no longer counts
    if (Status s = save_locked(); !s) return s.error();
  }
  if (action == GlobalAction::kill && state_.mode != Mode::kill) {
    if (Status s = set_mode_locked(Mode::kill, "KILL: " + incident.summary); !s) return s.error();
    if (flattener_ != nullptr) {
      flattener_->cancel_all_and_flatten(incident.summary);
    } else {
      logger_.error("kill_without_flattener", {{"reason", incident.summary}});
    }
  }
  publish_locked(severity == Severity::P0 ? "P0_INCIDENT" : "INCIDENT", to_json(*opened));
  alert_locked(std::string(to_string(severity)), code + ": " + incident.summary, details);

  ControlOutcome outcome;
  outcome.state = state_;
  outcome.incident = *opened;
  return outcome;
}

// --- operator actions ---------------------------------------------------------------

Result<ControlOutcome> ControlPlane::hold(const std::string& reason, const Actor& actor) {
  std::lock_guard lock(mutex_);
  if (reason.empty()) return refused(Refusal::invalid, "reason is required: say why the desk holds");
  if (auto too_long = text_too_long(kReasonLimit, reason)) return refused(Refusal::invalid, *too_long);
  if (state_.mode == Mode::kill) {
    (void)audit_locked(actor, "hold", "control_state", {{"reason", reason}, {"outcome", "denied"}, {"why", "KILL"}});
    return refused(Refusal::wrong_mode, "the desk is in KILL, which already stops everything");
  }
  if (Status s = audit_locked(actor, "hold", "control_state", {{"reason", reason}, {"outcome", "approved"}}); !s) {
    return s.error();
  }
  if (Status s = set_mode_locked(Mode::hold, "manual HOLD by " + actor.name + ": " + reason); !s) return s.error();
  ControlOutcome outcome;
  outcome.state = state_;
  return outcome;
}

Result<ControlOutcome> ControlPlane::file_request_locked(ApprovalKind kind, const std::string& reason,
                                                         const nlohmann::json& payload, const Actor& actor) {
  if (reason.empty()) return refused(Refusal::invalid, "reason is required");
  auto after_p0 = after_p0_locked();
  if (!after_p0) return after_p0.error();
  NewApprovalRequest request;
  request.kind = kind;
  request.requested_by = actor.name;
  request.reason = reason;
  request.payload = payload;
  request.second_factor_context = SecondFactorContext{options_.live, *after_p0};
  auto filed = approvals_.request(request);
  if (!filed) {
    if (filed.error().code == Errc::invalid_argument) return refused(Refusal::invalid, filed.error().message);
    return filed.error();
  }
  if (Status s = audit_locked(actor, std::string(to_string(kind)) + "_request", "approval:" + std::to_string(filed->id),
                              {{"reason", reason}, {"outcome", "requested"},
                               {"second_factor_required", filed->second_factor_required}});
      !s) {
    return s.error();
  }
  publish_locked("APPROVAL_REQUESTED", to_json(*filed));
  ControlOutcome outcome;
  outcome.state = state_;
  outcome.approval = *filed;
  return outcome;
}

Result<ControlOutcome> ControlPlane::request_resume(const std::string& reason, const Actor& actor) {
  std::lock_guard lock(mutex_);
  if (auto too_long = text_too_long(kReasonLimit, reason)) return refused(Refusal::invalid, *too_long);
  if (state_.mode == Mode::resume) {
    (void)audit_locked(actor, "resume_request", "control_state", {{"outcome", "denied"}, {"why", "already RESUME"}});
    return refused(Refusal::wrong_mode, "the desk is already in RESUME");
  }
  return file_request_locked(ApprovalKind::resume, reason, nlohmann::json::object(), actor);
}

Result<ControlOutcome> ControlPlane::request_kill(const std::string& reason, const Actor& actor) {
  std::lock_guard lock(mutex_);
  if (auto too_long = text_too_long(kReasonLimit, reason)) return refused(Refusal::invalid, *too_long);
  if (state_.mode == Mode::kill) return refused(Refusal::wrong_mode, "the desk is already in KILL");
  return file_request_locked(ApprovalKind::kill_switch, reason, nlohmann::json::object(), actor);
}

Result<ControlOutcome> ControlPlane::request_approval(ApprovalKind kind, const std::string& reason,
                                                      const nlohmann::json& payload, const Actor& actor) {
  std::lock_guard lock(mutex_);  // recursive: the calls below take it again
  const std::string payload_text = payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (auto too_long = first_too_long({{kReasonLimit, reason}, {kPayloadLimit, payload_text}})) {
    return refused(Refusal::invalid, *too_long);
  }
  switch (kind) {  // the kinds with their own preconditions
    case ApprovalKind::resume: return request_resume(reason, actor);
    case ApprovalKind::kill_switch: return request_kill(reason, actor);
    case ApprovalKind::safe_mode_off: return set_safe_mode(false, reason, actor);
    case ApprovalKind::exit_dry_run: return set_dry_run(false, reason, actor);
    default: break;
  }
  return file_request_locked(kind, reason, payload, actor);
}

void ControlPlane::on_approved(ApprovalKind kind, std::function<void(const ApprovalRequest&)> effect) {
  std::lock_guard lock(mutex_);
  effects_.emplace_back(kind, std::move(effect));
}

Result<ControlOutcome> ControlPlane::confirm(std::int64_t request_id, const Actor& actor,
                                             std::string_view approve_token, std::string_view second_factor) {
  std::lock_guard lock(mutex_);
  if (auto too_long = first_too_long({{kApproveTokenLimit, approve_token}, {kSecondFactorLimit, second_factor}})) {
    return refused(Refusal::invalid, *too_long);
  }
  const std::string target = "approval:" + std::to_string(request_id);
  auto deny = [&](Refusal refusal, std::string message) -> Result<ControlOutcome> {
    (void)audit_locked(actor, "approval_confirm", target,
                       {{"outcome", "denied"}, {"refusal", to_string(refusal)}, {"message", message}});
    return refused(refusal, std::move(message));
  };
  const MonoTime now = clock_.now();
  if (auto locked = confirm_locked_out_locked(actor, target, now)) {
    (void)audit_locked(actor, "approval_confirm", target,
                       {{"outcome", "denied"}, {"refusal", to_string(locked->refusal)}, {"message", locked->message}});
    return std::move(*locked);
  }
  // The request's own state first (exists, pending, not expired, not the confirmer's):
  // no secret is looked at, and no one-time code spent, for a confirmation that fails there.
  auto checked = approvals_.confirmable(request_id, actor.name);
  if (!checked) return checked.error();
  if (!checked->accepted()) return deny(refusal_for(checked->refusal), checked->message);
  const ApprovalRequest& request = *checked->request;

  if (approve_token.empty()) {
    return deny(Refusal::bad_token, "missing approve token: send the APPROVE_TOKEN as 'token'");
  }
  if (!credentials_.approve_token_matches(approve_token)) {
    count_confirm_failure_locked(actor, target, now);
    return deny(Refusal::bad_token, "invalid approve token: send the APPROVE_TOKEN as 'token'");
  }
  if (request.kind == ApprovalKind::resume) {
    auto missing = incidents_.postmortem_required();
    if (!missing) return missing.error();
    if (!missing->empty()) {
      return deny(Refusal::postmortem_required,
                  "TRADE LOCKED: POSTMORTEM REQUIRED — incident " + std::to_string(missing->front().id) +
                      " (P0) needs operator ack and postmortem_root_cause first");
    }
  }
  bool second_factor_ok = false;
  if (request.second_factor_required) {
    if (second_factor.empty()) {
      return deny(Refusal::second_factor_required,
                  "this approval needs the second factor: send the APPROVE_TOKEN_2FA code as 'totp'");
    }
    second_factor_ok = credentials_.second_factor_matches(second_factor);
    if (!second_factor_ok) {
      count_confirm_failure_locked(actor, target, now);
      return deny(Refusal::bad_second_factor, "the second factor is wrong or was already used");
    }
  }
  auto decided = approvals_.confirm(request_id, actor.name, second_factor_ok);
  if (!decided) return decided.error();
  if (!decided->accepted()) return deny(refusal_for(decided->refusal), decided->message);
  const ApprovalRequest& approved = *decided->request;
  if (Status s = audit_locked(actor, "approval_confirm", target,
                              {{"outcome", "approved"}, {"kind", to_string(approved.kind)},
                               {"requested_by", approved.requested_by}});
      !s) {
    return s.error();
  }
  publish_locked("APPROVAL_DECIDED", to_json(approved));
  return apply_approved_locked(approved, actor);
}

std::optional<ControlOutcome> ControlPlane::confirm_locked_out_locked(const Actor& actor, const std::string& target,
                                                                      MonoTime now) const {
  const LockoutOptions& limits = confirm_failures_.options();
  const std::string why = " after " + std::to_string(limits.max_failures) +
                          " wrong approve tokens or second factors within " + minutes_text(limits.window);
  std::optional<MonoTime> until;
  std::string message;
  if ((until = confirm_failures_.locked_until("operator:" + actor.name, now))) {
    message = "confirmations by operator '" + actor.name + "' are locked until ";
  } else if ((until = confirm_failures_.locked_until(target, now))) {
    message = target + " is locked for confirmations until ";
  } else {
    return std::nullopt;
  }
  const Nanos remaining = *until - now;
  ControlOutcome outcome = refused(Refusal::second_factor_locked,
                                   message + format_iso8601_ms(clock_.utc() + remaining) + why +
                                       "; HOLD and every other action still work");
  outcome.retry_after = std::max(std::chrono::ceil<std::chrono::seconds>(remaining), std::chrono::seconds(1));
  return outcome;
}

void ControlPlane::count_confirm_failure_locked(const Actor& actor, const std::string& target, MonoTime now) {
  const std::optional<int> operator_locked = confirm_failures_.record_failure("operator:" + actor.name, now);
  const std::optional<int> request_locked = confirm_failures_.record_failure(target, now);
  if (!operator_locked && !request_locked) return;
  const LockoutOptions& limits = confirm_failures_.options();
  const std::string until = format_iso8601_ms(clock_.utc() + limits.lockout);
  std::string summary;
  if (operator_locked) {
    summary = "operator '" + actor.name + "' locked out of confirmations until " + until + " after " +
              std::to_string(*operator_locked) + " wrong approve tokens or second factors within " +
              minutes_text(limits.window) + " (the last on " + target + ")";
  }
  if (request_locked) {
    summary += std::string(summary.empty() ? "" : "; ") + target + " locked for confirmations until " + until +
               " after " + std::to_string(*request_locked) + " wrong approve tokens or second factors (the last by '" +
               actor.name + "')";
  }
  SafetyEvent event;
  event.code = IncidentCode::second_factor_lockout;
  event.component = "control_plane";
  event.summary = summary + "; from " + actor.source;
  event.actor = actor;
  if (auto raised = safety_action_locked(event); !raised) {
    logger_.error("second_factor_lockout_incident_failed", {{"error", raised.error().message}});
  }
}

Result<ControlOutcome> ControlPlane::apply_approved_locked(const ApprovalRequest& request, const Actor& actor) {
  switch (request.kind) {
    case ApprovalKind::resume:
      state_.resume_authorization =
          ResumeAuthorization{request.id, request.requested_by, actor.name, request.confirmed_at.value_or(now_iso()),
                              clock_.utc()};
      if (Status s = save_locked(); !s) return s.error();
      break;
    case ApprovalKind::safe_mode_off:
      state_.safe_mode = false;
      if (Status s = save_locked(); !s) return s.error();
      publish_locked("SWITCH_CHANGED", {{"safe_mode", false}});
      break;
    case ApprovalKind::exit_dry_run:
      state_.dry_run_mode = false;
      if (Status s = save_locked(); !s) return s.error();
      publish_locked("SWITCH_CHANGED", {{"dry_run_mode", false}});
      break;
    case ApprovalKind::kill_switch: {
      SafetyEvent event;
      event.code = IncidentCode::manual_kill_switch_activated;
      event.component = "control_plane";
      event.summary = "kill switch requested by " + request.requested_by + ", confirmed by " + actor.name + ": " +
                      request.reason;
      event.actor = actor;
      auto acted = safety_action_locked(event);
      if (!acted) return acted.error();
      break;
    }
    default:
      for (const auto& [kind, effect] : effects_) {
        if (kind == request.kind) effect(request);
      }
      break;
  }
  ControlOutcome outcome;
  outcome.state = state_;
  outcome.approval = request;
  return outcome;
}

Result<ControlOutcome> ControlPlane::reject(std::int64_t request_id, const Actor& actor) {
  std::lock_guard lock(mutex_);
  auto decided = approvals_.reject(request_id, actor.name);
  if (!decided) return decided.error();
  const std::string target = "approval:" + std::to_string(request_id);
  if (!decided->accepted()) {
    (void)audit_locked(actor, "approval_reject", target, {{"outcome", "denied"}, {"message", decided->message}});
    return refused(refusal_for(decided->refusal), decided->message);
  }
  if (Status s = audit_locked(actor, "approval_reject", target, {{"outcome", "rejected"}}); !s) return s.error();
  publish_locked("APPROVAL_DECIDED", to_json(*decided->request));
  ControlOutcome outcome;
  outcome.state = state_;
  outcome.approval = decided->request;
  return outcome;
}

Result<ControlOutcome> ControlPlane::resume(const Actor& actor) {
  std::lock_guard lock(mutex_);
  auto deny = [&](Refusal refusal, std::string message) -> Result<ControlOutcome> {
    (void)audit_locked(actor, "resume", "control_state",
                       {{"outcome", "denied"}, {"refusal", to_string(refusal)}, {"message", message}});
    return refused(refusal, std::move(message));
  };
  if (state_.mode == Mode::resume) return deny(Refusal::wrong_mode, "the desk is already in RESUME");
  if (!state_.resume_authorization) {
    return deny(Refusal::not_approved,
                "no confirmed resume request: POST /api/ui/resume-request, then a different operator "
                "POST /api/ui/resume-confirm");
  }
  if (clock_.utc() - state_.resume_authorization->approved_utc > options_.resume_authorization_ttl) {
    state_.resume_authorization.reset();
    (void)save_locked();
    return deny(Refusal::expired, "the resume confirmation is older than its TTL: request and confirm again");
  }
  auto missing = incidents_.postmortem_required();
  if (!missing) return missing.error();
  if (!missing->empty()) {
    return deny(Refusal::postmortem_required, "TRADE LOCKED: POSTMORTEM REQUIRED — incident " +
                                                  std::to_string(missing->front().id) +
                                                  " (P0) needs operator ack and postmortem_root_cause first");
  }
  const auto authorization = *state_.resume_authorization;
  const Mode before = state_.mode;
  if (Status s = audit_locked(actor, "resume", "control_state",
                              {{"outcome", "approved"}, {"from", to_string(before)},
                               {"request_id", authorization.request_id}, {"requested_by", authorization.requested_by},
                               {"approved_by", authorization.approved_by}});
      !s) {
    return s.error();
  }
  state_.tamper_status = "OK";  // the P0 procedure for any tamper is complete
  state_.resume_authorization.reset();  // consumed
  if (Status s = set_mode_locked(Mode::resume, "resumed by " + actor.name + " (requested by " +
                                                   authorization.requested_by + ", confirmed by " +
                                                   authorization.approved_by + ")");
      !s) {
    return s.error();
  }
  ControlOutcome outcome;
  outcome.state = state_;
  return outcome;
}

// safe_mode and dry_run_mode: switching on (more caution) is immediate; switching off
// files the two-man request (`off_kind`), applied in apply_approved_locked().
Result<ControlOutcome> ControlPlane::set_switch_locked(bool ControlState::*flag, const char* name, ApprovalKind off_kind,
                                                       bool enabled, const std::string& reason, const Actor& actor) {
  if (!enabled) {
    if (!(state_.*flag)) return refused(Refusal::wrong_mode, std::string(name) + " is already off");
    return file_request_locked(off_kind, reason, nlohmann::json::object(), actor);
  }
  if (reason.empty()) return refused(Refusal::invalid, "reason is required");
  state_.*flag = true;
  if (Status s = audit_locked(actor, std::string(name) + "_on", "control_state",
                              {{"reason", reason}, {"outcome", "approved"}});
      !s) {
    return s.error();
  }
  if (Status s = save_locked(); !s) return s.error();
  publish_locked("SWITCH_CHANGED", {{name, true}});
  ControlOutcome outcome;
  outcome.state = state_;
  return outcome;
}

Result<ControlOutcome> ControlPlane::set_safe_mode(bool enabled, const std::string& reason, const Actor& actor) {
  std::lock_guard lock(mutex_);
  if (auto too_long = text_too_long(kReasonLimit, reason)) return refused(Refusal::invalid, *too_long);
  return set_switch_locked(&ControlState::safe_mode, "safe_mode", ApprovalKind::safe_mode_off, enabled, reason, actor);
}

Result<ControlOutcome> ControlPlane::set_dry_run(bool enabled, const std::string& reason, const Actor& actor) {
  std::lock_guard lock(mutex_);
  if (auto too_long = text_too_long(kReasonLimit, reason)) return refused(Refusal::invalid, *too_long);
  return set_switch_locked(&ControlState::dry_run_mode, "dry_run_mode", ApprovalKind::exit_dry_run, enabled, reason,
                           actor);
}

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
