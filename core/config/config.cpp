#include "core/config/config.hpp"

#include <string>

namespace propbot::config {

std::string_view to_string(Profile profile) {
  switch (profile) {
    case Profile::paper: return "paper";
    case Profile::testnet: return "testnet";
    case Profile::live: return "live";
  }
  return "paper";
}

Result<Profile> parse_profile(std::string_view text) {
  for (Profile profile : {Profile::paper, Profile::testnet, Profile::live}) {
    if (text == to_string(profile)) return profile;
  }
  return make_error(Errc::config_invalid,
                    "unknown profile '" + std::string(text) + "': must be one of paper, testnet, live");
}

bool has_endpoint(const VenueConfig& venue) { return !venue.rest_url.empty(); }

}  // namespace propbot::config
