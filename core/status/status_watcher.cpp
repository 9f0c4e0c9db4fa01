#include "core/status/status_watcher.hpp"

#include <exception>

namespace propbot::status {

StatusWatcher::StatusWatcher(StatusMonitor& monitor, StatusSources sources, Logger log,
                             std::chrono::milliseconds period)
    : monitor_(monitor), sources_(std::move(sources)), log_(std::move(log)), period_(period) {}

StatusWatcher::~StatusWatcher() { stop(); }

void StatusWatcher::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void StatusWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatusWatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      (void)monitor_.evaluate(gather(sources_));
    } catch (const std::exception& e) {
      log_.error("status_evaluation_failed", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace propbot::status
