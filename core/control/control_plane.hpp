// ControlPlane: the one place that changes the desk's control state — mode HOLD ⇄
// RESUME → KILL, safe_mode, dry_run_mode — and the one safety-action function every
// automatic and manual safety event goes through (SPEC S-1.2–S-1.4, S-4, S-5, S-6.2/6.3).
//
// Guarantees:
//   - Start-up is always HOLD + safe_mode, whatever was persisted (S-1.3). The audit
//     chain and the signed state are verified first; a failure is a P0 tamper_detected
//     (component control_plane), tamper_status TAMPER_DETECTED_HOLD, autopilot blocked.
//   - Every change is persisted as signed state (with the audit chain head as an
//     anchor) and audited; every safety action writes incident + audit + alert + event
//     through safety_action(), P0 → HOLD (or KILL for split brain / kill switch). Every
//     incident carries the IncidentCode its caller passed (core/common/incident_code.hpp).
//   - Leaving HOLD or KILL needs: every P0 acknowledged with a postmortem, a resume
//     request by operator A confirmed by a different operator B with APPROVE_TOKEN
//     (and the second factor after a P0, or in KILL), then resume(). The autopilot
//     never leaves KILL, never clears safe_mode, and refuses with a named reason.
//   - Refusals are values (ControlOutcome::refusal), never exceptions; a refused call
//     changes nothing but the audit log.
//   - confirm() checks, in this order, and answers the first that fails: the confirming
//     operator or the request is locked out (429 second_factor_locked) → the request
//     exists (404) → it is still pending (409 already_decided; 409 expired once its TTL
//     has run out, every time) → the confirmer is not the requester (403) → the approve
//     token (401 bad_token) → for a resume, every P0 has its postmortem (409) → the
//     second factor when the request needs it (401). The second factor is looked at, and
//     a one-time code spent, only when every other check has passed; a replay of a
//     decided request is 409, never 401.
//   - Second-factor throttle: a wrong approve token or second factor (a value sent and
//     wrong; a missing one is not a guess) counts against the confirming operator and
//     against the request in a sliding window (ControlPlaneOptions::confirm_lockout,
//     default kConfirmLockout: 5 within 15 min lock for 15 min). A locked operator's
//     confirmations, and every confirmation of a locked request, are refused with 429
//     second_factor_locked naming the UTC time the lockout ends; the lock is raised once
//     per lockout as a P1 `second_factor_lockout` through safety_action() (incident,
//     audit, alert, event). Only confirm() is throttled: HOLD and every other action stay
//     open to a locked operator. In memory and bounded (confirm_lockout.max_keys); a
//     restart clears it.
//   - Free text is bounded by text_limits.hpp: an over-long field is refused as invalid
//     with "field 'reason': at most 1000 bytes (got 1001)", before anything is audited.
//     safety_action() never refuses over-long text: it clips component and summary to
//     the incident store's limits, so a safety action always acts.
//   - `forbidden` is audited through a ForbiddenAggregator (forbidden_aggregator.hpp):
//     the first of a (principal, method, path) at once, repeats within a minute as one
//     row with their exact count; pending counts are written before audit_page() and
//     export_audit() read the log and when the plane is destroyed.
//
// Thread-safety: every public member may be called from any thread (one mutex; the
// database is only touched under it). mode()/safe_mode()/dry_run_mode() are lock-free
// for the engine's hot path.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/incident_code.hpp"
#include "core/common/lockout_table.hpp"
#include "core/common/logging.hpp"
#include "core/common/mode.hpp"
#include "core/common/result.hpp"
#include "core/common/severity.hpp"
#include "core/control/approval_store.hpp"
#include "core/control/audit_log.hpp"
#include "core/control/event_bus.hpp"
#include "core/control/forbidden_aggregator.hpp"
#include "core/control/incident_log.hpp"
#include "core/control/incident_severity.hpp"
#include "core/control/signed_state_store.hpp"
#include "core/store/database.hpp"

