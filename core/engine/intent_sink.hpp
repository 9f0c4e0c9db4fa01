// IntentSink: where the engine hands every intent once the policy stage has assessed
// it — the executor's input (execution issue), and what a test or a replay compares
// run against run. Called on the engine's driving thread, in the order the strategies
// proposed, with the gate status the opportunity board gave it; the references are
// valid for the duration of the call only.
#pragma once

#include "core/common/intent.hpp"
#include "core/common/opportunity_status.hpp"
#include "core/engine/policy_stage.hpp"

namespace propbot::engine {

class IntentSink {
 public:
  virtual ~IntentSink() = default;
  // `status`: the gate, then the policy (opportunity_status, core/common/opportunity_status.hpp).
  virtual void on_intent(const Intent& intent, const PolicyOutcome& outcome, OpportunityStatus status) = 0;
};

}  // namespace propbot::engine
