// RateGovernor: the one gate every REST request of a venue passes, one per venue and
// process (SPEC S-3.4). It sits on the venue's RateLimitTracker (the weight and order
// windows, the venue's used-weight / order-count headers, 429 backoff with jitter and
// Retry-After, 418 bans) and decides, for each request, WHEN it may go:
//
//  - Classes, highest first: cancel (cancel_all included) > close (reduce-only place) >
//    place > query. Each class has its own budget ceiling in the tracker, so lower
//    classes are the first held back when the budget is short and a cancel always has
//    budget left that places cannot use: cancels are never starved by places.
//  - Admitted at once when the budget allows and nothing of its class or above waits.
//    Otherwise held in its class's FIFO queue (bounded: max_queued_per_class) and sent
//    as soon as the budget allows, highest class first — or refused right away when
//    its wait would exceed the class's max_wait, and refused when held that long.
//  - After a 429: NOTHING leaves until the backoff ends (exponential with full jitter,
//    never shorter than Retry-After) — no class is exempt, because every request sent
//    during a 429 counts toward the venue's ban. Classes with waits_out_backoff (cancel,
//    close by default) are held meanwhile; the others (place, query) are refused at once
//    with rate_limited, so a caller never gets an order sent late on a moved market.
//    When the backoff ends, requests go ONE AT A TIME (a probe: the next waits for the
//    previous answer) until an answer that is not a 429/ban arrives. A storm of 429s
//    therefore costs one request per backoff interval.
//  - A ban — HTTP 418, or a 429 whose Retry-After is at least ban_retry_after (OKX
//    answers a ban with 429 and a long Retry-After) — quarantines the venue until the
//    ban ends: queued requests fail at once, every new one fails fast (VenueErrc::banned,
//    venue_code "LOCAL", retry_after = time left) and nothing is sent; the quarantine
//    listener runs once per quarantine (the executor raises P1 rate_limit_ban from it).
//
// Time comes from the venue's Clock (SimClock in tests); the jitter from the tracker's
// RNG, seeded by GovernorPolicy::jitter_seed (no global RNG). The governor owns no
// timer: it asks its owner to call on_wakeup() at a time (WakeAt), so the REST clients
// use an asio timer and tests a SimClock.
//
// Contract with the owner (the REST clients): send() of an admitted request starts the
// request; exactly one of on_response() (an HTTP answer arrived) or on_no_response()
// (the transport failed) follows for each. Send and Refuse callbacks are called from
// inside submit() / on_response() / on_wakeup() and must not call back into the
// governor synchronously (the REST clients defer every completion).
//
// Bounds: each class queue holds at most max_queued_per_class requests (a full queue
// refuses); the recent-429 record holds at most kMaxRecent429 times.
// Threads: engine thread only. Never throws (beyond std::bad_alloc).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "core/common/clock.hpp"
#include "core/venues/common/rate_health.hpp"
#include "core/venues/common/rate_limit_tracker.hpp"
#include "core/venues/venue_error.hpp"

namespace propbot::venues {

struct GovernorPolicy {
  // How long a request of each class (indexed by RequestPriority) may be held before it
  // is refused with rate_limited.
  std::array<Nanos, kRequestPriorities> max_wait = {std::chrono::seconds(120), std::chrono::seconds(30),
                                                    std::chrono::seconds(1), std::chrono::seconds(5)};
  // Whether a class is held through a 429 backoff (true) or refused while it lasts.
  std::array<bool, kRequestPriorities> waits_out_backoff = {true, true, false, false};
  std::size_t max_queued_per_class = 256;
  // A 429 whose Retry-After is at least this long is a ban.
  Nanos ban_retry_after = std::chrono::seconds(60);
  std::uint64_t jitter_seed = 1;
};

// What one request costs in the venue's budgets.
struct RequestCost {
  int weight = 1;
  bool counts_as_order = false;
};

class RateGovernor {
 public:
  using Send = std::function<void()>;
  using Refuse = std::function<void(VenueError)>;
  using WakeAt = std::function<void(MonoTime)>;
  using QuarantineListener = std::function<void(const RateHealth&)>;

  static constexpr std::size_t kMaxRecent429 = 256;

  // `venue` names the venue in refusal messages; `wake_at` must arrange a call to
  // on_wakeup() at or after the given time (earlier requests must still be honoured;
  // extra calls are harmless).
  RateGovernor(std::string venue, RateLimitPolicy limits, GovernorPolicy policy, const Clock& clock, WakeAt wake_at);

  // One request of class `priority` costing `cost`: `send` runs when it may go (maybe
  // now), `refuse` when it will not (quarantine, a wait beyond max_wait, a full queue).
  void submit(RequestPriority priority, RequestCost cost, Send send, Refuse refuse);

  // The venue answered a request that was sent (headers, status, Retry-After).
  void on_response(const RateLimitFeedback& feedback);
  // A request that was sent got no answer (transport failure, client closed).
  void on_no_response();
  // Time to look again (see WakeAt).
  void on_wakeup();

  // Refuses every held request with `error` (the client is closing).
  void refuse_all(const VenueError& error);

  // Runs once each time the venue becomes quarantined. Replaces any earlier listener.
  void on_quarantine(QuarantineListener listener) { quarantine_listener_ = std::move(listener); }

  RateHealth health() const;
  const RateLimitTracker& tracker() const { return tracker_; }
  RateLimitTracker& tracker() { return tracker_; }
  std::size_t in_flight() const { return in_flight_; }

 private:
  struct Held {
    RequestCost cost;
    Send send;
    Refuse refuse;
    MonoTime deadline;
  };

  bool probe_in_flight() const { return probing_ && in_flight_ > 0; }
  bool queued_at_or_above(RequestPriority priority) const;
  void dispatch(RequestPriority priority, RequestCost cost, const Send& send);
  void pump();
  void dispatch_held();
  // Refuses held requests whose deadline is at or before `cutoff`.
  void expire_held(MonoTime cutoff);
  void refuse_class(std::size_t index, const VenueError& error);
  void enter_quarantine_if_banned();
  void schedule_wakeup();
  VenueError refusal(VenueErrc code, const std::string& why, MonoTime retry_at) const;
  VenueError quarantine_refusal() const;

  std::string venue_;
  GovernorPolicy policy_;
  const Clock& clock_;
  WakeAt wake_at_;
  RateLimitTracker tracker_;
  std::array<std::deque<Held>, kRequestPriorities> held_;
  std::size_t in_flight_ = 0;
  bool probing_ = false;             // since a 429/ban: one request at a time until a clean answer
  bool quarantine_reported_ = false;  // the listener ran for the current ban
  std::deque<MonoTime> recent_429_;
  QuarantineListener quarantine_listener_;
};

}  // namespace propbot::venues
