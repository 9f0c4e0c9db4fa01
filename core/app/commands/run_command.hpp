// `propbot run`: parse the run flags, load and validate the profile, open the store,
// start the engine and the API, print `listening on http://ADDR:PORT`, then wait for
// SIGINT/SIGTERM and shut down cleanly (exit 0). Bad configuration prints
// `FATAL CONFIG: …` lines to stderr and exits 2 before anything listens.
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int run_command(const std::vector<std::string>& args, char** envp, const std::string& executable);

}  // namespace propbot::app
