#include "core/config/schema.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <system_error>
#include <type_traits>

#include "core/config/venue_endpoints.hpp"
#include "core/venues/self_trade_prevention.hpp"

namespace propbot::config {

namespace {

namespace fs = std::filesystem;

// ---- text rules ---------------------------------------------------------------------

std::optional<std::string> require_non_empty(std::string_view value) {
  if (value.empty()) return "must not be empty";
  return std::nullopt;
}

std::optional<std::string> require_bind_address(std::string_view value) {
  if (value == "localhost") return std::nullopt;
  std::string text(value);
  unsigned char buffer[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1) {
    return std::nullopt;
  }
  return "must be an IPv4 or IPv6 address literal (e.g. 127.0.0.1, 0.0.0.0, ::1) or 'localhost'";
}

std::optional<std::string> require_log_level(std::string_view value) {
  for (std::string_view level : {"trace", "debug", "info", "warn", "error"}) {
    if (value == level) return std::nullopt;
  }
  return "must be one of trace, debug, info, warn, error";
}

// The journal's fsync policies (core/exec/journal.hpp JournalFsync, kept apart so the
// config has no dependency on core/exec).
std::optional<std::string> require_journal_fsync(std::string_view value) {
  for (std::string_view policy : {"always", "batch", "never"}) {
    if (value == policy) return std::nullopt;
  }
  return "must be one of always, batch, never";
}

// ---- the table ----------------------------------------------------------------------

std::string generic_env(std::string_view key) {
  std::string env = "PROPBOT_";
  for (char c : key) {
    if (c == '.') {
      env += "__";
    } else {
      env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return env;
}

Bounds range(double low, double high) { return Bounds{true, low, high, false, false}; }
Bounds above(double low, double high) { return Bounds{true, low, high, true, false}; }
// A risk cap: [0, high] where 0 disables the guard; live makes it (0, high].
Bounds cap(double high) { return Bounds{true, 0, high, false, true}; }

struct FieldSpec {
  std::string_view key;
  FieldTarget target;
  Bounds bounds = {};
  TextRule text_rule = nullptr;
  bool required = false;
  std::string_view seed_env = {};
};

constexpr double kMaxUsdt = 1e9;

std::vector<ScalarField> build_table() {
  // clang-format off
  const FieldSpec specs[] = {
    {"data_dir", +[](Config& c) -> std::string& { return c.data_dir; }, {}, require_non_empty},
    {"safe_mode", +[](Config& c) -> bool& { return c.safe_mode; }, {}, nullptr, false, "SAFE_MODE"},
    {"dry_run_mode", +[](Config& c) -> bool& { return c.dry_run_mode; }, {}, nullptr, false, "DRY_RUN_MODE"},
    {"autopilot.enabled", +[](Config& c) -> bool& { return c.autopilot_enabled; }, {}, nullptr, false, "AUTOPILOT_ENABLE"},

    {"api.bind", +[](Config& c) -> std::string& { return c.api.bind; }, {}, require_bind_address},
    {"api.port", +[](Config& c) -> int& { return c.api.port; }, range(0, 65535)},
    {"api.max_body_bytes", +[](Config& c) -> std::int64_t& { return c.api.max_body_bytes; }, range(1024, 64.0 * 1024 * 1024)},
    {"api.request_timeout_ms", +[](Config& c) -> int& { return c.api.request_timeout_ms; }, range(100, 600000)},
    {"api.max_connections", +[](Config& c) -> int& { return c.api.max_connections; }, range(1, 100000)},
    {"api.max_connections_per_address", +[](Config& c) -> int& { return c.api.max_connections_per_address; }, range(1, 100000)},
    {"api.header_timeout_ms", +[](Config& c) -> int& { return c.api.header_timeout_ms; }, range(100, 600000)},
    {"api.blocking_workers", +[](Config& c) -> int& { return c.api.blocking_workers; }, range(1, 64)},
    {"api.blocking_queue", +[](Config& c) -> int& { return c.api.blocking_queue; }, range(0, 10000)},

    {"sim.seed", +[](Config& c) -> std::uint64_t& { return c.sim.seed; }},
    {"sim.tick_ms", +[](Config& c) -> int& { return c.sim.tick_ms; }, range(10, 60000)},
    {"sim.volatility_bps", +[](Config& c) -> double& { return c.sim.volatility_bps; }, range(0, 10000)},
    {"sim.spread_bps", +[](Config& c) -> double& { return c.sim.spread_bps; }, range(0, 10000)},
    {"sim.depth_levels", +[](Config& c) -> int& { return c.sim.depth_levels; }, range(1, 1000)},
    {"sim.dislocation_probability", +[](Config& c) -> double& { return c.sim.dislocation_probability; }, range(0, 1)},
    {"sim.dislocation_bps_min", +[](Config& c) -> double& { return c.sim.dislocation_bps_min; }, range(0, 10000)},
    {"sim.dislocation_bps_max", +[](Config& c) -> double& { return c.sim.dislocation_bps_max; }, range(0, 10000)},
    {"sim.dislocation_duration_ms", +[](Config& c) -> int& { return c.sim.dislocation_duration_ms; }, range(1, 3600000)},

    {"risk.max_total_notional_usdt", +[](Config& c) -> double& { return c.risk.max_total_notional_usdt; }, cap(kMaxUsdt), nullptr, true, "MAX_TOTAL_NOTIONAL_USDT"},
    {"risk.max_open_positions", +[](Config& c) -> int& { return c.risk.max_open_positions; }, cap(10000), nullptr, true, "MAX_OPEN_POSITIONS"},
    {"risk.max_notional_per_position_usdt", +[](Config& c) -> double& { return c.risk.max_notional_per_position_usdt; }, cap(kMaxUsdt), nullptr, true, "MAX_NOTIONAL_PER_POSITION_USDT"},
    {"risk.max_exposure_per_symbol_usdt", +[](Config& c) -> double& { return c.risk.max_exposure_per_symbol_usdt; }, cap(kMaxUsdt), nullptr, true},
    {"risk.max_exposure_per_venue_usdt", +[](Config& c) -> double& { return c.risk.max_exposure_per_venue_usdt; }, cap(kMaxUsdt), nullptr, true},
    {"risk.max_leverage_per_venue", +[](Config& c) -> double& { return c.risk.max_leverage_per_venue; }, above(0, 125), nullptr, true},
    {"risk.daily_loss_cap_usdt", +[](Config& c) -> double& { return c.risk.daily_loss_cap_usdt; }, cap(kMaxUsdt), nullptr, true, "MAX_DAILY_LOSS_USDT"},
    {"risk.max_unrealized_loss_usdt", +[](Config& c) -> double& { return c.risk.max_unrealized_loss_usdt; }, cap(kMaxUsdt), nullptr, true, "MAX_UNREALIZED_LOSS_USDT"},
    {"risk.clock_skew_hold_ms", +[](Config& c) -> int& { return c.risk.clock_skew_hold_ms; }, cap(60000), nullptr, true, "CLOCK_SKEW_HOLD_THRESHOLD_MS"},
    {"risk.max_orders_per_min", +[](Config& c) -> int& { return c.risk.max_orders_per_min; }, range(1, 100000), nullptr, false, "MAX_ORDERS_PER_MIN"},
    {"risk.max_cancels_per_min", +[](Config& c) -> int& { return c.risk.max_cancels_per_min; }, range(1, 100000), nullptr, false, "MAX_CANCELS_PER_MIN"},
    {"risk.monthly_loss_cap_usdt", +[](Config& c) -> double& { return c.risk.monthly_loss_cap_usdt; }, range(0, kMaxUsdt)},
    {"risk.price_band_bps", +[](Config& c) -> double& { return c.risk.price_band_bps; }, range(0, 10000)},
    {"risk.min_order_notional_usdt", +[](Config& c) -> double& { return c.risk.min_order_notional_usdt; }, range(0, kMaxUsdt)},
    {"risk.max_order_notional_usdt", +[](Config& c) -> double& { return c.risk.max_order_notional_usdt; }, range(0, kMaxUsdt)},
    {"risk.min_net_edge_bps", +[](Config& c) -> double& { return c.risk.min_net_edge_bps; }, range(0, 10000)},
    {"risk.liquidity_depth_multiple", +[](Config& c) -> double& { return c.risk.liquidity_depth_multiple; }, range(0, 1000)},
    {"risk.safe_mode_size_factor", +[](Config& c) -> double& { return c.risk.safe_mode_size_factor; }, above(0, 1)},
    {"risk.stress_gap_bps", +[](Config& c) -> double& { return c.risk.stress_gap_bps; }, range(0, 10000)},
    {"risk.stress_venue_loss_gap_bps", +[](Config& c) -> double& { return c.risk.stress_venue_loss_gap_bps; }, range(0, 10000)},
    {"risk.stress_funding_spike_bps", +[](Config& c) -> double& { return c.risk.stress_funding_spike_bps; }, range(0, 10000)},
    {"risk.stress_mark_index_divergence_bps", +[](Config& c) -> double& { return c.risk.stress_mark_index_divergence_bps; }, range(0, 10000)},
    {"risk.stress_limit_usdt", +[](Config& c) -> double& { return c.risk.stress_limit_usdt; }, range(0, kMaxUsdt)},
    {"risk.stress_hard_block_autopilot", +[](Config& c) -> bool& { return c.risk.stress_hard_block_autopilot; }},
    {"risk.clock_skew_probe_interval_ms", +[](Config& c) -> int& { return c.risk.clock_skew_probe_interval_ms; }, range(1000, 3600000)},
    {"risk.maintenance_lead_ms", +[](Config& c) -> int& { return c.risk.maintenance_lead_ms; }, range(0, 86400000)},

    {"scripting.bundle_dir", +[](Config& c) -> std::string& { return c.scripting.bundle_dir; }},
    {"scripting.instruction_budget", +[](Config& c) -> std::int64_t& { return c.scripting.instruction_budget; }, range(1000, 1e10)},
    {"scripting.memory_limit_mb", +[](Config& c) -> int& { return c.scripting.memory_limit_mb; }, range(1, 4096)},
    {"scripting.max_consecutive_errors", +[](Config& c) -> int& { return c.scripting.max_consecutive_errors; }, range(1, 1000)},
    {"scripting.max_faults_per_window", +[](Config& c) -> int& { return c.scripting.max_faults_per_window; }, range(0, 100000)},
    {"scripting.fault_window_s", +[](Config& c) -> int& { return c.scripting.fault_window_s; }, range(1, 86400)},
    {"scripting.risk_level", +[](Config& c) -> int& { return c.scripting.risk_level; }, range(0, 100)},

    {"engine.opportunity_ttl_ms", +[](Config& c) -> int& { return c.engine.opportunity_ttl_ms; }, range(10, 600000)},
    {"engine.snapshot_interval_ms", +[](Config& c) -> int& { return c.engine.snapshot_interval_ms; }, range(10, 60000)},

    {"execution.journal_fsync", +[](Config& c) -> std::string& { return c.execution.journal_fsync; }, {}, require_journal_fsync},
    {"execution.dead_man_timeout_ms", +[](Config& c) -> int& { return c.execution.dead_man_timeout_ms; }, range(0, 120000)},
    {"execution.post_only_max_distance_bps", +[](Config& c) -> double& { return c.execution.post_only_max_distance_bps; }, range(0, 10000)},
    {"execution.post_only_max_age_ms", +[](Config& c) -> int& { return c.execution.post_only_max_age_ms; }, range(0, 86400000)},

    {"recon.interval_s", +[](Config& c) -> int& { return c.recon.interval_s; }, range(0, 3600)},
    {"recon.confirm_delay_ms", +[](Config& c) -> int& { return c.recon.confirm_delay_ms; }, range(100, 60000)},
    {"recon.balance_tolerance_usdt", +[](Config& c) -> double& { return c.recon.balance_tolerance_usdt; }, range(0, 1000)},
    {"recon.funding_grace_s", +[](Config& c) -> int& { return c.recon.funding_grace_s; }, range(1, 86400)},
    {"backup.interval_min", +[](Config& c) -> int& { return c.backup.interval_min; }, range(0, 1440)},
    {"backup.keep", +[](Config& c) -> int& { return c.backup.keep; }, range(1, 1000)},
    {"forensics.history_minutes", +[](Config& c) -> int& { return c.forensics.history_minutes; }, range(1, 1440)},
    {"forensics.max_bundles", +[](Config& c) -> int& { return c.forensics.max_bundles; }, range(1, 100000)},
    {"market_history.interval_s", +[](Config& c) -> int& { return c.market_history.interval_s; }, range(0, 86400)},
    {"market_history.retention_h", +[](Config& c) -> int& { return c.market_history.retention_h; }, range(1, 24 * 366)},
    {"market_history.std_samples", +[](Config& c) -> int& { return c.market_history.std_samples; }, range(2, 10000)},
    {"validation.shadow_window_s", +[](Config& c) -> int& { return c.validation.shadow_window_s; }, range(0, 3600)},
    {"validation.shadow_max_events", +[](Config& c) -> int& { return c.validation.shadow_max_events; }, range(1000, 1000000)},
    {"validation.shadow_depth", +[](Config& c) -> int& { return c.validation.shadow_depth; }, range(1, 50)},

    {"logging.level", +[](Config& c) -> std::string& { return c.logging.level; }, {}, require_log_level},
    {"logging.file", +[](Config& c) -> std::string& { return c.logging.file; }},
    {"logging.json", +[](Config& c) -> bool& { return c.logging.json; }},
  };
  // clang-format on
  std::vector<ScalarField> table;
  for (const FieldSpec& spec : specs) {
    table.push_back(ScalarField{std::string(spec.key), generic_env(spec.key), std::string(spec.seed_env),
                                spec.target, spec.bounds, spec.text_rule, spec.required});
  }
  return table;
}

const std::vector<ScalarField>& table() {
  static const std::vector<ScalarField> fields = build_table();
  return fields;
}

// Keys that are not scalars in the table: lists, maps and the profile marker.
const std::map<std::string_view, std::vector<std::string_view>>& structural_keys() {
  static const std::map<std::string_view, std::vector<std::string_view>> keys = {
      {"", {"profile", "symbols", "venues", "strategies", "api", "sim", "risk", "scripting", "engine", "execution", "recon", "backup", "forensics", "market_history", "validation", "logging", "autopilot"}},
      {"sim", {"start_prices"}},
      {"risk", {"maintenance"}},
      {"risk.maintenance[]", {"venue", "start", "end"}},
      {"strategies[].budget", {"max_notional_usdt", "max_open_positions", "daily_loss_usdt", "max_drawdown_usdt", "max_consecutive_failures"}},
      {"venues[]", {"id", "kind", "maker_fee_bps", "taker_fee_bps", "rest_url", "ws_url", "ws_private_url", "demo", "stp_mode"}},
      {"strategies[]", {"name", "file", "enabled", "params", "trusted", "budget", "safe_mode"}},
  };
  return keys;
}

// ---- number formatting --------------------------------------------------------------

std::string format_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "?";
  return std::string(buffer, end);
}

template <typename T>
constexpr bool kIsInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

std::string_view kind_name(const FieldTarget& target) {
  return std::visit(
      [](auto access) -> std::string_view {
        using T = std::remove_reference_t<decltype(access(std::declval<Config&>()))>;
        if constexpr (std::is_same_v<T, bool>) return "a boolean (true or false)";
        else if constexpr (std::is_same_v<T, std::uint64_t>) return "an unsigned integer";
        else if constexpr (kIsInteger<T>) return "an integer";
        else if constexpr (std::is_same_v<T, double>) return "a number";
        else return "text";
      },
      target);
}

bool is_integer_field(const FieldTarget& target) {
  return std::holds_alternative<FieldAccess<int>>(target) || std::holds_alternative<FieldAccess<std::int64_t>>(target) ||
         std::holds_alternative<FieldAccess<std::uint64_t>>(target);
}

std::optional<double> numeric_value(const ScalarField& field, const Config& config) {
  Config& mutable_config = const_cast<Config&>(config);  // accessors are shared with assign_field; read only here
  return std::visit(
      [&](auto access) -> std::optional<double> {
        using T = std::remove_reference_t<decltype(access(mutable_config))>;
        if constexpr (kIsInteger<T> || std::is_same_v<T, double>) return static_cast<double>(access(mutable_config));
        else return std::nullopt;
      },
      field.target);
}

// ---- issue collection ---------------------------------------------------------------

std::string parent_key(std::string_view key) {
  auto cut = key.find_last_of(".[");
  if (cut == std::string_view::npos) return {};
  return std::string(key.substr(0, cut));
}

class IssueList {
 public:
  explicit IssueList(const ValidationContext& context) : context_(context) {}

  // Records key = value: rule; <where to fix it>. A key (or a parent of it) that
  // already has an issue is skipped: one clear problem per setting.
  void add(const std::string& key, std::string value, const std::string& rule) {
    for (std::string k = key; !k.empty(); k = parent_key(k)) {
      if (reported_.count(k) != 0 || context_.already_reported.count(k) != 0) return;
    }
    reported_.insert(key);
    issues_.push_back(ConfigIssue{key, std::move(value), rule + "; " + hint(key)});
  }

  std::vector<ConfigIssue> take() { return std::move(issues_); }

 private:
  std::string hint(const std::string& key) const {
    for (std::string k = key; !k.empty(); k = parent_key(k)) {
      if (auto it = context_.fix_hints.find(k); it != context_.fix_hints.end()) return it->second;
    }
    if (const ScalarField* field = find_field(key)) {
      return "set it in the profile YAML or " + std::string(preferred_env(*field));
    }
    return "fix it in the profile YAML";
  }

  const ValidationContext& context_;
  std::set<std::string, std::less<>> reported_;
  std::vector<ConfigIssue> issues_;
};

// ---- rule helpers -------------------------------------------------------------------

bool all_of_chars(std::string_view text, bool (*allowed)(char)) {
  return std::all_of(text.begin(), text.end(), allowed);
}
bool upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool upper_alnum_or_dash(char c) { return upper_alnum(c) || c == '-'; }
bool snake_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool is_symbol(std::string_view text) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) return false;
  return all_of_chars(text.substr(0, dash), upper_alnum) && all_of_chars(text.substr(dash + 1), upper_alnum);
}

constexpr std::string_view kSymbolRule = "must be BASE-QUOTE in upper-case letters and digits, e.g. BTC-USDT";

void check_placeholders_in_json(const nlohmann::json& value, const std::string& key, IssueList& issues) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (is_placeholder(text)) {
      issues.add(key, text, "placeholder value refused in the live profile: put the real value here");
    }
  } else if (value.is_object()) {
    for (const auto& [name, child] : value.items()) check_placeholders_in_json(child, key + "." + name, issues);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_placeholders_in_json(value[i], key + "[" + std::to_string(i) + "]", issues);
    }
  }
}

