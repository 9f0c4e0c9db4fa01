// `propbot capture info FILE`: what a raw venue-message capture (`run --capture FILE`)
// holds — frames and bytes per venue and channel, bytes per event, the time span, and
// whether it ends cleanly or torn (a crash) — as one JSON object on stdout, exit 0.
// A usage error exits 2; a file that is not a readable capture exits 1 with the reason.
// Uses core/history/capture_summary.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int capture_command(const std::vector<std::string>& args);

}  // namespace propbot::app
