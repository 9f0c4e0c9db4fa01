#include "core/risk/risk_governor.hpp"

#include "core/risk/figure_text.hpp"
#include "core/risk/governor_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace propbot::risk {
namespace {

std::int64_t utc_day(UtcTime t) {
  return std::chrono::floor<std::chrono::days>(t.time_since_epoch()).count();
}

int utc_month(UtcTime t) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(t)};
  return static_cast<int>(date.year()) * 12 + static_cast<int>(static_cast<unsigned>(date.month()));
}

std::string_view unit_of(Cap cap) {
  switch (cap) {
    case Cap::max_open_positions: return "positions";
    case Cap::max_leverage: return "x";
    default: return "USDT";
  }
}

StrategyBudgetLimits budget_limits(const config::StrategyConfig& strategy) {
  StrategyBudgetLimits limits;
  limits.max_notional_usdt = strategy.budget.max_notional_usdt;
  limits.max_open_positions = strategy.budget.max_open_positions;
  limits.daily_loss_usdt = strategy.budget.daily_loss_usdt;
  limits.max_drawdown_usdt = strategy.budget.max_drawdown_usdt;
  limits.max_consecutive_failures = strategy.budget.max_consecutive_failures;
  return limits;
}

// Does a route "A/B" (or a single venue "A") name `venue`? Whole ids only: "BINANCE" is
// not on "BINANCE2/OKX".
bool names_venue(std::string_view route, std::string_view venue) {
  if (venue.empty()) return false;
  while (!route.empty()) {
    const auto slash = route.find('/');
    if (route.substr(0, slash) == venue) return true;
    if (slash == std::string_view::npos) break;
    route.remove_prefix(slash + 1);
  }
  return false;
}

}  // namespace

std::string_view to_string(TripAction action) {
  switch (action) {
    case TripAction::degrade: return "degrade";
    case TripAction::pause_strategy: return "pause_strategy";
    case TripAction::pause_symbol: return "pause_symbol";
    case TripAction::safe_mode: return "safe_mode";
    case TripAction::hold: return "hold";
  }
  return "degrade";
}

std::string_view to_string(StrategyState state) {
  switch (state) {
    case StrategyState::running: return "running";
    case StrategyState::degraded: return "degraded";
    case StrategyState::frozen: return "frozen";
    case StrategyState::stopped: return "stopped";
  }
  return "stopped";
}

RiskGovernor::RiskGovernor(UtcTime now) : desk_day_(utc_day(now)), desk_month_(utc_month(now)) {}

void RiskGovernor::configure(const config::RiskConfig& risk, const std::vector<config::StrategyConfig>& strategies,
                             UtcTime now) {
  config_ = risk;
  auto set = [&](Cap cap, double value) { limits_.caps[static_cast<std::size_t>(cap)] = value; };
  set(Cap::max_total_notional, risk.max_total_notional_usdt);
  set(Cap::max_open_positions, risk.max_open_positions);
  set(Cap::max_notional_per_position, risk.max_notional_per_position_usdt);
  set(Cap::max_exposure_per_symbol, risk.max_exposure_per_symbol_usdt);
  set(Cap::max_exposure_per_venue, risk.max_exposure_per_venue_usdt);
  set(Cap::max_leverage, risk.max_leverage_per_venue);
  set(Cap::daily_loss_cap, risk.daily_loss_cap_usdt);
  set(Cap::monthly_loss_cap, risk.monthly_loss_cap_usdt);
  set(Cap::max_unrealized_loss, risk.max_unrealized_loss_usdt);
  // A raise survives a reload only while the configured cap it was made over stands:
  // a config apply that changes that cap (tighter or looser) replaces the raise.
  for (Cap cap : kAllCaps) {
    auto& raised = raised_[static_cast<std::size_t>(cap)];
    const double configured = limits_.cap(cap);
    if (raised && configured > 0 && configured == raised_over_[static_cast<std::size_t>(cap)] &&
        *raised > configured) {
      set(cap, *raised);
    } else {
      raised.reset();
    }
  }
  limits_.min_order_notional_usdt = risk.min_order_notional_usdt;
  limits_.max_order_notional_usdt = risk.max_order_notional_usdt;
  limits_.price_band_bps = risk.price_band_bps;
  limits_.min_net_edge_bps = risk.min_net_edge_bps;
  limits_.liquidity_depth_multiple = risk.liquidity_depth_multiple;
  // A strategy gone from the configuration takes its budget along (bound: the configured ones).
  std::erase_if(budgets_, [&](const auto& item) {
    return std::none_of(strategies.begin(), strategies.end(),
                        [&](const config::StrategyConfig& strategy) { return strategy.name == item.first; });
  });
  for (const auto& strategy : strategies) {
    auto found = budgets_.find(strategy.name);
    if (found == budgets_.end()) {
      // The day began at 00:00 UTC, not when the daemon started: fills replayed from the
      // journal earlier today count in today's figure.
      const UtcTime midnight{std::chrono::floor<std::chrono::days>(now.time_since_epoch())};
      budgets_.emplace(strategy.name, StrategyBudget(strategy.name, budget_limits(strategy), midnight));
    } else {
      found->second.set_limits(budget_limits(strategy));
    }
    state_of(strategy.name).pause_in_safe_mode = strategy.safe_mode == "pause";
  }
}

