#include "core/venues/common/rate_governor.hpp"

#include <algorithm>
#include <optional>

namespace propbot::venues {
namespace {

constexpr Nanos kRecent429Window = std::chrono::minutes(1);
// How late a wake-up may come (timer latency) and still count as "at the deadline".
constexpr Nanos kWakeupSlack = std::chrono::milliseconds(50);

std::size_t index_of(RequestPriority priority) { return static_cast<std::size_t>(priority); }

RequestPriority priority_at(std::size_t index) { return static_cast<RequestPriority>(index); }

}  // namespace

RateGovernor::RateGovernor(std::string venue, RateLimitPolicy limits, GovernorPolicy policy, const Clock& clock,
                           WakeAt wake_at)
    : venue_(std::move(venue)),
      policy_(policy),
      clock_(clock),
      wake_at_(std::move(wake_at)),
      tracker_(limits, clock, policy.jitter_seed) {}

VenueError RateGovernor::refusal(VenueErrc code, const std::string& why, MonoTime retry_at) const {
  VenueError error;
  error.code = code;
  error.venue_code = "LOCAL";
  error.venue_message = "refused before sending to " + venue_ + ": " + why;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - clock_.now());
  error.retry_after = std::max(wait, std::chrono::milliseconds(0));
  return error;
}

VenueError RateGovernor::quarantine_refusal() const {
  const MonoTime until = tracker_.banned_until().value_or(clock_.now());
  return refusal(VenueErrc::banned, "venue quarantined (rate-limit ban)", until);
}

bool RateGovernor::queued_at_or_above(RequestPriority priority) const {
  for (std::size_t i = 0; i <= index_of(priority); ++i) {
    if (!held_[i].empty()) return true;
  }
  return false;
}

void RateGovernor::dispatch(RequestPriority priority, RequestCost cost, const Send& send) {
  tracker_.admit(priority, cost.weight, cost.counts_as_order);
  ++in_flight_;
  send();
}

void RateGovernor::submit(RequestPriority priority, RequestCost cost, Send send, Refuse refuse) {
  const MonoTime now = clock_.now();
  const std::size_t index = index_of(priority);
  if (tracker_.banned_until()) {
    refuse(quarantine_refusal());
    return;
  }
  const Admission admission = tracker_.check(priority, cost.weight, cost.counts_as_order);
  const bool must_wait = !admission.allowed || probe_in_flight() || queued_at_or_above(priority);
  if (!must_wait) {
    dispatch(priority, cost, send);
    return;
  }
  // It cannot go now: hold it, unless the wait is known to be too long for its class.
  const MonoTime deadline = now + policy_.max_wait[index];
  if (!admission.allowed && admission.reason == "backing_off" && !policy_.waits_out_backoff[index]) {
    refuse(refusal(VenueErrc::rate_limited, "backing off after a 429", admission.retry_at));
    return;
  }
  if (!admission.allowed && admission.retry_at > deadline) {
    refuse(refusal(VenueErrc::rate_limited, admission.reason + " beyond the " + std::string(to_string(priority)) +
                                                " wait limit",
                   admission.retry_at));
    return;
  }
  if (held_[index].size() >= policy_.max_queued_per_class) {
    refuse(refusal(VenueErrc::rate_limited, std::string(to_string(priority)) + " queue full",
                   admission.allowed ? now : admission.retry_at));
    return;
  }
  held_[index].push_back(Held{cost, std::move(send), std::move(refuse), deadline});
  pump();
}

void RateGovernor::on_response(const RateLimitFeedback& feedback) {
  if (in_flight_ > 0) --in_flight_;
  RateLimitFeedback seen = feedback;
  const bool long_retry = seen.retry_after && *seen.retry_after >= policy_.ban_retry_after;
  if (seen.http_status == 429 && long_retry) seen.http_status = 418;  // a ban answered as 429 (OKX)
  const MonoTime now = clock_.now();
  if (seen.http_status == 429) {
    recent_429_.push_back(now);
    if (recent_429_.size() > kMaxRecent429) recent_429_.pop_front();
  }
  probing_ = seen.http_status == 429 || seen.http_status == 418;
  // A ban that starts now (not one extended by a late answer) is a new quarantine.
  if (!tracker_.banned_until()) quarantine_reported_ = false;
  tracker_.on_response(seen);
  enter_quarantine_if_banned();
  pump();
}

