// The executor's two standing guards over orders it left at the venues — their
// vocabulary as the API and the audit show it (the logic is in executor_guards.cpp):
//
// - Dead-man switches (cancel-on-disconnect, SPEC S-8.6): every venue that has one
//   (venues::Venue::dead_man_scope) is armed with `execution.dead_man_timeout_ms` once
//   its private stream is up, re-armed at once after a reconnect, refreshed every third
//   of the timeout and disarmed at a clean shutdown. If the daemon dies or loses the
//   venue, the venue itself cancels the desk's open orders when the timeout runs out. A
//   failed arm is logged, counted and shown as `failed` with its error; the next refresh
//   tries again.
// - The post-only staleness guard: a resting post-only order of the desk is cancelled
//   when the touch on its own side has moved away from its price by more than
//   `execution.post_only_max_distance_bps`, or when it has rested longer than
//   `execution.post_only_max_age_ms` — each cancel logged and audited
//   `post_only_stale_cancel` with its StaleReason.
//
// The string forms of both enums are stable (API, audit, logs). Pure vocabulary: safe
// from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace propbot::exec {

enum class DeadManState {
  off,          // execution.dead_man_timeout_ms is 0
  unsupported,  // the venue has no switch (paper, in-process simulators)
  waiting,      // not armed yet: the venue's private stream has not come up
  armed,        // the last arm (or refresh) was acknowledged for every symbol it covers
  failed,       // the last arm was refused or lost; the next refresh tries again
  disarmed,     // disarmed at a clean shutdown
};
constexpr std::string_view to_string(DeadManState state) {
  switch (state) {
    case DeadManState::off: return "off";
    case DeadManState::unsupported: return "unsupported";
    case DeadManState::waiting: return "waiting";
    case DeadManState::armed: return "armed";
    case DeadManState::failed: return "failed";
    case DeadManState::disarmed: return "disarmed";
  }
  return "off";
}

// One venue's switch, as GET /api/ui/execution shows it.
struct DeadManView {
  std::string venue;
  DeadManState state = DeadManState::off;
  std::string scope;               // venues::DeadManScope name: per_symbol | per_account | unsupported
  std::int64_t armed_timeout_ms = 0;  // what the venue armed last (OKX rounds to whole seconds)
  std::int64_t last_armed_ms = 0;     // Unix ms of the last acknowledged arm; 0 = never
  std::uint64_t arm_failures = 0;
  std::string last_error;             // of the last failed arm; empty when none
};

// Why the staleness guard cancelled a resting post-only order.
enum class StaleReason {
  away_from_touch,  // the touch on the order's side moved more than the distance away
  max_age,          // it rested longer than the maximum age
};
constexpr std::string_view to_string(StaleReason reason) {
  return reason == StaleReason::max_age ? "post_only_max_age" : "post_only_away_from_touch";
}

}  // namespace propbot::exec
