// ControlPort: what the engine needs of the control plane — the mode and flags it
// gates opportunities by, the state it shows, and the one safety-action function its
// automatic safety events go through (SPEC S-4.3). The daemon plugs the ControlPlane in
// (core/app/engine_thread.cpp); tests and replays plug a scripted desk.
//
// Thread: called on the engine's driving thread; implementations must be safe to call
// there while operators act on other threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/control/control_plane.hpp"

namespace propbot::engine {

class ControlPort {
 public:
  virtual ~ControlPort() = default;
  virtual Mode mode() const = 0;
  virtual bool safe_mode() const = 0;
  virtual bool dry_run_mode() const = 0;
  // The reason and `since` of the current mode.
  virtual control::ControlState state() const = 0;
  virtual Result<control::ControlOutcome> safety_action(const control::SafetyEvent& event) = 0;
  // An audit-only record from the engine's parts (the executor's route decisions and
  // reconciliation findings). The default drops it (tools, tests without a plane).
  virtual void audit(const std::string& /*action*/, const nlohmann::json& /*details*/) {}
  // A circuit-breaker rule asked for safe mode (action `safe_mode`): turn it on (turning
  // it on is immediate; turning it off stays a two-man action). Default: nothing.
  virtual void safe_mode_on(const std::string& /*reason*/) {}
  // The risk governor's durable state (frozen / degraded strategies, trips, raised
  // limits, budget resets), signed with the control state. Defaults: nothing kept.
  virtual Status save_state(std::string_view /*name*/, const nlohmann::json& /*value*/) { return {}; }
  virtual std::optional<nlohmann::json> load_state(std::string_view /*name*/) { return std::nullopt; }
  // The executor's start-up reconciliation ended (ControlPlane::recon_finished).
  virtual void recon_finished(bool /*clean*/, const std::string& /*summary*/) {}
  // The recon daemon's standing mismatch (ControlPlane::set_recon_desync); nullopt: clean.
  virtual void recon_desync(std::optional<std::string> /*summary*/) {}
};

}  // namespace propbot::engine
