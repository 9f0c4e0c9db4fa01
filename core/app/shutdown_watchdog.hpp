// ShutdownWatchdog: a daemon asked to stop must stop, whatever one of its threads is
// doing (issue 10: a thread stuck in a script kept the daemon deaf to SIGTERM until
// SIGKILL). Created once the stop signal has been taken, it gives the orderly shutdown
// `deadline`; past it — or at a second stop signal, an operator's "now, please" — it
// calls `force` with one line naming the stage that hangs ("stopping the engine"). The
// daemon's `force` logs the line and ends the process (SQLite in WAL mode is crash-safe:
// nothing committed is lost). Destroying the watchdog (the shutdown finished) disarms it.
//
// `signals` must be blocked in every thread (the daemon takes its stop signals with
// sigwait); the watchdog's thread waits for them with sigtimedwait.
// Threads: construct, stage() and destroy from the thread that runs the shutdown.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace propbot::app {

class ShutdownWatchdog {
 public:
  ShutdownWatchdog(const sigset_t& signals, std::chrono::milliseconds deadline,
                   std::function<void(const std::string& why)> force);
  ~ShutdownWatchdog();
  ShutdownWatchdog(const ShutdownWatchdog&) = delete;
  ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

  // What the shutdown does now; named in the forced line. `name` must outlive the
  // watchdog (a string literal).
  void stage(const char* name) { stage_.store(name); }

 private:
  void watch();
  bool finished();

  sigset_t signals_;
  std::chrono::milliseconds deadline_;
  std::function<void(const std::string&)> force_;
  std::atomic<const char*> stage_{"stopping"};
  std::mutex mutex_;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace propbot::app
