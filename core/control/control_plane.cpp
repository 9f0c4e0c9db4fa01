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
    case Refusal::recon_pending: return "recon_pending";
    case Refusal::recon_desync: return "recon_desync";
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
    case Refusal::not_approved:
    case Refusal::recon_pending:
    case Refusal::recon_desync: return 409;
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
  if (options_.recon_required) recon_ = Recon::pending;
  if (recon_ == Recon::pending && options_.autopilot_enabled) {
    autopilot_deferred_ = persisted_mode;  // decided when the reconciliation ends
    state_.autopilot_status = "waiting_for_recon";
    lock.unlock();
    return {};
  }
  lock.unlock();
  run_autopilot(persisted_mode);
  return {};
}

void ControlPlane::recon_finished(bool clean, const std::string& summary) {
  std::optional<Mode> deferred;
  {
    std::lock_guard lock(mutex_);
    recon_ = clean ? Recon::clean : Recon::unclean;
    recon_summary_ = summary;
    (void)audit_locked(Actor::system(), "recon_finished", "executor", {{"clean", clean}, {"summary", summary}});
    if (!clean) {
      SafetyEvent event;
      event.code = IncidentCode::recon_mismatch;
      event.component = "recon";
      event.summary = "start-up reconciliation is not clean: " + summary;
      (void)safety_action_locked(event);
    }
    deferred = autopilot_deferred_;
    autopilot_deferred_.reset();
  }
  if (deferred) run_autopilot(*deferred);
}

void ControlPlane::set_recon_desync(std::optional<std::string> summary) {
  std::lock_guard lock(mutex_);
  if (summary == recon_desync_) return;
  (void)audit_locked(Actor::system(), summary ? "recon_desync" : "recon_clean", "recon",
                     {{"summary", summary ? *summary : std::string()}});
  recon_desync_ = std::move(summary);
}

std::string ControlPlane::recon_status() const {
  std::lock_guard lock(mutex_);
  switch (recon_) {
    case Recon::not_required: return "not_required";
    case Recon::pending: return "pending";
    case Recon::clean: return "clean";
    case Recon::unclean: return "unclean: " + recon_summary_;
  }
  return "pending";
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
  if (recon_ == Recon::pending || recon_ == Recon::unclean || recon_desync_) blockers.push_back("blocked_by_recon");
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
  // The risk governor's own stream events (S-3.5, S-3.6), beside the incident's.
  if (event.code == IncidentCode::circuit_breaker_triggered) publish_locked("CIRCUIT_BREAKER_TRIGGERED", to_json(*opened));
  if (event.code == IncidentCode::stress_limit_warning) publish_locked("STRESS_LIMIT_WARNING", to_json(*opened));
  alert_locked(std::string(to_string(severity)), code + ": " + incident.summary, details);

  ControlOutcome outcome;
  outcome.state = state_;
  outcome.incident = *opened;
  return outcome;
}

}  // namespace propbot::control

namespace propbot::control {

Status ControlPlane::save_state(std::string_view name, const nlohmann::json& value) {
  std::lock_guard lock(mutex_);
  if (name == kStateName) return make_error(Errc::invalid_argument, "the control state is saved by the plane only");
  auto saved = signed_state_.save(name, value);
  if (!saved) return saved.error();
  return {};
}

Result<std::optional<nlohmann::json>> ControlPlane::load_state(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (name == kStateName) return make_error(Errc::invalid_argument, "the control state is loaded by the plane only");
  auto loaded = signed_state_.load(name);
  if (!loaded) return loaded.error();
  switch (loaded->status) {
    case StateLoadStatus::not_found: return std::optional<nlohmann::json>();
    case StateLoadStatus::tamper_detected: {
      SafetyEvent event;
      event.code = IncidentCode::tamper_detected;
      event.component = "control_plane";
      event.summary = "signed state '" + std::string(name) + "' failed verification: " + loaded->reason +
                      "; started without it";
      if (auto raised = safety_action_locked(event); !raised) return raised.error();
      return std::optional<nlohmann::json>();
    }
    case StateLoadStatus::loaded: return std::optional<nlohmann::json>(loaded->state->value);
  }
  return std::optional<nlohmann::json>();
}

}  // namespace propbot::control
