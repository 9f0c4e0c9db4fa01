// VenueError: what went wrong at a venue, in one small common vocabulary the executor
// can act on (retry, back off, query, give up), while keeping the venue's own code and
// message for the operator and the log. Adapters map venue codes to it
// (binance/errors, okx/errors); the simulator produces the venue codes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace propbot::venues {

enum class VenueErrc {
  rejected,                 // refused for a reason not listed below
  insufficient_margin,
  min_notional,
  post_only_would_take,
  duplicate_client_id,      // not a failure after a restart: the order exists, query it
  rate_limited,             // 429: back off, honour retry_after
  banned,                   // 418 / IP ban: quarantine the venue
  timestamp_out_of_window,
  bad_signature,
  unknown_order,
  maintenance,              // venue or symbol not trading
  network,                  // timeout, reset, 5XX: the outcome is UNKNOWN, never "failed"
};

constexpr std::string_view to_string(VenueErrc code) {
  switch (code) {
    case VenueErrc::rejected: return "rejected";
    case VenueErrc::insufficient_margin: return "insufficient_margin";
    case VenueErrc::min_notional: return "min_notional";
    case VenueErrc::post_only_would_take: return "post_only_would_take";
    case VenueErrc::duplicate_client_id: return "duplicate_client_id";
    case VenueErrc::rate_limited: return "rate_limited";
    case VenueErrc::banned: return "banned";
    case VenueErrc::timestamp_out_of_window: return "timestamp_out_of_window";
    case VenueErrc::bad_signature: return "bad_signature";
    case VenueErrc::unknown_order: return "unknown_order";
    case VenueErrc::maintenance: return "maintenance";
    case VenueErrc::network: return "network";
  }
  return "rejected";
}

struct VenueError {
  VenueErrc code = VenueErrc::rejected;
  std::string venue_code;     // e.g. "-1022" (Binance), "51016" (OKX), "HTTP 429"
  std::string venue_message;  // as the venue sent it
  int http_status = 0;
  std::optional<std::chrono::milliseconds> retry_after;

  std::string describe() const {
    return std::string(to_string(code)) + " (" + venue_code + ": " + venue_message + ")";
  }
};

}  // namespace propbot::venues
