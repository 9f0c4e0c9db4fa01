// Venue keys: the API credentials of every venue that connects to an endpoint of its
// own (config::has_endpoint: rest_url set), read from the secrets store at start-up.
// The entries are named after the venue id in lower case:
//   <id>.api_key, <id>.api_secret   every binance / okx venue with a rest_url
//   <id>.passphrase                 okx only
// e.g. `binance.api_key` for venue BINANCE, `okx-demo.passphrase` for OKX-DEMO. Venues
// on the embedded simulator (paper, no rest_url) need none: it makes its own.
//
// Guarantees: every entry a configuration needs is asked for, and every missing one is
// reported (one ConfigIssue each, key = the entry's name, value always empty) with the
// exact `propbot secrets set` command that adds it; no value ever reaches an issue, a
// log line or an exception text. Values stay Secrets until an adapter is built from
// them. Each read goes through the caller's reader with the actor `venue:<id>` (the
// daemon's reader audits it as access_secret).
//
// Threads: start-up only (the reader may block on the store's lock). Uses
// core/secrets (Secret), core/config (Config, ConfigIssue).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/config/issue.hpp"
#include "core/secrets/secret.hpp"

namespace propbot::app {

struct VenueKeys {
  secrets::Secret api_key;
  secrets::Secret api_secret;
  secrets::Secret passphrase;  // okx only; empty for binance
};

// Venue id -> its keys; bounded by the configured venues.
using VenueKeyring = std::map<std::string, VenueKeys, std::less<>>;

// "binance.api_key" for ("BINANCE", "api_key").
std::string venue_secret_name(std::string_view venue_id, std::string_view field);

// The entries `venue` needs, in the order api_key, api_secret[, passphrase]; none for a
// venue without an endpoint of its own.
std::vector<std::string> venue_secret_names(const config::VenueConfig& venue);

// One named secret, read as `actor`; Errc::not_found when the store has no such entry.
using SecretReader = std::function<Result<secrets::Secret>(std::string_view name, std::string_view actor)>;

struct VenueKeyringOutcome {
  VenueKeyring keys;                       // complete only when issues is empty
  std::vector<config::ConfigIssue> issues;
};

// Reads the keys of every venue of `config` that needs them. `set_command` is how the
// operator adds an entry to this daemon's store, without the name, e.g.
// "propbot secrets set --store /srv/secrets.enc --key-file /srv/secrets.key".
VenueKeyringOutcome read_venue_keys(const config::Config& config, const SecretReader& read,
                                    std::string_view set_command);

}  // namespace propbot::app