void check_live_placeholders(const Config& config, IssueList& issues) {
  auto check = [&](const std::string& key, const std::string& text) {
    if (is_placeholder(text)) {
      issues.add(key, text, "placeholder value refused in the live profile: put the real value here");
    }
  };
  for (const ScalarField& field : table()) {
    if (std::holds_alternative<FieldAccess<std::string>>(field.target)) check(field.key, read_field(field, config));
  }
  for (std::size_t i = 0; i < config.symbols.size(); ++i) check("symbols[" + std::to_string(i) + "]", config.symbols[i]);
  for (const auto& [symbol, price] : config.sim.start_prices) check("sim.start_prices." + symbol, symbol);
  for (std::size_t i = 0; i < config.venues.size(); ++i) {
    std::string base = "venues[" + std::to_string(i) + "]";
    check(base + ".id", config.venues[i].id);
    check(base + ".kind", config.venues[i].kind);
    check(base + ".rest_url", config.venues[i].rest_url);
    check(base + ".ws_url", config.venues[i].ws_url);
    check(base + ".ws_private_url", config.venues[i].ws_private_url);
  }
  for (std::size_t i = 0; i < config.strategies.size(); ++i) {
    std::string base = "strategies[" + std::to_string(i) + "]";
    check(base + ".name", config.strategies[i].name);
    check(base + ".file", config.strategies[i].file);
    check_placeholders_in_json(config.strategies[i].params, base + ".params", issues);
  }
}

