// The runner's lifecycle (scripting/strategy_runner.hpp): load (read → compile →
// check the module → params → ctx → migrate → on_start), the engine's calls (on_book,
// on_fill, due timers), stop and state snapshots, the fault accounting that freezes a
// strategy (a streak of faults, or too many within the fault-rate window), the timings
// of every call and the bounded records of faults and log lines.
//
// Guarantees: every callback runs through LuaSandbox::call (run_callback), so a
// failure is a counted ScriptFault, never an exception; a faulting call proposes
// nothing; a frozen or stopped strategy is never called again; a load that fails
// anywhere returns an error and leaves no runner (a hot reload keeps the old one).
// The ctx functions live in strategy_ctx.cpp, the params in strategy_params.cpp, the
// state conversion in lua_json.cpp.
#include "scripting/strategy_runner.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
}

#include "scripting/lua_raw.hpp"
#include "scripting/strategy_params.hpp"

namespace propbot::scripting {

using detail::raw_get_field;
using detail::raw_set_field;

StrategyRunner::StrategyRunner(std::string name, SandboxLimits limits, const Clock& clock,
                               const MarketView& market, int max_consecutive_faults, LogSink log,
                               StrategyEnv env)
    : name_(std::move(name)),
      clock_(clock),
      market_(market),
      max_consecutive_faults_(max_consecutive_faults),
      log_(std::move(log)),
      env_(std::move(env)),
      sandbox_(limits, clock) {}

StrategyRunner::~StrategyRunner() = default;

Result<std::unique_ptr<StrategyRunner>> StrategyRunner::load(const StrategySpec& spec, SandboxLimits limits,
                                                             const Clock& clock, const MarketView& market,
                                                             int max_consecutive_faults, LogSink log, StrategyEnv env,
                                                             std::optional<nlohmann::json> previous_state) {
  std::unique_ptr<StrategyRunner> runner(new StrategyRunner(spec.name, limits, clock, market, max_consecutive_faults,
                                                            std::move(log), std::move(env)));
  if (auto ok = runner->init(spec, std::move(previous_state)); !ok) return ok.error();
  return runner;
}

Result<void> StrategyRunner::init(const StrategySpec& spec, std::optional<nlohmann::json> previous_state) {
  std::string source;
  if (spec.source) {
    source = *spec.source;
  } else {
    std::ifstream in(spec.path, std::ios::binary);
    if (!in) return make_error(Errc::not_found, spec.display_name + ": cannot read strategy file " + spec.path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    source = std::move(buffer).str();
  }

  lua_State* L = sandbox_.state();
  ScriptFault fault;
  if (auto loaded = sandbox_.load_module(source, spec.display_name, &fault); !loaded) {
    return make_error(Errc::script_error, fault.message);
  }
  const std::string where = spec.display_name;
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return make_error(Errc::script_error, where + ": the strategy must return a table (its module)");
  }
  const int module = lua_gettop(L);

  raw_get_field(L, module, "name");
  const std::string declared = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (declared != spec.name) {
    lua_settop(L, module - 1);
    return make_error(Errc::script_error, where + ": module name '" + declared + "' does not match the configured strategy '" +
                                              spec.name + "'");
  }
  raw_get_field(L, module, "on_book");
  if (!lua_isfunction(L, -1)) {
    lua_settop(L, module - 1);
    return make_error(Errc::script_error, where + ": the module has no on_book(ctx, ev) function");
  }
  on_book_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  // Optional callbacks: absent (nil) is fine, anything else but a function is a mistake.
  for (auto [field, ref] : {std::pair{"on_fill", &on_fill_ref_}, std::pair{"on_timer", &on_timer_ref_},
                            std::pair{"on_stop", &on_stop_ref_}, std::pair{"on_start", static_cast<int*>(nullptr)},
                            std::pair{"migrate", static_cast<int*>(nullptr)}}) {
    raw_get_field(L, module, field);
    const bool absent = lua_isnil(L, -1);
    if (!absent && !lua_isfunction(L, -1)) {
      lua_settop(L, module - 1);
      return make_error(Errc::script_error, where + ": module field '" + field + "' must be a function");
    }
    if (ref != nullptr && !absent) {
      *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
      lua_pop(L, 1);
    }
  }

  // ctx.params: declared params, configured values over defaults, each validated.
  auto params = read_params(L, module, spec.params, where, spec.params_origin ? &*spec.params_origin : nullptr);
  if (!params) {
    lua_settop(L, module - 1);
    return params.error();
  }
  params_ = std::move(params->values);
  param_specs_ = std::move(params->specs);
  // ctx: built once; its methods reach this runner through an upvalue.
  build_ctx(lua_gettop(L));
  lua_pop(L, 1);  // params table
  lua_createtable(L, 0, 2);
  event_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 8);
  fill_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  module_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  if (previous_state) {
    if (auto migrated = migrate_state(*previous_state, where); !migrated) return migrated.error();
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref_);
  raw_get_field(L, -1, "on_start");
  lua_remove(L, -2);
  if (lua_isfunction(L, -1)) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
    if (!run_callback("on_start", 1, nullptr)) {
      return make_error(Errc::script_error, "on_start failed at " + stats_.last_fault->located());
    }
  } else {
    lua_pop(L, 1);
  }
  return {};
}

