#include "scripting/policy_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "core/risk/notional_caps.hpp"

namespace propbot::scripting {
namespace {

constexpr std::size_t kMaxVerdicts = 64;  // a rule list longer than this is a script bug

// Every field name the host writes or reads. They are anchored in the registry at load,
// so pushing one finds the interned string and never allocates.
constexpr const char* kFieldNames[] = {
    "realised_vol_bps", "spread_std_bps", "depth_usdt", "funding_rate", "basis_bps", "trend_bps",
    "regime", "confidence", "min_edge_bps", "max_impact_bps", "allow_taker", "maker_only", "time_guard_ms",
    "notional_usdt", "vol_baseline_bps", "max_position_notional_usdt", "max_total_notional_usdt",
    "position_notional_usdt", "open_notional_usdt", "headroom_usdt", "drawdown_usdt", "reject_rate",
    "cancel_fail_rate", "hedge_latency_ms_p99", "ws_gap_ms", "consecutive_losses", "rule", "action",
    "severity", "reason", "range", "trend", "volatile", "liquidity_shock", "scope", "symbol", "venues",
    "global", "route", "hedge_latency_ms_p95", "loss_today_usdt", "book_staleness_ms", "volatility_bps",
    "ws_gap_ms_p95", "crossed_books", "mark_index_divergence_bps", "mark_last_divergence_bps",
    "funding_rate_abs_bps", "depeg_bps",
};

// Every number a BreakerMetrics carries, by the name the rules read it as (m.<name>):
// one list, so the table the script sees and the non-finite check cannot drift apart.
struct BreakerNumber {
  const char* name;
  double BreakerMetrics::*field;
};
constexpr BreakerNumber kBreakerNumbers[] = {
    {"drawdown_usdt", &BreakerMetrics::drawdown_usdt},
    {"reject_rate", &BreakerMetrics::reject_rate},
    {"cancel_fail_rate", &BreakerMetrics::cancel_fail_rate},
    {"hedge_latency_ms_p95", &BreakerMetrics::hedge_latency_ms_p95},
    {"hedge_latency_ms_p99", &BreakerMetrics::hedge_latency_ms_p99},
    {"ws_gap_ms", &BreakerMetrics::ws_gap_ms},
    {"consecutive_losses", &BreakerMetrics::consecutive_losses},
    {"loss_today_usdt", &BreakerMetrics::loss_today_usdt},
    {"book_staleness_ms", &BreakerMetrics::book_staleness_ms},
    {"spread_std_bps", &BreakerMetrics::spread_std_bps},
    {"volatility_bps", &BreakerMetrics::volatility_bps},
    {"ws_gap_ms_p95", &BreakerMetrics::ws_gap_ms_p95},
    {"crossed_books", &BreakerMetrics::crossed_books},
    {"mark_index_divergence_bps", &BreakerMetrics::mark_index_divergence_bps},
    {"mark_last_divergence_bps", &BreakerMetrics::mark_last_divergence_bps},
    {"funding_rate_abs_bps", &BreakerMetrics::funding_rate_abs_bps},
    {"basis_bps", &BreakerMetrics::basis_bps},
    {"depeg_bps", &BreakerMetrics::depeg_bps},
};

// A verdict the host makes itself (faults, invalid input, degraded pipeline).
BreakerVerdict host_verdict(const char* rule, std::string reason) {
  BreakerVerdict verdict;
  verdict.rule = rule;
  verdict.action = BreakerAction::degrade;
  verdict.severity = Severity::P1;
  verdict.reason = std::move(reason);
  return verdict;
}

// The host touches script-visible tables only with raw access, outside any pcall: a
// metamethod (__index / __newindex set by a hostile or buggy script) that raised here
// would be an unprotected error, i.e. a LuaJIT panic that aborts the daemon.
void set_number(lua_State* L, int table, const char* field, double value) {
  lua_pushstring(L, field);
  lua_pushnumber(L, value);
  lua_rawset(L, table);
}

void set_string(lua_State* L, int table, const char* field, std::string_view value) {
  lua_pushstring(L, field);
  lua_pushlstring(L, value.data(), value.size());
  lua_rawset(L, table);
}

void get_raw(lua_State* L, int table, const char* field) {
  const int t = table < 0 ? lua_gettop(L) + table + 1 : table;
  lua_pushstring(L, field);
  lua_rawget(L, t);
}

// Reads t[field] as a finite number into `out`; on failure writes why into `why`.
bool read_number(lua_State* L, int table, const char* field, double& out, std::string& why) {
  get_raw(L, table, field);
  const bool is_number = lua_type(L, -1) == LUA_TNUMBER;
  out = is_number ? lua_tonumber(L, -1) : 0.0;
  lua_pop(L, 1);
  if (!is_number) {
    why = std::string("field '") + field + "' is missing or not a number";
    return false;
  }
  if (!std::isfinite(out)) {
    why = std::string("field '") + field + "' is not finite";
    return false;
  }
  return true;
}

bool read_bool(lua_State* L, int table, const char* field, bool& out, std::string& why) {
  get_raw(L, table, field);
  const bool is_bool = lua_type(L, -1) == LUA_TBOOLEAN;
  out = is_bool && lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  if (!is_bool) why = std::string("field '") + field + "' is missing or not a boolean";
  return is_bool;
}

std::string_view read_string(lua_State* L, int table, const char* field) {
  get_raw(L, table, field);
  std::size_t len = 0;
  const char* s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : nullptr;
  lua_pop(L, 1);  // the string stays alive: it is still referenced by the table
  return s != nullptr ? std::string_view(s, len) : std::string_view();
}

bool all_finite(std::initializer_list<double> values) {
  for (const double v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace

PolicyPipeline::PolicyPipeline(const PolicyPipelineSpec& spec, SandboxLimits limits, const Clock& clock)
    : spec_(spec), sandbox_(limits, clock) {
  spec_.most_conservative.fallback = true;
}

PolicyPipeline::~PolicyPipeline() = default;

Result<std::unique_ptr<PolicyPipeline>> PolicyPipeline::load(const PolicyPipelineSpec& spec, SandboxLimits limits,
                                                             const Clock& clock) {
  if (!(spec.caps.max_position_notional_usdt >= 0) || !(spec.caps.max_total_notional_usdt >= 0)) {
    return make_error(Errc::invalid_argument, "policy caps must be finite and non-negative");
  }
  if (spec.max_consecutive_faults < 1) {
    return make_error(Errc::invalid_argument, "max_consecutive_faults must be at least 1");
  }
  std::unique_ptr<PolicyPipeline> pipeline(new PolicyPipeline(spec, limits, clock));
  if (auto ok = pipeline->init(); !ok) return ok.error();
  return pipeline;
}

Result<void> PolicyPipeline::load_script(const std::string& file, const char* function, int* function_ref,
                                         Site* site) {
  const std::string path = spec_.directory + "/" + file;
  const std::string display = spec_.display_prefix + file;
  std::string source;
  if (const auto given = spec_.sources.find(file); given != spec_.sources.end()) {
    source = given->second;
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, display + ": cannot read policy script " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    source = std::move(buffer).str();
  }
  lua_State* L = sandbox_.state();
  ScriptFault fault;
  if (auto loaded = sandbox_.load_module(source, display, &fault); !loaded) {
    return make_error(Errc::script_error, fault.message);
  }
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return make_error(Errc::script_error, display + ": the script must return a table (its module)");
  }
  get_raw(L, -1, function);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 2);
    return make_error(Errc::script_error, display + ": the module has no function '" + function + "'");
  }
  lua_Debug info;
  lua_pushvalue(L, -1);
  lua_getinfo(L, ">S", &info);
  site->file = display;
  site->line = info.linedefined;
  *function_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);  // the module: its function keeps what it needs as upvalues
  return {};
}

