#include "core/status/status_thresholds.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <fstream>
#include <sstream>

#include "core/config/yaml_bounds.hpp"

namespace propbot::status {
namespace {

struct NumberKey {
  std::string_view name;
  double StatusThresholds::*field;
  double min;
  double max;
};

constexpr std::array<NumberKey, 13> kNumberKeys = {{
    {"book_age_ms_warn", &StatusThresholds::book_age_ms_warn, 1, 3'600'000},
    {"book_age_ms_error", &StatusThresholds::book_age_ms_error, 1, 3'600'000},
    {"hedge_latency_ms_p95_warn", &StatusThresholds::hedge_latency_ms_p95_warn, 1, 60'000},
    {"hedge_latency_ms_p95_error", &StatusThresholds::hedge_latency_ms_p95_error, 1, 60'000},
    {"reject_rate_warn", &StatusThresholds::reject_rate_warn, 0, 1},
    {"reject_rate_error", &StatusThresholds::reject_rate_error, 0, 1},
    {"cancel_fail_rate_warn", &StatusThresholds::cancel_fail_rate_warn, 0, 1},
    {"cancel_fail_rate_error", &StatusThresholds::cancel_fail_rate_error, 0, 1},
    {"backup_age_factor_error", &StatusThresholds::backup_age_factor_error, 1, 1000},
    {"memory_mb_warn", &StatusThresholds::memory_mb_warn, 16, 1'048'576},
    {"memory_mb_critical", &StatusThresholds::memory_mb_critical, 16, 1'048'576},
    {"engine_stale_ms_error", &StatusThresholds::engine_stale_ms_error, 100, 600'000},
    {"startup_grace_sec", &StatusThresholds::startup_grace_sec, 0, 3600},
}};

// WARN limit must not exceed its ERROR limit.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kOrderedPairs = {{
    {"book_age_ms_warn", "book_age_ms_error"},
    {"hedge_latency_ms_p95_warn", "hedge_latency_ms_p95_error"},
    {"reject_rate_warn", "reject_rate_error"},
    {"cancel_fail_rate_warn", "cancel_fail_rate_error"},
    {"memory_mb_warn", "memory_mb_critical"},
}};

Error bad(const std::string& key, const std::string& message) {
  return make_error(Errc::invalid_argument, "status_thresholds." + key + ": " + message);
}

const NumberKey* number_key(std::string_view name) {
  for (const auto& key : kNumberKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

double value_of(const StatusThresholds& t, std::string_view name) { return t.*(number_key(name)->field); }

// Applies one map (defaults or a profile's) over `into`.
Status apply_map(const YAML::Node& map, const std::string& where, StatusThresholds& into) {
  if (!map.IsMap()) return bad(where, "must be a map");
  for (const auto& entry : map) {
    const std::string name = entry.first.as<std::string>("");
    const std::string key = where + "." + name;
    if (name == "readiness_allows_safe_mode") {
      bool value = false;
      if (!entry.second.IsScalar() || !YAML::convert<bool>::decode(entry.second, value)) {
        return bad(key, "must be true or false");
      }
      into.readiness_allows_safe_mode = value;
      continue;
    }
    if (name == "hold_on_error") {
      if (!entry.second.IsSequence()) return bad(key, "must be a list of component ids");
      if (entry.second.size() > 64) return bad(key, "at most 64 component ids");
      into.hold_on_error.clear();
      for (const auto& item : entry.second) {
        if (!item.IsScalar() || item.Scalar().empty()) return bad(key, "must be a list of component ids");
        into.hold_on_error.push_back(item.Scalar());
      }
      continue;
    }
    const NumberKey* number = number_key(name);
    if (number == nullptr) return bad(key, "unknown key");
    double value = 0;
    if (!entry.second.IsScalar() || !YAML::convert<double>::decode(entry.second, value) || value != value) {
      return bad(key, "must be a number");
    }
    if (value < number->min || value > number->max) {
      std::ostringstream range;
      range << "must be within [" << number->min << ", " << number->max << "] (got " << entry.second.Scalar() << ")";
      return bad(key, range.str());
    }
    into.*(number->field) = value;
  }
  return {};
}

}  // namespace

Result<StatusThresholds> parse_status_thresholds(std::string_view yaml_text, std::string_view profile) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return make_error(Errc::invalid_argument, std::string("status_thresholds: not valid YAML: ") + e.what());
  }
  if (auto crossed = config::check_yaml_bounds(root)) return bad("(document)", *crossed);
  StatusThresholds thresholds;
  if (root.IsNull()) return thresholds;
  if (!root.IsMap()) return bad("(document)", "must be a map with defaults: and profiles:");
  for (const auto& entry : root) {
    const std::string name = entry.first.as<std::string>("");
    if (name != "defaults" && name != "profiles") return bad(name, "unknown key (defaults | profiles)");
  }
  if (root["defaults"]) {
    if (Status s = apply_map(root["defaults"], "defaults", thresholds); !s) return s.error();
  }
  if (const YAML::Node profiles = root["profiles"]) {
    if (!profiles.IsMap()) return bad("profiles", "must be a map of profile names");
    for (const auto& entry : profiles) {
      const std::string name = entry.first.as<std::string>("");
      if (name != "paper" && name != "testnet" && name != "live") {
        return bad("profiles." + name, "unknown profile (paper | testnet | live)");
      }
    }
    if (const YAML::Node mine = profiles[std::string(profile)]) {
      if (Status s = apply_map(mine, "profiles." + std::string(profile), thresholds); !s) return s.error();
    }
  }
  for (const auto& [warn, error] : kOrderedPairs) {
    if (value_of(thresholds, warn) > value_of(thresholds, error)) {
      return bad(std::string(warn),
                 "must not exceed " + std::string(error) + " (profile " + std::string(profile) + ")");
    }
  }
  return thresholds;
}

Result<StatusThresholds> load_status_thresholds(const std::string& path, std::string_view profile) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "status_thresholds: cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > config::kMaxYamlFileBytes) return bad("(document)", "larger than 1 MiB");
  return parse_status_thresholds(text.str(), profile);
}

}  // namespace propbot::status
