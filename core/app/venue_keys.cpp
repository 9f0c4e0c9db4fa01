#include "core/app/venue_keys.hpp"

#include <cctype>

namespace propbot::app {
namespace {

std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string venue_secret_name(std::string_view venue_id, std::string_view field) {
  return lower(venue_id) + "." + std::string(field);
}

std::vector<std::string> venue_secret_names(const config::VenueConfig& venue) {
  if (!config::has_endpoint(venue) || (venue.kind != "binance" && venue.kind != "okx")) return {};
  std::vector<std::string> names = {venue_secret_name(venue.id, "api_key"), venue_secret_name(venue.id, "api_secret")};
  if (venue.kind == "okx") names.push_back(venue_secret_name(venue.id, "passphrase"));
  return names;
}

VenueKeyringOutcome read_venue_keys(const config::Config& config, const SecretReader& read,
                                    std::string_view set_command) {
  VenueKeyringOutcome outcome;
  for (const config::VenueConfig& venue : config.venues) {
    const std::vector<std::string> names = venue_secret_names(venue);
    if (names.empty()) continue;
    const std::string actor = "venue:" + lower(venue.id);
    std::vector<secrets::Secret> values;
    for (const std::string& name : names) {
      Result<secrets::Secret> value = read(name, actor);
      if (value) {
        values.push_back(std::move(*value));
        continue;
      }
      // Only the entry's name and the store's own message (which never holds a value).
      const std::string why = value.error().code == Errc::not_found ? "missing from the secrets store"
                                                                    : "cannot be read: " + value.error().message;
      outcome.issues.push_back(config::ConfigIssue{
          name, "",
          why + ": venue " + venue.id + " (kind " + venue.kind + ") connects to " + venue.rest_url +
              " with it; add it with: " + std::string(set_command) + " " + name +
              " (the command reads the value from stdin)"});
    }
    if (values.size() != names.size()) continue;
    VenueKeys keys;
    keys.api_key = std::move(values[0]);
    keys.api_secret = std::move(values[1]);
    if (values.size() > 2) keys.passphrase = std::move(values[2]);
    outcome.keys.emplace(venue.id, std::move(keys));
  }
  if (!outcome.issues.empty()) outcome.keys.clear();
  return outcome;
}

}  // namespace propbot::app