void RateGovernor::on_no_response() {
  if (in_flight_ > 0) --in_flight_;
  pump();
}

void RateGovernor::on_wakeup() { pump(); }

void RateGovernor::enter_quarantine_if_banned() {
  if (!tracker_.banned_until()) {
    quarantine_reported_ = false;
    return;
  }
  const VenueError error = quarantine_refusal();
  for (std::size_t i = 0; i < held_.size(); ++i) refuse_class(i, error);
  if (quarantine_reported_) return;
  quarantine_reported_ = true;
  if (quarantine_listener_) quarantine_listener_(health());
}

void RateGovernor::refuse_class(std::size_t index, const VenueError& error) {
  auto held = std::move(held_[index]);
  held_[index].clear();
  for (auto& request : held) request.refuse(error);
}

void RateGovernor::refuse_all(const VenueError& error) {
  for (std::size_t i = 0; i < held_.size(); ++i) refuse_class(i, error);
}

void RateGovernor::expire_held(MonoTime cutoff) {
  for (std::size_t i = 0; i < held_.size(); ++i) {
    auto& queue = held_[i];
    // Deadlines grow along a queue (same max_wait, FIFO), so the expired ones lead.
    while (!queue.empty() && queue.front().deadline <= cutoff) {
      Held request = std::move(queue.front());
      queue.pop_front();
      request.refuse(refusal(VenueErrc::rate_limited,
                             "held " + std::string(to_string(priority_at(i))) + " for its whole wait limit", clock_.now()));
    }
  }
}

void RateGovernor::pump() {
  const MonoTime now = clock_.now();
  enter_quarantine_if_banned();
  // Well past their deadline: refused. At it (a timer wakes a little late): one last
  // chance to go first.
  expire_held(now - kWakeupSlack);
  dispatch_held();
  expire_held(now);
  schedule_wakeup();
}

void RateGovernor::dispatch_held() {
  for (std::size_t i = 0; i < held_.size(); ++i) {
    auto& queue = held_[i];
    while (!queue.empty()) {
      if (probe_in_flight()) return;
      const RequestPriority priority = priority_at(i);
      const Admission admission = tracker_.check(priority, queue.front().cost.weight, queue.front().cost.counts_as_order);
      if (!admission.allowed) {
        if (admission.reason == "backing_off" && !policy_.waits_out_backoff[i]) {
          refuse_class(i, refusal(VenueErrc::rate_limited, "backing off after a 429", admission.retry_at));
        }
        break;  // this class waits; a lower one may still fit its own budget
      }
      Held request = std::move(queue.front());
      queue.pop_front();
      dispatch(priority, request.cost, request.send);
    }
  }
}

void RateGovernor::schedule_wakeup() {
  std::optional<MonoTime> next;
  auto consider = [&](MonoTime at) { next = next ? std::min(*next, at) : at; };
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (held_[i].empty()) continue;
    consider(held_[i].front().deadline);
    // While a probe is out, its answer (not a time) releases the queue.
    if (probe_in_flight()) continue;
    const auto& front = held_[i].front();
    const Admission admission = tracker_.check(priority_at(i), front.cost.weight, front.cost.counts_as_order);
    consider(admission.allowed ? clock_.now() : admission.retry_at);
  }
  if (next && wake_at_) wake_at_(*next);
}

RateHealth RateGovernor::health() const {
  const MonoTime now = clock_.now();
  RateHealth health;
  const RateLimitView view = tracker_.view();
  health.used_weight_fraction = view.utilization;
  health.recent_429 = static_cast<std::uint32_t>(
      std::count_if(recent_429_.begin(), recent_429_.end(), [&](MonoTime at) { return now - at < kRecent429Window; }));
  for (const auto& queue : held_) health.queued += queue.size();
  if (auto until = tracker_.banned_until()) {
    health.state = RateHealthState::quarantined;
    health.quarantined_until = clock_.utc() + (*until - now);
  } else if (view.state == RateLimitState::backing_off || probe_in_flight()) {
    health.state = RateHealthState::backing_off;
  } else if (view.state == RateLimitState::throttled || health.queued > 0) {
    health.state = RateHealthState::throttled;
  }
  return health;
}

}  // namespace propbot::venues
