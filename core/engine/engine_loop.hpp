// Engine::Loop — the engine's state and its reactions on the driving thread (market
// data, private streams, the executor's listener, strategies, policies, snapshots). A
// private header of core/engine: engine.cpp runs its lifecycle, engine_operator.cpp the
// operator's actions on it (manual trades, breaker reset, flatten). Nothing outside
// core/engine includes it.
#pragma once

#include "core/engine/engine.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include "core/bundle/validator.hpp"
#include "core/engine/book_board.hpp"
#include "core/engine/clock_skew_probe.hpp"
#include "core/risk/venue_guards.hpp"
#include "core/engine/breaker_inputs.hpp"
#include "core/engine/hot_config.hpp"
#include "core/engine/market_tape.hpp"
#include "core/engine/market_sampler.hpp"
#include "core/engine/opportunity_board.hpp"
#include "core/engine/policy_stage.hpp"
#include "core/engine/reload_errors.hpp"
#include "core/engine/snapshot_views.hpp"
#include "core/engine/strategy_set.hpp"
#include "core/exec/executor.hpp"
#include "core/ledger/cash_ledger.hpp"
#include "core/ledger/journal_positions.hpp"
#include "core/ledger/pnl_attribution.hpp"
#include "core/ledger/recon_daemon.hpp"
#include "core/risk/risk_governor.hpp"
#include "scripting/script_watchdog.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::engine {
namespace loop_detail {

inline std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

inline scripting::BudgetView budget_of(const config::Config& config) {
  // Nothing is open until the executor exists.
  return scripting::BudgetView{config.risk.max_notional_per_position_usdt, config.risk.max_total_notional_usdt, 0};
}

}  // namespace loop_detail

// How long start-up reconciliation's report waits for the open legs' marks; after it the
// autopilot decides with the legs unmarked and refuses (an unknown loss blocks it).
inline constexpr std::chrono::seconds kReconMarkWait{10};

// Everything on the driving thread.
struct Engine::Loop final : scripting::MarketView, exec::MarketLookup, exec::ExecutionListener {
  Loop(config::Config config, Clock& clock, std::vector<venues::Venue*> venues, SnapshotSlot& slot, EngineSinks sinks,
       Logger log)
      : config(std::move(config)),
        clock(clock),
        venues(std::move(venues)),
        slot(slot),
        sinks(std::move(sinks)),
        log(std::move(log)),
        watchdog(this->sinks.watchdog ? this->sinks.watchdog : std::make_shared<scripting::ScriptWatchdog>()),
        strategies(clock, *this, this->log, watchdog),
        governor(clock.utc()) {
    configure_risk();
    for (const venues::Venue* venue : this->venues) venue_ids_.push_back(venue->id());
  }

  config::Config config;  // the running configuration; a reload replaces its hot part
  Clock& clock;
  std::vector<venues::Venue*> venues;
  std::vector<std::string> venue_ids_;
  SnapshotSlot& slot;
  EngineSinks sinks;
  Logger log;
  std::shared_ptr<scripting::ScriptWatchdog> watchdog;

