#include "core/app/kill_relay.hpp"

namespace propbot::app {

void KillRelay::attach(std::function<void(const std::string&)> target) {
  std::lock_guard lock(mutex_);
  target_ = std::move(target);
}

void KillRelay::detach() {
  std::lock_guard lock(mutex_);
  target_ = nullptr;
}

void KillRelay::cancel_all_and_flatten(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (!target_) {
    log_.error("kill_without_engine", {{"reason", reason}});
    return;
  }
  target_(reason);
}

}  // namespace propbot::app
