// KillRelay: the control plane's Flattener in the daemon. The plane is opened before
// the engine exists and calls cancel_all_and_flatten() under its own lock when the desk
// enters KILL (a confirmed kill switch, a split brain); the relay hands the work to
// whatever is attached — the engine thread, which runs the executor's hedge_flatten on
// its own thread — and returns at once. With nothing attached (start-up, shutdown) it
// logs that the kill found no engine; the persisted KILL stays.
//
// Threads: attach/detach from the owning thread; cancel_all_and_flatten from any.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "core/common/logging.hpp"
#include "core/control/control_plane.hpp"

namespace propbot::app {

class KillRelay final : public control::Flattener {
 public:
  explicit KillRelay(Logger log) : log_(std::move(log)) {}
  // `target` must not block: it hands the work to another thread.
  void attach(std::function<void(const std::string&)> target);
  void detach();
  void cancel_all_and_flatten(const std::string& reason) override;

 private:
  Logger log_;
  std::mutex mutex_;
  std::function<void(const std::string&)> target_;
};

}  // namespace propbot::app
