// Failpoint: one named place in the order lifecycle where a crash test kills the
// process (SIGKILL, as `kill -9` would), to prove the journal's exactly-once promise at
// that point. The daemon arms at most one, from the environment variable
// PROPBOT_FAILPOINT="<name>" or "<name>:<n>" (the n-th time the point is reached), and
// refuses to start with one in the live profile. Unarmed, a point costs one comparison.
//
// The names are stable (tests outside the repository use them); kAllFailpoints lists
// them, `failpoint.hit("<name>")` in core/exec marks where each one is, and
// docs/CRASH_TEST_REPORT.md says which action reaches it.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::exec {

inline constexpr std::array<std::string_view, 24> kAllFailpoints = {
    "intent_a_recorded",    "intent_b_recorded",     "new_a_recorded",      "sent_a_recorded",
    "place_a_called",       "a_acknowledged",        "a_partial_recorded",  "hedge_planned",
    "sent_b_recorded",      "place_b_called",        "b_acknowledged",      "between_fills_of_a",
    "fill_recorded",        "b_filled",              "trade_hedged",        "cancel_sent",
    "recon_started",        "recon_order_resolved",  "recon_hedge_resumed", "cancel_all_sent",
    "flatten_started",      "flatten_order_sent",    "flatten_done",        "single_sent"};

class Failpoint {
 public:
  Failpoint() = default;  // unarmed
  // "<name>" or "<name>:<n>" with a name from kAllFailpoints and n >= 1. Errors name
  // the text and the fix.
  static Result<Failpoint> parse(std::string_view text);

  bool armed() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  // Kills the process (SIGKILL) when this is the armed point's n-th hit.
  void hit(std::string_view here);

 private:
  std::string name_;
  int nth_ = 1;
  int hits_ = 0;
};

}  // namespace propbot::exec
