// OpportunityStatus: whether a strategy's intent could go on now — the control gate
// first (KILL, HOLD), then the policy's verdict (core/common/policy_verdict.hpp), then
// the risk governor (core/risk: a refusal with a reason code; its reason `safe_mode`
// shows as blocked_by_safe_mode); the first that blocks wins:
//   blocked_by_kill | blocked_by_hold | blocked_by_policy | blocked_by_risk |
//   blocked_by_safe_mode | ready.
// The gate alone (opportunity_gate) is blocked_by_kill, blocked_by_hold or ready: safe
// mode no longer blocks everything (S-1.2: strategies scale down, entries post-only —
// the governor's job).
//
// The string forms are stable: the "status" field of every opportunity the API answers
// and docs/STRATEGY_GUIDE.md §6 name them.
//
// Threads: pure functions, safe from any thread; none allocates.
#pragma once

#include <array>
#include <string_view>

#include "core/common/mode.hpp"
#include "core/common/policy_verdict.hpp"

namespace propbot {

enum class OpportunityStatus {
  blocked_by_kill,
  blocked_by_hold,
  blocked_by_safe_mode,
  blocked_by_policy,
  blocked_by_risk,
  ready
};

inline constexpr std::array<OpportunityStatus, 6> kAllOpportunityStatuses = {
    OpportunityStatus::blocked_by_kill,   OpportunityStatus::blocked_by_hold, OpportunityStatus::blocked_by_safe_mode,
    OpportunityStatus::blocked_by_policy, OpportunityStatus::blocked_by_risk, OpportunityStatus::ready};

constexpr std::string_view to_string(OpportunityStatus status) {
  switch (status) {
    case OpportunityStatus::blocked_by_kill: return "blocked_by_kill";
    case OpportunityStatus::blocked_by_hold: return "blocked_by_hold";
    case OpportunityStatus::blocked_by_safe_mode: return "blocked_by_safe_mode";
    case OpportunityStatus::blocked_by_policy: return "blocked_by_policy";
    case OpportunityStatus::blocked_by_risk: return "blocked_by_risk";
    case OpportunityStatus::ready: return "ready";
  }
  return "blocked_by_kill";  // an out-of-range value reads as the most blocked
}

// The control gate: blocked_by_kill, blocked_by_hold or ready.
constexpr OpportunityStatus opportunity_gate(Mode mode) {
  if (mode == Mode::kill) return OpportunityStatus::blocked_by_kill;
  if (mode == Mode::hold) return OpportunityStatus::blocked_by_hold;
  return OpportunityStatus::ready;
}

// What the risk governor answered: nothing, a refusal, or a safe-mode refusal.
enum class RiskVerdict { admitted, refused, safe_mode };

// The gate, then the policy, then risk: each refusal shows only when nothing above it blocks.
constexpr OpportunityStatus opportunity_status(OpportunityStatus gate, PolicyVerdict verdict,
                                               RiskVerdict risk = RiskVerdict::admitted) {
  if (gate != OpportunityStatus::ready) return gate;
  if (!policy_allows(verdict)) return OpportunityStatus::blocked_by_policy;
  if (risk == RiskVerdict::refused) return OpportunityStatus::blocked_by_risk;
  if (risk == RiskVerdict::safe_mode) return OpportunityStatus::blocked_by_safe_mode;
  return OpportunityStatus::ready;
}

}  // namespace propbot
