#include "core/engine/snapshot_views.hpp"

namespace propbot::engine {

std::vector<StrategyView> strategy_views(const StrategySet& strategies) {
  std::vector<StrategyView> out;
  out.reserve(strategies.slots().size());
  for (const auto& slot : strategies.slots()) {
    const auto& stats = slot.runner->stats();
    StrategyView view;
    view.name = slot.runner->name();
    view.file = slot.file;
    view.version = slot.version;
    view.params = slot.runner->param_specs();
    view.state = stats.frozen ? "frozen" : "active";
    view.calls = stats.calls;
    view.faults = stats.faults;
    view.intents = stats.intents;
    view.freeze_reason = stats.freeze_reason;
    if (stats.last_fault) {
      view.last_fault = stats.last_fault->message;
      view.last_fault_where = stats.last_fault->where();
    }
    if (stats.first_fault) {
      view.first_fault = stats.first_fault->message;
      view.first_fault_where = stats.first_fault->where();
      view.first_fault_callback = stats.first_fault_callback;
    }
    const LatencyHistogram& on_book = slot.runner->timings().on_book;
    view.on_book_calls = on_book.count();
    view.on_book_p50_us = static_cast<double>(on_book.percentile(50)) / 1000.0;
    view.on_book_p99_us = static_cast<double>(on_book.percentile(99)) / 1000.0;
    out.push_back(std::move(view));
  }
  return out;
}

PolicyView policy_view(const PolicyStage& policy, const std::vector<RegimeView>& regimes) {
  PolicyView view;
  const scripting::PolicyPipeline* pipeline = policy.pipeline();
  if (pipeline == nullptr) return view;
  const auto& stats = pipeline->stats();
  view.loaded = true;
  view.degraded = stats.degraded;
  view.calls = stats.calls;
  view.faults = stats.faults;
  view.fallbacks = stats.fallbacks;
  view.clamped_sizes = stats.clamped_sizes;
  if (stats.last_fault) {
    view.last_fault = stats.last_fault->message;
    view.last_fault_where = stats.last_fault->where();
  }
  view.regimes = regimes;
  for (const auto& verdict : policy.breaker_verdicts()) {
    view.breakers.push_back({verdict.rule, std::string(scripting::to_string(verdict.action)),
                             std::string(scripting::to_string(verdict.severity)), verdict.reason});
  }
  return view;
}

}  // namespace propbot::engine
