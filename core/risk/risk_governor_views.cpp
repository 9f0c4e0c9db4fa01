// RiskGovernor's views: the JSON the API prints (risk_snapshot, strategy_status,
// strategy_budget, capital) and the autopilot's blockers, read from the governor's
// state as the last evaluation left it.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/risk/figure_text.hpp"
#include "core/risk/governor_text.hpp"
#include "core/risk/risk_governor.hpp"

namespace propbot::risk {

nlohmann::json RiskGovernor::risk_snapshot(const nlohmann::json& clock_skew_ms) const {
  nlohmann::json caps = nlohmann::json::array();
  for (Cap cap : kAllCaps) {
    const auto index = static_cast<std::size_t>(cap);
    const double limit = limits_.cap(cap);
    const double used = std::isfinite(used_[index]) ? round_to(used_[index], 0.0001) : 1e300;
    caps.push_back({{"name", std::string(to_string(cap))},
                    {"limit", limit},
                    {"used", used},
                    {"headroom", number_or_null(limit > 0, std::max(0.0, limit - used))},
                    {"breached", limit > 0 && used_[index] > limit},
                    {"raised", raised_[index].has_value()}});
  }
  nlohmann::json skips = nlohmann::json::object();
  nlohmann::json by_strategy = nlohmann::json::object();
  for (const auto& [key, count] : skips_) {
    const std::string reason(to_string(key.first));
    skips[reason] = skips.value(reason, std::uint64_t{0}) + count;
    by_strategy[key.second][reason] = count;
  }
  nlohmann::json stress = to_json(stress_);
  stress["hard_block_autopilot"] = config_.stress_hard_block_autopilot;
  nlohmann::json breakers = nlohmann::json::array();
  for (const Trip& trip : trips_) {
    breakers.push_back({{"rule", trip.rule},
                        {"state", "tripped"},
                        {"action", std::string(to_string(trip.action))},
                        {"since", format_iso8601_ms(trip.since)},
                        {"reason", trip.reason},
                        {"symbol", trip.symbol},
                        {"venues", trip.venues},
                        {"strategies", std::vector<std::string>(trip.strategies.begin(), trip.strategies.end())}});
  }
  nlohmann::json venues = nlohmann::json::object();
  for (const auto& [venue, block] : venue_blocks_) {
    venues[venue] = {{"reason", std::string(to_string(block.reason))}, {"detail", block.detail}};
  }
  return {{"caps", caps},
          {"skips", skips},
          {"skips_by_strategy", by_strategy},
          {"stress", stress},
          {"breakers", breakers},
          {"clock_skew_ms", clock_skew_ms},
          {"venue_blocks", venues},
          {"pnl", {{"realized_today_usdt", round_to(realized_today_, 0.0001)},
                   {"realized_month_usdt", round_to(realized_month_, 0.0001)},
                   {"unrealized_usdt", round_to(unrealized_, 0.0001)}}}};
}

nlohmann::json RiskGovernor::strategy_status(const std::vector<StrategyFacts>& facts) const {
  nlohmann::json rows = nlohmann::json::array();
  for (const StrategyFacts& fact : facts) {
    StrategyState state = StrategyState::running;
    std::string reason;
    auto risk = strategies_.find(fact.name);
    if (!fact.enabled) {
      state = StrategyState::stopped;
      reason = "disabled in the configuration";
    } else if (fact.script_frozen) {
      state = StrategyState::frozen;
      reason = "script: " + fact.script_freeze_reason;
    } else if (risk != strategies_.end() && risk->second.frozen) {
      state = StrategyState::frozen;
      reason = risk->second.freeze_reason;
    } else if (risk != strategies_.end() && risk->second.degraded) {
      state = StrategyState::degraded;
      reason = risk->second.degrade_reason;
    }
    nlohmann::json row = {{"name", fact.name}, {"state", std::string(to_string(state))}, {"reason", reason}};
    if (risk != strategies_.end() && risk->second.frozen) row["frozen_since"] = format_iso8601_ms(risk->second.frozen_since);
    if (risk != strategies_.end() && risk->second.degraded) {
      row["degraded_since"] = format_iso8601_ms(risk->second.degraded_since);
    }
    if (auto budget = budgets_.find(fact.name); budget != budgets_.end()) {
      row["budget"] = budget->second.budget_json();
      row["pnl"] = budget->second.pnl_json();
    } else {
      row["budget"] = nullptr;
      row["pnl"] = nullptr;
    }
    rows.push_back(std::move(row));
  }
  return {{"strategies", rows}};
}

nlohmann::json RiskGovernor::strategy_budget() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [name, budget] : budgets_) {
    nlohmann::json row = budget.budget_json();
    row["strategy"] = name;
    row["breach"] = std::string(to_string(budget.breach().kind));
    rows.push_back(std::move(row));
  }
  return {{"budgets", rows}};
}

