#include "core/venues/common/rate_limit_tracker.hpp"

#include <algorithm>

namespace propbot::venues {
namespace {

std::size_t slot(std::int64_t second) { return static_cast<std::size_t>(((second % 60) + 60) % 60); }

}  // namespace

void RateLimitTracker::Window::advance(std::int64_t second) {
  if (second <= last_second) return;
  const std::int64_t steps = std::min<std::int64_t>(second - last_second, 60);
  for (std::int64_t i = 1; i <= steps; ++i) buckets[slot(last_second + i)] = 0;
  last_second = second;
}

int RateLimitTracker::Window::sum(std::int64_t second, int span_seconds) const {
  int total = 0;
  for (int i = 0; i < span_seconds; ++i) {
    const std::int64_t s = second - i;
    if (s > last_second || last_second - s >= 60) continue;
    total += buckets[slot(s)];
  }
  return total;
}

void RateLimitTracker::Window::add(std::int64_t second, int amount) {
  advance(second);
  buckets[slot(second)] += amount;
}

void RateLimitTracker::Window::reconcile(std::int64_t second, int span_seconds, int total) {
  advance(second);
  const int ours = sum(second, span_seconds);
  // The venue counts requests we never saw (other processes on the IP) and may have
  // forgotten some we did: its number wins, booked in the current second.
  buckets[slot(second)] = std::max(0, buckets[slot(second)] + (total - ours));
}

RateLimitTracker::RateLimitTracker(RateLimitPolicy policy, const Clock& clock, std::uint64_t seed)
    : policy_(policy), clock_(clock), rng_(seed) {
  weight_.last_second = orders_.last_second = second_now();
}

std::int64_t RateLimitTracker::second_now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

double RateLimitTracker::utilization_at(std::int64_t second) const {
  const double weight = static_cast<double>(weight_.sum(second, 60)) / std::max(1, policy_.weight_per_minute);
  const double orders_10s = static_cast<double>(orders_.sum(second, 10)) / std::max(1, policy_.orders_per_10s);
  const double orders_1m = static_cast<double>(orders_.sum(second, 60)) / std::max(1, policy_.orders_per_minute);
  return std::max({weight, orders_10s, orders_1m});
}

double RateLimitTracker::ceiling_of(RequestPriority priority) const {
  switch (priority) {
    case RequestPriority::cancel: return 1.0;
    case RequestPriority::close: return policy_.close_ceiling;
    case RequestPriority::place: return policy_.place_ceiling;
    case RequestPriority::query: return policy_.query_ceiling;
  }
  return policy_.query_ceiling;
}

Admission RateLimitTracker::check(RequestPriority priority, int weight, bool counts_as_order) const {
  const MonoTime now = clock_.now();
  const std::int64_t second = second_now();
  if (now < banned_until_) return Admission{false, banned_until_, "banned"};
  if (now < backoff_until_) return Admission{false, backoff_until_, "backing_off"};

  const double ceiling = ceiling_of(priority);
  const double weight_after =
      static_cast<double>(weight_.sum(second, 60) + weight) / std::max(1, policy_.weight_per_minute);
  const MonoTime next_second = now + std::chrono::seconds(1);
  if (weight_after > ceiling) return Admission{false, next_second, "weight_limit"};
  if (counts_as_order) {
    const double o10 = static_cast<double>(orders_.sum(second, 10) + 1) / std::max(1, policy_.orders_per_10s);
    const double o60 = static_cast<double>(orders_.sum(second, 60) + 1) / std::max(1, policy_.orders_per_minute);
    if (std::max(o10, o60) > ceiling) return Admission{false, next_second, "order_limit"};
  }
  return Admission{};
}

Admission RateLimitTracker::admit(RequestPriority priority, int weight, bool counts_as_order) {
  const std::int64_t second = second_now();
  weight_.advance(second);
  orders_.advance(second);
  Admission admission = check(priority, weight, counts_as_order);
  if (!admission.allowed) {
    ++refused_total_;
    return admission;
  }
  weight_.add(second, weight);
  if (counts_as_order) orders_.add(second, 1);
  return admission;
}

void RateLimitTracker::on_response(const RateLimitFeedback& feedback) {
  const MonoTime now = clock_.now();
  const std::int64_t second = second_now();
  if (feedback.used_weight_1m) weight_.reconcile(second, 60, *feedback.used_weight_1m);
  if (feedback.order_count_1m) orders_.reconcile(second, 60, *feedback.order_count_1m);

  if (feedback.http_status == 418) {
    ++bans_total_;
    banned_until_ = now + feedback.retry_after.value_or(policy_.default_ban);
    return;
  }
  if (feedback.http_status == 429) {
    ++hits_total_;
    ++consecutive_429_;
    // Exponential backoff with full jitter, never shorter than what the venue asked.
    const int exponent = std::min(consecutive_429_ - 1, 16);
    const Nanos ceiling = std::min<Nanos>(policy_.max_backoff, policy_.base_backoff * (std::int64_t{1} << exponent));
    std::uniform_int_distribution<std::int64_t> jitter(ceiling.count() / 2, ceiling.count());
    Nanos wait{jitter(rng_)};
    if (feedback.retry_after) wait = std::max(wait, *feedback.retry_after);
    backoff_until_ = std::max(backoff_until_, now + wait);
    return;
  }
  if (feedback.http_status < 400) consecutive_429_ = 0;
}

RateLimitState RateLimitTracker::state() const {
  const MonoTime now = clock_.now();
  if (now < banned_until_) return RateLimitState::banned;
  if (now < backoff_until_) return RateLimitState::backing_off;
  if (utilization_at(second_now()) > policy_.place_ceiling) return RateLimitState::throttled;
  return RateLimitState::ok;
}

std::optional<MonoTime> RateLimitTracker::banned_until() const {
  if (clock_.now() < banned_until_) return banned_until_;
  return std::nullopt;
}

RateLimitView RateLimitTracker::view() const {
  RateLimitView v;
  v.state = state();
  v.utilization = utilization_at(second_now());
  v.hits_total = hits_total_;
  v.bans_total = bans_total_;
  v.refused_total = refused_total_;
  const MonoTime until = std::max(banned_until_, backoff_until_);
  const MonoTime now = clock_.now();
  v.retry_in_ms = until > now ? std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() : 0;
  return v;
}

}  // namespace propbot::venues