  BookBoard books;
  StrategySet strategies;
  PolicyStage policy;
  BreakerInputs breaker_inputs;                          // the rules' metrics, global and per route
  std::vector<scripting::BreakerMetrics> breaker_metrics;  // reused per evaluation
  OpportunityBoard opportunities;
  // The risk governor (engine_risk.cpp): pre-trade checks, caps on open positions,
  // budgets, breaker trips, stress. Configured at start and on every reload.
  risk::RiskGovernor governor;
  risk::PortfolioInput portfolio;                          // reused per evaluation
  std::unordered_map<std::uint64_t, double> position_fees;  // fees per unfinished real position (bounded by them)
  std::shared_ptr<const nlohmann::json> risk_json;          // the API's risk views (see evaluate_risk)
  std::uint64_t risk_json_version = 0;
  std::uint64_t risk_json_skips = 0;
  std::size_t risk_json_frozen = 0;
  std::vector<std::string> risk_json_blockers;
  MonoTime risk_json_at{};
  nlohmann::json clock_skew_ms = nlohmann::json::object();  // venue -> measured skew
  std::unique_ptr<ClockSkewProbe> skew_probe;               // from start(), when venues exist
  std::set<std::string> skewed_venues;                      // over risk.clock_skew_hold_ms now
  // Open legs the last evaluation had no mark for: their unrealised loss is unknown.
  int unmarked_legs = 0;
  // Start-up reconciliation's report held back until every open leg has a mark (or the
  // wait ran out), so the autopilot decides on the positions' real losses (S-1.4).
  struct PendingRecon {
    bool clean = false;
    std::string summary;
    MonoTime deadline{};
  };
  std::optional<PendingRecon> pending_recon;
  risk::MaintenanceCalendar maintenance{{}, Nanos{0}};
  std::vector<Intent> intents;           // reused per event
  std::vector<RegimeView> regime_cache;  // refreshed every snapshot tick
  std::vector<const scripting::StrategyRunner*> reported_frozen;  // each frozen runner raises one P1
  bool reported_policy_degraded = false;
  std::int64_t bundle_version = 0;
  std::uint64_t reloads = 0;
  std::uint64_t book_events = 0;
  UtcTime hold_since{};
  std::shared_ptr<const scripting::RecordedMarket> recorded_market;  // see publish_snapshot
  MonoTime recorded_market_at{};
  // The executor's desk: the ControlPort, seen from core/exec.
  struct ExecDesk final : exec::ExecutionDesk {
    explicit ExecDesk(Loop& loop) : loop(loop) {}
    Mode mode() const override { return loop.current_mode(); }
    bool dry_run_mode() const override {
      return loop.sinks.control == nullptr ? loop.config.dry_run_mode : loop.sinks.control->dry_run_mode();
    }
    void safety_action(IncidentCode code, const std::string& component, const std::string& summary) override {
      loop.log.error(to_string(code), {{"component", component}, {"summary", summary}});
      if (loop.sinks.control == nullptr) return;
      control::SafetyEvent event;
      event.code = code;
      event.component = component;
      event.summary = summary;
      if (auto raised = loop.sinks.control->safety_action(event); !raised) {
        loop.log.error("safety_action_failed", {{"component", component}, {"error", raised.error().message}});
      }
    }
    void audit(const std::string& action, const nlohmann::json& details) override {
      if (loop.sinks.control != nullptr) loop.sinks.control->audit(action, details);
    }
    std::optional<std::string> venue_block(std::string_view venue) const override {
      if (const risk::RiskRefusal* block = loop.governor.venue_block(venue)) return block->detail;
      return std::nullopt;
    }
    void recon_finished(bool clean, const std::string& summary) override {
      // The autopilot decides on the report (S-1.4): the risk governor's view must be
      // current — with a mark for every open leg, which the books bring a moment later.
      loop.evaluate_risk();
      loop.pending_recon = Loop::PendingRecon{clean, summary, loop.clock.now() + kReconMarkWait};
      loop.report_recon();
    }
    Loop& loop;
  };
  ExecDesk exec_desk{*this};
  std::unique_ptr<exec::Executor> executor;  // with a journal only
  std::unique_ptr<ledger::JournalPositions> positions;  // with the executor: rebuilt from the journal at start
  MonoTime positions_published_at{};
  std::uint64_t positions_published_changes = ~std::uint64_t{0};
  std::shared_ptr<const nlohmann::json> positions_json;

  // ctx:position for one strategy: its own positions' net quantity on a venue.
  struct StrategyPositions final : scripting::PositionView {
    StrategyPositions(const Loop& loop, std::string strategy) : loop(loop), strategy(std::move(strategy)) {}
    double position(std::string_view venue, std::string_view symbol) const override {
      if (!loop.positions) return 0;
      auto qty = loop.positions->book().strategy_position(strategy, venue, symbol);
      return qty ? qty->to_double() : 0;
    }
    const Loop& loop;
    std::string strategy;
  };
  std::map<std::string, std::unique_ptr<StrategyPositions>, std::less<>> strategy_positions;  // one per strategy name

  // Every runner reads its own positions and budget (after load, reload, each snapshot).
  void bind_strategies() {
    if (!positions) return;
    for (auto& slot : strategies.slots()) {
      const std::string& name = slot.runner->name();
      auto found = strategy_positions.find(name);
      if (found == strategy_positions.end()) {
        found = strategy_positions.emplace(name, std::make_unique<StrategyPositions>(*this, name)).first;
      }
      slot.runner->set_positions(found->second.get());
      scripting::BudgetView budget = loop_detail::budget_of(config);
      if (auto open = positions->book().open_notional_usdt(name)) budget.open_notional_usdt = open->to_double();
      slot.runner->set_budget(budget);
    }
  }
  std::uint64_t execution_published = ~std::uint64_t{0};
  std::shared_ptr<const exec::ExecutionView> execution_view;