void check_scalar_fields(const Config& config, IssueList& issues) {
  for (const ScalarField& field : table()) {
    if (field.bounds.checked) {
      std::optional<double> value = numeric_value(field, config);
      if (!value) continue;
      bool live_cap = field.bounds.zero_disables && config.profile == Profile::live;
      bool low_open = field.bounds.low_open || live_cap;
      bool low_ok = low_open ? *value > field.bounds.low : *value >= field.bounds.low;
      if (low_ok && *value <= field.bounds.high) continue;
      std::string rule = "must be " + describe_range(field, config.profile);
      if (field.bounds.zero_disables) {
        rule += live_cap ? " (0 would disable this guard, which the live profile refuses)"
                         : " (0 disables this guard; allowed in paper/testnet only)";
      }
      issues.add(field.key, read_field(field, config), rule);
    }
    if (field.text_rule != nullptr) {
      std::string value = read_field(field, config);
      if (auto problem = field.text_rule(value)) issues.add(field.key, value, *problem);
    }
  }
}

void check_sim(const Config& config, IssueList& issues) {
  const SimConfig& sim = config.sim;
  if (sim.dislocation_bps_min > sim.dislocation_bps_max) {
    issues.add("sim.dislocation_bps_max", format_number(sim.dislocation_bps_max),
               "must be >= sim.dislocation_bps_min (" + format_number(sim.dislocation_bps_min) + ")");
  }
  // Every simulated market (the random walk and the embedded protocol simulator behind
  // the binance/okx adapters in paper) starts from these prices.
  bool has_sim_venue = std::any_of(config.venues.begin(), config.venues.end(), [&](const VenueConfig& venue) {
    return venue.kind == "sim" || (config.profile == Profile::paper && !has_endpoint(venue));
  });
  for (const auto& [symbol, price] : sim.start_prices) {
    std::string key = "sim.start_prices." + symbol;
    if (std::find(config.symbols.begin(), config.symbols.end(), symbol) == config.symbols.end()) {
      issues.add(key, format_number(price), "start price for a symbol that is not in 'symbols'; add it there or remove this entry");
    } else if (!(price > 0) || !std::isfinite(price)) {
      issues.add(key, format_number(price), "must be a number > 0");
    }
  }
  if (has_sim_venue) {
    for (const std::string& symbol : config.symbols) {
      if (is_symbol(symbol) && sim.start_prices.count(symbol) == 0) {
        issues.add("sim.start_prices." + symbol, "", "simulated venues need a start price for every symbol; add '" + symbol +
                   ": <price>' under sim.start_prices");
      }
    }
  }
}

