// load_config(): finds the profile's YAML file, layers the environment and the
// command line over it, and returns either a validated Config or every problem found.
//
// Precedence, lowest first: built-in defaults (config.hpp) < YAML file < environment
// < explicit command-line options (bind, port, data_dir).
//
// Environment overrides: every scalar key has a generic name, PROPBOT_ + the dotted
// key upper-cased with "__" between the parts (risk.max_total_notional_usdt ->
// PROPBOT_RISK__MAX_TOTAL_NOTIONAL_USDT, data_dir -> PROPBOT_DATA_DIR). Some keys also
// answer to the seeds' names (MAX_TOTAL_NOTIONAL_USDT, MAX_ORDERS_PER_MIN, SAFE_MODE, …;
// see schema.cpp and configs/README.md). An unknown PROPBOT_ variable that contains
// "__" is reported as a likely typo; other PROPBOT_ variables (PROPBOT_HOME) are left
// alone. Lists and maps (symbols, venues, strategies, sim.start_prices) come from the
// file only, except the endpoint keys of a venue listed there:
// PROPBOT_VENUES__<ID>__REST_URL (WS_URL, WS_PRIVATE_URL, DEMO), ID with '-' as '_'.
//
// Guarantees: never throws on bad input (YAML syntax errors come back as an issue with
// file:line:col); collects every issue instead of stopping at the first; config is set
// only when issues is empty. Reads the filesystem, writes nothing. Call it at start-up
// or from a validation worker, never from the engine thread (it blocks on file I/O).
//
// Uses: config.hpp, issue.hpp, schema.hpp (rules), yaml-cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/issue.hpp"

namespace propbot::config {

struct LoadOptions {
  Profile profile = Profile::paper;
  // An explicit file; when absent, configs/<profile>.yaml is looked up under each of
  // search_roots in order (e.g. $PROPBOT_HOME, the cwd, the executable's ../.., the
  // source dir). Relative paths are taken against the current working directory.
  std::optional<std::string> config_file;
  std::map<std::string, std::string> env;   // the process environment (environment_from)
  std::optional<std::string> bind;          // --bind
  std::optional<std::string> data_dir;      // --data-dir
  std::optional<int> port;                  // --port
  std::vector<std::string> search_roots;
};

struct LoadOutcome {
  std::optional<Config> config;             // set only when issues is empty
  std::vector<ConfigIssue> issues;
};

LoadOutcome load_config(const LoadOptions& options);

// NAME=value strings (main's envp or ::environ) as a map; the first NAME wins, as with
// getenv(). A null envp gives an empty map.
std::map<std::string, std::string> environment_from(char** envp);

}  // namespace propbot::config