Result<void> StrategyRunner::migrate_state(const nlohmann::json& previous, const std::string& where) {
  lua_State* L = sandbox_.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, module_ref_);
  raw_get_field(L, -1, "migrate");
  lua_remove(L, -2);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    note(LogLevel::warn, "previous state dropped: the new version has no migrate(old_state)", false);
    return {};
  }
  ScriptFault fault;
  if (!push_json_protected(sandbox_, previous, env_.state_limits, &fault)) {
    lua_pop(L, 1);  // migrate
    return make_error(Errc::script_error, where + ": previous state cannot be loaded: " + fault.message);
  }
  if (!sandbox_.call(1, 1, &fault)) {
    return make_error(Errc::script_error, "migrate failed at " + fault.located());
  }
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
  } else if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return make_error(Errc::script_error, where + ": migrate(old_state) must return a table (the new ctx.state) or nil");
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_insert(L, -2);
  raw_set_field(L, "state");
  lua_pop(L, 1);
  return {};
}

LatencyHistogram* StrategyRunner::timing_of(const char* callback) {
  const std::string_view name(callback);
  if (name == "on_book") return &timings_->on_book;
  if (name == "on_timer") return &timings_->on_timer;
  if (name == "on_fill") return &timings_->on_fill;
  return nullptr;
}

bool StrategyRunner::run_callback(const char* callback, int nargs, std::vector<Intent>* out) {
  proposed_.clear();
  pending_ = out != nullptr ? &proposed_ : nullptr;
  ++stats_.calls;
  ScriptFault fault;
  // Wall time on purpose: under a simulated clock (replay, shadow validation) the cost
  // of a call is still real CPU time.
  const auto began = std::chrono::steady_clock::now();
  const bool ok = sandbox_.call(nargs, 0, &fault);
  if (LatencyHistogram* timing = timing_of(callback)) {
    timing->record(std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now() - began).count());
  }
  pending_ = nullptr;
  if (!ok) {
    proposed_.clear();  // half a decision is no decision
    record_fault(callback, std::move(fault));
    return false;
  }
  stats_.consecutive_faults = 0;
  if (out != nullptr && !proposed_.empty()) {
    stats_.intents += proposed_.size();
    for (auto& intent : proposed_) out->push_back(std::move(intent));
    proposed_.clear();
  }
  return true;
}

void StrategyRunner::on_book(const BookEvent& event, std::vector<Intent>& out) {
  if (stats_.frozen || stopped_) return;
  lua_State* L = sandbox_.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, on_book_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, event_ref_);
  lua_pushlstring(L, event.venue.data(), event.venue.size());
  raw_set_field(L, "venue");
  lua_pushlstring(L, event.symbol.data(), event.symbol.size());
  raw_set_field(L, "symbol");
  run_callback("on_book", 2, &out);
}