void check_symbols(const Config& config, IssueList& issues) {
  if (config.symbols.empty()) {
    issues.add("symbols", "", "must list at least one symbol, e.g. [BTC-USDT, ETH-USDT]");
    return;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < config.symbols.size(); ++i) {
    const std::string& symbol = config.symbols[i];
    std::string key = "symbols[" + std::to_string(i) + "]";
    if (!is_symbol(symbol)) {
      issues.add(key, symbol, std::string(kSymbolRule));
    } else if (!seen.insert(symbol).second) {
      issues.add(key, symbol, "duplicate symbol; list each symbol once");
    }
  }
}

// venues[i].stp_mode: the venue kind's own words (core/venues/self_trade_prevention.hpp).
void check_stp_mode(const VenueConfig& venue, const std::string& base, IssueList& issues) {
  if (venue.stp_mode.empty()) return;
  const auto modes = venues::stp_modes_of(venue.kind);
  if (modes.empty()) {
    issues.add(base + ".stp_mode", venue.stp_mode,
               "only binance and okx venues take a self-trade prevention mode; remove it from this " + venue.kind +
                   " venue");
    return;
  }
  if (venues::is_stp_mode(venue.kind, venue.stp_mode)) return;
  std::string allowed;
  for (std::string_view mode : modes) allowed += (allowed.empty() ? "" : ", ") + std::string(mode);
  std::string rule = "must be one of " + allowed + " (kind " + venue.kind + ", in the venue's own words)";
  if (venue.kind == "binance" && venue.stp_mode == "NONE") {
    rule += "; NONE is refused by Binance futures since 2024-12-10";
  }
  issues.add(base + ".stp_mode", venue.stp_mode, rule);
}