int PolicyPipeline::new_table_ref() {
  lua_State* L = sandbox_.state();
  lua_createtable(L, 0, 8);
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

Result<void> PolicyPipeline::init() {
  lua_State* L = sandbox_.state();
  lua_createtable(L, static_cast<int>(std::size(kFieldNames)), 0);
  int slot = 0;
  for (const char* name : kFieldNames) {
    lua_pushstring(L, name);
    lua_rawseti(L, -2, ++slot);
  }
  luaL_ref(L, LUA_REGISTRYINDEX);  // never released: the names live as long as the state
  if (auto r = load_script("regime.lua", "classify", &classify_ref_, &classify_site_); !r) return r;
  if (auto r = load_script("policy_matrix.lua", "policy", &policy_ref_, &policy_site_); !r) return r;
  if (auto r = load_script("sizing.lua", "size", &size_ref_, &size_site_); !r) return r;
  if (auto r = load_script("circuit_breakers.lua", "evaluate", &evaluate_ref_, &evaluate_site_); !r) return r;
  features_ref_ = new_table_ref();
  intent_ref_ = new_table_ref();
  regime_ref_ = new_table_ref();
  caps_ref_ = new_table_ref();
  metrics_ref_ = new_table_ref();
  return {};
}

void PolicyPipeline::record_success(Stage stage) {
  consecutive_[stage] = 0;
  stats_.consecutive_faults = *std::max_element(std::begin(consecutive_), std::end(consecutive_));
}

void PolicyPipeline::record_fault(Stage stage, ScriptFault fault) {
  ++stats_.faults;
  ++stats_.fallbacks;
  ++consecutive_[stage];
  stats_.consecutive_faults = std::max(stats_.consecutive_faults, consecutive_[stage]);
  if (stats_.consecutive_faults >= static_cast<std::uint64_t>(spec_.max_consecutive_faults)) stats_.degraded = true;
  stats_.last_fault = std::move(fault);
}

void PolicyPipeline::record_invalid(Stage stage, const Site& site, const std::string& why) {
  ++stats_.invalid_outputs;
  ScriptFault fault;
  fault.file = site.file;
  fault.line = site.line;
  fault.message = site.file + ":" + std::to_string(site.line) + ": invalid output: " + why;
  record_fault(stage, std::move(fault));
}

bool PolicyPipeline::callable() {
  if (stats_.degraded) {
    ++stats_.fallbacks;
    return false;
  }
  ++stats_.calls;
  return true;
}

void PolicyPipeline::reset() {
  stats_.degraded = false;
  stats_.consecutive_faults = 0;
  std::fill(std::begin(consecutive_), std::end(consecutive_), 0);
}

RegimeVerdict PolicyPipeline::classify(const RegimeFeatures& features) {
  RegimeVerdict fallback;
  fallback.fallback = true;
  if (!all_finite({features.realised_vol_bps, features.spread_std_bps, features.depth_usdt, features.funding_rate,
                   features.basis_bps, features.trend_bps})) {
    ++stats_.invalid_inputs;
    ++stats_.fallbacks;
    return fallback;
  }
  if (!callable()) return fallback;
  lua_State* L = sandbox_.state();
  const int base = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, classify_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, features_ref_);
  const int table = lua_gettop(L);
  set_number(L, table, "realised_vol_bps", features.realised_vol_bps);
  set_number(L, table, "spread_std_bps", features.spread_std_bps);
  set_number(L, table, "depth_usdt", features.depth_usdt);
  set_number(L, table, "funding_rate", features.funding_rate);
  set_number(L, table, "basis_bps", features.basis_bps);
  set_number(L, table, "trend_bps", features.trend_bps);
  ScriptFault fault;
  if (!sandbox_.call(1, 1, &fault)) {
    record_fault(kClassify, std::move(fault));
    return fallback;
  }
  RegimeVerdict verdict;
  std::string why;
  if (!lua_istable(L, -1)) {
    why = "classify must return {regime, confidence}";
  } else {
    const std::string_view name = read_string(L, -1, "regime");
    const auto regime = parse_regime(name);
    if (!regime) {
      why = "unknown regime '" + std::string(name) + "' (range|trend|volatile|liquidity_shock)";
    } else if (read_number(L, -1, "confidence", verdict.confidence, why)) {
      if (verdict.confidence < 0 || verdict.confidence > 1) {
        why = "confidence " + std::to_string(verdict.confidence) + " is outside [0, 1]";
      } else {
        verdict.regime = *regime;
      }
    }
  }
  lua_settop(L, base);
  if (!why.empty()) {
    record_invalid(kClassify, classify_site_, why);
    return fallback;
  }
  record_success(kClassify);
  return verdict;
}