RiskGovernor::StrategyRisk& RiskGovernor::state_of(std::string_view strategy) {
  auto found = strategies_.find(strategy);
  if (found != strategies_.end()) return found->second;
  if (strategies_.size() >= kMaxTrackedStrategies) {
    overflow_ = StrategyRisk{};  // past the bound: a scratch state, never kept
    return overflow_;
  }
  return strategies_.emplace(std::string(strategy), StrategyRisk{}).first->second;
}

StrategyBudget* RiskGovernor::budget_of(std::string_view strategy) {
  auto found = budgets_.find(strategy);
  return found == budgets_.end() ? nullptr : &found->second;
}

int RiskGovernor::consecutive_failures() const {
  int longest = 0;
  for (const auto& [name, budget] : budgets_) longest = std::max(longest, budget.consecutive_failures());
  return longest;
}

bool RiskGovernor::frozen(std::string_view strategy) const {
  auto found = strategies_.find(strategy);
  return found != strategies_.end() && found->second.frozen;
}

bool RiskGovernor::degraded(std::string_view strategy) const {
  auto found = strategies_.find(strategy);
  return found != strategies_.end() && found->second.degraded;
}

std::uint64_t RiskGovernor::skips(RiskReason reason, std::string_view strategy) const {
  auto found = skips_.find({reason, std::string(strategy)});
  return found == skips_.end() ? 0 : found->second;
}

void RiskGovernor::roll_desk_day(UtcTime now) {
  if (const auto day = utc_day(now); day > desk_day_) {
    desk_day_ = day;
    realized_today_ = 0;
    peak_today_ = 0;
    drawdown_today_ = 0;
  }
  if (const int month = utc_month(now); month > desk_month_) {
    desk_month_ = month;
    realized_month_ = 0;
  }
}

void RiskGovernor::on_realized(std::string_view strategy, double pnl_usdt, UtcTime ts) {
  if (!std::isfinite(pnl_usdt)) return;
  roll_desk_day(ts);
  if (utc_day(ts) == desk_day_) realized_today_ += pnl_usdt;
  if (utc_month(ts) == desk_month_) realized_month_ += pnl_usdt;
  if (StrategyBudget* budget = budget_of(strategy)) budget->on_realized(pnl_usdt, ts);
}

void RiskGovernor::on_trade_result(std::string_view strategy, bool failed) {
  if (StrategyBudget* budget = budget_of(strategy)) budget->on_trade_result(failed);
}

void RiskGovernor::set_venue_block(std::string_view venue, std::optional<RiskRefusal> block) {
  if (block) {
    venue_blocks_.insert_or_assign(std::string(venue), std::move(*block));
  } else if (auto found = venue_blocks_.find(venue); found != venue_blocks_.end()) {
    venue_blocks_.erase(found);
  }
}