void check_venues(const Config& config, IssueList& issues) {
  if (config.venues.size() < 2) {
    issues.add("venues", std::to_string(config.venues.size()) + " venue(s)",
               "at least 2 venues are needed: every strategy trades one venue against another");
  }
  std::set<std::string> seen;
  std::set<std::string> kinds;
  for (std::size_t i = 0; i < config.venues.size(); ++i) {
    const VenueConfig& venue = config.venues[i];
    std::string base = "venues[" + std::to_string(i) + "]";
    if (venue.id.empty() || venue.id.size() > 32 || !all_of_chars(venue.id, upper_alnum_or_dash)) {
      issues.add(base + ".id", venue.id, "must be 1-32 upper-case letters, digits or '-', e.g. SIM-A");
    } else if (!seen.insert(venue.id).second) {
      issues.add(base + ".id", venue.id, "duplicate venue id; every venue needs its own id");
    }
    if (venue.kind != "sim" && venue.kind != "binance" && venue.kind != "okx") {
      issues.add(base + ".kind", venue.kind,
                 "must be 'sim' (in-process random walk), 'binance' or 'okx' (the real adapters)");
    } else if (venue.kind != "sim" && config.profile == Profile::paper && !has_endpoint(venue) &&
               !kinds.insert(venue.kind).second) {
      issues.add(base + ".kind", venue.kind,
                 "the embedded simulator hosts one " + venue.kind + " venue; list it once, or give the other one "
                 "its own rest_url / ws_url");
    }
    for (const EndpointProblem& problem : check_venue_endpoints(venue, config.profile)) {
      issues.add(base + "." + problem.key, problem.value, problem.rule);
    }
    check_stp_mode(venue, base, issues);
  }
}