PolicyRow PolicyPipeline::policy(const RegimeVerdict& verdict) {
  const PolicyRow& fallback = spec_.most_conservative;
  if (!callable()) return fallback;
  lua_State* L = sandbox_.state();
  const int base = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, policy_ref_);
  const std::string_view name = to_string(verdict.regime);
  lua_pushlstring(L, name.data(), name.size());
  lua_pushnumber(L, verdict.confidence);
  ScriptFault fault;
  if (!sandbox_.call(2, 1, &fault)) {
    record_fault(kPolicy, std::move(fault));
    return fallback;
  }
  PolicyRow row;
  row.fallback = false;
  std::string why;
  double time_guard_ms = 0;
  if (!lua_istable(L, -1)) {
    why = "policy must return {min_edge_bps, max_impact_bps, allow_taker, maker_only, time_guard_ms}";
  } else if (read_number(L, -1, "min_edge_bps", row.min_edge_bps, why) &&
             read_number(L, -1, "max_impact_bps", row.max_impact_bps, why) &&
             read_bool(L, -1, "allow_taker", row.allow_taker, why) &&
             read_bool(L, -1, "maker_only", row.maker_only, why) &&
             read_number(L, -1, "time_guard_ms", time_guard_ms, why)) {
    if (row.min_edge_bps < 0) {
      why = "min_edge_bps is negative";
    } else if (row.max_impact_bps < 0) {
      why = "max_impact_bps is negative";
    } else if (time_guard_ms <= 0 || time_guard_ms > 3'600'000) {
      why = "time_guard_ms must be in (0, 3600000]";
    } else if (row.maker_only && row.allow_taker) {
      why = "maker_only and allow_taker are both true";
    }
    row.time_guard_ms = static_cast<std::int64_t>(time_guard_ms);
  }
  lua_settop(L, base);
  if (!why.empty()) {
    record_invalid(kPolicy, policy_site_, why);
    return fallback;
  }
  record_success(kPolicy);
  return row;
}

