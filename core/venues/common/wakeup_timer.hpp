// WakeupTimer: the asio timer behind a RateGovernor's WakeAt (rate_governor.hpp) in the
// REST clients. It keeps one steady_timer armed for the EARLIEST time asked for and
// calls `fire` once at or after it; asking for a later time while armed changes nothing,
// asking for an earlier one re-arms. The delay is measured on the venue's Clock
// (at − clock.now()), the wait on the io_context's steady clock.
//
// Guarantees: `fire` never runs inside wake_at(), nor after cancel() or destruction.
// Threads: the io_context's thread (the engine thread).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "core/common/clock.hpp"

namespace boost::asio {
class io_context;
}

namespace propbot::venues {

class WakeupTimer {
 public:
  WakeupTimer(boost::asio::io_context& io, const Clock& clock, std::function<void()> fire);
  ~WakeupTimer();
  WakeupTimer(const WakeupTimer&) = delete;
  WakeupTimer& operator=(const WakeupTimer&) = delete;

  void wake_at(MonoTime at);
  void cancel();

 private:
  struct Timer;  // keeps Boost out of this header
  const Clock& clock_;
  std::function<void()> fire_;
  std::unique_ptr<Timer> timer_;
  std::optional<MonoTime> armed_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace propbot::venues
