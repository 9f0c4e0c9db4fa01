// StatusWatcher: a thread of its own that evaluates the status registry every
// `period` (1 s by default), so a component turning ERROR raises its alert (and HOLD
// where configured) even when nobody reads the status routes. It only reads through
// StatusSources (thread-safe reads) and never blocks the engine.
// Guarantees: stop() wakes and joins promptly (condition variable); an evaluation that
// throws is caught and logged, the thread keeps running (the loop never dies silently).
// With an `announce` callback, a change of the overall status or of live readiness
// between two evaluations is announced (the daemon publishes it on the event bus, so the
// stream's status topic carries it): "health.changed" {from, to} and "readiness.changed"
// {ready, reasons: [{code, detail}]}. The first evaluation sets the baseline.
// Threads: start/stop from the owning thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <optional>
#include <string>
#include <mutex>
#include <thread>

#include "core/common/logging.hpp"
#include "core/status/status_monitor.hpp"
#include "core/status/status_sources.hpp"

namespace propbot::status {

class StatusWatcher {
 public:
  using Announce = std::function<void(const std::string& type, const nlohmann::json& payload)>;
  StatusWatcher(StatusMonitor& monitor, StatusSources sources, Logger log,
                std::chrono::milliseconds period = std::chrono::seconds(1), Announce announce = {});
  // One evaluation (and its announcements), as the thread does every period (tests).
  void evaluate_once();
  ~StatusWatcher();  // stop()
  StatusWatcher(const StatusWatcher&) = delete;
  StatusWatcher& operator=(const StatusWatcher&) = delete;

  void start();
  void stop();

 private:
  void run();
  StatusMonitor& monitor_;
  StatusSources sources_;
  Logger log_;
  std::chrono::milliseconds period_;
  Announce announce_;
  std::optional<std::string> last_overall_;
  std::optional<bool> last_ready_;
  std::string last_reasons_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace propbot::status
