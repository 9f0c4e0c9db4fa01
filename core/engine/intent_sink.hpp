// IntentSink: where the engine hands every intent once the policy stage has assessed
// it — the executor's input (execution issue), and what a test or a replay compares
// run against run. Called on the engine's driving thread, in the order the strategies
// proposed, with the gate status the opportunity board gave it; the references are
// valid for the duration of the call only.
#pragma once

#include <string_view>

#include "core/engine/policy_stage.hpp"
#include "scripting/intent.hpp"

namespace propbot::engine {

class IntentSink {
 public:
  virtual ~IntentSink() = default;
  // `status`: blocked_by_kill | blocked_by_hold | blocked_by_safe_mode | blocked_by_policy | ready
  virtual void on_intent(const scripting::Intent& intent, const PolicyOutcome& outcome, std::string_view status) = 0;
};

}  // namespace propbot::engine
