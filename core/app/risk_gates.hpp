// RiskGates: the control plane's AutopilotGates in the daemon (SPEC S-1.4). The plane
// is opened before the engine exists; once the engine runs, the composition root
// attaches a reader of the engine's published risk views, and the autopilot's refusal
// reasons then include the risk governor's: blocked_by_risk (a cap breached, a strategy
// frozen or out of budget), blocked_by_circuit_breaker (a trip stands),
// blocked_by_stress (the stress hard block). With nothing attached (start-up, shutdown)
// it names no blocker: the governor has nothing to say before the engine runs.
//
// Threads: attach/detach from the owning thread; blockers() from any (the plane's).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/control/control_plane.hpp"

namespace propbot::app {

class RiskGates final : public control::AutopilotGates {
 public:
  // `reader` must not block on the control plane (it is called under its lock).
  void attach(std::function<std::vector<std::string>()> reader);
  void detach();
  std::vector<std::string> blockers() override;

 private:
  std::mutex mutex_;
  std::function<std::vector<std::string>()> reader_;
};

}  // namespace propbot::app
