// RateLimitTracker: one per venue (and process) — the gate every venue request passes
// before it is sent (SPEC S-3.4, issue 3). It keeps its own sliding count of request
// weight and order count so it can refuse before the venue does, takes the venue's
// used-weight / order-count headers as the truth when they arrive, and turns 429 into
// exponential backoff with jitter (honouring Retry-After when sent) and 418 into a ban:
// the venue is quarantined until the ban ends. Near the limit, cancels are still
// admitted after places are refused (priority cancel > close > place > query, each with
// its own ceiling), so risk can always be reduced. No request storms: while backing off
// or banned, admit() refuses. The RateGovernor (rate_governor.hpp) sits on top: it
// queues what the tracker refuses and decides who goes first.
//
// Thread: engine thread. Deterministic given the Clock and the seed (jitter).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <string>

#include "core/common/clock.hpp"

namespace propbot::venues {

// Request classes, highest priority first. `close` is a reduce-only place: it counts as
// an order like a place but keeps more headroom, since it reduces risk.
enum class RequestPriority { cancel, close, place, query };
inline constexpr std::size_t kRequestPriorities = 4;
constexpr std::string_view to_string(RequestPriority p) {
  switch (p) {
    case RequestPriority::cancel: return "cancel";
    case RequestPriority::close: return "close";
    case RequestPriority::place: return "place";
    case RequestPriority::query: return "query";
  }
  return "query";
}

struct RateLimitPolicy {
  int weight_per_minute = 2400;      // Binance REQUEST_WEIGHT / 1 min
  int orders_per_10s = 300;          // Binance ORDERS / 10 s
  int orders_per_minute = 1200;      // Binance ORDERS / 1 min
  double close_ceiling = 0.90;       // reduce-only places refused above this share
  double place_ceiling = 0.80;       // places refused above this share of any limit
  double query_ceiling = 0.60;       // queries refused above this share
  Nanos base_backoff = std::chrono::milliseconds(500);
  Nanos max_backoff = std::chrono::seconds(60);
  Nanos default_ban = std::chrono::minutes(2);  // 418 without Retry-After (Binance bans start at 2 min)
};

enum class RateLimitState { ok, throttled, backing_off, banned };
constexpr std::string_view to_string(RateLimitState s) {
  switch (s) {
    case RateLimitState::ok: return "ok";
    case RateLimitState::throttled: return "throttled";
    case RateLimitState::backing_off: return "backing_off";
    case RateLimitState::banned: return "banned";
  }
  return "ok";
}

struct Admission {
  bool allowed = true;
  MonoTime retry_at{};     // when refused: the earliest time worth asking again
  std::string reason;      // "backing_off", "banned", "weight_limit", "order_limit"
};

// What a venue response said about limits. Absent headers stay nullopt.
struct RateLimitFeedback {
  int http_status = 200;
  std::optional<int> used_weight_1m;
  std::optional<int> order_count_10s;
  std::optional<int> order_count_1m;
  std::optional<Nanos> retry_after;
};

struct RateLimitView {
  RateLimitState state = RateLimitState::ok;
  double utilization = 0;  // max share used over all limits, 0..1+
  std::uint64_t hits_total = 0;  // 429s
  std::uint64_t bans_total = 0;  // 418s
  std::uint64_t refused_total = 0;
  std::int64_t retry_in_ms = 0;
};

class RateLimitTracker {
 public:
  RateLimitTracker(RateLimitPolicy policy, const Clock& clock, std::uint64_t seed = 1);

  // Asks to send a request costing `weight` (and one order when `counts_as_order`).
  // When allowed, the cost is charged immediately.
  Admission admit(RequestPriority priority, int weight, bool counts_as_order);
  // What admit() would answer now, without charging anything or counting a refusal.
  Admission check(RequestPriority priority, int weight, bool counts_as_order) const;
  void on_response(const RateLimitFeedback& feedback);

  RateLimitState state() const;
  RateLimitView view() const;
  // When the current ban ends (nullopt when not banned now).
  std::optional<MonoTime> banned_until() const;

 private:
  // Per-second buckets over the last minute: cheap sliding windows, fixed memory.
  struct Window {
    std::array<int, 60> buckets{};
    std::int64_t last_second = 0;
    void advance(std::int64_t second);
    int sum(std::int64_t second, int span_seconds) const;
    void add(std::int64_t second, int amount);
    // Venue says the window total is `total`: move our count to match.
    void reconcile(std::int64_t second, int span_seconds, int total);
  };

  std::int64_t second_now() const;
  double ceiling_of(RequestPriority priority) const;
  double utilization_at(std::int64_t second) const;

  RateLimitPolicy policy_;
  const Clock& clock_;
  std::mt19937_64 rng_;
  Window weight_;
  Window orders_;
  int consecutive_429_ = 0;
  MonoTime backoff_until_{};
  MonoTime banned_until_{};
  std::uint64_t hits_total_ = 0;
  std::uint64_t bans_total_ = 0;
  std::uint64_t refused_total_ = 0;
};

}  // namespace propbot::venues