  // ExecutionListener: fills go to the ledger and to the strategy that traded them.
  void on_trade_opened(const exec::TradeOpening& opening) override {
    if (positions) {
      ledger::PositionOpening plan{opening.position_id, opening.strategy, opening.symbol, opening.opened_at_ms,
                                   opening.simulated, {}};
      for (const auto& leg : opening.legs) {
        plan.legs.push_back({leg.venue, leg.leg, ledger::side_opened_by(leg.side), leg.target_quantity});
      }
      if (auto opened = positions->book().open_position(std::move(plan)); !opened) {
        log.error("ledger_open_failed", {{"position", opening.position_id}, {"error", opened.error().message}});
      }
    }
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_trade_opened(opening);
  }
  void on_order_final(const exec::OrderEntry& order) override {
    if (!order.simulated) {
      ledger::OrderOutcome outcome{order.strategy, order.venue, order.time_in_force == venues::TimeInForce::post_only,
                                   order.event == exec::OrderEvent::rejected, order.filled_quantity.sign() > 0,
                                   order.ts_ms};
      if (auto booked = pnl_ledger().on_order_outcome(outcome); !booked) {
        log.warn("pnl_order_outcome_failed", {{"client_order_id", order.client_order_id}, {"error", booked.error().message}});
      }
    }
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_order_final(order);
  }
  void on_closing(std::uint64_t position_id) override {
    if (positions) (void)positions->book().mark_closing(position_id);
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_closing(position_id);
  }
  void on_hedge_lost(std::uint64_t position_id, const std::string& reason) override {
    if (positions) {
      if (const ledger::Position* found = positions->book().find(position_id); found != nullptr && !found->simulated()) {
        governor.on_trade_result(found->strategy(), true);
      }
      (void)positions->book().mark_partial(position_id, std::string(ledger::kHedgeLostReason));
    }
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_hedge_lost(position_id, reason);
  }
  void on_fill(const exec::FillEntry& fill) override {
    if (positions) {
      const ledger::RealizedProbe probe(positions->book(), fill);
      if (auto applied = positions->on_fill(fill); !applied) {
        log.error("ledger_fill_failed", {{"trade_id", fill.trade_id}, {"error", applied.error().message}});
      } else {
        account_fill(fill, positions->book(), probe.deltas(positions->book()));
      }
      ledger_fill(fill, probe.deltas(positions->book()), true);
    }
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_fill(fill);
    if (fill.strategy.empty()) return;
    scripting::FillEvent event;
    event.venue = fill.venue;
    event.symbol = fill.symbol;
    event.side = std::string(to_string(fill.side));
    event.price = fill.price.to_double();
    event.qty = fill.quantity.to_double();
    event.fee = fill.fee.to_double();
    event.maker = fill.maker;
    event.client_order_id = fill.client_order_id;
    intents.clear();
    for (auto& slot : strategies.slots()) {
      if (slot.runner->name() == fill.strategy) slot.runner->on_fill(event, intents);
    }
    assess_intents(clock.now());
  }

  Clock::TimerId snapshot_timer = 0;
  Clock::TimerId strategy_timer = 0;  // drives the strategies' ctx:set_timer timers
  bool running = false;

  // One listener per venue, so book-state and funding events keep their venue id.
  struct VenueFeed final : venues::MarketDataListener, venues::PrivateListener {
    VenueFeed(Loop& loop, std::string venue) : loop(loop), venue(std::move(venue)) {}
    void on_book(const md::OrderBook& update) override { loop.on_book(update); }
    void on_book_state(const std::string& symbol, bool valid, const std::string& reason) override {
      loop.on_book_state(venue, symbol, valid, reason);
    }
    void on_funding(const venues::FundingInfo& info) override {
      loop.tape.on_funding(venue, info, loop.clock.now());
      if (loop.recon) loop.recon->on_funding_info(venue, info);
      loop.books.on_funding(venue, info);
      loop.policy.on_funding(venue, info.symbol, info.funding_rate.to_double());
    }
    void on_order_update(const venues::OrderState& order) override {
      if (loop.executor) loop.executor->on_order_update(venue, order);
      if (loop.sinks.account != nullptr) loop.sinks.account->on_order_update(order);
    }
    void on_fill(const venues::Fill& fill) override {
      if (loop.executor) loop.executor->on_fill(venue, fill);
      if (loop.sinks.account != nullptr) loop.sinks.account->on_fill(fill);
    }
    void on_position(const venues::Position& position) override {
      if (loop.sinks.account != nullptr) loop.sinks.account->on_position(position);
    }
    void on_balance(const venues::Balance& balance) override {
      if (balance.asset == "USDT") {
        loop.portfolio.venue_equity.insert_or_assign(venue, balance.wallet.to_double());
        loop.portfolio.venue_available.insert_or_assign(venue, balance.available.to_double());
      }
      if (loop.sinks.account != nullptr) loop.sinks.account->on_balance(balance);
    }
    void on_private_stream(bool connected) override {
      if (connected) {
        loop.log.info("private_stream_up", {{"venue", venue}});
      } else {
        loop.log.warn("private_stream_down", {{"venue", venue}});
      }
      if (loop.executor) loop.executor->on_private_stream(venue, connected);
      if (loop.sinks.account != nullptr) loop.sinks.account->on_private_stream(connected);
    }
    Loop& loop;
    std::string venue;
  };
  std::vector<std::unique_ptr<VenueFeed>> feeds;

