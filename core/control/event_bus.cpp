#include "core/control/event_bus.hpp"

namespace propbot::control {

void EventBus::subscribe(Subscriber subscriber) {
  std::lock_guard lock(mutex_);
  subscribers_.push_back(std::move(subscriber));
}

ControlEvent EventBus::publish(std::string type, std::string ts_utc, nlohmann::json payload) {
  ControlEvent event;
  std::vector<Subscriber> subscribers;
  {
    std::lock_guard lock(mutex_);
    event.seq = next_seq_++;
    event.type = std::move(type);
    event.ts_utc = std::move(ts_utc);
    event.payload = std::move(payload);
    ring_.push_back(event);
    while (ring_.size() > keep_) ring_.pop_front();
    subscribers = subscribers_;
  }
  for (const auto& subscriber : subscribers) {
    try {
      subscriber(event);
    } catch (...) {
      // A broken subscriber must not stop a safety action from being announced to the others.
    }
  }
  return event;
}

std::vector<ControlEvent> EventBus::recent(std::size_t limit, const std::string& type) const {
  std::lock_guard lock(mutex_);
  std::vector<ControlEvent> out;
  for (auto it = ring_.rbegin(); it != ring_.rend() && out.size() < limit; ++it) {
    if (type.empty() || it->type == type) out.push_back(*it);
  }
  return {out.rbegin(), out.rend()};
}

}  // namespace propbot::control