SizingResult PolicyPipeline::size(const SizingRequest& request, const RegimeVerdict& verdict,
                                  const RegimeFeatures& features) {
  SizingResult fallback;
  fallback.fallback = true;
  if (!all_finite({request.intent_notional_usdt, request.vol_baseline_bps, request.position_notional_usdt,
                   request.open_notional_usdt, verdict.confidence, features.realised_vol_bps, features.trend_bps})) {
    ++stats_.invalid_inputs;
    ++stats_.fallbacks;
    return fallback;
  }
  if (!callable()) return fallback;
  // The host's own bound, whatever the script answers.
  const double headroom =
      risk::notional_headroom({spec_.caps.max_position_notional_usdt, spec_.caps.max_total_notional_usdt},
                              request.position_notional_usdt, request.open_notional_usdt);
  lua_State* L = sandbox_.state();
  const int base = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, size_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, intent_ref_);
  set_number(L, lua_gettop(L), "notional_usdt", request.intent_notional_usdt);
  lua_rawgeti(L, LUA_REGISTRYINDEX, regime_ref_);
  {
    const int t = lua_gettop(L);
    set_string(L, t, "regime", to_string(verdict.regime));
    set_number(L, t, "confidence", verdict.confidence);
    set_number(L, t, "realised_vol_bps", features.realised_vol_bps);
    set_number(L, t, "vol_baseline_bps", request.vol_baseline_bps);
    set_number(L, t, "trend_bps", features.trend_bps);
  }
  lua_pushnumber(L, static_cast<lua_Number>(std::clamp(request.risk_level, 0, 100)));
  lua_rawgeti(L, LUA_REGISTRYINDEX, caps_ref_);
  {
    const int t = lua_gettop(L);
    set_number(L, t, "max_position_notional_usdt", spec_.caps.max_position_notional_usdt);
    set_number(L, t, "max_total_notional_usdt", spec_.caps.max_total_notional_usdt);
    set_number(L, t, "position_notional_usdt", request.position_notional_usdt);
    set_number(L, t, "open_notional_usdt", request.open_notional_usdt);
    set_number(L, t, "headroom_usdt", headroom);
  }
  ScriptFault fault;
  if (!sandbox_.call(4, 1, &fault)) {
    record_fault(kSize, std::move(fault));
    return fallback;
  }
  std::string why;
  double notional = 0;
  if (lua_type(L, -1) != LUA_TNUMBER) {
    why = "size must return a number (notional USDT)";
  } else {
    notional = lua_tonumber(L, -1);
    if (!std::isfinite(notional)) {
      why = "size returned a non-finite notional";
    } else if (notional < 0) {
      why = "size returned a negative notional";
    }
  }
  lua_settop(L, base);
  if (!why.empty()) {
    record_invalid(kSize, size_site_, why);
    return fallback;
  }
  record_success(kSize);
  SizingResult result;
  const risk::ClampedNotional sized = risk::clamp_notional(notional, headroom);
  result.clamped = sized.clamped;
  if (sized.clamped) ++stats_.clamped_sizes;
  result.notional_usdt = sized.notional_usdt;
  return result;
}