std::vector<RiskEvent> RiskGovernor::evaluate(const PortfolioInput& portfolio, UtcTime now) {
  std::vector<RiskEvent> events;
  roll_desk_day(now);

  // Exposure from the open legs; what was admitted since the last evaluation is now in them.
  exposure_.total_notional_usdt = 0;
  exposure_.open_positions = 0;
  for (auto& [key, value] : exposure_.by_symbol) value = 0;
  for (auto& [key, value] : exposure_.by_venue) value = 0;
  exposure_.venue_equity = portfolio.venue_equity;
  exposure_.venue_available = portfolio.venue_available;
  strategy_pending_.clear();
  for (auto& [name, open] : strategy_open_) open = {0, 0};
  unrealized_ = 0;
  std::map<std::uint64_t, double> position_notional;
  std::map<std::string, double, std::less<>> strategy_unrealized;
  std::vector<StressLeg> stress_legs;
  stress_legs.reserve(portfolio.legs.size());
  for (const OpenLeg& leg : portfolio.legs) {
    const double notional = std::fabs(leg.qty) * leg.mark;
    if (!std::isfinite(notional)) continue;
    exposure_.total_notional_usdt += notional;
    exposure_.by_symbol[leg.symbol] += notional;
    exposure_.by_venue[leg.venue] += notional;
    double& largest = position_notional[leg.position_id];
    if (notional > largest) largest = notional;
    if (std::isfinite(leg.unrealized_usdt)) {
      unrealized_ += leg.unrealized_usdt;
      strategy_unrealized[leg.strategy] += leg.unrealized_usdt;
    }
    auto& open = strategy_open_[leg.strategy];
    open.first += notional;
    stress_legs.push_back({leg.position_id, leg.strategy, leg.symbol, leg.venue, leg.qty, leg.mark});
  }
  exposure_.open_positions = static_cast<int>(position_notional.size());
  // Bound: what is open now (entries of symbols, venues and strategies left flat go).
  std::erase_if(exposure_.by_symbol, [](const auto& item) { return item.second == 0; });
  std::erase_if(exposure_.by_venue, [](const auto& item) { return item.second == 0; });
  std::erase_if(strategy_open_, [](const auto& item) { return item.second.first == 0; });
  {
    std::set<std::pair<std::string, std::uint64_t>> counted;
    for (const OpenLeg& leg : portfolio.legs) {
      if (counted.insert({leg.strategy, leg.position_id}).second) ++strategy_open_[leg.strategy].second;
    }
  }

  // The caps on what is open, at mark prices.
  auto used = [&](Cap cap) -> double& { return used_[static_cast<std::size_t>(cap)]; };
  used(Cap::max_total_notional) = exposure_.total_notional_usdt;
  used(Cap::max_open_positions) = exposure_.open_positions;
  double largest_position = 0;
  for (const auto& [id, notional] : position_notional) largest_position = std::max(largest_position, notional);
  used(Cap::max_notional_per_position) = largest_position;
  double worst_symbol = 0, worst_venue = 0, worst_leverage = 0;
  std::string worst_symbol_name, worst_venue_name, worst_leverage_venue;
  for (const auto& [symbol, notional] : exposure_.by_symbol) {
    if (notional > worst_symbol) worst_symbol = notional, worst_symbol_name = symbol;
  }
  for (const auto& [venue, notional] : exposure_.by_venue) {
    if (notional > worst_venue) worst_venue = notional, worst_venue_name = venue;
    auto equity = exposure_.venue_equity.find(venue);
    if (equity == exposure_.venue_equity.end() || notional <= 0) continue;
    const double leverage = equity->second > 0 ? notional / equity->second : std::numeric_limits<double>::infinity();
    if (leverage > worst_leverage) worst_leverage = leverage, worst_leverage_venue = venue;
  }
  used(Cap::max_exposure_per_symbol) = worst_symbol;
  used(Cap::max_exposure_per_venue) = worst_venue;
  used(Cap::max_leverage) = worst_leverage;
  const double pnl_today = realized_today_ + unrealized_;
  peak_today_ = std::max(peak_today_, pnl_today);
  drawdown_today_ = peak_today_ - pnl_today;
  used(Cap::daily_loss_cap) = std::max(0.0, -pnl_today);
  used(Cap::monthly_loss_cap) = std::max(0.0, -(realized_month_ + unrealized_));
  used(Cap::max_unrealized_loss) = std::max(0.0, -unrealized_);
  for (Cap cap : kAllCaps) {
    const auto index = static_cast<std::size_t>(cap);
    const double limit = limits_.cap(cap);
    const bool over = limit > 0 && used_[index] > limit;
    if (over && !latched_[index]) {
      std::string where;
      if (cap == Cap::max_exposure_per_symbol) where = " on " + worst_symbol_name;
      if (cap == Cap::max_exposure_per_venue) where = " on " + worst_venue_name;
      if (cap == Cap::max_leverage) where = " on " + worst_leverage_venue;
      RiskEvent event;
      event.code = cap == Cap::daily_loss_cap ? IncidentCode::daily_loss_cap_breached : IncidentCode::risk_cap_breached;
      event.component = "risk_governor";
      event.summary = "risk cap " + std::string(to_string(cap)) + " breached" + where + ": " +
                      figure_text(round_to(used_[index], 0.01)) + " > " + figure_text(limit) + " " +
                      std::string(unit_of(cap)) + " (" + std::string(config_key(cap)) + ")";
      events.push_back(std::move(event));
    }
    latched_[index] = over;
  }

  // Budgets: figures, the midnight reset, and a freeze on a breach.
  for (auto& [name, budget] : budgets_) {
    budget.roll(now);
    const auto open = strategy_open_.find(name);
    const auto unrealized = strategy_unrealized.find(name);
    budget.on_open(unrealized == strategy_unrealized.end() ? 0 : unrealized->second,
                   open == strategy_open_.end() ? 0 : open->second.first,
                   open == strategy_open_.end() ? 0 : open->second.second, now);
    const StrategyBudget::Breach breach = budget.breach();
    StrategyRisk& state = state_of(name);
    if (breach.kind == BudgetBreach::none) {
      if (state.waived.kind != BudgetBreach::none) {
        state.waived = {};
        ++durable_version_;
      }
      continue;
    }
    if (state.frozen) continue;
    if (state.waived.kind == breach.kind && breach.value <= state.waived.value) continue;
    state.frozen = true;
    ++durable_version_;
    state.frozen_since = now;
    state.freeze_reason = "budget " + breach_text(breach);
    RiskEvent event;
    event.code = IncidentCode::strategy_degraded;
    event.component = "strategy:" + name;
    event.summary = "strategy '" + name + "' frozen by its budget: " + breach_text(breach) +
                    " USDT; closing only until two operators unfreeze it (unfreeze_strategy)";
    events.push_back(std::move(event));
  }

  // Stress test over the same legs.
  double equity = 0;
  for (const auto& [venue, wallet] : exposure_.venue_equity) equity += wallet;
  equity += unrealized_;
  StressShocks shocks;
  shocks.gap_bps = config_.stress_gap_bps;
  shocks.venue_loss_gap_bps = config_.stress_venue_loss_gap_bps;
  shocks.funding_spike_bps = config_.stress_funding_spike_bps;
  shocks.mark_index_divergence_bps = config_.stress_mark_index_divergence_bps;
  stress_ = run_stress(stress_legs, equity, shocks, config_.stress_limit_usdt);
  stress_symbols_.clear();
  stress_venues_.clear();
  if (stress_.breached) {
    stress_symbols_.insert(stress_.blocked_symbols.begin(), stress_.blocked_symbols.end());
    stress_venues_.insert(stress_.blocked_venues.begin(), stress_.blocked_venues.end());
    if (!stress_latched_) {
      std::string blocked;
      for (const auto& symbol : stress_.blocked_symbols) blocked += (blocked.empty() ? "" : ", ") + symbol;
      for (const auto& venue : stress_.blocked_venues) blocked += (blocked.empty() ? "" : ", ") + venue;
      RiskEvent event;
      event.code = IncidentCode::stress_limit_warning;
      event.component = "risk_governor";
      event.summary = "stress loss " + figure_text(round_to(stress_.worst_loss_usdt, 0.01)) + " > stress_limit " +
                      figure_text(stress_.limit_usdt) + " USDT (stress-tested equity " +
                      figure_text(round_to(stress_.stress_tested_equity_usdt, 0.01)) + "); new entries blocked on " +
                      blocked + (config_.stress_hard_block_autopilot ? "; autopilot hard-blocked" : "");
      events.push_back(std::move(event));
    }
  }
  stress_latched_ = stress_.breached;
  return events;
}

