// The engine's side of the risk governor (issue 13), on the driving thread: what it
// feeds the governor (realised PnL per fill, open legs at mark, venue wallets, the
// circuit-breaker verdicts), the pre-trade check's inputs from the books, and how the
// governor's events become safety actions (incident + audit + alert + event through
// the one function; P0 → HOLD).
#include <cmath>

#include "core/engine/engine_loop.hpp"

namespace propbot::engine {
namespace {

// The rule's action in the governor's words (the same names: policies/circuit_breakers.lua).
risk::TripAction trip_action(scripting::BreakerAction action) {
  return find_by_name(scripting::to_string(action), risk::kAllTripActions).value_or(risk::TripAction::degrade);
}

// Verdicts the pipeline makes about itself: the policy pipeline's own P1 covers them.
bool host_verdict(const std::string& rule) {
  return rule == "policy_pipeline_degraded" || rule == "policy_script_fault" || rule == "breaker_metrics_invalid";
}

// What a book holds on the side a leg takes, up to `wanted` USDT (−1: unknown).
double depth_for(const md::OrderBook* book, bool buying, double wanted) {
  if (book == nullptr || !book->valid() || wanted <= 0) return -1;
  return book->fill_for_notional(buying ? md::BookSide::ask : md::BookSide::bid, wanted).filled_notional;
}

}  // namespace

// One fill's money for the governor (live, and replayed from the journal at start):
// the realised PnL it added to each position it touched, to that position's strategy;
// its fee to the position it names, or to the desk when it names none (a flatten's).
// A position the fill finished is judged once: a loss net of its fees is a failure in
// the strategy's streak — unless its hedge was declared lost (already counted).
void Engine::Loop::account_fill(const exec::FillEntry& fill, const ledger::PositionBook& book,
                                const std::vector<std::pair<std::uint64_t, Decimal>>& realized) {
  if (fill.simulated) return;
  const UtcTime at = fill.ts_ms > 0 ? UtcTime{std::chrono::milliseconds(fill.ts_ms)} : clock.utc();
  const double fee = fill.fee_asset.empty() || fill.fee_asset == "USDT" ? fill.fee.to_double() : 0;
  const ledger::Position* named = fill.position_id == 0 ? nullptr : book.find(fill.position_id);
  if (named != nullptr && named->simulated()) return;
  if (named != nullptr && !named->strategy().empty()) position_fees[fill.position_id] += fee;
  if (fee != 0) governor.on_realized(named != nullptr ? named->strategy() : std::string(), -fee, at);
  for (const auto& [id, delta] : realized) {
    const ledger::Position* position = book.find(id);
    if (position == nullptr || position->simulated()) continue;
    governor.on_realized(position->strategy(), delta.to_double(), at);
  }
  // Judge what finished, once: a position is in position_fees from its first own fill
  // until it is judged.
  auto judge = [&](const ledger::Position& position) {
    auto fees = position_fees.find(position.id());
    if (fees == position_fees.end()) return;
    double total = -fees->second;
    for (const auto& leg : position.legs()) total += leg.holding.realized_pnl().to_double();
    if (!position.partial_reason()) governor.on_trade_result(position.strategy(), total < 0);
    position_fees.erase(fees);
  };
  if (named != nullptr && named->finished()) judge(*named);
  for (const auto& [id, delta] : realized) {
    if (id == fill.position_id) continue;
    if (const ledger::Position* position = book.find(id); position != nullptr && position->finished()) judge(*position);
  }
}

risk::TradeCheck Engine::Loop::trade_check(const Intent& intent, double sized_notional_usdt) const {
  risk::TradeCheck check;
  check.strategy = intent.strategy;
  check.symbol = intent.symbol;
  check.reduce_only = intent.reduce_only;
  check.post_only = intent.post_only;
  const double multiple = config.risk.liquidity_depth_multiple;
  auto leg = [&](const std::string& venue, double price, bool buying) {
    risk::LegCheck out;
    out.venue = venue;
    out.price = price;
    out.notional_usdt = sized_notional_usdt;
    const md::OrderBook* book = books.find(venue, intent.symbol);
    if (book != nullptr && book->valid()) {
      if (auto mid = book->mid_price()) out.mid = *mid;
    }
    out.depth_usdt = multiple > 0 ? depth_for(book, buying, sized_notional_usdt * multiple) : -1;
    return out;
  };
  if (intent.kind == IntentKind::hedged_pair) {
    check.hedged = true;
    check.net_edge_bps = intent.net_spread_bps;
    check.leg_count = 2;
    check.legs[0] = leg(intent.long_venue, intent.long_price.to_double(), true);
    check.legs[1] = leg(intent.short_venue, intent.short_price.to_double(), false);
  } else {
    check.leg_count = 1;
    check.legs[0] = leg(intent.venue, intent.price.to_double(), intent.side && *intent.side == Side::buy);
  }
  return check;
}

namespace {
constexpr auto kCancelWindow = std::chrono::minutes(5);
constexpr std::size_t kMaxCancelSamples = 6000;  // 5 min at a 50 ms evaluation period
}  // namespace

double Engine::Loop::cancel_fail_rate(MonoTime now) {
  if (!execution_view) return 0;
  const auto& counters = execution_view->counters;
  cancel_samples.push_back({now, counters.cancels_sent, counters.cancels_failed});
  while (cancel_samples.size() > kMaxCancelSamples || (cancel_samples.size() > 1 && now - cancel_samples.front().at > kCancelWindow)) {
    cancel_samples.pop_front();
  }
  const CancelSample& first = cancel_samples.front();
  const std::uint64_t sent = counters.cancels_sent - first.sent;
  const std::uint64_t failed = counters.cancels_failed - first.failed;
  return sent == 0 ? 0 : static_cast<double>(failed) / static_cast<double>(sent);
}

DeskBreakerFigures Engine::Loop::desk_figures() {
  DeskBreakerFigures figures;
  figures.loss_today_usdt = governor.cap_used(risk::Cap::daily_loss_cap);
  figures.drawdown_usdt = governor.desk_drawdown_usdt();
  figures.consecutive_losses = governor.consecutive_failures();
  if (execution_view) {
    figures.hedge_latency_ms_p95 = execution_view->hedge_latency_p95_ms.value_or(0);
    figures.hedge_latency_ms_p99 = figures.hedge_latency_ms_p95;  // the executor keeps one nearest-rank p95
    figures.cancel_fail_rate = cancel_fail_rate(clock.now());
    // The worst venue's recent reject rate (the router's window).
    for (const auto& venue : execution_view->venue_health) {
      figures.reject_rate = std::max(figures.reject_rate, venue.reject_rate);
    }
  }
  return figures;
}

void Engine::Loop::act_on_breakers() {
  std::vector<risk::TripInput> firing;
  for (const auto& verdict : policy.breaker_verdicts()) {
    if (host_verdict(verdict.rule)) continue;
    risk::TripInput input;
    input.rule = verdict.rule;
    input.action = trip_action(verdict.action);
    input.severity = verdict.severity;
    input.reason = verdict.reason;
    if (verdict.scope == scripting::BreakerScope::route) {
      input.symbol = verdict.symbol;
      input.venues = verdict.venues;
      // The strategies acting on the route now: a live opportunity there or an open position.
      const auto slash = verdict.venues.find('/');
      const std::string venue_a = verdict.venues.substr(0, slash);
      const std::string venue_b = slash == std::string::npos ? venue_a : verdict.venues.substr(slash + 1);
      std::set<std::string> acting;
      opportunities.strategies_on(verdict.symbol, venue_a, venue_b, acting);
      if (positions) {
        for (std::uint64_t id : positions->book().unfinished()) {
          const ledger::Position& position = positions->book().at(id);
          if (position.simulated() || position.symbol() != verdict.symbol || position.strategy().empty()) continue;
          for (const auto& leg : position.legs()) {
            if (leg.plan.venue == venue_a || leg.plan.venue == venue_b) acting.insert(position.strategy());
          }
        }
      }
      input.strategies.assign(acting.begin(), acting.end());
    } else {
      for (const auto& strategy : config.strategies) {
        if (strategy.enabled) input.strategies.push_back(strategy.name);
      }
    }
    firing.push_back(std::move(input));
  }
  if (firing.empty()) return;
  raise_risk_events(governor.on_breakers(firing, clock.utc()));
  persist_risk_state();
}

void Engine::Loop::configure_risk() {
  governor.configure(config.risk, config.strategies, clock.utc());
  std::vector<risk::Window> windows;
  for (const auto& window : config.risk.maintenance) windows.push_back({window.venue, window.start, window.end});
  const Nanos lead = std::chrono::milliseconds(config.risk.maintenance_lead_ms);
  if (maintenance.lead() == lead) {
    maintenance.replace(std::move(windows));  // keeps which windows were already announced
  } else {
    maintenance = risk::MaintenanceCalendar(std::move(windows), lead);
  }
}

// The governor's durable state lives beside the control state, signed (a hand edit is
// a P0 tamper): a frozen or degraded strategy stays so across a restart until two
// operators unfreeze it, and a raised cap stays raised.
constexpr std::string_view kRiskStateName = "risk_state";

void Engine::Loop::restore_risk_state() {
  if (sinks.control == nullptr) return;
  if (auto state = sinks.control->load_state(kRiskStateName)) {
    governor.restore(*state);
    log.info("risk_state_restored", {{"state", state->dump().substr(0, 1000)}});
  }
  persisted_risk_version = governor.durable_version();
}

void Engine::Loop::persist_risk_state() {
  if (sinks.control == nullptr || governor.durable_version() == persisted_risk_version) return;
  if (auto saved = sinks.control->save_state(kRiskStateName, governor.durable_state()); !saved) {
    log.error("risk_state_save_failed", {{"error", saved.error().message}});
    return;  // tried again at the next change or evaluation
  }
  persisted_risk_version = governor.durable_version();
}

// A venue's clock against ours (S-2.5): beyond risk.clock_skew_hold_ms the venue leaves
// routing and the desk HOLDs (P0 risk_cap_breached: the skew limit is one of S-3.1's caps).
void Engine::Loop::on_clock_skew(const std::string& venue, double skew_ms) {
  clock_skew_ms[venue] = std::round(skew_ms * 10) / 10;
  const int limit = config.risk.clock_skew_hold_ms;
  const bool over = limit > 0 && std::fabs(skew_ms) > limit;
  const bool was_over = skewed_venues.count(venue) > 0;
  if (over && !was_over) {
    skewed_venues.insert(venue);
    risk::RiskEvent event;
    event.code = IncidentCode::risk_cap_breached;
    event.component = "risk_governor";
    event.summary = "clock skew on " + venue + ": " + std::to_string(static_cast<long long>(std::llround(skew_ms))) +
                    " ms, beyond risk.clock_skew_hold_ms " + std::to_string(limit) +
                    " ms; the venue is out of routing until its clock is back within the limit";
    raise_risk_events({event});
  } else if (!over && was_over) {
    skewed_venues.erase(venue);
    log.info("clock_skew_recovered", {{"venue", venue}, {"skew_ms", skew_ms}});
  }
  refresh_venue_blocks();
}

void Engine::Loop::refresh_venue_blocks() {
  const UtcTime now = clock.utc();
  for (const auto& window : maintenance.newly_upcoming(now)) {
    log.warn("venue_maintenance_ahead", {{"venue", window.venue},
                                         {"start", format_iso8601_ms(window.start)},
                                         {"end", format_iso8601_ms(window.end)}});
    if (sinks.control != nullptr) {
      sinks.control->audit("venue_maintenance_ahead", {{"venue", window.venue},
                                                       {"start", format_iso8601_ms(window.start)},
                                                       {"end", format_iso8601_ms(window.end)}});
    }
  }
  for (const auto& venue : venue_ids_) {
    std::optional<risk::RiskRefusal> block;
    if (skewed_venues.count(venue) > 0) {
      block = risk::RiskRefusal{risk::RiskReason::clock_skew,
                                "clock_skew: " + venue + " clock is " +
                                    std::to_string(std::llround(clock_skew_ms.value(venue, 0.0))) + " ms off (limit " +
                                    std::to_string(config.risk.clock_skew_hold_ms) + " ms)"};
    } else if (auto reason = maintenance.blocked(venue, now)) {
      block = risk::RiskRefusal{risk::RiskReason::venue_maintenance, "venue_maintenance: " + *reason};
    }
    governor.set_venue_block(venue, std::move(block));
  }
}

void Engine::Loop::evaluate_risk() {
  refresh_venue_blocks();
  refresh_marks();
  portfolio.legs.clear();
  unmarked_legs = 0;
  if (positions) {
    const ledger::PositionBook& book = positions->book();
    for (std::uint64_t id : book.unfinished()) {
      const ledger::Position& position = book.at(id);
      if (position.simulated()) continue;
      for (const auto& leg : position.legs()) {
        risk::OpenLeg open;
        open.position_id = position.id();
        open.strategy = position.strategy();
        open.symbol = position.symbol();
        open.venue = leg.plan.venue;
        const auto mark = book.mark(leg.plan.venue, position.symbol());
        Decimal qty = leg.holding.quantity();
        // Nothing filled yet on an opening leg: its planned size is the exposure in flight.
        // (Once a leg traded, its fills are the figure: an IOC's unfilled rest never rests,
        // so counting the plan would overstate it for the position's life.)
        if (!leg.holding.traded() && !position.closing()) {
          qty = leg.plan.target_qty;
          if (leg.plan.side == ledger::PositionSide::short_side) {
            if (auto negated = qty.negated()) qty = *negated;
          }
        }
        if (qty.is_zero()) continue;
        if (!mark) ++unmarked_legs;
        open.qty = qty.to_double();
        open.mark = mark ? mark->to_double() : leg.holding.entry_price().to_double();
        if (open.mark <= 0) continue;
        if (mark && leg.holding.traded()) {
          if (auto unrealized = leg.holding.unrealized_pnl(*mark)) open.unrealized_usdt = unrealized->to_double();
        }
        portfolio.legs.push_back(std::move(open));
      }
    }
  }
  raise_risk_events(governor.evaluate(portfolio, clock.utc()));
  persist_risk_state();
  // The API's risk views: rebuilt at once when what a decision reads changed — the
  // governor's durable state (a trip, a freeze, a reset), a refusal counted, the
  // autopilot's blockers (the autopilot decides on these views) — and otherwise at most
  // once a second (marks, equity). Building them at every tick was the tick's largest
  // cost (the shadow replay's profile, PERFORMANCE.md).
  const MonoTime now = clock.now();
  std::vector<std::string> blockers = autopilot_blockers();
  if (!risk_json || governor.durable_version() != risk_json_version || governor.skips_total() != risk_json_skips ||
      frozen_strategies() != risk_json_frozen || blockers != risk_json_blockers ||
      now - risk_json_at >= std::chrono::seconds(1)) {
    risk_json = risk_views();
    risk_json_version = governor.durable_version();
    risk_json_skips = governor.skips_total();
    risk_json_frozen = frozen_strategies();
    risk_json_blockers = std::move(blockers);
    risk_json_at = now;
  }
}

// Start-up reconciliation's report to the control plane (the autopilot decides on it),
// once the evaluation has a mark for every open leg or kReconMarkWait ran out.
void Engine::Loop::report_recon() {
  if (!pending_recon) return;
  if (unmarked_legs > 0 && clock.now() < pending_recon->deadline) return;
  const PendingRecon report = std::move(*pending_recon);
  pending_recon.reset();
  publish_snapshot();
  if (sinks.control != nullptr) sinks.control->recon_finished(report.clean, report.summary);
}

void Engine::Loop::raise_risk_events(const std::vector<risk::RiskEvent>& events) {
  for (const risk::RiskEvent& event : events) {
    log.error(to_string(event.code), {{"component", event.component}, {"summary", event.summary}});
    if (sinks.control == nullptr) continue;
    control::SafetyEvent safety;
    safety.code = event.code;
    safety.severity = event.severity;
    safety.component = event.component;
    safety.summary = event.summary;
    if (auto raised = sinks.control->safety_action(safety); !raised) {
      log.error("safety_action_failed", {{"component", event.component}, {"error", raised.error().message}});
    }
    if (event.safe_mode_on) sinks.control->safe_mode_on(event.summary);
  }
}

std::vector<std::string> Engine::Loop::autopilot_blockers() const {
  std::vector<std::string> blockers = governor.autopilot_blockers();
  if (unmarked_legs > 0) {
    blockers.push_back("blocked_by_risk: no mark price for " + std::to_string(unmarked_legs) +
                       " open leg(s), their unrealised loss is unknown");
  }
  return blockers;
}

std::size_t Engine::Loop::frozen_strategies() const {
  std::size_t frozen = 0;
  for (const auto& slot : strategies.slots()) frozen += slot.runner->stats().frozen ? 1 : 0;
  return frozen;
}

std::shared_ptr<const nlohmann::json> Engine::Loop::risk_views() const {
  std::vector<risk::StrategyFacts> facts;
  for (const auto& strategy : config.strategies) {
    risk::StrategyFacts fact;
    fact.name = strategy.name;
    fact.enabled = strategy.enabled;
    for (const auto& slot : strategies.slots()) {
      if (slot.runner->name() != strategy.name) continue;
      fact.script_frozen = slot.runner->stats().frozen;
      fact.script_freeze_reason = slot.runner->stats().freeze_reason;
    }
    facts.push_back(std::move(fact));
  }
  std::vector<std::string> blockers = autopilot_blockers();
  return std::make_shared<const nlohmann::json>(nlohmann::json{
      {"risk_snapshot", governor.risk_snapshot(clock_skew_ms)},
      {"strategy_status", governor.strategy_status(facts)},
      {"strategy_budget", governor.strategy_budget()},
      {"capital", governor.capital()},
      {"autopilot_blockers", blockers}});
}

}  // namespace propbot::engine
