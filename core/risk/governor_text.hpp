// How the risk governor's units (risk_governor*.cpp) write figures into JSON and text:
// rounding for the API, null for an unknown figure, a budget breach as a reason. Private
// to core/risk.
//
// Threads: pure functions; any thread.
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "core/risk/figure_text.hpp"
#include "core/risk/strategy_budget.hpp"

namespace propbot::risk {

inline double round_to(double value, double step) { return std::round(value / step) * step; }

inline nlohmann::json number_or_null(bool known, double value) {
  return known ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// A budget breach as a refusal / freeze reason: "daily_loss_budget: 120 > 100".
inline std::string breach_text(const StrategyBudget::Breach& breach) {
  return std::string(to_string(breach.kind)) + ": " + figure_text(breach.value) + " > " + figure_text(breach.limit);
}

}  // namespace propbot::risk