namespace propbot::control {

// Who acts: an authenticated operator, or the system itself.
struct Actor {
  std::string name;    // "operator1", "system", "autopilot"
  std::string role;    // viewer | auditor | operator | system
  std::string source;  // remote address, or "internal"
  static Actor system() { return {"system", "system", "internal"}; }
};

struct ResumeAuthorization {
  std::int64_t request_id = 0;
  std::string requested_by;
  std::string approved_by;
  std::string approved_at;
  UtcTime approved_utc{};  // in memory only: a restart drops the authorization (back to HOLD)
};

struct ControlState {
  Mode mode = Mode::hold;
  bool safe_mode = true;
  bool dry_run_mode = false;
  std::string reason;          // why the mode is what it is
  std::string since;           // when the mode last changed (UTC ISO-8601)
  std::string last_released_ts;  // the last HOLD/KILL → RESUME
  std::string autopilot_status = "disabled";  // disabled | refused | resumed | idle
  std::string autopilot_last_decision;        // e.g. "blocked_by_unresolved_P0: 1 P0 without postmortem"
  std::string tamper_status = "OK";           // OK | TAMPER_DETECTED_HOLD
  std::string leader_id;
  std::int64_t fencing_token = 0;
  std::optional<ResumeAuthorization> resume_authorization;
};
nlohmann::json to_json(const ControlState& state);

// Verifies the approval secrets. Implemented by the app over the secrets store.
class ApprovalCredentials {
 public:
  virtual ~ApprovalCredentials() = default;
  virtual bool approve_token_matches(std::string_view supplied) = 0;
  // The APPROVE_TOKEN_2FA check (TOTP or static token); false when none is configured.
  virtual bool second_factor_matches(std::string_view supplied) = 0;
};

// Cancels everything and flattens every position. Wired by the execution issue; the
// default only records that it was asked.
class Flattener {
 public:
  virtual ~Flattener() = default;
  virtual void cancel_all_and_flatten(const std::string& reason) = 0;
};

// Gates the autopilot asks before it clears HOLD after a restart (risk, stress,
// recon, circuit breakers, split brain, strategies): each names a blocker like
// "blocked_by_recon". Later issues implement it; none by default.
class AutopilotGates {
 public:
  virtual ~AutopilotGates() = default;
  virtual std::vector<std::string> blockers() = 0;
};

enum class Refusal {
  none,
  invalid,                 // bad input (400)
  bad_token,               // wrong APPROVE_TOKEN (401)
  second_factor_required,  // the confirm needs the second factor (401)
  bad_second_factor,       // wrong or replayed second factor (401)
  self_confirmation,       // the requester tried to confirm (403)
  not_found,               // no such request / incident (404)
  expired,                 // the request's TTL ran out (409)
  already_decided,         // approved or rejected before (409)
  wrong_mode,              // e.g. resume while already RESUME (409)
  postmortem_required,     // a P0 lacks ack or postmortem (409)
  not_approved,            // resume() without a confirmed resume request (409)
  recon_pending,           // resume() before start-up reconciliation finished clean (409)
  recon_desync,            // resume() while the recon daemon reports a confirmed mismatch (409)
  second_factor_locked,    // too many wrong approve tokens / second factors (429)
};
std::string_view to_string(Refusal refusal);
int http_status_of(Refusal refusal);

struct ControlOutcome {
  Refusal refusal = Refusal::none;
  std::string message;
  std::optional<std::chrono::seconds> retry_after;  // second_factor_locked: until the lockout ends
  ControlState state;
  std::optional<ApprovalRequest> approval;
  std::optional<Incident> incident;
  bool ok() const { return refusal == Refusal::none; }
};

// One safety event: an automatic detection (code, no severity: the S-4.2 policy of
// incident_severity.hpp decides severity and HOLD/KILL) or an operator's manual log
// (severity set: the operator's severity decides, P0 → HOLD, never KILL, whatever the
// code). manual and unspecified have no policy, so they need a severity.
struct SafetyEvent {
  IncidentCode code = IncidentCode::unspecified;
  std::optional<Severity> severity;
  std::string component;  // recon | executor | strategy:<name> | control_plane | ...
  std::string summary;
  Actor actor = Actor::system();
};

// Wrong approve tokens / second factors per confirming operator and per request. Five
// in 15 minutes: an operator who mistypes a code twice is never locked, while a guesser
// gets 5 tries per 15 minutes (a ±1-step TOTP accepts 3 codes in 10^6: about 1.4e-3 a
// day), and every lockout is a P1 a person sees within minutes. The lockout lasts the
// window so the guess rate cannot be doubled at its edge.
inline constexpr LockoutOptions kConfirmLockout{5, std::chrono::minutes(15), std::chrono::minutes(15), 1024};

struct ControlPlaneOptions {
  bool live = false;               // live profile: safe_mode off needs the second factor
  bool autopilot_enabled = false;
  bool dry_run_default = false;    // dry_run_mode on first start (nothing persisted)
  // The daemon trades (it has an executor): resume waits for a clean start-up
  // reconciliation (recon_finished), and so does the autopilot.
  bool recon_required = false;
  Nanos resume_authorization_ttl = std::chrono::minutes(15);
  ApprovalOptions approvals;
  LockoutOptions confirm_lockout = kConfirmLockout;
  ForbiddenAggregatorOptions forbidden_audit;
};

class ControlPlane {
 public:
  // Verifies, loads and starts in HOLD (see the header comment). `database`, `clock`,
  // `bus`, `credentials` and the optional hooks must outlive the plane. Errors: store
  // errors, invalid_argument (HMAC key shorter than 16 bytes, a confirm_lockout option
  // out of range).
  static Result<std::unique_ptr<ControlPlane>> open(store::Database& database, std::string_view state_hmac_key,
                                                    const Clock& clock, EventBus& bus,
                                                    ApprovalCredentials& credentials, ControlPlaneOptions options,
                                                    Logger logger, Flattener* flattener = nullptr,
                                                    AutopilotGates* gates = nullptr, ForensicSink* forensics = nullptr);
  // Writes the pending forbidden counts (see above).
  ~ControlPlane();

