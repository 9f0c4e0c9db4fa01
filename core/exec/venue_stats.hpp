// VenueStats: what the desk has seen of each venue's order entry lately — the share of
// orders it refused and how long it took to answer — for the router's score (SPEC
// S-8.4 "recent reject and latency") and GET /api/ui/execution.
//
// Guarantees:
//  - Bounded: per venue at most `capacity` outcomes (the newest kept), and only those
//    younger than `window` count; venues are the configured few.
//  - An answer is one of: accepted (the venue took the order, whatever its fate after),
//    rejected (the venue refused it), or failed (no answer: network error / timeout).
//    reject_rate = (rejected + failed) / outcomes in the window; latency is measured on
//    answers only (accepted or rejected), send → first answer.
//  - No outcome in the window: reject_rate 0 and no latency (a quiet venue is not a bad one).
//
// Thread: the executor's driving thread; not thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"

namespace propbot::exec {

enum class OrderAnswer { accepted, rejected, failed };

struct VenueHealthView {
  std::string venue;
  std::size_t samples = 0;              // outcomes in the window
  double reject_rate = 0;               // (rejected + failed) / samples
  std::optional<double> latency_p95_ms; // over answers in the window
};

class VenueStats {
 public:
  explicit VenueStats(std::size_t capacity = 200, Nanos window = std::chrono::minutes(5))
      : capacity_(capacity), window_(window) {}

  // One order's outcome at `now`; `latency` from send to the venue's first answer
  // (absent for `failed`).
  void record(std::string_view venue, OrderAnswer answer, std::optional<Nanos> latency, MonoTime now);

  VenueHealthView health(std::string_view venue, MonoTime now) const;

 private:
  struct Outcome {
    MonoTime at{};
    OrderAnswer answer = OrderAnswer::accepted;
    std::optional<Nanos> latency;
  };
  std::size_t capacity_;
  Nanos window_;
  std::map<std::string, std::deque<Outcome>, std::less<>> venues_;
};

}  // namespace propbot::exec
