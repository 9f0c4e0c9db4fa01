// The desk side of the registry (components.hpp): the control plane, incidents,
// security, backups, the data-dir lock, memory, and the areas not built yet.
#include "core/status/components.hpp"
#include "core/status/live_readiness.hpp"

namespace propbot::status {
namespace {

using nlohmann::json;
using S = ComponentStatus;

void control(const StatusInputs& in, std::vector<ComponentCheck>& out) {
  if (!in.control) {
    out.push_back(
        make_check("control_plane", "Control plane", Group::P0, S::ERROR, "no control plane wired", json::object()));
    out.push_back(make_check("incidents", "Incidents", Group::P0, S::ERROR, "no control plane wired", json::object()));
    out.push_back(
        make_check("keys_security", "Keys / security", Group::P0, S::ERROR, "no control plane wired", json::object()));
    return;
  }
  const control::ControlState& c = *in.control;
  const S mode = c.mode == Mode::resume ? S::OK : c.mode == Mode::hold ? S::HOLD : S::ERROR;
  out.push_back(make_check("control_plane", "Control plane", Group::P0, mode,
                           std::string(to_string(c.mode)) + (c.reason.empty() ? "" : ": " + c.reason),
                           {{"mode", std::string(to_string(c.mode))},
                            {"safe_mode", c.safe_mode},
                            {"dry_run_mode", c.dry_run_mode},
                            {"since", c.since}},
                           {"/api/ui/control-state"}));

  const json pending =
      in.incidents.is_object() ? in.incidents.value("postmortem_required", json::array()) : json::array();
  const std::size_t active = in.incidents.is_object() ? in.incidents.value("active", json::array()).size() : 0;
  S incidents = in.incidents.is_object() ? (pending.empty() ? (active > 0 ? S::WARN : S::OK) : S::HOLD) : S::ERROR;
  out.push_back(make_check("incidents", "Incidents", Group::P0, incidents,
                           !in.incidents.is_object() ? "incidents unavailable"
                           : pending.empty()         ? std::to_string(active) + " active incidents"
                                             : std::to_string(pending.size()) + " P0 without postmortem: trade locked",
                           {{"active", active}, {"postmortem_required", pending}}, {"/api/ui/incidents"}));

  const bool tampered = c.tamper_status != "OK";
  out.push_back(make_check("keys_security", "Keys / security", Group::P0, tampered ? S::ERROR : S::OK,
                           "signed state and audit chain at start: " + c.tamper_status,
                           {{"tamper_status", c.tamper_status}}, {"/api/ui/control-state"}));
  out.push_back(make_check(
      "autopilot", "Autopilot", Group::P2, c.autopilot_status == "refused" ? S::WARN : S::OK, c.autopilot_status,
      {{"autopilot_status", c.autopilot_status}, {"autopilot_last_decision", c.autopilot_last_decision}},
      {"/api/ui/control-state"}));
}

void backups(const StatusInputs& in, const StatusThresholds& t, std::vector<ComponentCheck>& out) {
  if (!in.backup) {
    out.push_back(
        make_check("backup_snapshotter", "Ledger backups", Group::P1, S::ERROR, "no backups wired", json::object()));
    return;
  }
  const auto& b = in.backup->status;
  S s = S::OK;
  std::string summary(to_string(b.status));
  json age = nullptr;
  if (b.last_backup) {
    const double age_sec = std::chrono::duration<double>(in.utc_now - *b.last_backup).count();
    age = age_sec;
    const double limit = t.backup_age_factor_error * std::chrono::duration<double>(in.backup->interval).count();
    if (in.backup->interval.count() > 0 && age_sec > limit) {
      s = S::ERROR;
      summary = "last backup older than " + std::to_string(static_cast<long>(limit)) + " s";
    }
  }
  if (b.status == store::BackupState::error) {
    s = S::ERROR;
    summary = "error: " + b.last_error;
  }
  if (b.status == store::BackupState::off) s = S::WARN;
  out.push_back(
      make_check("backup_snapshotter", "Ledger backups", Group::P1, s, summary,
                 {{"status", std::string(to_string(b.status))},
                  {"last_backup_age_sec", age},
                  {"backups_taken", b.backups_taken},
                  {"bytes", b.bytes},
                  {"last_duration_ms", b.last_duration_ms},
                  {"interval_sec", std::chrono::duration_cast<std::chrono::seconds>(in.backup->interval).count()},
                  {"last_error", b.last_error}}));
}

}  // namespace

std::vector<ComponentCheck> desk_components(const StatusInputs& in, const StatusThresholds& t) {
  std::vector<ComponentCheck> out;
  control(in, out);
  backups(in, t, out);
  out.push_back(make_check("data_dir_lock", "Data directory lock", Group::P0, in.data_dir.empty() ? S::ERROR : S::OK,
                           in.data_dir.empty() ? "no data directory lock held" : "held on " + in.data_dir,
                           {{"data_dir", in.data_dir}}));
  out.push_back(make_check(
      "memory", "Memory", Group::P2, judge(in.memory_usage_mb, t.memory_mb_warn, t.memory_mb_critical),
      std::to_string(static_cast<long>(in.memory_usage_mb)) + " MB resident",
      {{"memory_usage_mb", in.memory_usage_mb}, {"warn_mb", t.memory_mb_warn}, {"critical_mb", t.memory_mb_critical}},
      {"/api/ui/status/slo"}));
  out.push_back(not_implemented("leader_fencing", "Leader / fencing", Group::P0,
                                "leader election and fencing tokens (SPEC S-10)"));
  out.push_back(not_implemented("standby_sync", "Standby sync", Group::P1, "a standby and its sync (SPEC S-10)"));
  if (!in.stream) {
    out.push_back(make_check("stream", "Live stream", Group::P2, S::ERROR, "the live stream is not served", {},
                             {"/api/ui/stream"}));
  } else {
    const auto [clients, max] = *in.stream;
    out.push_back(make_check("stream", "Live stream", Group::P2, clients >= max ? S::WARN : S::OK,
                             clients >= max ? "full: " + std::to_string(max) + " clients, new ones are refused"
                                            : std::to_string(clients) + " client(s) on /api/ui/stream",
                             {{"clients", clients}, {"max_clients", max}}, {"/api/ui/stream"}));
  }
  out.push_back(not_implemented("fee_planner", "Fee planner", Group::P3, "fee tier planning"));
  out.push_back(not_implemented("orchestrator", "Orchestrator", Group::P1, "a strategy orchestrator"));
  out.push_back(not_implemented("compliance_worm", "Compliance / WORM", Group::P2,
                                "a periodic WORM status (exports exist on demand: POST /api/ui/audit/export)"));
  return out;
}

std::vector<ComponentCheck> all_components(const StatusInputs& inputs, const StatusThresholds& thresholds) {
  auto out = engine_components(inputs, thresholds);
  // Live readiness (S-11.5) as a component: WARN while not ready (HOLD is the normal
  // not-ready state and already shows on control_plane), with the reason codes.
  const LiveReadiness readiness = live_readiness(inputs, thresholds);
  nlohmann::json codes = nlohmann::json::array();
  for (const auto& reason : readiness.reasons) codes.push_back(reason.code);
  out.push_back(
      make_check("live_readiness", "Live readiness", Group::P1, readiness.ready ? S::OK : S::WARN,
                 readiness.ready ? "ready" : readiness.reasons.front().code + ": " + readiness.reasons.front().detail,
                 {{"ready", readiness.ready}, {"reasons", codes}}, {"/live-readiness"}));
  auto desk = desk_components(inputs, thresholds);
  out.insert(out.end(), std::make_move_iterator(desk.begin()), std::make_move_iterator(desk.end()));
  return out;
}

}  // namespace propbot::status
