// Approval kinds: the critical actions that need two operators (SPEC S-6.2) and which
// of them also need a second factor from the confirming operator (S-6.3). Pure data
// and pure functions; the stable string forms are what the approvals table, the API
// and the audit log use.
//
// S-6.3 names four critical acts for the second factor: kill switch, promote standby,
// resume after a P0, and safe_mode off in live. Two of them depend on context (was
// there a P0? is the profile live?), which only the caller knows when the request is
// made; SecondFactorContext carries it, and its defaults are the strict answer
// (assume live, assume after a P0) so forgetting the context never weakens a gate.
//
// Threads: pure functions, safe from any thread. Uses nothing but the standard library
// and core/common Result.
#pragma once

#include <array>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::control {

enum class ApprovalKind {
  resume,                  // leave HOLD
  exit_dry_run,            // leave dry-run mode
  raise_limit,             // raise any risk limit
  unfreeze_strategy,       // unfreeze / undegrade a strategy
  kill_switch,             // enter KILL
  promote_standby,         // make the standby the leader
  safe_mode_off,           // clear safe_mode
  config_apply_loosening,  // apply a config that loosens limits in live
};

inline constexpr std::array<ApprovalKind, 8> kAllApprovalKinds = {
    ApprovalKind::resume,          ApprovalKind::exit_dry_run,    ApprovalKind::raise_limit,
    ApprovalKind::unfreeze_strategy, ApprovalKind::kill_switch,   ApprovalKind::promote_standby,
    ApprovalKind::safe_mode_off,   ApprovalKind::config_apply_loosening,
};

std::string_view to_string(ApprovalKind kind);
// Errors: invalid_argument listing the known kinds.
Result<ApprovalKind> parse_approval_kind(std::string_view text);

struct SecondFactorContext {
  bool live = true;      // the daemon runs the live profile
  bool after_p0 = true;  // a resume that follows a P0 incident
};

// True for the S-6.3 critical four: kill_switch and promote_standby always; resume
// when context.after_p0; safe_mode_off when context.live. With the default context
// this is exactly "the critical four".
bool needs_second_factor(ApprovalKind kind, SecondFactorContext context = {});

}  // namespace propbot::control