nlohmann::json RiskGovernor::capital() const {
  double equity = 0;
  nlohmann::json venues = nlohmann::json::array();
  std::set<std::string, std::less<>> names;
  for (const auto& [venue, wallet] : exposure_.venue_equity) names.insert(venue);
  for (const auto& [venue, notional] : exposure_.by_venue) names.insert(venue);
  for (const auto& venue : names) {
    auto wallet = exposure_.venue_equity.find(venue);
    auto exposure = exposure_.by_venue.find(venue);
    const double notional = exposure == exposure_.by_venue.end() ? 0 : exposure->second;
    nlohmann::json row = {{"venue", venue}, {"exposure_usdt", round_to(notional, 0.0001)}};
    if (wallet != exposure_.venue_equity.end()) {
      equity += wallet->second;
      row["wallet_usdt"] = round_to(wallet->second, 0.0001);
      row["leverage"] = number_or_null(wallet->second > 0, round_to(notional / wallet->second, 0.0001));
    } else {
      row["wallet_usdt"] = nullptr;
      row["leverage"] = nullptr;
    }
    venues.push_back(std::move(row));
  }
  const double limit = limits_.cap(Cap::max_total_notional);
  return {{"equity_usdt", round_to(equity + unrealized_, 0.0001)},
          {"wallet_usdt", round_to(equity, 0.0001)},
          {"unrealized_usdt", round_to(unrealized_, 0.0001)},
          {"total_notional_usdt", round_to(exposure_.total_notional_usdt, 0.0001)},
          {"max_total_notional_usdt", limit},
          {"headroom_usdt", number_or_null(limit > 0, std::max(0.0, limit - exposure_.total_notional_usdt))},
          {"open_positions", exposure_.open_positions},
          {"stress_tested_equity_usdt", round_to(stress_.stress_tested_equity_usdt, 0.0001)},
          {"venues", venues}};
}

std::vector<std::string> RiskGovernor::autopilot_blockers() const {
  std::vector<std::string> out;
  for (Cap cap : kAllCaps) {
    if (latched_[static_cast<std::size_t>(cap)]) {
      out.push_back("blocked_by_risk: " + std::string(to_string(cap)) + " breached (" +
                    figure_text(round_to(used_[static_cast<std::size_t>(cap)], 0.01)) + " > " + figure_text(limits_.cap(cap)) +
                    ")");
    }
  }
  for (const auto& [name, state] : strategies_) {
    if (state.frozen) out.push_back("blocked_by_risk: strategy " + name + " frozen (" + state.freeze_reason + ")");
  }
  for (const auto& [name, budget] : budgets_) {
    const auto breach = budget.breach();
    if (breach.kind != BudgetBreach::none && !frozen(name)) {
      out.push_back("blocked_by_risk: strategy " + name + " out of budget (" + breach_text(breach) + ")");
    }
  }
  for (const Trip& trip : trips_) out.push_back("blocked_by_circuit_breaker: " + trip.rule + " tripped");
  if (stress_.breached && config_.stress_hard_block_autopilot) {
    out.push_back("blocked_by_stress: stress loss " + figure_text(round_to(stress_.worst_loss_usdt, 0.01)) + " > " +
                  figure_text(stress_.limit_usdt));
  }
  return out;
}

}  // namespace propbot::risk