std::vector<RiskEvent> RiskGovernor::on_breakers(const std::vector<TripInput>& firing, UtcTime now) {
  std::vector<RiskEvent> events;
  for (const TripInput& input : firing) {
    if (input.severity == Severity::P2) continue;  // recorded only (the engine logs it)
    auto same = [&](const Trip& trip) {
      return trip.rule == input.rule && trip.symbol == input.symbol && trip.venues == input.venues;
    };
    if (std::any_of(trips_.begin(), trips_.end(), same)) continue;  // latched already
    Trip trip{input.rule, input.action, input.symbol, input.venues, input.reason, now, {}};
    const bool degrades = input.action == TripAction::degrade || input.action == TripAction::pause_strategy;
    if (degrades) {
      trip.had_strategies = !input.strategies.empty();
      for (const auto& strategy : input.strategies) {
        StrategyRisk& state = state_of(strategy);
        trip.strategies.insert(strategy);
        if (state.degraded) continue;
        state.degraded = true;
        state.degraded_since = now;
        state.degrade_reason = "circuit breaker " + input.rule + ": " + input.reason;
      }
    }
    std::string scope = input.symbol.empty() ? "desk" : input.symbol + (input.venues.empty() ? "" : " " + input.venues);
    std::string names;
    for (const auto& strategy : trip.strategies) names += (names.empty() ? "" : ", ") + strategy;
    RiskEvent event;
    event.code = IncidentCode::circuit_breaker_triggered;
    event.component = "risk_governor";
    event.summary = "circuit breaker " + input.rule + " (" + std::string(to_string(input.action)) + ", " + scope +
                    "): " + input.reason;
    if (degrades) event.summary += names.empty() ? "; no strategy active there" : "; degraded: " + names;
    if (!input.symbol.empty()) event.summary += "; new entries on " + scope + " blocked";
    if (input.action == TripAction::hold || input.severity == Severity::P0) event.severity = Severity::P0;
    event.safe_mode_on = input.action == TripAction::safe_mode;
    ++durable_version_;  // strategies degraded, and the trip latched below
    if (trips_.size() >= kMaxTrips) {
      // Not latched, so it would be reported again every tick: say once that the table is
      // full and HOLD (an operator must look at hundreds of standing trips).
      if (trips_full_reported_) continue;
      trips_full_reported_ = true;
      event.severity = Severity::P0;
      event.summary = "circuit-breaker trip table full (" + std::to_string(kMaxTrips) +
                      " standing trips); further trips are not latched: " + event.summary;
      events.push_back(std::move(event));
      continue;
    }
    events.push_back(std::move(event));
    trips_.push_back(std::move(trip));
  }
  return events;
}

