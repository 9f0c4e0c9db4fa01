// OpportunityStatus: whether a strategy's intent could go on now — the control gate
// first (KILL, HOLD, safe mode), then the policy's verdict (core/common/policy_verdict.hpp);
// the first that blocks wins:
//   blocked_by_kill | blocked_by_hold | blocked_by_safe_mode | blocked_by_policy | ready.
// The gate alone (opportunity_gate) is one of the same values, never blocked_by_policy.
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

enum class OpportunityStatus { blocked_by_kill, blocked_by_hold, blocked_by_safe_mode, blocked_by_policy, ready };

inline constexpr std::array<OpportunityStatus, 5> kAllOpportunityStatuses = {
    OpportunityStatus::blocked_by_kill, OpportunityStatus::blocked_by_hold, OpportunityStatus::blocked_by_safe_mode,
    OpportunityStatus::blocked_by_policy, OpportunityStatus::ready};

constexpr std::string_view to_string(OpportunityStatus status) {
  switch (status) {
    case OpportunityStatus::blocked_by_kill: return "blocked_by_kill";
    case OpportunityStatus::blocked_by_hold: return "blocked_by_hold";
    case OpportunityStatus::blocked_by_safe_mode: return "blocked_by_safe_mode";
    case OpportunityStatus::blocked_by_policy: return "blocked_by_policy";
    case OpportunityStatus::ready: return "ready";
  }
  return "blocked_by_kill";  // an out-of-range value reads as the most blocked
}

// The control gate: blocked_by_kill, blocked_by_hold, blocked_by_safe_mode or ready.
constexpr OpportunityStatus opportunity_gate(Mode mode, bool safe_mode) {
  if (mode == Mode::kill) return OpportunityStatus::blocked_by_kill;
  if (mode == Mode::hold) return OpportunityStatus::blocked_by_hold;
  if (safe_mode) return OpportunityStatus::blocked_by_safe_mode;
  return OpportunityStatus::ready;
}

// The gate, then the policy: a policy refusal shows only when nothing above it blocks.
constexpr OpportunityStatus opportunity_status(OpportunityStatus gate, PolicyVerdict verdict) {
  if (gate != OpportunityStatus::ready) return gate;
  return policy_allows(verdict) ? OpportunityStatus::ready : OpportunityStatus::blocked_by_policy;
}

}  // namespace propbot
