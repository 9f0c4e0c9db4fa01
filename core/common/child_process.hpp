// ChildProcess: runs a program as a bounded child — its own address space, CPU and
// memory limits, a wall-clock deadline — feeding it one input on stdin and collecting
// its stdout. The daemon uses it for untrusted work (validating an uploaded config
// bundle runs scripts and parses documents): whatever the child does — loops in a C
// library call, exhausts memory, crashes — the caller gets an answer by the deadline
// and its own threads, memory and stack are never touched.
//
// Guarantees
// - run_child() returns within `deadline` plus the time to reap a killed child (the
//   child is sent SIGKILL at the deadline; its stdin, stdout and stderr are pipes the
//   parent alone drains, so a child that stops reading or writes without end cannot
//   block the parent either).
// - The child starts with: an empty signal mask and default dispositions (the daemon
//   blocks SIGTERM/SIGINT and ignores SIGPIPE; a child must not inherit that), the
//   environment given (not the daemon's: it may hold PROPBOT_SECRETS_KEY), only fds
//   0-2 open, RLIMIT_AS / RLIMIT_CPU as asked, no core dumps, and SIGKILL when the
//   parent dies (PR_SET_PDEATHSIG), so a daemon killed with -9 leaves no worker behind.
// - stdout is kept up to max_output_bytes (past that the child is killed and
//   output_overflow set); stderr keeps its last kStderrTailBytes for the log.
//
// Threads: safe from any thread (fork from a multi-threaded process: the child only
// makes async-signal-safe calls before exec). Blocks the caller until the child ends.
// Uses: POSIX (fork, pipe2, poll, setrlimit, prctl, execve).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace propbot {

struct ChildLimits {
  std::chrono::milliseconds deadline{10'000};  // wall clock, then SIGKILL
  std::uint64_t address_space_bytes = 0;       // RLIMIT_AS; 0 = inherit
  std::uint64_t cpu_seconds = 0;               // RLIMIT_CPU (SIGXCPU, then SIGKILL); 0 = inherit
  std::size_t max_output_bytes = 4u << 20;     // stdout kept; more kills the child
  // When set and it turns true (the daemon is stopping), the child is killed within
  // ~100 ms and the result says `cancelled`. Must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

inline constexpr std::size_t kStderrTailBytes = 16u << 10;

struct ChildResult {
  bool timed_out = false;        // killed at the deadline
  bool cancelled = false;        // killed because ChildLimits::cancel turned true
  bool output_overflow = false;  // killed for writing more than max_output_bytes
  int exit_code = -1;            // when the child exited by itself (else -1)
  int signal = 0;                // the signal that ended it (0 when it exited)
  std::string out;               // stdout
  std::string err_tail;          // the end of stderr
  double wall_ms = 0;

  bool exited_ok() const { return !timed_out && !cancelled && !output_overflow && signal == 0 && exit_code == 0; }
};

// Runs `executable` with `args` (argv[1..]) and environment `env` ("NAME=value"),
// writes `input` to its stdin and closes it. Errors: io_error when the pipes or the
// fork cannot be made (nothing was started then). Every way the child ends is a
// ChildResult, not an error.
Result<ChildResult> run_child(const std::string& executable, const std::vector<std::string>& args,
                              const std::vector<std::string>& env, std::string_view input, const ChildLimits& limits);

// The absolute path of the running executable (/proc/self/exe), empty when unknown.
// Read it at start-up: the file may be replaced by an upgrade later.
std::string current_executable();

// "SIGSEGV", "SIGKILL", ... ("signal N" for others).
std::string signal_name(int signal);

}  // namespace propbot