double RiskGovernor::size_factor(std::string_view strategy, bool safe_mode) const {
  (void)strategy;
  return safe_mode ? config_.safe_mode_size_factor : 1.0;
}

std::optional<RiskRefusal> RiskGovernor::strategy_guard(const TradeCheck& trade, bool safe_mode) const {
  if (auto found = strategies_.find(trade.strategy); found != strategies_.end()) {
    const StrategyRisk& state = found->second;
    if (state.frozen) {
      return RiskRefusal{RiskReason::strategy_frozen, "strategy_frozen: " + state.freeze_reason};
    }
    if (state.degraded) return RiskRefusal{RiskReason::circuit_breaker, "circuit_breaker: " + state.degrade_reason};
    if (safe_mode && state.pause_in_safe_mode) {
      return RiskRefusal{RiskReason::safe_mode, "safe_mode: strategy pauses in safe mode (strategies[].safe_mode)"};
    }
  }
  // A tripped route (any action) takes no new entry from anyone while it stands.
  for (const Trip& trip : trips_) {
    if (trip.symbol.empty() || trip.symbol != trade.symbol) continue;
    bool on_route = trip.venues.empty();
    for (int i = 0; !on_route && i < trade.leg_count && i < 2; ++i) {
      on_route = names_venue(trip.venues, trade.legs[i].venue);
    }
    if (on_route) {
      return RiskRefusal{RiskReason::circuit_breaker,
                         "circuit_breaker: " + trip.rule + " paused " + trip.symbol + " " + trip.venues};
    }
  }
  // S-1.2: in safe mode, post-only entries only. A hedged pair's leg A is a taker
  // (IOC), so a pair does not enter while safe mode is on; its closes still go.
  if (safe_mode && !trade.post_only) {
    return RiskRefusal{RiskReason::safe_mode, trade.hedged
                                                  ? "safe_mode: a hedged pair enters as a taker; only post-only "
                                                    "entries while safe mode is on"
                                                  : "safe_mode: only post-only entries while safe mode is on"};
  }
  return std::nullopt;
}

