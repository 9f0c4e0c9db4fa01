// ScriptWatchdog: one thread that stops sandboxed Lua calls running past their time
// limit (issue 10, finding 2: "no script may hold any thread longer than its budget").
//
// The instruction budget counts VM instructions, but one instruction can cost
// milliseconds ('..' or '<' on 8 MiB strings, a call with thousands of arguments), and
// the count hook runs only every 1000 of them. So each LuaSandbox also has a limit on
// the CPU time of one call (SandboxLimits::call_time_limit), enforced by this thread:
// - Every `tick` it looks at each registered sandbox (CallWatch). A call seen running
//   at two ticks is timed with its thread's CPU clock from the first of them; once that
//   exceeds the limit, the watchdog marks the call expired and signals its thread
//   (call_watch.hpp: the handler arms the count hook on every instruction), again at
//   every tick until the call ends. The hook then raises the time-limit fault after the
//   instruction in progress.
// - So a runaway stops after limit + up to 2 ticks of CPU + one instruction, and never
//   before its thread has used `limit` of CPU in that call: time the thread spends
//   preempted, or waiting for a core on a loaded machine, does not count.
// - Per call, a sandbox pays two relaxed stores (no lock, no clock, no system call); the
//   watchdog pays one clock read per call it finds running, per tick.
//
// Ownership and lifetime: shared. Whoever owns the sandboxes (the engine, the bundle
// validator) creates one and passes it in SandboxLimits::watchdog; a sandbox without
// one starts its own. Each sandbox keeps its watchdog alive (shared_ptr), so the thread
// outlives every call it watches, whichever owner lets go first; the last one joins the
// thread (under a tick: the thread waits on a condition variable). register/unregister
// take the mutex the scan holds: a sandbox being destroyed waits for a scan in progress
// (microseconds), after which the watchdog never touches it again.
//
// Thread: any thread may register or unregister; the watched calls run on any threads,
// several at once (each sandbox one thread at a time).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "scripting/call_watch.hpp"

namespace propbot::scripting {

class ScriptWatchdog {
 public:
  static constexpr std::chrono::milliseconds kDefaultTick{10};

  // Starts the thread and installs the call-watch signal handler. Throws
  // std::system_error if the thread cannot start (start-up).
  explicit ScriptWatchdog(std::chrono::milliseconds tick = kDefaultTick);
  ~ScriptWatchdog();
  ScriptWatchdog(const ScriptWatchdog&) = delete;
  ScriptWatchdog& operator=(const ScriptWatchdog&) = delete;

  // Watches `watch` until the Registration is destroyed, which must happen before
  // `watch` and this watchdog are (LuaSandbox declares them in that order).
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    ~Registration();

   private:
    friend class ScriptWatchdog;
    Registration(ScriptWatchdog* watchdog, CallWatch* watch) : watchdog_(watchdog), watch_(watch) {}
    ScriptWatchdog* watchdog_ = nullptr;
    CallWatch* watch_ = nullptr;
  };
  Registration watch(CallWatch& watch);

  // False when another handler owns the call-watch signal: expired calls are then
  // stopped by the count hook's own check, every 1000 instructions.
  bool signals() const { return signals_; }
  // Calls this watchdog has declared over their limit.
  std::uint64_t expired_calls() const { return expired_calls_.load(std::memory_order_relaxed); }
  std::size_t watched() const;

 private:
  struct Entry {
    CallWatch* watch;
    std::uint64_t seen_seq = 0;      // the call seen running at an earlier tick
    std::int64_t cpu_at_seen_ns = 0;  // its thread's CPU clock then
  };
  void run();
  void scan();  // under mutex_
  void unwatch(CallWatch* watch);

  const std::chrono::milliseconds tick_;
  const pid_t pid_;
  const bool signals_;
  std::atomic<std::uint64_t> expired_calls_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Entry> entries_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace propbot::scripting
