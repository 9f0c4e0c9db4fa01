#include "core/engine/hot_config.hpp"

#include <algorithm>
#include <sstream>

namespace propbot::engine {
namespace {

template <typename T>
std::string text(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}
std::string text(bool value) { return value ? "true" : "false"; }
std::string text(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
  return out + "]";
}
std::string text(const std::vector<config::VenueConfig>& venues) {
  std::string out = "[";
  for (std::size_t i = 0; i < venues.size(); ++i) {
    out += (i ? ", " : "") + venues[i].id + ":" + venues[i].kind;
    if (!venues[i].rest_url.empty()) out += "@" + venues[i].rest_url;
    if (!venues[i].stp_mode.empty()) out += " stp_mode=" + venues[i].stp_mode;
  }
  return out + "]";
}
std::string text(const std::map<std::string, double>& prices) {
  std::string out = "{";
  bool first = true;
  for (const auto& [symbol, price] : prices) {
    out += (first ? "" : ", ") + symbol + ": " + text(price);
    first = false;
  }
  return out + "}";
}

}  // namespace
}  // namespace propbot::engine

namespace propbot::config {
bool operator==(const MaintenanceWindow& a, const MaintenanceWindow& b) {
  return a.venue == b.venue && a.start == b.start && a.end == b.end;
}
}  // namespace propbot::config