std::optional<RiskRefusal> RiskGovernor::check(const TradeCheck& trade, bool safe_mode) {
  if (trade.reduce_only) return std::nullopt;
  GuardState guards;
  guards.strategy = strategy_guard(trade, safe_mode);
  if (!venue_blocks_.empty()) {
    guards.venue = [this](std::string_view venue) -> std::optional<RiskRefusal> {
      auto found = venue_blocks_.find(venue);
      if (found == venue_blocks_.end()) return std::nullopt;
      return found->second;
    };
  }
  if (!stress_symbols_.empty() || !stress_venues_.empty()) {
    guards.stress = [this](std::string_view symbol, std::string_view venue) -> std::optional<RiskRefusal> {
      if (stress_symbols_.count(symbol) == 0 && stress_venues_.count(venue) == 0) return std::nullopt;
      return RiskRefusal{RiskReason::stress_limit, "stress_limit: " + std::string(symbol) + " on " +
                                                       std::string(venue) + " drives the stress loss " +
                                                       figure_text(round_to(stress_.worst_loss_usdt, 0.01)) + " > " +
                                                       figure_text(stress_.limit_usdt) + " USDT"};
    };
  }
  guards.breached = latched_;
  guards.used = used_;
  if (auto found = budgets_.find(trade.strategy); found != budgets_.end()) {
    const StrategyBudget& budget = found->second;
    double notional = 0;
    for (int i = 0; i < trade.leg_count && i < 2; ++i) notional += trade.legs[i].notional_usdt;
    // Entries admitted since the last evaluation count too.
    auto pending = strategy_pending_.find(trade.strategy);
    const auto [pending_notional, pending_positions] =
        pending == strategy_pending_.end() ? std::pair<double, int>{0, 0} : pending->second;
    StrategyBudget::Breach admits = budget.admits(notional + pending_notional);
    const int positions_after = budget.open_positions() + pending_positions + 1;
    if (admits.kind == BudgetBreach::none && budget.limits().max_open_positions > 0 &&
        positions_after > budget.limits().max_open_positions) {
      admits = {BudgetBreach::open_positions, static_cast<double>(positions_after),
                static_cast<double>(budget.limits().max_open_positions)};
    }
    if (admits.kind != BudgetBreach::none) {
      guards.budget = RiskRefusal{RiskReason::strategy_budget, "strategy_budget: " + breach_text(admits)};
    }
  }
  auto refused = check_pre_trade(trade, limits_, exposure_, guards);
  if (refused) count_skip(refused->reason, trade.strategy);
  return refused;
}

void RiskGovernor::count_skip(RiskReason reason, std::string_view strategy) {
  ++skips_total_;
  auto key = std::make_pair(reason, std::string(strategy));
  auto found = skips_.find(key);
  if (found != skips_.end()) {
    ++found->second;
  } else if (skips_.size() < kAllRiskReasons.size() * kMaxTrackedStrategies) {
    skips_.emplace(std::move(key), 1);
  }
}

