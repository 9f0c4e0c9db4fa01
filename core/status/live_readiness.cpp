#include "core/status/live_readiness.hpp"

namespace propbot::status {

using nlohmann::json;

bool daily_loss_cap_breached(const StatusInputs& in) {
  if (!in.snapshot || !in.snapshot->risk) return false;
  const json caps = in.snapshot->risk->value("risk_snapshot", json::object()).value("caps", json::array());
  for (const auto& cap : caps) {
    if (cap.value("name", "") == "daily_loss_cap" && cap.value("breached", false)) return true;
  }
  return false;
}

std::string recon_verdict(const StatusInputs& in) {
  if (!in.snapshot || !in.snapshot->recon) return "UNKNOWN";
  return in.snapshot->recon->value("status", json::object()).value("status", "UNKNOWN");
}

LiveReadiness live_readiness(const StatusInputs& in, const StatusThresholds& t) {
  LiveReadiness r;
  auto add = [&r](std::string code, std::string detail) { r.reasons.push_back({std::move(code), std::move(detail)}); };
  if (!in.snapshot) {
    add("engine_stale", "the engine has not published a snapshot");
  } else {
    const double age_ms = std::chrono::duration<double, std::milli>(in.now - in.snapshot->built_at).count();
    if (age_ms > t.engine_stale_ms_error)
      add("engine_stale", "last snapshot " + std::to_string(static_cast<long>(age_ms)) + " ms ago");
  }
  if (const std::string recon = recon_verdict(in); recon != "OK") add("recon_not_ok", "recon " + recon);
  if (!in.control) {
    add("no_control_plane", "no control plane wired");
  } else {
    const json pending =
        in.incidents.is_object() ? in.incidents.value("postmortem_required", json::array()) : json::array();
    if (!pending.empty())
      add("p0_without_postmortem",
          std::to_string(pending.size()) + " P0 incidents without postmortem: " + pending.dump());
  }
  if (daily_loss_cap_breached(in)) add("daily_loss_cap_breached", "the daily loss cap is breached");
  if (in.control) {
    if (in.control->mode != Mode::resume) {
      add("mode_not_resume", "mode " + std::string(to_string(in.control->mode)) + ": " + in.control->reason);
    }
    if (in.control->safe_mode && !t.readiness_allows_safe_mode) {
      add("safe_mode_not_allowed", "safe_mode is on and this profile's readiness needs it off");
    }
  }
  if (in.memory_usage_mb > t.memory_mb_critical) {
    add("memory_pressure_critical", std::to_string(static_cast<long>(in.memory_usage_mb)) + " MB resident > " +
                                        std::to_string(static_cast<long>(t.memory_mb_critical)) + " MB");
  }
  r.ready = r.reasons.empty();
  return r;
}

std::string readiness_advice(const LiveReadiness& r) {
  if (r.ready) return "ready to trade";
  const std::string& code = r.reasons.front().code;
  if (code == "engine_stale") return "the engine loop is not publishing: check the daemon's log";
  if (code == "recon_not_ok") return "wait for reconciliation, or resolve its diffs (GET /api/ui/recon/status)";
  if (code == "no_control_plane") return "run the daemon with its control plane";
  if (code == "p0_without_postmortem")
    return "acknowledge each P0 with a postmortem (POST /api/ui/incidents/ack_and_postmortem)";
  if (code == "daily_loss_cap_breached") return "trading stays held until the daily loss cap resets";
  if (code == "mode_not_resume")
    return "two-man resume: POST /api/ui/resume-request, another operator confirms, then POST /api/ui/resume";
  if (code == "safe_mode_not_allowed") return "turn safe_mode off (a two-man request)";
  if (code == "memory_pressure_critical") return "memory is critical: restart the daemon (crash-only)";
  return "see reasons";
}

json live_readiness_json(const LiveReadiness& r, const StatusInputs& in) {
  json reasons = json::array();
  for (const auto& reason : r.reasons) reasons.push_back({{"code", reason.code}, {"detail", reason.detail}});
  json leader = nullptr;
  json fencing = nullptr;
  if (in.control && !in.control->leader_id.empty()) {
    leader = in.control->leader_id;
    fencing = in.control->fencing_token;
  }
  return {{"ready", r.ready},
          {"reasons", reasons},
          {"leader", leader},
          {"fencing_token", fencing},
          {"metrics",
           {{"recon_status", recon_verdict(in)},
            {"mode", in.control ? json(std::string(to_string(in.control->mode))) : json(nullptr)},
            {"safe_mode", in.control ? json(in.control->safe_mode) : json(nullptr)},
            {"daily_loss_cap_breached", daily_loss_cap_breached(in)},
            {"memory_usage_mb", in.memory_usage_mb},
            {"split_brain_detected", nullptr}}},
          {"advice", readiness_advice(r)}};
}

}  // namespace propbot::status
