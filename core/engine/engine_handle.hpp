// EngineHandle: the running engine as seen from another thread — what the config
// service (hot reload) and any other command side may do with it: hand it a new bundle
// and read its latest snapshot. The daemon's EngineThread implements it; a test may
// implement it without any engine.
//
// Thread: both calls are safe from any thread other than the engine's own.
#pragma once

#include <chrono>
#include <memory>

#include "core/engine/engine.hpp"

namespace propbot::engine {

class EngineHandle {
 public:
  virtual ~EngineHandle() = default;
  // Swaps `next` in between two events; if the engine does not start the work within
  // `timeout` it is abandoned (never applied later) and reported as timed out.
  virtual ReloadReport reload(EngineBundle next, std::chrono::milliseconds timeout) = 0;
  // The latest published snapshot; null before the first.
  virtual std::shared_ptr<const EngineSnapshot> snapshot() const = 0;
  // Engine::manual_trade on the engine thread, waiting at most `timeout` for it to be
  // taken (then: unavailable, nothing done). Default: unavailable (no engine).
  virtual Result<nlohmann::json> manual_trade(const Intent& /*intent*/, bool /*execute*/,
                                              const std::string& /*operator_name*/,
                                              std::chrono::milliseconds /*timeout*/) {
    return make_error(Errc::unavailable, "no engine runs here");
  }
  // Engine::reset_breaker on the engine thread, the same way.
  virtual Result<nlohmann::json> reset_breaker(const std::optional<std::string>& /*strategy*/,
                                               const std::string& /*operator_name*/,
                                               std::chrono::milliseconds /*timeout*/) {
    return make_error(Errc::unavailable, "no engine runs here");
  }
  // Engine::strategy_detail on the engine thread, waiting at most `timeout`.
  virtual Result<nlohmann::json> strategy_detail(const std::string& /*name*/, std::chrono::milliseconds /*timeout*/) {
    return make_error(Errc::unavailable, "no engine runs here");
  }
  // Engine::risk_action on the engine thread, waiting at most `timeout`.
  virtual Result<nlohmann::json> risk_action(RiskAction /*action*/, const nlohmann::json& /*payload*/,
                                             const std::string& /*operator_name*/,
                                             std::chrono::milliseconds /*timeout*/) {
    return make_error(Errc::unavailable, "no engine runs here");
  }
};

}  // namespace propbot::engine