void RiskGovernor::admitted(const TradeCheck& trade) {
  if (trade.reduce_only) return;
  double notional = 0;
  for (int i = 0; i < trade.leg_count && i < 2; ++i) {
    const LegCheck& leg = trade.legs[i];
    notional += leg.notional_usdt;
    if (auto found = exposure_.by_venue.find(leg.venue); found != exposure_.by_venue.end()) {
      found->second += leg.notional_usdt;
    } else {
      exposure_.by_venue.emplace(std::string(leg.venue), leg.notional_usdt);
    }
  }
  exposure_.total_notional_usdt += notional;
  exposure_.open_positions += 1;
  if (auto found = exposure_.by_symbol.find(trade.symbol); found != exposure_.by_symbol.end()) {
    found->second += notional;
  } else {
    exposure_.by_symbol.emplace(std::string(trade.symbol), notional);
  }
  if (auto found = strategy_pending_.find(trade.strategy); found != strategy_pending_.end()) {
    found->second.first += notional;
    found->second.second += 1;
  } else if (strategy_pending_.size() < kMaxTrackedStrategies) {
    strategy_pending_.emplace(std::string(trade.strategy), std::pair<double, int>{notional, 1});
  }
}

Result<std::vector<std::string>> RiskGovernor::reset_budget(std::string_view strategy, UtcTime now) {
  std::vector<std::string> reset;
  for (auto& [name, budget] : budgets_) {
    if (strategy != "all" && name != strategy) continue;
    budget.reset(now);
    ++durable_version_;
    reset.push_back(name);
  }
  if (reset.empty()) {
    return make_error(Errc::not_found, "strategy '" + std::string(strategy) +
                                           "' has no budget; name a configured strategy or \"all\"");
  }
  return reset;
}

Result<nlohmann::json> RiskGovernor::unfreeze(std::string_view strategy, UtcTime now) {
  (void)now;
  const bool all = strategy == "all";
  if (!all && strategies_.find(strategy) == strategies_.end() && budgets_.find(strategy) == budgets_.end()) {
    return make_error(Errc::not_found, "strategy '" + std::string(strategy) + "' is unknown to the risk governor");
  }
  nlohmann::json cleared = nlohmann::json::array();
  for (auto& [name, state] : strategies_) {
    if (!all && name != strategy) continue;
    if (!state.frozen && !state.degraded) continue;
    cleared.push_back({{"strategy", name},
                       {"was_frozen", state.frozen},
                       {"freeze_reason", state.freeze_reason},
                       {"was_degraded", state.degraded},
                       {"degrade_reason", state.degrade_reason}});
    if (state.frozen) {
      if (auto budget = budgets_.find(name); budget != budgets_.end()) state.waived = budget->second.breach();
    }
    state.frozen = false;
    state.freeze_reason.clear();
    state.degraded = false;
    state.degrade_reason.clear();
  }
  nlohmann::json released = nlohmann::json::array();
  ++durable_version_;
  trips_full_reported_ = false;
  std::erase_if(trips_, [&](Trip& trip) {
    if (!all) trip.strategies.erase(std::string(strategy));
    // A trip that named strategies goes when the last of them is unfrozen; one that named
    // none (pause_symbol, or a route no strategy was active on) only with "all".
    const bool release = all || (trip.had_strategies && trip.strategies.empty());
    if (release) released.push_back(trip.rule + (trip.symbol.empty() ? "" : " " + trip.symbol + " " + trip.venues));
    return release;
  });
  return nlohmann::json{{"strategy", std::string(strategy)}, {"cleared", cleared}, {"trips_released", released}};
}

Result<nlohmann::json> RiskGovernor::raise_limit(Cap cap, double value) {
  const double current = limits_.cap(cap);
  if (!std::isfinite(value) || value <= 0) {
    return make_error(Errc::invalid_argument, "field 'value': must be a finite number > 0");
  }
  if (current <= 0) {
    return make_error(Errc::invalid_argument, std::string(to_string(cap)) + " is off (0) in this profile; nothing to raise");
  }
  if (value <= current) {
    return make_error(Errc::invalid_argument, "field 'value': " + figure_text(value) + " is not above the " +
                                                  std::string(to_string(cap)) + " in force (" + figure_text(current) +
                                                  "); lower a limit through a config apply");
  }
  if (!raised_[static_cast<std::size_t>(cap)]) raised_over_[static_cast<std::size_t>(cap)] = current;
  raised_[static_cast<std::size_t>(cap)] = value;
  ++durable_version_;
  limits_.caps[static_cast<std::size_t>(cap)] = value;
  return nlohmann::json{{"cap", std::string(to_string(cap))}, {"from", current}, {"to", value}};
}

}  // namespace propbot::risk
