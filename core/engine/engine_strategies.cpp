// One strategy as an operator watches it (Engine::strategy_detail, GET
// /api/ui/strategies/{name}): read on the driving thread from its runner — counters,
// call timings, the bounded fault and log records, and ctx.state as JSON (bounded:
// kMaxCtxStateBytes; a state that cannot be read is named, never a crash).
#include "core/engine/engine_loop.hpp"

namespace propbot::engine {
namespace {

using nlohmann::json;

std::string iso_ms(std::int64_t unix_ms) {
  return format_iso8601_ms(UtcTime{std::chrono::milliseconds(unix_ms)});
}

void add_timing(json& out, const char* prefix, const LatencyHistogram& histogram) {
  out[std::string(prefix) + "_p50_us"] = static_cast<double>(histogram.percentile(50)) / 1000.0;
  out[std::string(prefix) + "_p99_us"] = static_cast<double>(histogram.percentile(99)) / 1000.0;
  out[std::string(prefix) + "_max_us"] = static_cast<double>(histogram.max()) / 1000.0;
  out[std::string(prefix) + "_calls"] = histogram.count();
}

json fault_json(const std::optional<scripting::ScriptFault>& fault, const std::string& callback) {
  if (!fault) return nullptr;
  return json{{"callback", callback}, {"at", fault->where()}, {"message", fault->message},
              {"budget_exceeded", fault->budget_exceeded}};
}

json runner_json(scripting::StrategyRunner& runner, const StrategySet::Slot& slot) {
  const scripting::StrategyStats& stats = runner.stats();
  json out{{"name", runner.name()},
           {"version", slot.version},
           {"file", slot.file},
           {"state", stats.frozen ? "frozen" : runner.stopped() ? "stopped" : "running"},
           {"freeze_reason", stats.frozen ? json(stats.freeze_reason) : json(nullptr)},
           {"params", runner.param_specs()},
           {"calls", stats.calls},
           {"proposals", stats.intents},
           {"faults_total", stats.faults},
           {"consecutive_faults", stats.consecutive_faults},
           {"suppressed_log_lines", stats.suppressed_log_lines},
           {"memory_bytes", runner.memory_used()},
           {"first_fault", fault_json(stats.first_fault, stats.first_fault_callback)},
           {"timers", runner.timer_count()}};
  json timings = json::object();
  add_timing(timings, "on_book", runner.timings().on_book);
  timings["calls"] = runner.timings().on_book.count();
  add_timing(timings, "on_timer", runner.timings().on_timer);
  add_timing(timings, "on_fill", runner.timings().on_fill);
  out["timings"] = std::move(timings);

  json faults = json::array();
  for (const scripting::FaultRecord& fault : runner.recent_faults()) {
    faults.push_back(json{{"ts", iso_ms(fault.ts_ms)}, {"callback", fault.callback}, {"at", fault.at},
                          {"message", fault.message}, {"budget_exceeded", fault.budget_exceeded}});
  }
  out["faults"] = std::move(faults);
  json log = json::array();
  for (const scripting::LogRecord& line : runner.recent_log()) {
    log.push_back(json{{"ts", iso_ms(line.ts_ms)}, {"level", scripting::to_string(line.level)}, {"message", line.message}});
  }
  out["log"] = std::move(log);

  out["ctx_state"] = nullptr;
  if (runner.stopped()) {
    out["ctx_state_error"] = "the strategy is stopped";
  } else if (auto state = runner.state_snapshot(); !state) {
    out["ctx_state_error"] = state.error().message;
  } else {
    std::string text = state->dump();
    if (text.size() > kMaxCtxStateBytes) {
      out["ctx_state_error"] = "ctx.state is " + std::to_string(text.size()) + " bytes of JSON, more than the " +
                               std::to_string(kMaxCtxStateBytes) + " this view serves";
    } else {
      out["ctx_state"] = std::move(*state);
      out["ctx_state_bytes"] = text.size();
    }
  }
  return out;
}

}  // namespace

Result<nlohmann::json> Engine::strategy_detail(const std::string& name) {
  Loop& loop = *loop_;
  for (StrategySet::Slot& slot : loop.strategies.slots()) {
    if (slot.runner && slot.runner->name() == name) return runner_json(*slot.runner, slot);
  }
  std::string known;
  for (const config::StrategyConfig& strategy : loop.config.strategies) {
    if (strategy.name == name) {
      // Configured but not running: disabled (or never started).
      return json{{"name", name},           {"version", nullptr},   {"file", strategy.file},
                  {"state", "stopped"},     {"enabled", strategy.enabled},
                  {"params", strategy.params}, {"ctx_state", nullptr}, {"timings", nullptr},
                  {"faults", json::array()}, {"log", json::array()}};
    }
    known += (known.empty() ? "" : ", ") + strategy.name;
  }
  return make_error(Errc::not_found, "no strategy '" + name + "' in the running configuration (strategies: " +
                                         (known.empty() ? "none" : known) + ")");
}

}  // namespace propbot::engine
