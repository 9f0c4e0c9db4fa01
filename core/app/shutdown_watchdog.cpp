#include "core/app/shutdown_watchdog.hpp"

#include <ctime>

namespace propbot::app {

ShutdownWatchdog::ShutdownWatchdog(const sigset_t& signals, std::chrono::milliseconds deadline,
                                   std::function<void(const std::string& why)> force)
    : signals_(signals), deadline_(deadline), force_(std::move(force)) {
  thread_ = std::thread([this] { watch(); });
}

ShutdownWatchdog::~ShutdownWatchdog() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  thread_.join();
}

bool ShutdownWatchdog::finished() {
  std::lock_guard lock(mutex_);
  return finished_;
}

void ShutdownWatchdog::watch() {
  const auto deadline = std::chrono::steady_clock::now() + deadline_;
  while (!finished()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      force_("shutdown did not finish within " + std::to_string(deadline_.count()) + " ms (still " + stage_.load() +
             "); exiting without waiting for it");
      return;
    }
    timespec slice{0, 20'000'000};  // looks at finished() every 20 ms
    if (::sigtimedwait(&signals_, nullptr, &slice) > 0) {
      force_(std::string("a second stop signal arrived (still ") + stage_.load() + "); exiting without waiting for it");
      return;
    }
  }
}

}  // namespace propbot::app
