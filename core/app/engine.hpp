// Engine: the one trading loop. It owns the engine thread and everything on it —
// the Clock's timers, the venues, the books, the strategy runners, the policy pipeline
// — and wires them: venue book update → engine copy of the book → market features →
// every strategy's on_book → intents → regime → policy → sizing (clamped to the C++
// caps) → opportunities, gated by the control mode (HOLD at start, always). Every
// `snapshot_interval` it evaluates the circuit-breaker rules and publishes an immutable
// EngineSnapshot for the API thread; the snapshot's build time is the loop's heartbeat.
//
// Hot reload (SPEC S-7.5): reload() hands the engine a new configuration and the
// script texts of a bundle. On the engine thread, between two events (so no event is
// dropped or seen twice), it builds every changed strategy in a fresh sandbox —
// migrate(old ctx.state) then on_start — and the policy pipeline when its scripts
// changed; only when everything built does it swap them in and stop the old versions
// (build → verify → swap → free). Any failure leaves the running version untouched.
// Strategies whose file, params and limits are unchanged keep running as they are.
//
// Live, paper, replay and tests build this same Engine; only the venues and the clock
// differ.
//
// Threads: start()/stop()/reload() from one owning thread (main, or the API thread for
// reload); everything else runs on the engine thread. snapshot() is safe from any
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/app/snapshot.hpp"
#include "core/bundle/bundle.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"

namespace propbot::control {
class ControlPlane;
}

namespace propbot::app {

// What the engine runs: a configuration and the bundle whose scripts it names.
struct EngineBundle {
  config::Config config;
  bundle::Bundle bundle;      // strategies/*.lua and policies/*.lua are taken from here
  std::int64_t version = 0;   // the config bundle version (0: not versioned, e.g. tests)
};

struct ReloadError {
  std::string file;  // bundle path, e.g. "strategies/x.lua"
  int line = 0;      // 0 when unknown
  std::string message;
};

struct ReloadReport {
  bool applied = false;
  std::vector<ReloadError> errors;  // why not
  std::vector<std::string> started, replaced, stopped, kept;  // strategy names
  bool policies_reloaded = false;
  bool timed_out = false;  // the engine thread did not take the work in time (nothing changed)
  Nanos engine_time{};  // time the engine thread spent building and swapping
};

class Engine {
 public:
  // `control` (optional, must outlive the engine) is the mode source — without it the
  // engine stays in HOLD (tests, tools) — and where the engine's automatic safety
  // events go: a strategy frozen by its faults and a degraded policy pipeline are each
  // a P1 `strategy_degraded` through safety_action (once per frozen version).
  Engine(config::Config config, Logger log, control::ControlPlane* control = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads every enabled strategy and the policy pipeline (a load error is returned,
  // naming the file and line, and nothing starts), builds the venues and starts the
  // engine thread. Scripts come from `initial` when given (the daemon passes the
  // bundle it read and versioned), else from the files under scripting.bundle_dir.
  Status start(const bundle::Bundle* initial = nullptr, std::int64_t version = 0);
  // Stops venues and timers and joins the engine thread. Idempotent.
  void stop();

  // Swaps `next` in (see the header comment). Blocks the caller until the engine
  // thread has answered; if the engine does not start the work within `timeout` the
  // reload is abandoned (never applied later) and reported as an error. Never throws.
  ReloadReport reload(EngineBundle next, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  std::shared_ptr<const EngineSnapshot> snapshot() const { return snapshots_.load(); }

 private:
  struct Loop;
  config::Config config_;
  Logger log_;
  control::ControlPlane* control_;
  SnapshotSlot snapshots_;
  std::unique_ptr<Loop> loop_;
};

}  // namespace propbot::app
