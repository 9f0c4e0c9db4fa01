// What a new configuration changes for a running daemon (SPEC S-7.5 hot reload):
// - restart_only_changes(): the keys a hot reload cannot honour — the API listener,
//   the data directory, the traded symbols and venues, the embedded simulator,
//   logging, the profile, the start-up defaults of safe_mode / dry_run_mode /
//   autopilot (the control plane owns those at run time) and the snapshot interval.
//   A bundle that changes any of them is refused by apply with the key named, never
//   half-applied.
// - loosened_limits(): the risk caps (S-3.1) a new configuration makes less strict — a
//   higher cap, or a cap switched off (0) — which in live need a two-man approval.
// - with_hot_part(): the one merge — the running configuration with the next one's hot
//   part. The engine's swap installs exactly it, and restart_only_changes() is what
//   still differs after it, so a key is either taken over hot or refused, never
//   reported applied and ignored.
// Hot-reloadable: the strategies (list, files, params), the risk caps, the scripting
// limits, the venue fees, the policy scripts and engine.opportunity_ttl_ms.
//
// Pure functions of two Config values; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace propbot::engine {

struct ConfigChange {
  std::string key;     // dotted, e.g. "api.port", "risk.max_total_notional_usdt"
  std::string before;  // as text
  std::string after;
};

config::Config with_hot_part(const config::Config& running, const config::Config& next);
std::vector<ConfigChange> restart_only_changes(const config::Config& running, const config::Config& next);
std::vector<ConfigChange> loosened_limits(const config::Config& running, const config::Config& next);
// Every hot key (risk.*, scripting limits and risk level, engine.opportunity_ttl_ms)
// whose value differs between `a` and `b` — e.g. the bundle's YAML alone against the
// same YAML with the daemon's environment over it: what the environment overrides.
std::vector<ConfigChange> hot_differences(const config::Config& a, const config::Config& b);

}  // namespace propbot::engine
