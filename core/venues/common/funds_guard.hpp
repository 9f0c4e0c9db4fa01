// The funds guard (SPEC S-2.7 "never withdraw"): PropBot has no code path that moves
// money off or between venue accounts, and this check makes sure none can be added by
// accident. Every venue REST client asks it before sending; a target that looks like a
// withdrawal, transfer, deposit-address or funding-account endpoint is refused locally
// and never leaves the process. (Raising the P0 and HOLD for such an attempt belongs to
// the control plane; the refusal's code is stable so it can.)
#pragma once

#include <optional>
#include <string_view>

#include "core/venues/venue_error.hpp"

namespace propbot::venues {

// The stable venue_code of a funds-guard refusal.
inline constexpr std::string_view kFundsMovementRefused = "FUNDS_MOVEMENT_REFUSED";

// True when `target` (path, optionally with a query) names a funds-movement endpoint.
bool is_funds_movement_path(std::string_view target);

// A VenueError (rejected, FUNDS_MOVEMENT_REFUSED) for such a target; nullopt otherwise.
std::optional<VenueError> refuse_funds_movement(std::string_view target);

}  // namespace propbot::venues
