// Isolated validation: bundle::validate() in a child process of the propbot binary
// (`propbot config validate-worker`, internal), so that validating an uploaded bundle —
// which parses its YAML and runs its scripts — can neither stall nor crash the daemon.
// The child runs under CPU and address-space limits and a wall-clock deadline
// (child_process.hpp); whatever it does, the daemon's threads keep serving, and HOLD
// stays one request away (issue 10, finding 2).
//
// The answer is the same list bundle::validate() gives in process, plus one error (file
// "", line 0) when the worker did not answer: past its deadline ("validation did not
// finish within N ms ..."), out of memory, killed by its CPU limit, or crashed (named
// signal). Any of those makes the bundle invalid: a bundle that cannot be validated
// within bounds is never applied.
//
// Protocol (stdin → stdout, one JSON document each way, both bounded):
//   request  {"profile": "paper", "files": {path: content}, "recorded": <recorded_market_json>|null}
//   answer   {"errors": [{"file", "line", "message"}]}
// Worker exit codes: 0 answered, 2 unreadable request, 3 out of memory.
//
// Threads: validate_isolated() blocks its caller (never the engine or the HTTP server
// thread: config routes run on the server's blocking workers). Any thread.
// Uses: child_process, validator, recorded_market_json, scratch_directory.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bundle/bundle.hpp"
#include "core/bundle/validator.hpp"
#include "core/common/child_process.hpp"
#include "core/config/config.hpp"
#include "scripting/recorded_market.hpp"

namespace propbot::bundle {

struct IsolationOptions {
  std::string executable;  // the propbot binary; see current_executable()
  ChildLimits limits = default_limits();

  // 10 s of wall clock (a clean validation takes tens of ms), 10 s of CPU, 2 GiB of
  // address space (each script state is held to its sandbox's 64 MiB), 4 MiB of answer.
  static ChildLimits default_limits() {
    ChildLimits limits;
    limits.deadline = std::chrono::milliseconds(10'000);
    limits.cpu_seconds = 10;
    // A sanitizer build reserves terabytes of shadow address space at start: no limit
    // on the address space there, or no worker could even start.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    limits.address_space_bytes = 0;
#else
    limits.address_space_bytes = 2ull << 30;
#endif
    limits.max_output_bytes = 4u << 20;
    return limits;
  }
};

// The worker's wire request for `bundle` (exposed for tests and the fuzz harness).
std::string validation_request(const Bundle& bundle, config::Profile profile, const scripting::RecordedMarket* recorded);

// Worker exit codes (this worker's and the shadow worker's, core/shadow/shadow_worker.hpp).
inline constexpr int kWorkerAnswered = 0;
inline constexpr int kWorkerBadRequest = 2;
inline constexpr int kWorkerOutOfMemory = 3;

// A worker's side: reads one request of at most `max_bytes` from `in` and parses it as a
// JSON object; otherwise writes "<worker>: why" to `err` and answers nullopt.
std::optional<nlohmann::json> read_worker_request(std::istream& in, std::size_t max_bytes, std::string_view worker,
                                                  std::ostream& err);

// Why a worker run gave no answer, in the words above (deadline, CPU, memory, signal,
// exit code); nullopt when it answered (exit 0). Sweeps abandoned scratch directories
// after a killed worker. Shared with the shadow validation worker (core/shadow).
std::optional<std::string> worker_failure(const Result<ChildResult>& ran, const ChildLimits& limits);

std::vector<ValidationError> validate_isolated(const IsolationOptions& options, const Bundle& bundle,
                                               config::Profile profile, const scripting::RecordedMarket* recorded);

// The worker's side: reads one request from `in`, validates, writes the answer to
// `out`; returns the process exit code (see the protocol above).
int run_validation_worker(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace propbot::bundle
