#include "core/venues/common/funds_guard.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace propbot::venues {
namespace {

// Substrings of every known withdrawal / transfer / deposit-address / funding-account
// path (Binance /sapi/v1/capital/withdraw/apply, /sapi/v1/futures/transfer,
// /sapi/v1/asset/transfer; OKX /api/v5/asset/withdrawal, /api/v5/asset/transfer,
// /api/v5/asset/deposit-address) and of anything named like them.
constexpr std::array<std::string_view, 5> kForbidden = {"withdraw", "transfer", "/capital/", "/asset/", "address"};

}  // namespace

bool is_funds_movement_path(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  std::string lower(path);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(kForbidden.begin(), kForbidden.end(),
                     [&](std::string_view needle) { return lower.find(needle) != std::string::npos; });
}

std::optional<VenueError> refuse_funds_movement(std::string_view target) {
  if (!is_funds_movement_path(target)) return std::nullopt;
  VenueError error;
  error.code = VenueErrc::rejected;
  error.venue_code = std::string(kFundsMovementRefused);
  error.venue_message = "refused before sending: PropBot never withdraws or transfers funds (" +
                        std::string(target.substr(0, target.find('?'))) + ")";
  return error;
}

}  // namespace propbot::venues