  // A twin's private stream: its order updates and fills go to the executor under the
  // venue's id; its balances, positions and stream state are paper and reach nobody.
  struct TwinFeed final : venues::MarketDataListener, venues::PrivateListener {
    TwinFeed(Loop& loop, std::string venue) : loop(loop), venue(std::move(venue)) {}
    void on_book(const md::OrderBook&) override {}
    void on_order_update(const venues::OrderState& order) override {
      if (loop.executor) loop.executor->on_order_update(venue, order);
    }
    void on_fill(const venues::Fill& fill) override {
      if (loop.executor) loop.executor->on_fill(venue, fill);
    }
    void on_position(const venues::Position&) override {}
    void on_balance(const venues::Balance&) override {}
    void on_private_stream(bool) override {}
    Loop& loop;
    std::string venue;
  };
  std::vector<std::unique_ptr<TwinFeed>> twin_feeds;

  // MarketView
  const md::OrderBook* book(std::string_view venue, std::string_view symbol) const override {
    return books.find(venue, symbol);
  }
  const std::vector<std::string>& venue_ids() const override { return venue_ids_; }
  std::optional<scripting::FundingView> funding(std::string_view venue, std::string_view symbol) const override {
    const venues::FundingInfo* info = books.funding(venue, symbol);
    if (info == nullptr) return std::nullopt;
    return scripting::FundingView{info->funding_rate.to_double(), info->mark_price.to_double(),
                                  info->index_price.to_double(),
                                  info->next_funding_time == UtcTime{} ? 0 : to_unix_ms(info->next_funding_time)};
  }
  // ctx:regime: the per-symbol regime of the last snapshot tick.
  std::optional<scripting::RegimeView> regime(std::string_view symbol) const override {
    for (const RegimeView& view : regime_cache) {
      if (view.symbol == symbol && !view.regime.empty()) return scripting::RegimeView{view.regime, view.confidence};
    }
    return std::nullopt;
  }

  void on_book(const md::OrderBook& update) {
    ++book_events;
    const MonoTime now = clock.now();
    tape.on_book(update, now);
    policy.on_book(books.on_book(update), now);
    breaker_inputs.on_book(update, now);
    intents.clear();
    const scripting::BookEvent event{update.spec().venue, update.spec().symbol};
    for (auto& slot : strategies.slots()) slot.runner->on_book(event, intents);
    assess_intents(now);
    // The twins' market is the venue's, a step behind the decision (off the md→order path),
    // and only while dry run is on or a paper order rests (mirroring is not free).
    if (exec::TwinVenues* twins = sinks.execution.twins;
        twins != nullptr && (exec_desk.dry_run_mode() || twins->working())) {
      twins->on_book(update);
    }
  }

  void on_book_state(const std::string& venue, const std::string& symbol, bool valid, const std::string& reason) {
    if (valid) {
      log.info("book_resynced", {{"venue", venue}, {"symbol", symbol}, {"reason", reason}});
    } else {
      log.warn("book_invalid", {{"venue", venue}, {"symbol", symbol}, {"reason", reason}});
    }
    books.on_book_state(venue, symbol, valid, reason, clock.utc());
  }

  // Every intent of this event through the policy stage, onto the board and to the sink.
  void assess_intents(MonoTime now) {
    if (intents.empty()) return;
    const UtcTime utc = clock.utc();
    const bool safe = current_safe_mode();
    const Mode mode = current_mode();
    const OpportunityStatus gate = opportunity_gate(mode);
    for (const auto& intent : intents) {
      PolicyOutcome outcome = policy.assess(intent, config, safe, now);
      if (outcome.clamped) log_clamp(intent, outcome, now);
      // HOLD stops new risk, not its reduction (SPEC S-1.2): a close goes on in anything
      // but KILL (where the flatten owns every position).
      const OpportunityStatus intent_gate =
          intent.reduce_only && mode != Mode::kill ? OpportunityStatus::ready : gate;
      // The risk governor between the policy and the router (issue 13): entries only.
      risk::TradeCheck check;
      std::optional<risk::RiskRefusal> refusal;
      if (!intent.reduce_only && intent_gate == OpportunityStatus::ready && policy_allows(outcome.verdict)) {
        outcome.sized_notional_usdt *= governor.size_factor(intent.strategy, safe);
        check = trade_check(intent, outcome.sized_notional_usdt);
        refusal = governor.check(check, safe);
        if (refusal) log.debug("risk_refused", {{"strategy", intent.strategy}, {"why", refusal->detail}});
      }
      const std::string_view risk_reason = refusal ? risk::to_string(refusal->reason) : std::string_view();
      const OpportunityStatus status = opportunities.record(intent, outcome, intent_gate, now, utc, risk_reason);
      if (sinks.intents != nullptr) sinks.intents->on_intent(intent, outcome, status);
      if (executor && status == OpportunityStatus::ready) {
        if (auto traded = executor->submit(intent, outcome.sized_notional_usdt); !traded) {
          log.debug("intent_not_traded", {{"strategy", intent.strategy}, {"why", traded.error().message}});
        } else {
          note_references(*traded, intent);
          if (!intent.reduce_only) governor.admitted(check);
        }
      }
    }
  }

