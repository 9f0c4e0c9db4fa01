// The ControlPlane's operator actions: HOLD, the two-man requests and their confirm /
// reject, resume, and the safe-mode and dry-run switches (control_plane.hpp).
#include "core/control/control_plane.hpp"

#include <algorithm>

#include "core/control/control_plane_checks.hpp"

namespace propbot::control {

using detail::first_too_long;
using detail::refusal_for;
using detail::minutes_text;

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
  if (recon_ == Recon::pending || recon_ == Recon::unclean) {
    return deny(Refusal::recon_pending,
                recon_ == Recon::pending
                    ? "start-up reconciliation has not finished: every unfinished order is being resolved with its "
                      "venue; resume when GET /api/ui/execution shows recon clean"
                    : "start-up reconciliation found what it cannot explain (" + recon_summary_ +
                          "): resolve it, acknowledge the recon_mismatch incident, and restart");
  }
  if (recon_desync_) {
    return deny(Refusal::recon_desync, "STATE DESYNC — manual intervention required: the recon daemon reports " +
                                           *recon_desync_ +
                                           "; bring the venue and the ledger back in line until GET /api/ui/recon/status "
                                           "is OK, then resume");
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

}  // namespace propbot::control
