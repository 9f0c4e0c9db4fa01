// StatusMonitor: evaluates the registry (components.hpp) and turns a component's
// transition into ERROR into ONE safety action (SPEC S-11.3, S-4.3): an incident
// `status_component_error` for component "status:<id>" through the control plane's
// safety_action() — P1 (incident, audit, alert, event), or P0 → HOLD when
// StatusThresholds::hold_on_error names the component.
//
// Guarantees:
//   - Edge-triggered: a component raises once when it turns ERROR and again only after
//     it left ERROR (any other status) and turned ERROR anew; evaluating a standing
//     ERROR every second raises nothing more.
//   - Areas not built yet (implemented = false) never raise: they are ERROR from start
//     and counted so in the scores, not news.
//   - No raise within startup_grace_sec of `started_at` (books and recon are still
//     coming up); a component still ERROR when the grace ends raises then.
//   - The sink is called outside the monitor's lock, in the order of the components.
//   - Bounded: one remembered status per component id of the last evaluation (ids that
//     disappear, e.g. a removed strategy, are forgotten).
//   - `since` of a component is when its current status began (first seen, or last change).
// Threads: evaluate() from any thread (one mutex).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/control/control_plane.hpp"
#include "core/status/component_check.hpp"
#include "core/status/status_inputs.hpp"
#include "core/status/status_thresholds.hpp"

namespace propbot::status {

struct Evaluation {
  std::vector<ComponentCheck> checks;
  std::map<std::string, UtcTime> since;  // per component id
};

class StatusMonitor {
 public:
  using SafetySink = std::function<void(const control::SafetyEvent&)>;
  StatusMonitor(StatusThresholds thresholds, SafetySink sink, MonoTime started_at);

  // Runs all_components() on `inputs`, updates the remembered statuses and raises the
  // transitions into ERROR (see above).
  Evaluation evaluate(const StatusInputs& inputs);
  // Judges `checks` (already computed) as evaluate() does; for tests and callers with
  // their own component list.
  Evaluation observe(std::vector<ComponentCheck> checks, MonoTime now, UtcTime utc_now);

  const StatusThresholds& thresholds() const { return thresholds_; }

 private:
  struct Seen {
    ComponentStatus status = ComponentStatus::OK;
    UtcTime since{};
    bool raised = false;  // raised for its current ERROR
  };
  const StatusThresholds thresholds_;
  const SafetySink sink_;
  const MonoTime started_at_;
  std::mutex mutex_;
  std::map<std::string, Seen> seen_;
};

}  // namespace propbot::status
