// A configuration with two `sim` venues (SIM-A, SIM-B) quoting BTC-USDT and no
// strategies, scripts read from nowhere: the common start of engine tests.
#pragma once

#include "core/config/config.hpp"

namespace propbot::engine::testing {

inline config::Config two_sim_venues() {
  config::Config config;
  config.scripting.bundle_dir = "/nonexistent";
  config.symbols = {"BTC-USDT"};
  for (const char* id : {"SIM-A", "SIM-B"}) {
    config::VenueConfig venue;
    venue.id = id;
    venue.kind = "sim";
    config.venues.push_back(venue);
  }
  return config;
}

}  // namespace propbot::engine::testing