void StrategyRunner::on_fill(const FillEvent& fill, std::vector<Intent>& out) {
  if (stats_.frozen || stopped_ || on_fill_ref_ == kNoRef) return;
  lua_State* L = sandbox_.state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, on_fill_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, fill_ref_);
  lua_pushlstring(L, fill.venue.data(), fill.venue.size());
  raw_set_field(L, "venue");
  lua_pushlstring(L, fill.symbol.data(), fill.symbol.size());
  raw_set_field(L, "symbol");
  lua_pushlstring(L, fill.side.data(), fill.side.size());
  raw_set_field(L, "side");
  lua_pushnumber(L, fill.price);
  raw_set_field(L, "price");
  lua_pushnumber(L, fill.qty);
  raw_set_field(L, "qty");
  lua_pushnumber(L, fill.fee);
  raw_set_field(L, "fee");
  lua_pushboolean(L, fill.maker ? 1 : 0);
  raw_set_field(L, "maker");
  lua_pushlstring(L, fill.client_order_id.data(), fill.client_order_id.size());
  raw_set_field(L, "client_order_id");
  run_callback("on_fill", 2, &out);
}

std::size_t StrategyRunner::fire_due_timers(MonoTime now, std::vector<Intent>& out) {
  if (stats_.frozen || stopped_ || timers_.empty()) return 0;
  due_.clear();
  for (const auto& [name, timer] : timers_) {
    if (timer.deadline <= now) due_.push_back({timer.deadline, name, timer.generation});
  }
  if (due_.empty()) return 0;
  std::sort(due_.begin(), due_.end(), [](const DueTimer& a, const DueTimer& b) { return a.deadline < b.deadline; });
  lua_State* L = sandbox_.state();
  const auto now_ms = static_cast<lua_Number>(to_unix_ms(clock_.utc()));
  std::size_t fired = 0;
  for (const auto& due : due_) {
    if (stats_.frozen) break;
    // An earlier callback of this round may have cancelled or replaced this timer.
    const auto it = timers_.find(due.name);
    if (it == timers_.end() || it->second.generation != due.generation) continue;
    if (it->second.repeat) {
      it->second.deadline += it->second.period;
      if (it->second.deadline <= now) it->second.deadline = now + it->second.period;  // skip missed periods
    } else {
      timers_.erase(it);
    }
    ++fired;
    lua_rawgeti(L, LUA_REGISTRYINDEX, on_timer_ref_);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
    lua_pushlstring(L, due.name.data(), due.name.size());
    lua_pushnumber(L, now_ms);
    run_callback("on_timer", 3, &out);
  }
  return fired;
}

std::optional<MonoTime> StrategyRunner::next_timer_deadline() const {
  std::optional<MonoTime> next;
  for (const auto& [name, timer] : timers_) {
    if (!next || timer.deadline < *next) next = timer.deadline;
  }
  return next;
}

Result<nlohmann::json> StrategyRunner::stop() {
  if (stopped_) return make_error(Errc::conflict, "strategy '" + name_ + "' is already stopped");
  stopped_ = true;
  timers_.clear();
  lua_State* L = sandbox_.state();
  const int top = lua_gettop(L);
  if (on_stop_ref_ != kNoRef && !stats_.frozen) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, on_stop_ref_);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
    ++stats_.calls;
    ScriptFault fault;
    if (!sandbox_.call(1, 1, &fault)) {
      std::string message = "on_stop failed at " + fault.located();
      record_fault("on_stop", std::move(fault));
      return make_error(Errc::script_error, message);
    }
    stats_.consecutive_faults = 0;
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
    } else if (!lua_istable(L, -1)) {
      lua_settop(L, top);
      return make_error(Errc::script_error, "on_stop must return a table (the state to migrate) or nil");
    }
  }
  if (lua_gettop(L) == top) return ctx_state_json();  // no on_stop, frozen, or it returned nil
  auto state = lua_to_json(L, -1, env_.state_limits);
  lua_settop(L, top);
  return state;
}

Result<nlohmann::json> StrategyRunner::state_snapshot() {
  if (stopped_) return make_error(Errc::conflict, "strategy '" + name_ + "' is stopped");
  return ctx_state_json();
}

Result<nlohmann::json> StrategyRunner::ctx_state_json() {
  lua_State* L = sandbox_.state();
  const int top = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ctx_ref_);
  lua_pushstring(L, "state");
  lua_rawget(L, -2);  // raw: a metatable the script put on ctx must not run here
  lua_remove(L, -2);
  if (!lua_istable(L, -1) && !lua_isnil(L, -1)) {
    lua_settop(L, top);
    return make_error(Errc::script_error, "ctx.state must be a table to be saved");
  }
  auto state = lua_to_json(L, -1, env_.state_limits);
  lua_settop(L, top);
  return state;
}

