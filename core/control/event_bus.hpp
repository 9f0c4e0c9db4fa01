// EventBus: the in-process publish/subscribe channel for control-plane events (mode
// changes, incidents, approvals, alerts). The WebSocket stream and the alert senders
// of later issues subscribe here; until then the bus keeps the most recent events so
// the API can show them.
//
// Guarantees: publish() delivers to every subscriber, in subscription order, on the
// publishing thread, after the event is stored in the ring; a subscriber that throws
// is skipped without affecting the others. The ring keeps the newest `keep` events
// (kKeptControlEvents by default): the oldest goes first, so the bus never grows with
// time. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace propbot::control {

struct ControlEvent {
  std::uint64_t seq = 0;      // assigned by the bus, from 1
  std::string type;           // MODE_CHANGED | P0_INCIDENT | INCIDENT | ALERT | APPROVAL_REQUESTED | APPROVAL_DECIDED | ...
  std::string ts_utc;
  nlohmann::json payload = nlohmann::json::object();
};

// How many control events the bus keeps for the API (`GET /api/ui/events?limit=` asks
// for at most this many). Control events are rare — a mode change, an incident, an
// approval — so 256 covers days of a normal desk and the whole of a bad hour, and a
// payload is a few hundred bytes (an incident summary at most 10,000): ≤ ~2.6 MB.
inline constexpr std::size_t kKeptControlEvents = 256;

class EventBus {
 public:
  using Subscriber = std::function<void(const ControlEvent&)>;

  explicit EventBus(std::size_t keep = kKeptControlEvents) : keep_(keep) {}

  void subscribe(Subscriber subscriber);
  // Returns the stored event (with its seq).
  ControlEvent publish(std::string type, std::string ts_utc, nlohmann::json payload);
  // The newest `limit` events of `type` (all types when empty), oldest first.
  std::vector<ControlEvent> recent(std::size_t limit, const std::string& type = {}) const;

 private:
  std::size_t keep_;
  mutable std::mutex mutex_;
  std::uint64_t next_seq_ = 1;
  std::deque<ControlEvent> ring_;
  std::vector<Subscriber> subscribers_;
};

}  // namespace propbot::control