  // Tighten-only (S-3.1): a size the policy (or the strategy, without policies) asked
  // above the C++ caps was cut down to them. Logged at most once a second (counted in
  // the policy view's clamped_sizes every time).
  MonoTime clamp_logged_at{};
  void log_clamp(const Intent& intent, const PolicyOutcome& outcome, MonoTime now) {
    if (clamp_logged_at != MonoTime{} && now - clamp_logged_at < std::chrono::seconds(1)) return;
    clamp_logged_at = now;
    log.warn("size_clamped_to_caps", {{"strategy", intent.strategy},
                                      {"symbol", intent.symbol},
                                      {"asked_usdt", intent.notional_usdt.to_double()},
                                      {"sized_usdt", outcome.sized_notional_usdt},
                                      {"caps", "risk.max_notional_per_position_usdt, risk.max_total_notional_usdt"}});
  }

  Mode current_mode() const { return sinks.control == nullptr ? Mode::hold : sinks.control->mode(); }
  bool current_safe_mode() const { return sinks.control == nullptr ? config.safe_mode : sinks.control->safe_mode(); }

  // A strategy frozen by its faults (S-7.1) and a degraded policy pipeline are P1
  // incidents, raised once each through the one safety-action function. The write is
  // synchronous on this thread (a few ms, once per freeze): a freeze is rare and must
  // not be lost.
  void report_degradations() {
    for (const auto& slot : strategies.slots()) {
      const auto& stats = slot.runner->stats();
      if (!stats.frozen) continue;
      if (std::find(reported_frozen.begin(), reported_frozen.end(), slot.runner.get()) != reported_frozen.end()) continue;
      reported_frozen.push_back(slot.runner.get());
      raise_p1(IncidentCode::strategy_degraded, "strategy:" + slot.runner->name(),
               "strategy '" + slot.runner->name() + "' frozen (version " + std::to_string(slot.version) +
                   "): " + stats.freeze_reason + "; it is no longer called until a fixed version is applied");
    }
    const scripting::PolicyPipeline* pipeline = policy.pipeline();
    const bool degraded = pipeline != nullptr && pipeline->degraded();
    if (degraded && !reported_policy_degraded) {
      const auto& fault = pipeline->stats().last_fault;
      raise_p1(IncidentCode::policy_pipeline_degraded, "policy_pipeline",
               "the policy pipeline is degraded (every output is the conservative fallback)" +
                   (fault ? ": last fault at " + fault->where() + ": " + fault->message : std::string()));
    }
    reported_policy_degraded = degraded;
  }

  void raise_p1(IncidentCode code, const std::string& component, const std::string& summary) {
    log.error("strategy_degraded", {{"component", component}, {"summary", summary}});
    if (sinks.control == nullptr) return;
    control::SafetyEvent event;
    event.code = code;
    event.component = component;
    event.summary = summary;
    if (auto raised = sinks.control->safety_action(event); !raised) {
      log.error("safety_action_failed", {{"component", component}, {"error", raised.error().message}});
    }
  }

