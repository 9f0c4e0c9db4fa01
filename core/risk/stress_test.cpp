#include "core/risk/stress_test.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace propbot::risk {

std::string_view to_string(StressScenario scenario) {
  switch (scenario) {
    case StressScenario::adverse_gap: return "adverse_gap";
    case StressScenario::venue_lost: return "venue_lost";
    case StressScenario::funding_spike: return "funding_spike";
    case StressScenario::mark_index_divergence: return "mark_index_divergence";
  }
  return "unknown";
}

namespace {

// A leg that passed the checks, with its notional worked out once.
struct PricedLeg {
  const StressLeg* leg = nullptr;
  double notional_usdt = 0;
};

double bps_or_off(double bps) { return std::isfinite(bps) && bps > 0 ? bps : 0; }

// One scenario's result: the chosen legs each lose notional × bps / 1e4, summed per
// (symbol, venue) into drivers ordered largest first, ties by (symbol, venue).
template <typename Chosen>
ScenarioResult shock(StressScenario scenario, std::string venue, const std::vector<PricedLeg>& legs,
                     double bps, Chosen chosen) {
  std::map<std::pair<std::string, std::string>, double> by_key;
  for (const PricedLeg& priced : legs) {
    if (!chosen(priced)) continue;
    by_key[{priced.leg->symbol, priced.leg->venue}] += priced.notional_usdt * bps / 1e4;
  }
  ScenarioResult result;
  result.scenario = scenario;
  result.venue = std::move(venue);
  result.drivers.reserve(by_key.size());
  for (auto& [key, loss] : by_key) {
    result.drivers.push_back(StressDriver{key.first, key.second, loss});
    result.loss_usdt += loss;
  }
  // The map already holds (symbol, venue) order; a stable sort keeps it among equals.
  std::stable_sort(result.drivers.begin(), result.drivers.end(),
                   [](const StressDriver& a, const StressDriver& b) { return a.loss_usdt > b.loss_usdt; });
  return result;
}

void block_drivers(StressReport& report) {
  const ScenarioResult& worst = report.scenarios[*report.worst_index];
  std::set<std::string> symbols;
  std::set<std::string> venues;
  double remaining = report.worst_loss_usdt;
  for (const StressDriver& driver : worst.drivers) {
    if (remaining <= report.limit_usdt) break;
    symbols.insert(driver.symbol);
    venues.insert(driver.venue);
    remaining -= driver.loss_usdt;
  }
  report.blocked_symbols.assign(symbols.begin(), symbols.end());
  report.blocked_venues.assign(venues.begin(), venues.end());
}

}  // namespace

StressReport run_stress(const std::vector<StressLeg>& legs, double equity_usdt,
                        const StressShocks& shocks, double limit_usdt) {
  StressReport report;
  report.equity_usdt = equity_usdt;
  report.limit_usdt = std::isfinite(limit_usdt) && limit_usdt > 0 ? limit_usdt : 0;

  std::vector<PricedLeg> priced;
  priced.reserve(legs.size());
  std::set<std::string> venues;
  for (const StressLeg& leg : legs) {
    if (!std::isfinite(leg.mark) || leg.mark <= 0 || !std::isfinite(leg.qty)) {
      ++report.skipped_legs;
      continue;
    }
    priced.push_back(PricedLeg{&leg, std::fabs(leg.qty) * leg.mark});
    venues.insert(leg.venue);
  }
  const auto every_leg = [](const PricedLeg&) { return true; };

  if (const double bps = bps_or_off(shocks.gap_bps); bps > 0) {
    report.scenarios.push_back(shock(StressScenario::adverse_gap, "", priced, bps, every_leg));
  }
  if (const double bps = bps_or_off(shocks.venue_loss_gap_bps); bps > 0) {
    for (const std::string& venue : venues) {
      std::set<std::uint64_t> stranded_positions;
      for (const PricedLeg& p : priced) {
        if (p.leg->venue == venue && p.leg->position_id != 0) stranded_positions.insert(p.leg->position_id);
      }
      report.scenarios.push_back(shock(StressScenario::venue_lost, venue, priced, bps, [&](const PricedLeg& p) {
        return p.leg->venue == venue ||
               (p.leg->position_id != 0 && stranded_positions.count(p.leg->position_id) > 0);
      }));
    }
  }
  if (const double bps = bps_or_off(shocks.funding_spike_bps); bps > 0) {
    report.scenarios.push_back(shock(StressScenario::funding_spike, "", priced, bps, every_leg));
  }
  if (const double bps = bps_or_off(shocks.mark_index_divergence_bps); bps > 0) {
    for (const std::string& venue : venues) {
      report.scenarios.push_back(shock(StressScenario::mark_index_divergence, venue, priced, bps,
                                       [&](const PricedLeg& p) { return p.leg->venue == venue; }));
    }
  }

  for (std::size_t i = 0; i < report.scenarios.size(); ++i) {
    if (!report.worst_index || report.scenarios[i].loss_usdt > report.worst_loss_usdt) {
      report.worst_index = i;
      report.worst_loss_usdt = report.scenarios[i].loss_usdt;
    }
  }
  report.stress_tested_equity_usdt = equity_usdt - report.worst_loss_usdt;
  report.breached = report.limit_usdt > 0 && report.worst_loss_usdt > report.limit_usdt;
  if (report.breached) block_drivers(report);
  return report;
}

nlohmann::json to_json(const StressReport& report) {
  nlohmann::json shocks = nlohmann::json::array();
  for (const ScenarioResult& result : report.scenarios) {
    nlohmann::json drivers = nlohmann::json::array();
    for (const StressDriver& driver : result.drivers) {
      drivers.push_back({{"symbol", driver.symbol}, {"venue", driver.venue}, {"loss", driver.loss_usdt}});
    }
    nlohmann::json entry = {{"scenario", to_string(result.scenario)}};
    if (!result.venue.empty()) entry["venue"] = result.venue;
    entry["loss"] = result.loss_usdt;
    entry["drivers"] = std::move(drivers);
    shocks.push_back(std::move(entry));
  }
  nlohmann::json blocked = nlohmann::json::array();
  for (const std::string& symbol : report.blocked_symbols) blocked.push_back({{"symbol", symbol}});
  for (const std::string& venue : report.blocked_venues) blocked.push_back({{"venue", venue}});

  nlohmann::json worst = nullptr;
  if (report.worst_index) {
    const ScenarioResult& result = report.scenarios[*report.worst_index];
    worst = {{"scenario", to_string(result.scenario)}};
    if (!result.venue.empty()) worst["venue"] = result.venue;
  }
  return {{"equity", report.equity_usdt},
          {"stress_tested_equity", report.stress_tested_equity_usdt},
          {"worst_loss", report.worst_loss_usdt},
          {"limit", report.limit_usdt},
          {"breached", report.breached},
          {"skipped_legs", report.skipped_legs},
          {"worst", std::move(worst)},
          {"shocks", std::move(shocks)},
          {"blocked", std::move(blocked)}};
}

}  // namespace propbot::risk