void check_strategies(const Config& config, IssueList& issues) {
  const std::string& bundle_dir = config.scripting.bundle_dir;
  std::error_code ec;
  bool bundle_ok = !bundle_dir.empty() && fs::is_directory(bundle_dir, ec);
  if (!bundle_ok) {
    issues.add("scripting.bundle_dir", bundle_dir, "must be an existing directory that holds strategies/ (default: the directory above configs/)");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < config.strategies.size(); ++i) {
    const StrategyConfig& strategy = config.strategies[i];
    std::string base = "strategies[" + std::to_string(i) + "]";
    if (strategy.name.empty() || strategy.name.size() > 64 || !(strategy.name[0] >= 'a' && strategy.name[0] <= 'z') ||
        !all_of_chars(strategy.name, snake_char)) {
      issues.add(base + ".name", strategy.name,
                 "must be lower-case snake_case: a letter, then letters, digits or '_', at most 64 characters");
    } else if (!seen.insert(strategy.name).second) {
      issues.add(base + ".name", strategy.name, "duplicate strategy name; every strategy needs its own name");
    }
    if (!strategy.params.is_object()) {
      // replace: dump() would throw on invalid UTF-8 in a string.
      issues.add(base + ".params", strategy.params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                 "must be a mapping of parameter names to values");
    }
    fs::path file(strategy.file);
    fs::path normal = file.lexically_normal();
    if (strategy.file.size() < 5 || file.extension() != ".lua") {
      issues.add(base + ".file", strategy.file, "must name a Lua file ending in .lua, e.g. strategies/cross_exchange_arb.lua");
    } else if (file.is_absolute() || normal.empty() || *normal.begin() == "..") {
      issues.add(base + ".file", strategy.file, "must be a path relative to scripting.bundle_dir that stays inside it");
    } else if (bundle_ok) {
      fs::path full = fs::path(bundle_dir) / normal;
      if (!fs::is_regular_file(full, ec)) {
        issues.add(base + ".file", strategy.file,
                   "file not found: " + full.string() + " (strategy files live under scripting.bundle_dir " + bundle_dir + ")");
      }
    }
  }
}

