#include "core/venues/common/wakeup_timer.hpp"

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace propbot::venues {

struct WakeupTimer::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
};

WakeupTimer::WakeupTimer(boost::asio::io_context& io, const Clock& clock, std::function<void()> fire)
    : clock_(clock), fire_(std::move(fire)), timer_(std::make_unique<Timer>(io)) {}

WakeupTimer::~WakeupTimer() {
  *alive_ = false;
  cancel();
}

void WakeupTimer::cancel() {
  armed_.reset();
  timer_->timer.cancel();
}

void WakeupTimer::wake_at(MonoTime at) {
  if (armed_ && *armed_ <= at) return;
  armed_ = at;
  const Nanos delay = std::max(Nanos{0}, at - clock_.now());
  timer_->timer.expires_after(std::chrono::duration_cast<boost::asio::steady_timer::duration>(delay));
  std::weak_ptr<bool> alive = alive_;
  // Re-arming aborts the earlier wait: its handler sees an error and does nothing.
  timer_->timer.async_wait([this, alive](const boost::system::error_code& ec) {
    if (alive.expired() || ec) return;
    armed_.reset();
    fire_();
  });
}

}  // namespace propbot::venues
