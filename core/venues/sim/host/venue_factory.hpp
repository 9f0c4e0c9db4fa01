// The protocol frontends this build of the venue simulator can host. The Binance and
// OKX frontends are separate libraries (propbot_binance_sim, propbot_okx_sim); the host
// links them when they exist and is told so by PROPBOT_HAVE_BINANCE_SIM /
// PROPBOT_HAVE_OKX_SIM, so the build stays green while a frontend is missing.
//
// Pure lookups; no state. Uses VenueFactory (venue_sim_host.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/venues/sim/host/venue_sim_host.hpp"

namespace propbot::venues::sim {

// Every protocol the simulator knows, built or not: {"binance", "okx"}.
std::vector<std::string> known_protocols();
// The protocols built into this binary.
std::vector<std::string> built_protocols();
// The factory of `protocol`. Errors: not_found (unknown protocol), unavailable (known
// but its frontend library is not built into this binary).
Result<VenueFactory> venue_factory(const std::string& protocol);

}  // namespace propbot::venues::sim