  // Lock-free reads for the engine.
  Mode mode() const { return mode_.load(std::memory_order_acquire); }
  bool safe_mode() const { return safe_mode_.load(std::memory_order_acquire); }
  bool dry_run_mode() const { return dry_run_.load(std::memory_order_acquire); }
  ControlState state() const;

  // The one safety-action function (S-4.3): incident (with event.code), audit, alert,
  // event, and for P0 the global HOLD (or KILL). Refused (invalid) only for a code
  // without a severity policy and no severity. Errors: store errors.
  Result<ControlOutcome> safety_action(const SafetyEvent& event);

  // Operator actions. Every call is audited with its outcome.
  Result<ControlOutcome> hold(const std::string& reason, const Actor& actor);
  Result<ControlOutcome> request_resume(const std::string& reason, const Actor& actor);
  // Confirms any pending approval (resume, safe_mode_off, exit_dry_run, kill_switch, ...)
  // and applies its effect. Checks and throttle: see the header comment.
  Result<ControlOutcome> confirm(std::int64_t request_id, const Actor& actor, std::string_view approve_token,
                                 std::string_view second_factor);
  Result<ControlOutcome> reject(std::int64_t request_id, const Actor& actor);
  // Start-up reconciliation ended (the executor calls this once per run, from its
  // thread). Clean: resume may proceed and a deferred autopilot decision is taken now.
  // Not clean: P0 recon_mismatch naming what is unexplained; resume stays refused
  // (409 recon_pending) for the rest of this run.
  void recon_finished(bool clean, const std::string& summary);
  // "not_required" | "pending" | "clean" | "unclean: <summary>".
  std::string recon_status() const;
  // The recon daemon's verdict (SPEC S-9.2): while a confirmed mismatch stands (a
  // summary), resume is refused (409 recon_desync) and the autopilot is blocked
  // (blocked_by_recon); nullopt when its last complete pass was clean.
  void set_recon_desync(std::optional<std::string> summary);
  // HOLD/KILL → RESUME with a confirmed resume request (the final step of S-4.4).
  Result<ControlOutcome> resume(const Actor& actor);
  // Turning safe_mode on / entering dry-run is immediate; the reverse files a two-man request.
  Result<ControlOutcome> set_safe_mode(bool enabled, const std::string& reason, const Actor& actor);
  Result<ControlOutcome> set_dry_run(bool enabled, const std::string& reason, const Actor& actor);
  // The kill switch is a critical action: a request another operator confirms (with 2FA).
  Result<ControlOutcome> request_kill(const std::string& reason, const Actor& actor);
  // Files an approval of any kind; resume, kill_switch, safe_mode_off and exit_dry_run
  // go through their own calls above (same preconditions).
  Result<ControlOutcome> request_approval(ApprovalKind kind, const std::string& reason, const nlohmann::json& payload,
                                          const Actor& actor);
  // Registers what a confirmed approval of `kind` does (for kinds this plane does not apply itself).
  void on_approved(ApprovalKind kind, std::function<void(const ApprovalRequest&)> effect);

  // Incidents (S-4.1, S-4.4). An operator's manual log: `code` defaults to manual;
  // unspecified is refused (invalid). The operator's severity decides (P0 → HOLD).
  Result<ControlOutcome> log_incident(Severity severity, const std::string& component, const std::string& summary,
                                      const Actor& actor, IncidentCode code = IncidentCode::manual);
  Result<ControlOutcome> ack_and_postmortem(std::int64_t incident_id, const std::string& root_cause, bool resolve,
                                            const Actor& actor);
  // Closes every active incident of `code` raised by `component` because what raised it
  // was fixed (e.g. a frozen strategy replaced by an applied version): acknowledged by
  // `actor`, `root_cause` written when none was, resolved; each audited
  // `incident_closed_by_fix` and published INCIDENT_ACKED. Returns the closed incidents.
  Result<std::vector<Incident>> close_fixed_incidents(IncidentCode code, const std::string& component,
                                                      const std::string& root_cause, const Actor& actor);
  Result<nlohmann::json> incidents_view(int recent_closed) const;
  // A forensic bundle written after its incident was recorded (ForensicSink's queued
  // capture, S-4.3): stores `forensic_ref` on the incident (forensic_captured: yes) and
  // audits forensic_bundle_written with `details` (e.g. the manifest's SHA-256, so the
  // hash chain vouches for the bundle). Errors: not_found, invalid_argument (an empty
  // or over-long ref), store errors.
  Result<Incident> record_forensic_ref(std::int64_t incident_id, const std::string& forensic_ref,
                                       nlohmann::json details);
  Result<std::vector<ApprovalRequest>> pending_approvals();

