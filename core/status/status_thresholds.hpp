// StatusThresholds: the limits the status registry judges components by, loaded once
// at start from configs/status_thresholds.yaml: a `defaults:` map and per-profile
// overrides under `profiles: {paper|testnet|live: {...}}` (a profile's map replaces
// the default of each key it names). Documented key by key in configs/README.md.
//
// Guarantees: every numeric key is checked against its range and every WARN limit
// against its ERROR limit; an unknown key, a wrong type or a value out of range is an
// error naming the key ("status_thresholds.profiles.live.reject_rate_warn: ...").
// A missing file is not an error here (the caller decides); load_status_thresholds
// never throws.
// Threads: a plain value after loading. Uses yaml-cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace propbot::status {

struct StatusThresholds {
  double book_age_ms_warn = 2000;  // a venue's oldest valid book
  double book_age_ms_error = 10000;
  double hedge_latency_ms_p95_warn = 250;
  double hedge_latency_ms_p95_error = 500;
  double reject_rate_warn = 0.005;  // RG-5: 0.5 %
  double reject_rate_error = 0.05;
  double cancel_fail_rate_warn = 0.003;  // RG-5: 0.3 %
  double cancel_fail_rate_error = 0.03;
  double backup_age_factor_error = 3;      // last backup older than factor × interval → ERROR
  double memory_mb_warn = 1024;            // memory_pressure_flag
  double memory_mb_critical = 2048;        // critical: blocks live readiness
  double engine_stale_ms_error = 5000;     // the engine loop's last snapshot
  double startup_grace_sec = 30;           // no ERROR alert this soon after start
  bool readiness_allows_safe_mode = true;  // live readiness with safe_mode on
  // Components whose turning ERROR also holds the desk (P0 through safety_action).
  std::vector<std::string> hold_on_error = {"journal", "engine_loop"};
};

// Parses `yaml_text` for `profile` (paper | testnet | live). Errors: invalid_argument
// naming the key.
Result<StatusThresholds> parse_status_thresholds(std::string_view yaml_text, std::string_view profile);
// Reads and parses `path`. Errors: not_found (no file), io_error, invalid_argument.
Result<StatusThresholds> load_status_thresholds(const std::string& path, std::string_view profile);

}  // namespace propbot::status