namespace propbot::engine {
namespace {

std::string text(const std::vector<config::MaintenanceWindow>& windows) {
  std::string out = "[";
  for (std::size_t i = 0; i < windows.size(); ++i) {
    out += (i ? ", " : "") + windows[i].venue + " " + format_iso8601_ms(windows[i].start) + ".." +
           format_iso8601_ms(windows[i].end);
  }
  return out + "]";
}

class Differ {
 public:
  template <typename T>
  void check(const char* key, const T& before, const T& after) {
    if (!(before == after)) changes.push_back({key, text(before), text(after)});
  }
  std::vector<ConfigChange> changes;
};

// Everything but the fees (hot): a venue's identity and where it connects.
bool operator==(const config::VenueConfig& a, const config::VenueConfig& b) {
  return a.id == b.id && a.kind == b.kind && a.rest_url == b.rest_url && a.ws_url == b.ws_url &&
         a.ws_private_url == b.ws_private_url && a.demo == b.demo && a.stp_mode == b.stp_mode;
}

// A cap where a larger number allows more and 0 switches the guard off (paper/testnet).
template <typename T>
void loosened_cap(std::vector<ConfigChange>& out, const char* key, T before, T after) {
  const bool switched_off = before > 0 && after == 0;
  const bool raised = before > 0 && after > before;
  if (switched_off || raised) out.push_back({key, text(before), text(after)});
}

// Calls visit(key, a.cap, b.cap) for every risk cap (SPEC S-3.1), in one list for
// every comparison below.
template <typename Visit>
void for_each_risk_cap(const config::RiskConfig& a, const config::RiskConfig& b, Visit visit) {
  visit("risk.max_total_notional_usdt", a.max_total_notional_usdt, b.max_total_notional_usdt);
  visit("risk.max_open_positions", a.max_open_positions, b.max_open_positions);
  visit("risk.max_notional_per_position_usdt", a.max_notional_per_position_usdt, b.max_notional_per_position_usdt);
  visit("risk.max_exposure_per_symbol_usdt", a.max_exposure_per_symbol_usdt, b.max_exposure_per_symbol_usdt);
  visit("risk.max_exposure_per_venue_usdt", a.max_exposure_per_venue_usdt, b.max_exposure_per_venue_usdt);
  visit("risk.max_leverage_per_venue", a.max_leverage_per_venue, b.max_leverage_per_venue);
  visit("risk.daily_loss_cap_usdt", a.daily_loss_cap_usdt, b.daily_loss_cap_usdt);
  visit("risk.max_unrealized_loss_usdt", a.max_unrealized_loss_usdt, b.max_unrealized_loss_usdt);
  visit("risk.clock_skew_hold_ms", a.clock_skew_hold_ms, b.clock_skew_hold_ms);
  visit("risk.max_orders_per_min", a.max_orders_per_min, b.max_orders_per_min);
  visit("risk.max_cancels_per_min", a.max_cancels_per_min, b.max_cancels_per_min);
  visit("risk.monthly_loss_cap_usdt", a.monthly_loss_cap_usdt, b.monthly_loss_cap_usdt);
  visit("risk.price_band_bps", a.price_band_bps, b.price_band_bps);
  visit("risk.max_order_notional_usdt", a.max_order_notional_usdt, b.max_order_notional_usdt);
  visit("risk.stress_limit_usdt", a.stress_limit_usdt, b.stress_limit_usdt);
  visit("risk.safe_mode_size_factor", a.safe_mode_size_factor, b.safe_mode_size_factor);
}

// The risk guards where a larger number is stricter: lowering one (or switching it off)
// loosens (loosened_limits()).
template <typename Visit>
void for_each_stricter_when_larger(const config::RiskConfig& a, const config::RiskConfig& b, Visit visit) {
  visit("risk.min_order_notional_usdt", a.min_order_notional_usdt, b.min_order_notional_usdt);
  visit("risk.min_net_edge_bps", a.min_net_edge_bps, b.min_net_edge_bps);
  visit("risk.liquidity_depth_multiple", a.liquidity_depth_multiple, b.liquidity_depth_multiple);
  visit("risk.stress_gap_bps", a.stress_gap_bps, b.stress_gap_bps);
  visit("risk.stress_venue_loss_gap_bps", a.stress_venue_loss_gap_bps, b.stress_venue_loss_gap_bps);
  visit("risk.stress_funding_spike_bps", a.stress_funding_spike_bps, b.stress_funding_spike_bps);
  visit("risk.stress_mark_index_divergence_bps", a.stress_mark_index_divergence_bps,
        b.stress_mark_index_divergence_bps);
  visit("risk.maintenance_lead_ms", a.maintenance_lead_ms, b.maintenance_lead_ms);
}

// Every other risk key that is not a cap: hot, compared by all_differences().
template <typename Visit>
void for_each_risk_setting(const config::RiskConfig& a, const config::RiskConfig& b, Visit visit) {
  for_each_stricter_when_larger(a, b, visit);
  visit("risk.stress_hard_block_autopilot", a.stress_hard_block_autopilot, b.stress_hard_block_autopilot);
  visit("risk.clock_skew_probe_interval_ms", a.clock_skew_probe_interval_ms, b.clock_skew_probe_interval_ms);
  visit("risk.maintenance", a.maintenance, b.maintenance);
}

// Every key a reload compares, in one list: the hot ones and the restart-only ones.
// A key missing here is never reported; a key here but not in with_hot_part() is
// restart-only (refused by apply), never "applied" and silently ignored.
std::vector<ConfigChange> all_differences(const config::Config& running, const config::Config& next) {
  Differ d;
  d.check("profile", std::string(config::to_string(running.profile)), std::string(config::to_string(next.profile)));
  d.check("data_dir", running.data_dir, next.data_dir);
  d.check("api.bind", running.api.bind, next.api.bind);
  d.check("api.port", running.api.port, next.api.port);
  d.check("api.max_body_bytes", running.api.max_body_bytes, next.api.max_body_bytes);
  d.check("api.request_timeout_ms", running.api.request_timeout_ms, next.api.request_timeout_ms);
  d.check("api.max_connections", running.api.max_connections, next.api.max_connections);
  d.check("api.max_connections_per_address", running.api.max_connections_per_address,
          next.api.max_connections_per_address);
  d.check("api.header_timeout_ms", running.api.header_timeout_ms, next.api.header_timeout_ms);
  d.check("api.blocking_workers", running.api.blocking_workers, next.api.blocking_workers);
  d.check("api.blocking_queue", running.api.blocking_queue, next.api.blocking_queue);
  d.check("symbols", running.symbols, next.symbols);
  {
    bool same = running.venues.size() == next.venues.size();
    for (std::size_t i = 0; same && i < running.venues.size(); ++i) same = running.venues[i] == next.venues[i];
    if (!same) d.changes.push_back({"venues", text(running.venues), text(next.venues)});
  }
  d.check("sim.seed", running.sim.seed, next.sim.seed);
  d.check("sim.tick_ms", running.sim.tick_ms, next.sim.tick_ms);
  d.check("sim.volatility_bps", running.sim.volatility_bps, next.sim.volatility_bps);
  d.check("sim.spread_bps", running.sim.spread_bps, next.sim.spread_bps);
  d.check("sim.depth_levels", running.sim.depth_levels, next.sim.depth_levels);
  d.check("sim.dislocation_probability", running.sim.dislocation_probability, next.sim.dislocation_probability);
  d.check("sim.dislocation_bps_min", running.sim.dislocation_bps_min, next.sim.dislocation_bps_min);
  d.check("sim.dislocation_bps_max", running.sim.dislocation_bps_max, next.sim.dislocation_bps_max);
  d.check("sim.dislocation_duration_ms", running.sim.dislocation_duration_ms, next.sim.dislocation_duration_ms);
  d.check("sim.start_prices", running.sim.start_prices, next.sim.start_prices);
  d.check("engine.snapshot_interval_ms", running.engine.snapshot_interval_ms, next.engine.snapshot_interval_ms);
  d.check("execution.journal_fsync", running.execution.journal_fsync, next.execution.journal_fsync);
  d.check("recon.interval_s", running.recon.interval_s, next.recon.interval_s);
  d.check("recon.confirm_delay_ms", running.recon.confirm_delay_ms, next.recon.confirm_delay_ms);
  d.check("recon.balance_tolerance_usdt", running.recon.balance_tolerance_usdt, next.recon.balance_tolerance_usdt);
  d.check("recon.funding_grace_s", running.recon.funding_grace_s, next.recon.funding_grace_s);
  d.check("backup.interval_min", running.backup.interval_min, next.backup.interval_min);
  d.check("backup.keep", running.backup.keep, next.backup.keep);
  d.check("forensics.history_minutes", running.forensics.history_minutes, next.forensics.history_minutes);
  d.check("forensics.max_bundles", running.forensics.max_bundles, next.forensics.max_bundles);
  d.check("execution.dead_man_timeout_ms", running.execution.dead_man_timeout_ms, next.execution.dead_man_timeout_ms);
  d.check("execution.post_only_max_distance_bps", running.execution.post_only_max_distance_bps,
          next.execution.post_only_max_distance_bps);
  d.check("execution.post_only_max_age_ms", running.execution.post_only_max_age_ms,
          next.execution.post_only_max_age_ms);
  d.check("market_history.interval_s", running.market_history.interval_s, next.market_history.interval_s);
  d.check("market_history.retention_h", running.market_history.retention_h, next.market_history.retention_h);
  d.check("market_history.std_samples", running.market_history.std_samples, next.market_history.std_samples);
  d.check("validation.shadow_window_s", running.validation.shadow_window_s, next.validation.shadow_window_s);
  d.check("validation.shadow_max_events", running.validation.shadow_max_events, next.validation.shadow_max_events);
  d.check("validation.shadow_depth", running.validation.shadow_depth, next.validation.shadow_depth);
  d.check("logging.level", running.logging.level, next.logging.level);
  d.check("logging.file", running.logging.file, next.logging.file);
  d.check("logging.json", running.logging.json, next.logging.json);
  d.check("safe_mode", running.safe_mode, next.safe_mode);
  d.check("dry_run_mode", running.dry_run_mode, next.dry_run_mode);
  d.check("autopilot.enabled", running.autopilot_enabled, next.autopilot_enabled);
  // The hot keys.
  for_each_risk_cap(running.risk, next.risk,
                    [&](const char* key, auto before, auto after) { d.check(key, before, after); });
  for_each_risk_setting(running.risk, next.risk,
                        [&](const char* key, const auto& before, const auto& after) { d.check(key, before, after); });
  d.check("scripting.instruction_budget", running.scripting.instruction_budget, next.scripting.instruction_budget);
  d.check("scripting.memory_limit_mb", running.scripting.memory_limit_mb, next.scripting.memory_limit_mb);
  d.check("scripting.max_consecutive_errors", running.scripting.max_consecutive_errors,
          next.scripting.max_consecutive_errors);
  d.check("scripting.max_faults_per_window", running.scripting.max_faults_per_window,
          next.scripting.max_faults_per_window);
  d.check("scripting.fault_window_s", running.scripting.fault_window_s, next.scripting.fault_window_s);
  d.check("scripting.risk_level", running.scripting.risk_level, next.scripting.risk_level);
  d.check("engine.opportunity_ttl_ms", running.engine.opportunity_ttl_ms, next.engine.opportunity_ttl_ms);
  return d.changes;
}

}  // namespace

config::Config with_hot_part(const config::Config& running, const config::Config& next) {
  config::Config merged = running;
  merged.strategies = next.strategies;
  merged.risk = next.risk;
  merged.scripting.instruction_budget = next.scripting.instruction_budget;
  merged.scripting.memory_limit_mb = next.scripting.memory_limit_mb;
  merged.scripting.max_consecutive_errors = next.scripting.max_consecutive_errors;
  merged.scripting.max_faults_per_window = next.scripting.max_faults_per_window;
  merged.scripting.fault_window_s = next.scripting.fault_window_s;
  merged.scripting.risk_level = next.scripting.risk_level;
  merged.engine.opportunity_ttl_ms = next.engine.opportunity_ttl_ms;
  // Venue fees travel in the strategies' fingerprint and env; the venues themselves stay.
  for (std::size_t i = 0; i < merged.venues.size() && i < next.venues.size(); ++i) {
    merged.venues[i].maker_fee_bps = next.venues[i].maker_fee_bps;
    merged.venues[i].taker_fee_bps = next.venues[i].taker_fee_bps;
  }
  return merged;
}

std::vector<ConfigChange> restart_only_changes(const config::Config& running, const config::Config& next) {
  // What is still different once the hot part is taken over cannot be applied hot.
  return all_differences(with_hot_part(running, next), next);
}

std::vector<ConfigChange> hot_differences(const config::Config& a, const config::Config& b) {
  return all_differences(a, with_hot_part(a, b));
}

std::vector<ConfigChange> loosened_limits(const config::Config& running, const config::Config& next) {
  const config::RiskConfig& a = running.risk;
  const config::RiskConfig& b = next.risk;
  std::vector<ConfigChange> out;
  for_each_risk_cap(a, b, [&](const char* key, auto before, auto after) { loosened_cap(out, key, before, after); });
  // Guards where a larger number is stricter: lowering one (or switching it off) loosens.
  for_each_stricter_when_larger(a, b, [&](const char* key, auto before, auto after) {
    if (before > 0 && after < before) out.push_back({key, text(before), text(after)});
  });
  if (a.stress_hard_block_autopilot && !b.stress_hard_block_autopilot) {
    out.push_back({"risk.stress_hard_block_autopilot", "true", "false"});
  }
  // A maintenance window taken away puts its venue back in routing.
  for (const auto& window : a.maintenance) {
    if (std::find(b.maintenance.begin(), b.maintenance.end(), window) == b.maintenance.end()) {
      out.push_back({"risk.maintenance", text(a.maintenance), text(b.maintenance)});
      break;
    }
  }
  // Per-strategy budgets (S-3.2): raising a limit or switching it off.
  for (const auto& before : running.strategies) {
    for (const auto& after : next.strategies) {
      if (before.name != after.name) continue;
      const std::string base = "strategies." + before.name + ".budget.";
      auto budget_cap = [&](const std::string& key, double x, double y) {
        if (x > 0 && (y == 0 || y > x)) out.push_back({base + key, text(x), text(y)});
      };
      budget_cap("max_notional_usdt", before.budget.max_notional_usdt, after.budget.max_notional_usdt);
      budget_cap("max_open_positions", before.budget.max_open_positions, after.budget.max_open_positions);
      budget_cap("daily_loss_usdt", before.budget.daily_loss_usdt, after.budget.daily_loss_usdt);
      budget_cap("max_drawdown_usdt", before.budget.max_drawdown_usdt, after.budget.max_drawdown_usdt);
      budget_cap("max_consecutive_failures", before.budget.max_consecutive_failures,
                 after.budget.max_consecutive_failures);
    }
  }
  // Sizing scales with the risk level: a higher one trades bigger.
  if (next.scripting.risk_level > running.scripting.risk_level) {
    out.push_back({"scripting.risk_level", text(running.scripting.risk_level), text(next.scripting.risk_level)});
  }
  return out;
}

}  // namespace propbot::engine