PolicyDecision PolicyPipeline::decide(const RegimeFeatures& features, const SizingRequest& request) {
  PolicyDecision decision;
  decision.regime = classify(features);
  decision.policy = policy(decision.regime);
  if (decision.regime.fallback) {
    decision.size.fallback = true;  // size 0: nothing is sized into an unknown market
  } else {
    decision.size = size(request, decision.regime, features);
  }
  return decision;
}

void PolicyPipeline::evaluate_breakers(const BreakerMetrics& metrics, std::vector<BreakerVerdict>& out) {
  out.clear();
  evaluate_rules(metrics, out);
  // Every verdict, the host's own included, names what it applies to.
  for (BreakerVerdict& verdict : out) {
    verdict.scope = metrics.scope;
    verdict.symbol = metrics.symbol;
    verdict.venues = metrics.venues;
  }
}

void PolicyPipeline::evaluate_rules(const BreakerMetrics& metrics, std::vector<BreakerVerdict>& out) {
  if (!callable()) {
    out.push_back(host_verdict("policy_pipeline_degraded",
                               "policy scripts faulted " + std::to_string(spec_.max_consecutive_faults) +
                                   " times in a row; circuit-breaker rules are not evaluated"));
    return;
  }
  lua_State* L = sandbox_.state();
  const int base = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, evaluate_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, metrics_ref_);
  const int table = lua_gettop(L);
  bool finite = true;
  for (const BreakerNumber& number : kBreakerNumbers) {
    const double value = metrics.*number.field;
    finite = finite && std::isfinite(value);
    set_number(L, table, number.name, value);
  }
  if (!finite) {
    ++stats_.invalid_inputs;
    out.push_back(host_verdict("breaker_metrics_invalid",
                               "a circuit-breaker metric is NaN or infinite: its rules cannot fire"));
  }
  set_string(L, table, "scope", to_string(metrics.scope));
  set_string(L, table, "symbol", metrics.symbol);
  set_string(L, table, "venues", metrics.venues);
  ScriptFault fault;
  if (!sandbox_.call(1, 1, &fault)) {
    out.push_back(host_verdict("policy_script_fault", "circuit-breaker evaluation failed at " + fault.located()));
    record_fault(kBreakers, std::move(fault));
    return;
  }
  if (!lua_istable(L, -1)) {
    lua_settop(L, base);
    out.push_back(host_verdict("policy_script_fault", "circuit-breaker evaluate() did not return a list"));
    record_invalid(kBreakers, evaluate_site_, "evaluate must return a list of {rule, action, severity, reason}");
    return;
  }
  const int list = lua_gettop(L);
  const std::size_t n = lua_objlen(L, list);
  std::string why;
  for (std::size_t i = 1; i <= n && i <= kMaxVerdicts; ++i) {
    lua_rawgeti(L, list, static_cast<int>(i));
    BreakerVerdict verdict;
    if (!lua_istable(L, -1)) {
      verdict.rule = "malformed_verdict_" + std::to_string(i);
      verdict.reason = "verdict is not a table; read as hold";
      why = "verdict " + std::to_string(i) + " is not a table";
    } else {
      const int v = lua_gettop(L);
      const std::string_view rule = read_string(L, v, "rule");
      verdict.rule = rule.empty() ? "unnamed_rule_" + std::to_string(i) : std::string(rule);
      verdict.reason = std::string(read_string(L, v, "reason"));
      const std::string_view action = read_string(L, v, "action");
      const std::string_view severity = read_string(L, v, "severity");
      // A verdict with an unreadable action or severity is kept at the strongest
      // action and P1: a rule that fired is never dropped.
      if (const auto a = parse_breaker_action(action)) {
        verdict.action = *a;
      } else {
        why = "verdict '" + verdict.rule + "' has unknown action '" + std::string(action) + "'";
        verdict.action = BreakerAction::hold;
      }
      if (const auto s = parse_severity(severity)) {
        verdict.severity = *s;
      } else {
        if (why.empty()) why = "verdict '" + verdict.rule + "' has unknown severity '" + std::string(severity) + "'";
        verdict.severity = Severity::P1;
      }
    }
    lua_pop(L, 1);
    out.push_back(std::move(verdict));
  }
  if (n > kMaxVerdicts && why.empty()) why = "more than " + std::to_string(kMaxVerdicts) + " verdicts";
  lua_settop(L, base);
  if (!why.empty()) {
    record_invalid(kBreakers, evaluate_site_, why);
    return;
  }
  record_success(kBreakers);
}

}  // namespace propbot::scripting
