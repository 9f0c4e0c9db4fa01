// `propbot config`: work with the config bundle (SPEC S-7.5) without a running daemon.
//
//   propbot config validate DIR [--profile paper|testnet|live]   (default paper)
//
// validate reads the bundle under DIR (configs/*.yaml, strategies/*.lua,
// policies/*.lua) and runs core/bundle validate(): on success it prints
// `bundle OK: N files, hash H` and exits 0; otherwise it prints one
// `file:line: message` line per error (file relative to DIR, line 0 when unknown) on
// stdout and exits 1. A usage error (unknown flag, missing DIR, bad profile) names the
// flag on stderr and exits 2; a DIR that is not a bundle (no configs/) exits 1 with
// the reason on stderr.
//
// Uses: core/bundle (read_bundle, validate), core/config (parse_profile).
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int config_command(const std::vector<std::string>& args);

}  // namespace propbot::app