void check_execution(const Config& config, IssueList& issues) {
  const int timeout = config.execution.dead_man_timeout_ms;
  if (timeout > 0 && timeout < 1000) {
    issues.add("execution.dead_man_timeout_ms", std::to_string(timeout),
               "must be 0 (dead-man switches off) or in [1000, 120000]: the switch is refreshed every third of it");
  }
}

void check_risk(const Config& config, IssueList& issues) {
  const RiskConfig& risk = config.risk;
  if (risk.max_total_notional_usdt > 0 && risk.max_notional_per_position_usdt > risk.max_total_notional_usdt) {
    issues.add("risk.max_notional_per_position_usdt", format_number(risk.max_notional_per_position_usdt),
               "must not exceed risk.max_total_notional_usdt (" + format_number(risk.max_total_notional_usdt) + ")");
  }
  if (risk.max_order_notional_usdt > 0 && risk.min_order_notional_usdt > risk.max_order_notional_usdt) {
    issues.add("risk.min_order_notional_usdt", format_number(risk.min_order_notional_usdt),
               "must not exceed risk.max_order_notional_usdt (" + format_number(risk.max_order_notional_usdt) + ")");
  }
  for (std::size_t i = 0; i < risk.maintenance.size(); ++i) {
    const MaintenanceWindow& window = risk.maintenance[i];
    const std::string base = "risk.maintenance[" + std::to_string(i) + "]";
    const bool known = std::any_of(config.venues.begin(), config.venues.end(),
                                   [&](const VenueConfig& venue) { return venue.id == window.venue; });
    if (!known) issues.add(base + ".venue", window.venue, "must name a venue of this profile's venues list");
    if (window.end <= window.start) issues.add(base + ".end", "", "must be after start");
  }
  // The risk governor tracks each strategy's state and budget: a bounded number of them.
  if (config.strategies.size() > 64) {
    issues.add("strategies", std::to_string(config.strategies.size()) + " entries",
               "at most 64 strategies; split the desk or disable and remove some");
  }
  for (std::size_t i = 0; i < config.strategies.size(); ++i) {
    const std::string& mode = config.strategies[i].safe_mode;
    if (mode != "scale" && mode != "pause") {
      issues.add("strategies[" + std::to_string(i) + "].safe_mode", mode,
                 "must be scale (sizes scaled, post-only entries only) or pause (no entries in safe_mode)");
    }
  }
}

}  // namespace

std::span<const ScalarField> scalar_fields() { return table(); }

