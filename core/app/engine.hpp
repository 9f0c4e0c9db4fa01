// Engine: the one trading loop. It owns the engine thread and everything on it —
// the Clock's timers, the venues, the books, the strategy runners — and wires them:
// venue book update → engine copy of the book → every strategy's on_book → intents →
// opportunities, gated by the control mode (HOLD at start, always). Every
// `snapshot_interval` it publishes an immutable EngineSnapshot for the API thread; the
// snapshot's build time is the loop's heartbeat.
//
// Live, paper, replay and tests build this same Engine; only the venues and the clock
// differ (today: the random-walk simulated venues on the real clock).
//
// Threads: start()/stop() from the owning (main) thread; everything else runs on the
// engine thread. snapshot() is safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/app/snapshot.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"

namespace propbot::control {
class ControlPlane;
}

namespace propbot::app {

class Engine {
 public:
  // `control` (optional, must outlive the engine) is the mode source: without it the
  // engine stays in HOLD (tests, tools).
  Engine(config::Config config, Logger log, const control::ControlPlane* control = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads every enabled strategy (a load error is returned, naming the file and line,
  // and nothing starts), builds the venues and starts the engine thread.
  Status start();
  // Stops venues and timers and joins the engine thread. Idempotent.
  void stop();

  std::shared_ptr<const EngineSnapshot> snapshot() const { return snapshots_.load(); }

 private:
  struct Loop;
  config::Config config_;
  Logger log_;
  const control::ControlPlane* control_;
  SnapshotSlot snapshots_;
  std::unique_ptr<Loop> loop_;
};

}  // namespace propbot::app