  // The circuit-breaker rules on what the engine can measure (S-7.4); the verdicts are
  // published for the risk governor and the operator. New firings are logged once.
  void evaluate_breakers(MonoTime now) {
    // The desk figures are the risk governor's; zeros until it fills them.
    breaker_inputs.collect(books, policy, desk_figures(), venue_ids_, config.symbols, now, breaker_metrics);
    const auto same = [](const scripting::BreakerVerdict& x, const scripting::BreakerVerdict& y) {
      return x.rule == y.rule && x.scope == y.scope && x.symbol == y.symbol && x.venues == y.venues;
    };
    std::vector<scripting::BreakerVerdict> before = policy.breaker_verdicts();
    policy.evaluate_breakers(breaker_metrics);
    for (const auto& verdict : policy.breaker_verdicts()) {
      const auto seen = [&](const scripting::BreakerVerdict& old) { return same(old, verdict); };
      if (std::any_of(before.begin(), before.end(), seen)) continue;
      log.warn("circuit_breaker_fired", {{"rule", verdict.rule},
                                         {"scope", scripting::to_string(verdict.scope)},
                                         {"symbol", verdict.symbol},
                                         {"venues", verdict.venues},
                                         {"action", scripting::to_string(verdict.action)},
                                         {"severity", scripting::to_string(verdict.severity)},
                                         {"reason", verdict.reason}});
    }
    act_on_breakers();
    regime_cache.clear();
    for (const auto& symbol : config.symbols) {
      RegimeView view;
      view.symbol = symbol;
      if (auto verdict = policy.regime(symbol, now)) {
        view.regime = std::string(scripting::to_string(verdict->regime));
        view.confidence = verdict->confidence;
        view.fallback = verdict->fallback;
      }
      regime_cache.push_back(std::move(view));
    }
  }

  // ---- the ledger's cash, the recon daemon, PnL (engine_ledger.cpp)
  ledger::CashLedger cash;
  std::unique_ptr<ledger::LedgerEntries> own_entries;  // when the app gives no store
  ledger::LedgerEntries* ledger_entries = nullptr;
  std::unique_ptr<ledger::ReconDaemon> recon;
  std::shared_ptr<const nlohmann::json> recon_json;
  std::set<std::string> invariant_breaks;  // reported once each (bounded: one per venue × symbol + venue)
  MonoTime invariants_checked_at{};
  std::uint64_t recon_views_passes = 0;  // the views are rebuilt after each pass
  // Loads the ledger's cash entries and starts the recon daemon (after the positions
  // were rebuilt and the executor built; the fills were replayed into `cash` by then).
  void start_ledger();
  // Every journaled fill (replayed at start: live = false): cash, invariants, the recon's fee check.
  void ledger_fill(const exec::FillEntry& fill, const std::vector<std::pair<std::uint64_t, Decimal>>& realized,
                   bool live);
  void check_ledger_invariants(std::string_view venue, std::string_view symbol);
  void publish_ledger_views(MonoTime now);
  std::set<std::string> busy_symbols() const;
  // PnL attribution and TCA (SPEC S-9.3): every journaled fill (with the touch the desk
  // decided at, for live trades), the funding payments, each finished order, the open
  // legs' marks; published as {"pnl", "report_today"}, the closed days' reports and the history.
  std::unique_ptr<ledger::PnlAttribution> pnl;
  std::shared_ptr<const nlohmann::json> pnl_json;
  std::shared_ptr<const nlohmann::json> pnl_history_json;  // rebuilt when a point is added
  std::int64_t pnl_history_newest_ms = 0;
  std::shared_ptr<const nlohmann::json> pnl_reports_json;  // the closed days': rebuilt when a day closes
  ledger::UtcDay pnl_reports_day{};
  MonoTime pnl_published_at{};
  // The touch when the desk decided, per trade and venue (ask for the buy leg, bid for
  // the sell leg); bounded: the newest kMaxReferenceTrades trades.
  static constexpr std::size_t kMaxReferenceTrades = 10'000;
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::string, Decimal>>> reference_prices;
  std::deque<std::uint64_t> reference_order;
  ledger::PnlAttribution& pnl_ledger();
  void pnl_fill(const exec::FillEntry& fill, const std::vector<std::pair<std::uint64_t, Decimal>>& realized);
  void pnl_funding(const ledger::LedgerEntry& entry);
  void note_references(std::uint64_t trade_id, const Intent& intent);
  void publish_pnl(MonoTime now);
  std::string funding_owner(const std::string& venue, const std::string& symbol) const;

  // ---- the risk governor's side of the loop (engine_risk.cpp)
  void account_fill(const exec::FillEntry& fill, const ledger::PositionBook& book,
                    const std::vector<std::pair<std::uint64_t, Decimal>>& realized);
  risk::TradeCheck trade_check(const Intent& intent, double sized_notional_usdt) const;
  DeskBreakerFigures desk_figures();
  void act_on_breakers();
  void evaluate_risk();
  void report_recon();
  void raise_risk_events(const std::vector<risk::RiskEvent>& events);
  void on_clock_skew(const std::string& venue, double skew_ms);
  void restore_risk_state();
  void persist_risk_state();
  std::uint64_t persisted_risk_version = 0;
  // The breakers' cancel_fail_rate: the executor's cancel counters sampled each
  // evaluation, over the last kCancelWindow (bounded: one sample per evaluation).
  struct CancelSample {
    MonoTime at{};
    std::uint64_t sent = 0;
    std::uint64_t failed = 0;
  };
  std::deque<CancelSample> cancel_samples;
  double cancel_fail_rate(MonoTime now);
  void configure_risk();
  void refresh_venue_blocks();
  std::shared_ptr<const nlohmann::json> risk_views() const;
  // What the autopilot reads from the views: the governor's blockers and unmarked legs.
  std::vector<std::string> autopilot_blockers() const;
  std::size_t frozen_strategies() const;