  // Audit-only records for the HTTP layer and the secrets store. record_forbidden()
  // aggregates repeats (see the header comment).
  Status record_forbidden(const Actor& actor, const std::string& method, const std::string& path);
  Status record_lockout(const std::string& source, int failures);
  Status record_secret_access(const std::string& name, const std::string& actor, bool found);
  Status record(const Actor& actor, const std::string& action, const std::string& target, nlohmann::json details);

  // audit_page() and export_audit() first write the pending forbidden counts, so what
  // they return adds up exactly.
  Result<std::vector<AuditRecord>> audit_page(const AuditFilter& filter, int limit,
                                              std::optional<std::int64_t> before_id);
  Result<ChainReport> verify_audit() const;
  Result<std::int64_t> export_audit(const std::string& path);

  // Another component's durable state (the risk governor's "risk_state"), signed like
  // the control state (S-5.1). `name` must not be the control state's own. load_state:
  // nullopt when never saved; a bad signature is a P0 tamper_detected (HOLD, audited)
  // and answers nullopt. Errors: invalid_argument (bad name, a value with a float),
  // store errors.
  Status save_state(std::string_view name, const nlohmann::json& value);
  Result<std::optional<nlohmann::json>> load_state(std::string_view name);

  // Expires approvals past their TTL (audited). Call periodically.
  Status expire_due();

 private:
  ControlPlane(store::Database& database, SignedStateStore signed_state, const Clock& clock, EventBus& bus,
               ApprovalCredentials& credentials, ControlPlaneOptions options, Logger logger, Flattener* flattener,
               AutopilotGates* gates, ForensicSink* forensics);

  Status start_up();
  void run_autopilot(Mode persisted_mode);
  Result<ControlOutcome> safety_action_locked(const SafetyEvent& event);
  Status set_mode_locked(Mode mode, const std::string& reason);
  Status save_locked();
  Status audit_locked(const Actor& actor, const std::string& action, const std::string& target, nlohmann::json details);
  void publish_locked(const std::string& type, nlohmann::json payload);
  void alert_locked(const std::string& severity, const std::string& message, nlohmann::json details);
  Result<bool> after_p0_locked() const;
  Result<ControlOutcome> apply_approved_locked(const ApprovalRequest& request, const Actor& actor);
  Result<ControlOutcome> set_switch_locked(bool ControlState::*flag, const char* name, ApprovalKind off_kind,
                                           bool enabled, const std::string& reason, const Actor& actor);
  Result<ControlOutcome> file_request_locked(ApprovalKind kind, const std::string& reason, const nlohmann::json& payload,
                                             const Actor& actor);
  ControlOutcome refused(Refusal refusal, std::string message) const;
  std::string now_iso() const;
  // The refusal of a confirmation while `actor` or request `target` is locked out.
  std::optional<ControlOutcome> confirm_locked_out_locked(const Actor& actor, const std::string& target,
                                                         MonoTime now) const;
  // Counts one wrong approve token / second factor; raises the P1 when it locks.
  void count_confirm_failure_locked(const Actor& actor, const std::string& target, MonoTime now);
  void write_forbidden_summaries_locked(const std::vector<ForbiddenSummary>& summaries);

  store::Database& database_;
  SignedStateStore signed_state_;
  AuditLog audit_;
  IncidentLog incidents_;
  ApprovalStore approvals_;
  const Clock& clock_;
  EventBus& bus_;
  ApprovalCredentials& credentials_;
  ControlPlaneOptions options_;
  Logger logger_;
  Flattener* flattener_;
  AutopilotGates* gates_;

  // Recursive: the credentials' secret reads are audited through this plane while a
  // confirm() holds it (same thread).
  mutable std::recursive_mutex mutex_;
  ControlState state_;
  std::vector<std::pair<ApprovalKind, std::function<void(const ApprovalRequest&)>>> effects_;
  LockoutTable confirm_failures_;  // keys "operator:<name>" and "approval:<id>"
  ForbiddenAggregator forbidden_;
  enum class Recon { not_required, pending, clean, unclean } recon_ = Recon::not_required;
  std::string recon_summary_;
  std::optional<std::string> recon_desync_;  // the recon daemon's standing mismatch
  std::optional<Mode> autopilot_deferred_;  // the persisted mode, while recon is pending
  std::atomic<Mode> mode_{Mode::hold};
  std::atomic<bool> safe_mode_{true};
  std::atomic<bool> dry_run_{false};
};

}  // namespace propbot::control
