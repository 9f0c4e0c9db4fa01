// Isolated shadow validation: shadow_validate() (shadow_validation.hpp) in a child process
// of the propbot binary (`propbot config shadow-worker`, internal), like the validation
// worker (core/bundle/isolated_validator.hpp) and for the same reason: the replay runs an
// uploaded bundle's scripts over minutes of market data, and neither a slow nor a
// crashing script may touch the daemon. It runs after the validation worker answered
// no error, so only a bundle that compiled and passed the dry runs is replayed.
//
// Protocol (stdin → stdout, one JSON document each way, both bounded):
//   request  {"profile": "paper", "files": {path: content} (the candidate),
//             "running_files": {path: content}, "tape": <tape_json.hpp>}
//   answer   ShadowReport::to_json() {"ran", "events", "window_s", "replay_ms",
//             "shadow", "errors", "warnings"}
// Worker exit codes: 0 answered, 2 unreadable request, 3 out of memory.
//
// A worker that did not answer (deadline, CPU, memory, crash) is one error (file "",
// line 0) in the report, so the bundle is refused: a change that cannot be shown safe on
// the recent market within bounds is not applied.
//
// Limits (shadow_limits()): 30 s of wall clock and CPU (a 5-minute paper tape replays in
// well under a second per changed strategy: docs/PERFORMANCE.md), 2 GiB of address
// space, 4 MiB of answer; the request is at most two bundles and kMaxTapeRequestBytes of tape.
//
// Threads: shadow_validate_isolated() blocks its caller (a config route's blocking
// worker). Uses: shadow_validation, tape_json, core/bundle (isolation), child_process.
#pragma once

#include <iosfwd>
#include <string>

#include "core/bundle/bundle.hpp"
#include "core/bundle/isolated_validator.hpp"
#include "core/config/config.hpp"
#include "core/engine/market_tape.hpp"
#include "core/shadow/shadow_validation.hpp"

namespace propbot::shadow {

inline constexpr std::size_t kMaxTapeRequestBytes = 512u << 20;

ChildLimits shadow_limits();

// The worker's wire request (exposed for tests).
std::string shadow_request(const bundle::Bundle& candidate, const bundle::Bundle& running, config::Profile profile,
                           const engine::MarketTapeView& tape);

ShadowReport shadow_validate_isolated(const bundle::IsolationOptions& options, const bundle::Bundle& candidate,
                                      const bundle::Bundle& running, config::Profile profile,
                                      const engine::MarketTapeView& tape);

// The worker's side: reads one request from `in`, replays, writes the answer to `out`;
// returns the process exit code (see the protocol above).
int run_shadow_worker(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace propbot::shadow
