#include "core/app/risk_gates.hpp"

namespace propbot::app {

void RiskGates::attach(std::function<std::vector<std::string>()> reader) {
  std::lock_guard lock(mutex_);
  reader_ = std::move(reader);
}

void RiskGates::detach() {
  std::lock_guard lock(mutex_);
  reader_ = nullptr;
}

std::vector<std::string> RiskGates::blockers() {
  std::lock_guard lock(mutex_);
  if (!reader_) return {};
  return reader_();
}

}  // namespace propbot::app
