#include "core/control/approval_kind.hpp"

#include <string>

namespace propbot::control {

std::string_view to_string(ApprovalKind kind) {
  switch (kind) {
    case ApprovalKind::resume: return "resume";
    case ApprovalKind::exit_dry_run: return "exit_dry_run";
    case ApprovalKind::raise_limit: return "raise_limit";
    case ApprovalKind::unfreeze_strategy: return "unfreeze_strategy";
    case ApprovalKind::kill_switch: return "kill_switch";
    case ApprovalKind::promote_standby: return "promote_standby";
    case ApprovalKind::safe_mode_off: return "safe_mode_off";
    case ApprovalKind::config_apply_loosening: return "config_apply_loosening";
  }
  return "unknown";
}

Result<ApprovalKind> parse_approval_kind(std::string_view text) {
  for (ApprovalKind kind : kAllApprovalKinds) {
    if (to_string(kind) == text) return kind;
  }
  std::string known;
  for (ApprovalKind kind : kAllApprovalKinds) {
    if (!known.empty()) known += ", ";
    known += to_string(kind);
  }
  return make_error(Errc::invalid_argument, "approval kind '" + std::string(text) + "' is unknown; use one of " + known);
}

bool needs_second_factor(ApprovalKind kind, SecondFactorContext context) {
  switch (kind) {
    case ApprovalKind::kill_switch:
    case ApprovalKind::promote_standby: return true;
    case ApprovalKind::resume: return context.after_p0;
    case ApprovalKind::safe_mode_off: return context.live;
    case ApprovalKind::exit_dry_run:
    case ApprovalKind::raise_limit:
    case ApprovalKind::unfreeze_strategy:
    case ApprovalKind::config_apply_loosening: return false;
  }
  return true;  // an unknown value fails closed
}

}  // namespace propbot::control
