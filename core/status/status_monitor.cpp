#include "core/status/status_monitor.hpp"

#include <algorithm>

#include "core/status/components.hpp"

namespace propbot::status {

StatusMonitor::StatusMonitor(StatusThresholds thresholds, SafetySink sink, MonoTime started_at)
    : thresholds_(std::move(thresholds)), sink_(std::move(sink)), started_at_(started_at) {}

Evaluation StatusMonitor::evaluate(const StatusInputs& inputs) {
  return observe(all_components(inputs, thresholds_), inputs.now, inputs.utc_now);
}

Evaluation StatusMonitor::observe(std::vector<ComponentCheck> checks, MonoTime now, UtcTime utc_now) {
  const bool in_grace = std::chrono::duration<double>(now - started_at_).count() < thresholds_.startup_grace_sec;
  std::vector<control::SafetyEvent> raise;
  Evaluation evaluation;
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, Seen> next;
    for (const auto& check : checks) {
      Seen seen;
      if (auto it = seen_.find(check.id); it != seen_.end() && it->second.status == check.status) {
        seen = it->second;
      } else {
        seen.status = check.status;
        seen.since = utc_now;
      }
      if (check.status == ComponentStatus::ERROR && check.implemented && !seen.raised && !in_grace) {
        seen.raised = true;
        control::SafetyEvent event;
        event.code = IncidentCode::status_component_error;
        event.component = "status:" + check.id;
        event.summary = check.title + " is ERROR: " + check.summary;
        const auto& hold = thresholds_.hold_on_error;
        if (std::find(hold.begin(), hold.end(), check.id) != hold.end()) event.severity = Severity::P0;
        raise.push_back(std::move(event));
      }
      evaluation.since[check.id] = seen.since;
      next[check.id] = seen;
    }
    seen_ = std::move(next);
  }
  evaluation.checks = std::move(checks);
  if (sink_) {
    for (const auto& event : raise) sink_(event);
  }
  return evaluation;
}

}  // namespace propbot::status
