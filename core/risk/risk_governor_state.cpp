// RiskGovernor's durable state: what a restart must not forget, as canonical JSON
// (durable_state) and back (restore).
#include "core/risk/figure_text.hpp"
#include "core/risk/governor_text.hpp"
#include "core/risk/risk_governor.hpp"

namespace propbot::risk {
namespace {

std::int64_t ms_of(UtcTime t) { return to_unix_ms(t); }
UtcTime time_of(const nlohmann::json& value) {
  return value.is_number_integer() ? UtcTime{std::chrono::milliseconds(value.get<std::int64_t>())} : UtcTime{};
}
double number_of(const nlohmann::json& value) {
  if (!value.is_string()) return 0;
  try {
    return std::stod(value.get<std::string>());
  } catch (...) {
    return 0;
  }
}
}  // namespace

nlohmann::json RiskGovernor::durable_state() const {
  nlohmann::json strategies = nlohmann::json::object();
  for (const auto& [name, state] : strategies_) {
    if (!state.frozen && !state.degraded && state.waived.kind == BudgetBreach::none) continue;
    strategies[name] = {{"frozen", state.frozen},
                        {"freeze_reason", state.freeze_reason},
                        {"frozen_since_ms", ms_of(state.frozen_since)},
                        {"degraded", state.degraded},
                        {"degrade_reason", state.degrade_reason},
                        {"degraded_since_ms", ms_of(state.degraded_since)},
                        {"waived", std::string(to_string(state.waived.kind))},
                        {"waived_value", figure_text(state.waived.value)}};
  }
  nlohmann::json trips = nlohmann::json::array();
  for (const Trip& trip : trips_) {
    trips.push_back({{"rule", trip.rule},
                     {"action", std::string(to_string(trip.action))},
                     {"symbol", trip.symbol},
                     {"venues", trip.venues},
                     {"reason", trip.reason},
                     {"since_ms", ms_of(trip.since)},
                     {"strategies", std::vector<std::string>(trip.strategies.begin(), trip.strategies.end())},
                     {"had_strategies", trip.had_strategies}});
  }
  nlohmann::json raised = nlohmann::json::object();
  for (Cap cap : kAllCaps) {
    if (const auto& value = raised_[static_cast<std::size_t>(cap)]) {
      raised[std::string(to_string(cap))] = {{"value", figure_text(*value)},
                                             {"over", figure_text(raised_over_[static_cast<std::size_t>(cap)])}};
    }
  }
  nlohmann::json resets = nlohmann::json::object();
  for (const auto& [name, budget] : budgets_) resets[name] = ms_of(budget.last_reset());
  return {{"version", 1}, {"strategies", strategies}, {"trips", trips}, {"raised", raised}, {"budget_resets", resets}};
}

void RiskGovernor::restore(const nlohmann::json& state) {
  if (!state.is_object()) return;
  if (const auto found = state.find("strategies"); found != state.end() && found->is_object()) {
    for (const auto& [name, row] : found->items()) {
      if (!row.is_object() || name.empty() || name.size() > 64) continue;
      StrategyRisk& risk = state_of(name);
      risk.frozen = row.value("frozen", false);
      risk.freeze_reason = row.value("freeze_reason", "");
      risk.frozen_since = time_of(row.value("frozen_since_ms", nlohmann::json()));
      risk.degraded = row.value("degraded", false);
      risk.degrade_reason = row.value("degrade_reason", "");
      risk.degraded_since = time_of(row.value("degraded_since_ms", nlohmann::json()));
      for (BudgetBreach kind : {BudgetBreach::notional, BudgetBreach::open_positions, BudgetBreach::daily_loss,
                                BudgetBreach::drawdown, BudgetBreach::consecutive_failures}) {
        if (row.value("waived", "") == to_string(kind)) risk.waived = {kind, number_of(row.value("waived_value", nlohmann::json())), 0};
      }
    }
  }
  if (const auto found = state.find("trips"); found != state.end() && found->is_array()) {
    for (const auto& row : *found) {
      if (!row.is_object() || trips_.size() >= kMaxTrips) continue;
      auto action = find_by_name(row.value("action", std::string()), kAllTripActions);
      if (!action || row.value("rule", "").empty()) continue;
      Trip trip{row.value("rule", ""), *action, row.value("symbol", ""), row.value("venues", ""),
                row.value("reason", ""), time_of(row.value("since_ms", nlohmann::json())), {}};
      for (const auto& strategy : row.value("strategies", std::vector<std::string>{})) trip.strategies.insert(strategy);
      trip.had_strategies = row.value("had_strategies", !trip.strategies.empty());
      trips_.push_back(std::move(trip));
    }
  }
  if (const auto found = state.find("raised"); found != state.end() && found->is_object()) {
    for (const auto& [name, value] : found->items()) {
      auto cap = parse_cap(name);
      if (!cap) continue;
      if (!value.is_object()) continue;
      const double raised = number_of(value.value("value", nlohmann::json()));
      const double over = number_of(value.value("over", nlohmann::json()));
      const double configured = limits_.cap(*cap);
      // Only over the same configured cap: a config that changed it since replaces the raise.
      if (raised <= 0 || configured <= 0 || raised <= configured || figure_text(over) != figure_text(configured)) continue;
      raised_[static_cast<std::size_t>(*cap)] = raised;
      raised_over_[static_cast<std::size_t>(*cap)] = configured;
      limits_.caps[static_cast<std::size_t>(*cap)] = raised;
    }
  }
  if (const auto found = state.find("budget_resets"); found != state.end() && found->is_object()) {
    for (const auto& [name, value] : found->items()) {
      auto budget = budgets_.find(name);
      const UtcTime at = time_of(value);
      if (budget == budgets_.end() || at <= budget->second.last_reset()) continue;
      budget->second.reset(at);
    }
  }
}

}  // namespace propbot::risk