  scripting::StrategyEnv strategy_env(const config::Config& next) const {
    scripting::StrategyEnv env = bundle::strategy_env(next);
    env.budget = loop_detail::budget_of(next);
    return env;
  }

  ReloadReport reload(const EngineBundle& next) {
    const MonoTime started = clock.now();
    ReloadReport report;
    StrategySet::Plan plan =
        strategies.prepare(next.config, &next.bundle, next.version, strategy_env(next.config), next.reset_state);
    report.errors = reload_errors(plan.errors);
    std::optional<LoadedPipeline> pipeline;
    const std::string policy_print = PolicyStage::fingerprint(next.config, &next.bundle);
    if (policy_print != policy.fingerprint() || (policy_print.empty() && next.bundle.has_policies())) {
      auto built = PolicyStage::build(next.config, &next.bundle, clock, watchdog);
      if (!built) {
        report.errors.push_back(policy_reload_error(built.error().message));
      } else {
        pipeline = std::move(*built);
      }
    }
    if (!report.errors.empty()) {
      report.engine_time = clock.now() - started;
      return report;  // the plan's new runners are freed; the running ones never noticed
    }
    report.started = plan.started;
    report.replaced = plan.replaced;
    report.stopped = plan.stopped;
    report.kept = plan.kept;
    report.reset = plan.reset;
    report.replaced_frozen = plan.replaced_frozen;
    std::vector<std::string> gone = plan.replaced;
    gone.insert(gone.end(), plan.stopped.begin(), plan.stopped.end());
    // Built aside first: from the commit on, nothing may throw, or the swap would be
    // half done while the caller is told it failed.
    config::Config running = with_hot_part(config, next.config);

    strategies.commit(std::move(plan));
    report.applied = true;
    config = std::move(running);
    if (pipeline) {
      policy.install(std::move(*pipeline));
      reported_policy_degraded = false;  // a new pipeline's degradation is a new P1
      report.policies_reloaded = true;
    }
    bundle_version = next.version;
    ++reloads;
    configure_risk();
    // Forget the runners just freed (the only place runners are freed), before any later
    // allocation can reuse an address; the new ones were made while the old were alive.
    std::erase_if(reported_frozen, [&](const scripting::StrategyRunner* runner) {
      return std::none_of(strategies.slots().begin(), strategies.slots().end(),
                          [&](const StrategySet::Slot& slot) { return slot.runner.get() == runner; });
    });
    try {
      for (auto& slot : strategies.slots()) slot.runner->set_budget(loop_detail::budget_of(config));  // kept ones see the new caps
      opportunities.forget(gone);
      report.engine_time = clock.now() - started;
      log.info("config_reloaded", {{"version", next.version},
                                   {"started", loop_detail::joined(report.started)},
                                   {"replaced", loop_detail::joined(report.replaced)},
                                   {"stopped", loop_detail::joined(report.stopped)},
                                   {"kept", loop_detail::joined(report.kept)},
                                   {"reset_state", loop_detail::joined(report.reset)},
                                   {"policies_reloaded", report.policies_reloaded}});
      // The API serves snapshots: the new version shows there before the caller is answered.
      if (this->running) publish_snapshot();
    } catch (...) {
      // Bookkeeping only; the swap itself is done.
    }
    return report;
  }

  MarketSampler market_sampler;        // market history (market_sampler.cpp)
  // The last minutes of book and funding events, for shadow validation (market_tape.hpp).
  MarketTape tape{tape_options(config.validation.shadow_window_s, config.validation.shadow_max_events,
                               config.validation.shadow_depth)};
  void sample_market(MonoTime now);