namespace {

std::string bounded(std::string text) {
  if (text.size() > kMaxRecordedMessage) {
    text.resize(kMaxRecordedMessage);
    text += "…";
  }
  return text;
}

// The message without the "file:line: " Lua puts in front when it is the fault's own.
std::string without_location(const ScriptFault& fault) {
  const std::string at = fault.where() + ": ";
  return fault.message.rfind(at, 0) == 0 ? fault.message.substr(at.size()) : fault.message;
}

}  // namespace

void StrategyRunner::record_fault(const char* callback, ScriptFault fault) {
  ++stats_.faults;
  ++stats_.consecutive_faults;
  const MonoTime now = clock_.now();
  recent_faults_.push_back(FaultRecord{to_unix_ms(clock_.utc()), callback, fault.where(),
                                       bounded(without_location(fault)), fault.budget_exceeded});
  if (recent_faults_.size() > kKeptFaults) recent_faults_.pop_front();
  if (!stats_.first_fault) {
    stats_.first_fault = fault;
    stats_.first_fault_callback = callback;
  }
  note(LogLevel::warn, std::string(callback) + " failed at " + fault.located(), true);

  const FaultRate& rate = env_.fault_rate;
  if (rate.max_faults > 0) {
    fault_times_.push_back(now);
    while (!fault_times_.empty() && now - fault_times_.front() >= rate.window) fault_times_.pop_front();
    while (fault_times_.size() > static_cast<std::size_t>(rate.max_faults) + 1) fault_times_.pop_front();
  }
  const std::string last = "; last in " + std::string(callback) + ": " + fault.located();
  if (static_cast<int>(stats_.consecutive_faults) >= max_consecutive_faults_) {
    freeze(std::to_string(stats_.consecutive_faults) + " consecutive script faults" + last);
  } else if (rate.max_faults > 0 && fault_times_.size() > static_cast<std::size_t>(rate.max_faults)) {
    const auto window_s = std::chrono::duration_cast<std::chrono::seconds>(rate.window).count();
    freeze(std::to_string(fault_times_.size()) + " script faults within " + std::to_string(window_s) +
           " s (limit " + std::to_string(rate.max_faults) + ", scripting.max_faults_per_window)" + last);
  }
  stats_.last_fault = std::move(fault);
}

void StrategyRunner::freeze(std::string reason) {
  stats_.frozen = true;
  stats_.freeze_reason = std::move(reason);
  fault_times_.clear();
  note(LogLevel::error, "frozen: " + stats_.freeze_reason, false);
}

void StrategyRunner::note(LogLevel level, std::string message, bool is_fault) {
  message = bounded(std::move(message));
  const MonoTime now = clock_.now();
  if (log_period_start_ == MonoTime{} || now - log_period_start_ >= env_.log_interval) {
    log_period_start_ = now;
    log_lines_in_period_ = 0;
    fault_logged_in_period_ = false;
  }
  // Faults: one line per period; ctx:log: kLogBurst; the runner's own notices (a
  // freeze, a dropped state) always pass.
  bool pass = true;
  if (env_.log_interval <= Nanos{0}) {
    // No limit (the Lua test harness: a test reads every line).
  } else if (is_fault) {
    pass = !fault_logged_in_period_;
    fault_logged_in_period_ = true;
  } else if (level == LogLevel::info) {
    pass = log_lines_in_period_ < kLogBurst;
    ++log_lines_in_period_;
  }
  recent_log_.push_back(LogRecord{to_unix_ms(clock_.utc()), level, message});
  if (recent_log_.size() > kKeptLogLines) recent_log_.pop_front();
  if (!pass) {
    ++suppressed_since_logged_;
    ++stats_.suppressed_log_lines;
    return;
  }
  if (suppressed_since_logged_ > 0) {
    message += " (" + std::to_string(suppressed_since_logged_) + " similar lines suppressed before this one)";
    suppressed_since_logged_ = 0;
  }
  if (log_) log_(name_, message);
}

}  // namespace propbot::scripting