const ScalarField* find_field(std::string_view key) {
  for (const ScalarField& field : table()) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

std::string_view preferred_env(const ScalarField& field) {
  return field.seed_env.empty() ? std::string_view(field.env) : std::string_view(field.seed_env);
}

bool is_section(std::string_view name) {
  for (std::string_view section : {"api", "sim", "risk", "scripting", "engine", "execution", "recon", "backup", "forensics", "market_history", "validation", "logging", "autopilot"}) {
    if (name == section) return true;
  }
  return false;
}

std::vector<std::string> known_keys(std::string_view section) {
  std::vector<std::string> keys;
  if (auto it = structural_keys().find(section); it != structural_keys().end()) {
    for (std::string_view key : it->second) keys.emplace_back(key);
  }
  for (const ScalarField& field : table()) {
    std::string_view key = field.key;
    auto dot = key.find('.');
    if (section.empty() && dot == std::string_view::npos) {
      keys.emplace_back(key);
    } else if (!section.empty() && dot != std::string_view::npos && key.substr(0, dot) == section) {
      keys.emplace_back(key.substr(dot + 1));
    }
  }
  return keys;
}

std::optional<std::string> assign_field(const ScalarField& field, std::string_view text, Config& config) {
  auto expected = [&]() {
    return "expected " + std::string(kind_name(field.target)) + ", got " +
           (text.empty() ? std::string("an empty value") : "'" + std::string(text) + "'");
  };
  return std::visit(
      [&](auto access) -> std::optional<std::string> {
        using T = std::remove_reference_t<decltype(access(config))>;
        if constexpr (std::is_same_v<T, std::string>) {
          access(config) = std::string(text);
        } else if constexpr (std::is_same_v<T, bool>) {
          auto value = parse_boolean(text);
          if (!value) return expected();
          access(config) = *value;
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          auto value = parse_unsigned(text);
          if (!value) return expected();
          access(config) = *value;
        } else if constexpr (kIsInteger<T>) {
          auto value = parse_integer(text);
          if (!value) return expected();
          if (*value < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
              *value > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
            return "must be " + describe_range(field, config.profile) + ", got '" + std::string(text) + "'";
          }
          access(config) = static_cast<T>(*value);
        } else {
          auto value = parse_number(text);
          if (!value) return expected();
          access(config) = *value;
        }
        return std::nullopt;
      },
      field.target);
}

std::string read_field(const ScalarField& field, const Config& config) {
  Config& mutable_config = const_cast<Config&>(config);  // read only
  return std::visit(
      [&](auto access) -> std::string {
        using T = std::remove_reference_t<decltype(access(mutable_config))>;
        const T& value = access(mutable_config);
        if constexpr (std::is_same_v<T, std::string>) return value;
        else if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
        else if constexpr (kIsInteger<T>) return std::to_string(value);
        else return format_number(value);
      },
      field.target);
}

std::string describe_range(const ScalarField& field, Profile profile) {
  std::string kind(kind_name(field.target));
  if (!field.bounds.checked) return kind;
  bool low_open = field.bounds.low_open || (field.bounds.zero_disables && profile == Profile::live);
  double low = field.bounds.low;
  if (low_open && is_integer_field(field.target)) {
    low += 1;
    low_open = false;
  }
  return kind + " in " + (low_open ? "(" : "[") + format_number(low) + ", " + format_number(field.bounds.high) + "]";
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_boolean(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view yes : {"true", "yes", "on", "1"}) {
    if (lower == yes) return true;
  }
  for (std::string_view no : {"false", "no", "off", "0"}) {
    if (lower == no) return false;
  }
  return std::nullopt;
}

bool is_placeholder(std::string_view text) {
  if (text.find("TODO") != std::string_view::npos) return true;
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view marker : {"change-me", "changeme", "change_me"}) {
    if (lower.find(marker) != std::string::npos) return true;
  }
  auto open = text.find('<');
  return open != std::string_view::npos && text.find('>', open + 1) != std::string_view::npos;
}

std::vector<ConfigIssue> validate(const Config& config, const ValidationContext& context) {
  IssueList issues(context);
  // Placeholders first: in live they are the real problem, whatever else the value breaks.
  if (config.profile == Profile::live) check_live_placeholders(config, issues);
  check_scalar_fields(config, issues);
  check_symbols(config, issues);
  check_venues(config, issues);
  check_sim(config, issues);
  check_risk(config, issues);
  check_execution(config, issues);
  check_strategies(config, issues);
  return issues.take();
}

}  // namespace propbot::config
