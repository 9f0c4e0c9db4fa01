// RateHealth: what a venue's rate-limit governor (rate_governor.hpp) says about the
// venue right now, as plain data for the router's venue score (S-8.4), the executor
// (quarantine → P1 rate_limit_ban) and the operator's views. The string forms of the
// state are stable (API, metrics).
//
// Threads: a value; copy it freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/common/clock.hpp"

namespace propbot::venues {

enum class RateHealthState {
  ok,           // requests go out as they come
  throttled,    // near a budget: lower classes are held or refused, cancels still go
  backing_off,  // a 429 was answered: nothing leaves until the backoff ends, then one probe at a time
  quarantined,  // banned (418 / ban): every request fails fast until quarantined_until
};

constexpr std::string_view to_string(RateHealthState state) {
  switch (state) {
    case RateHealthState::ok: return "ok";
    case RateHealthState::throttled: return "throttled";
    case RateHealthState::backing_off: return "backing_off";
    case RateHealthState::quarantined: return "quarantined";
  }
  return "ok";
}

struct RateHealth {
  RateHealthState state = RateHealthState::ok;
  std::optional<UtcTime> quarantined_until;  // set while quarantined: when the ban ends
  std::uint32_t recent_429 = 0;              // 429 answers within the last minute
  double used_weight_fraction = 0;           // max share used over the venue's budgets, 0..1+
  std::size_t queued = 0;                    // requests held by the governor now
};

}  // namespace propbot::venues
