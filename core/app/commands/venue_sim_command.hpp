// `propbot venue-sim`: the venue simulator as a process (SPEC S-2.2). Parses
//   --binance-port N  --okx-port M  --admin-port K  --tls  --seed S
// (port 0 picks a free port), starts a VenueSimHost with one venue per protocol asked
// for (every built protocol when none is named), prints one line per listener to stdout
//   binance listening on http://127.0.0.1:PORT
//   okx listening on http://127.0.0.1:PORT
//   admin listening on http://127.0.0.1:PORT          (https:// with --tls)
// with the admin line last (when it is printed, everything listens), then waits for
// SIGINT/SIGTERM and stops cleanly with exit 0. A bad flag, or a protocol whose
// frontend is not built into this binary, prints a message to stderr and exits 2;
// a listener that cannot start exits 1.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int venue_sim_command(const std::vector<std::string>& args);

}  // namespace propbot::app