  void publish_snapshot() {
    const MonoTime now = clock.now();
    opportunities.expire(now, std::chrono::milliseconds(config.engine.opportunity_ttl_ms));

    auto snap = std::make_shared<EngineSnapshot>();
    snap->ts = clock.utc();
    snap->built_at = now;
    snap->mode = current_mode();
    snap->hold_since = hold_since;
    snap->hold_reason = "startup: guarded start is always HOLD (SPEC S-1.3)";
    snap->safe_mode = current_safe_mode();
    snap->dry_run_mode = sinks.control == nullptr ? config.dry_run_mode : sinks.control->dry_run_mode();
    if (sinks.control != nullptr) {
      const control::ControlState state = sinks.control->state();
      snap->hold_reason = state.reason;
      snap->hold_since_text = state.since;
    }
    snap->book_events = book_events;
    snap->bundle_version = bundle_version;
    snap->reloads = reloads;
    snap->opportunities = opportunities.views(opportunity_gate(snap->mode));
    snap->books = books.views(now);
    snap->strategies = strategy_views(strategies);
    snap->policy = policy_view(policy, regime_cache);
    snap->market = recorded(now, snap->ts);
    snap->tape = tape.view(now, snap->ts);
    if (positions) {
      // The marks are those evaluate_risk() just refreshed (it runs first on every tick).
      bind_strategies();
      // The JSON at most once a second, or at once when the executor changed something.
      const std::uint64_t changes = executor ? executor->change_count() : 0;
      if (!positions_json || changes != positions_published_changes ||
          now - positions_published_at >= std::chrono::seconds(1)) {
        positions_json = std::make_shared<const nlohmann::json>(positions->book().positions_json());
        positions_published_changes = changes;
        positions_published_at = now;
      }
      snap->positions = positions_json;
    }
    snap->risk = risk_json;
    publish_ledger_views(now);
    snap->recon = recon_json;
    publish_pnl(now);
    snap->pnl = pnl_json;
    snap->pnl_history = pnl_history_json;
    snap->pnl_reports = pnl_reports_json;
    if (executor) {
      if (executor->change_count() != execution_published) {
        execution_published = executor->change_count();
        execution_view = std::make_shared<const exec::ExecutionView>(executor->view());
      }
      snap->execution = execution_view;
    }
    slot.publish(std::move(snap));
  }

  // Marks from the books' mids (funding marks where a venue reports them).
  void refresh_marks() {
    if (!positions) return;
    for (const auto& venue_id : venue_ids_) {
      for (const auto& symbol : config.symbols) {
        const venues::FundingInfo* funding_info = books.funding(venue_id, symbol);
        if (funding_info != nullptr && funding_info->mark_price.sign() > 0) {
          positions->book().on_mark(venue_id, symbol, funding_info->mark_price);
        } else if (const md::OrderBook* found = books.find(venue_id, symbol); found != nullptr && found->valid()) {
          if (auto mid = found->mid_price()) {
            if (auto mark = Decimal::from_double(*mid, 8)) positions->book().on_mark(venue_id, symbol, mark->normalized());
          }
        }
      }
    }
  }

  // The books a validation dry-runs on: copied at most once a second (only a config
  // validation reads them; copying every book at every snapshot would be waste).
  std::shared_ptr<const scripting::RecordedMarket> recorded(MonoTime now, UtcTime ts) {
    if (recorded_market && now - recorded_market_at < std::chrono::seconds(1)) return recorded_market;
    auto market = std::make_shared<scripting::RecordedMarket>(venue_ids_, ts);
    for (const auto& venue_id : venue_ids_) {
      for (const auto& symbol : config.symbols) {
        if (const md::OrderBook* found = books.find(venue_id, symbol); found != nullptr) market->add(*found);
        if (auto rate = funding(venue_id, symbol)) market->add_funding(venue_id, symbol, *rate);
      }
    }
    recorded_market = std::move(market);
    recorded_market_at = now;
    return recorded_market;
  }

  // Every 10 ms (the resolution of ctx:set_timer): fire the strategies' due timers.
  void schedule_strategy_timers() {
    strategy_timer = clock.call_after(std::chrono::milliseconds(10), [this] {
      strategy_timer = 0;
      intents.clear();
      const MonoTime now = clock.now();
      for (auto& slot : strategies.slots()) slot.runner->fire_due_timers(now, intents);
      assess_intents(now);
      schedule_strategy_timers();
    });
  }

  void schedule_snapshots() {
    snapshot_timer = clock.call_after(std::chrono::milliseconds(config.engine.snapshot_interval_ms), [this] {
      snapshot_timer = 0;
      try {
        try {
          evaluate_breakers(clock.now());
        } catch (const std::exception& e) {
          log.error("breaker_evaluation_failed", {{"error", e.what()}});
        }
        evaluate_risk();  // on its own: a failing breaker stage must not freeze the risk views
        report_recon();
        report_degradations();
        publish_snapshot();
        sample_market(clock.now());
      } catch (const std::exception& e) {
        // A long-running loop reports and carries on; it never dies silently.
        log.error("snapshot_failed", {{"error", e.what()}});
      } catch (...) {
        log.error("snapshot_failed", {{"error", "unknown exception"}});
      }
      schedule_snapshots();
    });
  }
};


}  // namespace propbot::engine
