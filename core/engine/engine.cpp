#include "core/engine/engine.hpp"

#include <algorithm>
#include <map>

#include "core/bundle/validator.hpp"
#include "core/engine/book_board.hpp"
#include "core/engine/hot_config.hpp"
#include "core/engine/opportunity_board.hpp"
#include "core/engine/policy_stage.hpp"
#include "core/engine/reload_errors.hpp"
#include "core/engine/snapshot_views.hpp"
#include "core/engine/strategy_set.hpp"
#include "core/exec/executor.hpp"
#include "core/ledger/journal_positions.hpp"
#include "scripting/script_watchdog.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::engine {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

scripting::BudgetView budget_of(const config::Config& config) {
  // Nothing is open until the executor exists.
  return scripting::BudgetView{config.risk.max_notional_per_position_usdt, config.risk.max_total_notional_usdt, 0};
}

}  // namespace

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
        strategies(clock, *this, this->log, watchdog) {
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
  OpportunityBoard opportunities;
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
    void recon_finished(bool clean, const std::string& summary) override {
      if (loop.sinks.control != nullptr) loop.sinks.control->recon_finished(clean, summary);
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
      scripting::BudgetView budget = budget_of(config);
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
  void on_closing(std::uint64_t position_id) override {
    if (positions) (void)positions->book().mark_closing(position_id);
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_closing(position_id);
  }
  void on_hedge_lost(std::uint64_t position_id, const std::string& reason) override {
    if (positions) (void)positions->book().mark_partial(position_id, std::string(ledger::kHedgeLostReason));
    if (sinks.execution.listener != nullptr) sinks.execution.listener->on_hedge_lost(position_id, reason);
  }
  void on_fill(const exec::FillEntry& fill) override {
    if (positions) {
      if (auto applied = positions->on_fill(fill); !applied) {
        log.error("ledger_fill_failed", {{"trade_id", fill.trade_id}, {"error", applied.error().message}});
      }
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
    policy.on_book(books.on_book(update), now);
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
    const OpportunityStatus gate = opportunity_gate(current_mode(), safe);
    const Mode mode = current_mode();
    for (const auto& intent : intents) {
      const PolicyOutcome outcome = policy.assess(intent, config, safe, now);
      // HOLD and safe mode stop new risk, not its reduction (SPEC S-1.2): a close goes on
      // in anything but KILL (where the flatten owns every position).
      const OpportunityStatus intent_gate =
          intent.reduce_only && mode != Mode::kill ? OpportunityStatus::ready : gate;
      const OpportunityStatus status = opportunities.record(intent, outcome, intent_gate, now, utc);
      if (sinks.intents != nullptr) sinks.intents->on_intent(intent, outcome, status);
      if (executor && status == OpportunityStatus::ready) {
        if (auto traded = executor->submit(intent, outcome.sized_notional_usdt); !traded) {
          log.debug("intent_not_traded", {{"strategy", intent.strategy}, {"why", traded.error().message}});
        }
      }
    }
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
    scripting::BreakerMetrics metrics;
    for (const auto& venue_id : venue_ids_) {
      for (const auto& symbol : config.symbols) {
        const md::OrderBook* book = books.find(venue_id, symbol);
        if (book == nullptr || !book->valid()) continue;
        const double age_ms = std::chrono::duration<double, std::milli>(now - book->last_update()).count();
        metrics.ws_gap_ms = std::max(metrics.ws_gap_ms, age_ms);
      }
    }
    std::vector<std::string> before;
    for (const auto& verdict : policy.breaker_verdicts()) before.push_back(verdict.rule);
    policy.evaluate_breakers(metrics);
    for (const auto& verdict : policy.breaker_verdicts()) {
      if (std::find(before.begin(), before.end(), verdict.rule) != before.end()) continue;
      log.warn("circuit_breaker_fired", {{"rule", verdict.rule},
                                         {"action", scripting::to_string(verdict.action)},
                                         {"severity", scripting::to_string(verdict.severity)},
                                         {"reason", verdict.reason}});
    }
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

  scripting::StrategyEnv strategy_env(const config::Config& next) const {
    scripting::StrategyEnv env = bundle::strategy_env(next);
    env.budget = budget_of(next);
    return env;
  }

  ReloadReport reload(const EngineBundle& next) {
    const MonoTime started = clock.now();
    ReloadReport report;
    StrategySet::Plan plan = strategies.prepare(next.config, &next.bundle, next.version, strategy_env(next.config));
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
    // Forget the runners just freed (the only place runners are freed), before any later
    // allocation can reuse an address; the new ones were made while the old were alive.
    std::erase_if(reported_frozen, [&](const scripting::StrategyRunner* runner) {
      return std::none_of(strategies.slots().begin(), strategies.slots().end(),
                          [&](const StrategySet::Slot& slot) { return slot.runner.get() == runner; });
    });
    try {
      for (auto& slot : strategies.slots()) slot.runner->set_budget(budget_of(config));  // kept ones see the new caps
      opportunities.forget(gone);
      report.engine_time = clock.now() - started;
      log.info("config_reloaded", {{"version", next.version},
                                   {"started", joined(report.started)},
                                   {"replaced", joined(report.replaced)},
                                   {"stopped", joined(report.stopped)},
                                   {"kept", joined(report.kept)},
                                   {"policies_reloaded", report.policies_reloaded}});
    } catch (...) {
      // Bookkeeping only; the swap itself is done.
    }
    return report;
  }

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
    snap->opportunities = opportunities.views(opportunity_gate(snap->mode, snap->safe_mode));
    snap->books = books.views(now);
    snap->strategies = strategy_views(strategies);
    snap->policy = policy_view(policy, regime_cache);
    snap->market = recorded(now, snap->ts);
    if (positions) {
      // Marks from the books' mids (funding marks where a venue reports them).
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
    if (executor) {
      if (executor->change_count() != execution_published) {
        execution_published = executor->change_count();
        execution_view = std::make_shared<const exec::ExecutionView>(executor->view());
      }
      snap->execution = execution_view;
    }
    slot.publish(std::move(snap));
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
        evaluate_breakers(clock.now());
        report_degradations();
        publish_snapshot();
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

Engine::Engine(config::Config config, Clock& clock, std::vector<venues::Venue*> venues, SnapshotSlot& snapshots,
               EngineSinks sinks, Logger log)
    : loop_(std::make_unique<Loop>(std::move(config), clock, std::move(venues), snapshots, std::move(sinks),
                                   std::move(log))) {}

Engine::~Engine() { stop(); }

Status Engine::load(const bundle::Bundle* initial, std::int64_t version) {
  Loop& loop = *loop_;
  StrategySet::Plan plan = loop.strategies.prepare(loop.config, initial, version, loop.strategy_env(loop.config));
  if (!plan.ok()) {
    std::string message;
    for (const auto& error : plan.errors) message += (message.empty() ? "" : "; ") + error.message;
    return make_error(Errc::script_error, message);
  }
  auto pipeline = PolicyStage::build(loop.config, initial, loop.clock, loop.watchdog);
  if (!pipeline) {
    plan = {};  // the plan's runners are freed; nothing was installed
    return make_error(Errc::script_error, "policies: " + pipeline.error().message);
  }
  for (const auto& slot : plan.slots) {
    loop.log.info("strategy_loaded", {{"strategy", slot.runner->name()}, {"file", slot.file}});
  }
  loop.strategies.commit(std::move(plan));
  if (pipeline->pipeline) loop.log.info("policies_loaded", {{"fingerprint", pipeline->fingerprint.substr(0, 12)}});
  loop.policy.install(std::move(*pipeline));
  loop.bundle_version = version;
  return {};
}

void Engine::start() {
  Loop& loop = *loop_;
  if (loop.running) return;
  loop.running = true;
  loop.hold_since = loop.clock.utc();
  // Every configured book is on the board from the start (invalid until its feed
  // delivers), when the venue already knows the instrument.
  for (venues::Venue* venue : loop.venues) {
    for (const auto& symbol : loop.config.symbols) {
      for (const auto& spec : venue->instruments()) {
        if (spec.symbol == symbol && loop.books.find(venue->id(), symbol) == nullptr) loop.books.add(md::OrderBook(spec));
      }
    }
  }
  if (loop.sinks.execution.journal != nullptr && !loop.executor) {
    // Positions are derived from the journal's fills, never from a cache.
    const exec::Journal& journal = *loop.sinks.execution.journal;
    auto rebuilt = ledger::JournalPositions::rebuild(journal);
    if (rebuilt) {
      loop.positions = std::move(*rebuilt);
    } else {
      loop.log.error("ledger_rebuild_failed", {{"error", rebuilt.error().message}});
      loop.positions = std::make_unique<ledger::JournalPositions>(journal);
      loop.exec_desk.safety_action(IncidentCode::recon_mismatch, "ledger",
                                   "positions could not be rebuilt from the journal: " + rebuilt.error().message);
    }
    loop.bind_strategies();
    loop.executor = std::make_unique<exec::Executor>(loop.sinks.execution.options, loop.clock, loop.venues,
                                                     *loop.sinks.execution.journal, loop.exec_desk,
                                                     static_cast<const exec::MarketLookup&>(loop),
                                                     static_cast<exec::ExecutionListener*>(&loop), loop.log);
    loop.executor->set_positions(loop.positions.get());
    loop.executor->set_twins(loop.sinks.execution.twins);
  }
  for (venues::Venue* venue : loop.venues) {
    // A ban (418, or a long Retry-After) quarantines the venue in its rate governor: P1.
    venue->set_quarantine_listener([&loop, id = venue->id()](const venues::RateHealth& health) {
      loop.exec_desk.safety_action(IncidentCode::rate_limit_ban, "venue:" + id,
                                   "venue " + id + " is quarantined by its rate governor (banned" +
                                       (health.quarantined_until ? " until " + format_iso8601_ms(*health.quarantined_until)
                                                                 : std::string()) +
                                       "): every request fails fast until then; no request storm was sent");
    });
  }
  for (venues::Venue* venue : loop.venues) {
    loop.feeds.push_back(std::make_unique<Loop::VenueFeed>(loop, venue->id()));
    venue->start(*loop.feeds.back(), *loop.feeds.back());
  }
  if (loop.sinks.execution.twins != nullptr) {
    for (venues::Venue* twin : loop.sinks.execution.twins->all()) {
      loop.twin_feeds.push_back(std::make_unique<Loop::TwinFeed>(loop, twin->id()));
      twin->start(*loop.twin_feeds.back(), *loop.twin_feeds.back());
    }
  }
  // Nothing is sent before every unfinished journal entry is resolved with its venue.
  if (loop.executor) loop.executor->reconcile();
  loop.publish_snapshot();
  loop.schedule_snapshots();
  loop.schedule_strategy_timers();  // a reload may add strategies with timers
  loop.log.info("engine_started", {{"venues", loop.venues.size()},
                                   {"symbols", loop.config.symbols.size()},
                                   {"strategies", loop.strategies.slots().size()},
                                   {"mode", "HOLD"}});
}

void Engine::disarm_dead_man(std::function<void()> done) {
  Loop& loop = *loop_;
  if (!loop.executor || !loop.running) {
    done();
    return;
  }
  loop.executor->disarm_dead_man(std::move(done));
}

void Engine::stop() {
  Loop& loop = *loop_;
  if (!loop.running) return;
  loop.running = false;
  for (venues::Venue* venue : loop.venues) venue->stop();
  if (loop.sinks.execution.twins != nullptr) {
    for (venues::Venue* twin : loop.sinks.execution.twins->all()) twin->stop();
  }
  loop.strategies.stop_all();
  if (loop.snapshot_timer != 0) loop.clock.cancel(loop.snapshot_timer);
  if (loop.strategy_timer != 0) loop.clock.cancel(loop.strategy_timer);
  loop.snapshot_timer = loop.strategy_timer = 0;
  loop.log.info("engine_stopped");
}

ReloadReport Engine::reload(const EngineBundle& next) {
  try {
    return loop_->reload(next);
  } catch (const std::exception& e) {
    ReloadReport report;
    report.errors.push_back({"", 0, std::string("internal: reload failed: ") + e.what()});
    return report;
  } catch (...) {
    ReloadReport report;
    report.errors.push_back({"", 0, "internal: reload failed with an unknown exception"});
    return report;
  }
}

Result<nlohmann::json> Engine::manual_trade(Intent intent, bool execute, const std::string& operator_name) {
  Loop& loop = *loop_;
  if (!loop.executor) return make_error(Errc::unavailable, "this engine runs no executor");
  if (intent.kind != IntentKind::hedged_pair) return make_error(Errc::invalid_argument, "kind: only hedged_pair");
  intent.venues_pinned = true;  // the operator named the venues
  const double notional = intent.notional_usdt.to_double();
  for (const auto* leg : {&intent.long_venue, &intent.short_venue}) {
    const md::OrderBook* found = loop.books.find(*leg, intent.symbol);
    if (found == nullptr || !found->valid()) {
      return make_error(Errc::conflict, "no valid book for " + intent.symbol + " on " + *leg);
    }
    const bool buying = leg == &intent.long_venue;
    const md::DepthFill fill = found->fill_for_notional(buying ? md::BookSide::ask : md::BookSide::bid, notional);
    if (!fill.complete) {
      return make_error(Errc::conflict, "the " + *leg + " book cannot fill " + intent.notional_usdt.to_string() +
                                            " USDT of " + intent.symbol);
    }
    Decimal& price = buying ? intent.long_price : intent.short_price;
    if (price.sign() <= 0) {
      if (auto walked = intent_decimal(fill.avg_price)) price = *walked;
    }
  }
  const double buy = intent.long_price.to_double();
  const double sell = intent.short_price.to_double();
  intent.spread_bps = (sell - buy) / buy * 1e4;
  intent.net_spread_bps = intent.spread_bps;  // the operator judges fees
  const MonoTime now = loop.clock.now();
  const PolicyOutcome outcome = loop.policy.assess(intent, loop.config, loop.current_safe_mode(), now);
  const OpportunityStatus gate = opportunity_gate(loop.current_mode(), loop.current_safe_mode());
  // The operator judges the edge: the policy's min edge does not refuse a manual pair,
  // its sizing (clamped to the caps) does.
  const PolicyVerdict verdict =
      outcome.verdict == PolicyVerdict::below_min_edge ? PolicyVerdict::ok : outcome.verdict;
  const OpportunityStatus status = intent.reduce_only && loop.current_mode() != Mode::kill
                                       ? OpportunityStatus::ready
                                       : opportunity_status(gate, verdict);
  nlohmann::json answer{{"symbol", intent.symbol},
                        {"long_venue", intent.long_venue},
                        {"short_venue", intent.short_venue},
                        {"notional_usdt", notional},
                        {"long_price", buy},
                        {"short_price", sell},
                        {"spread_bps", intent.spread_bps},
                        {"status", std::string(to_string(status))},
                        {"policy", std::string(to_string(outcome.verdict))},
                        {"sized_notional_usdt", outcome.sized_notional_usdt}};
  if (execute && status != OpportunityStatus::ready) {
    return make_error(Errc::conflict, std::string(to_string(status)) + ": the trade is not allowed now (policy " +
                                          std::string(to_string(outcome.verdict)) + ")");
  }
  auto plan = loop.executor->preview(intent, outcome.sized_notional_usdt);
  if (!plan) {
    if (plan.error().message.rfind("runaway_breaker", 0) == 0) return make_error(Errc::budget_exceeded, plan.error().message);
    if (!execute) {
      answer["would_trade"] = false;
      answer["reason"] = plan.error().message;
      return answer;
    }
    return make_error(Errc::conflict, plan.error().message);
  }
  answer["would_trade"] = status == OpportunityStatus::ready;
  answer["qty"] = nlohmann::json::parse(plan->quantity.to_string());
  answer["leg_a"] = {{"venue", plan->leg_a_venue},
                     {"side", std::string(to_string(plan->leg_a_side))},
                     {"limit_price", nlohmann::json::parse(plan->leg_a_limit.to_string())},
                     {"time_in_force", "ioc"}};
  answer["leg_b"] = {{"venue", plan->leg_b_venue}, {"side", std::string(to_string(plan->leg_b_side))}};
  if (!execute) return answer;
  auto traded = loop.executor->submit(intent, outcome.sized_notional_usdt);
  if (!traded) {
    if (traded.error().message.rfind("runaway_breaker", 0) == 0) return make_error(Errc::budget_exceeded, traded.error().message);
    return make_error(traded.error().code == Errc::io_error ? Errc::io_error : Errc::conflict, traded.error().message);
  }
  answer["trade_parent_id"] = std::to_string(*traded);
  // Audit details are canonical JSON without fractions: amounts as their decimal text.
  nlohmann::json audited{{"trade_parent_id", answer["trade_parent_id"]},
                         {"symbol", intent.symbol},
                         {"long_venue", intent.long_venue},
                         {"short_venue", intent.short_venue},
                         {"notional_usdt", intent.notional_usdt.to_string()},
                         {"long_price", intent.long_price.to_string()},
                         {"short_price", intent.short_price.to_string()},
                         {"qty", plan->quantity.to_string()},
                         {"leg_a_venue", plan->leg_a_venue},
                         {"leg_a_limit", plan->leg_a_limit.to_string()},
                         {"policy", std::string(to_string(outcome.verdict))},
                         {"operator", operator_name}};
  loop.exec_desk.audit("manual_trade", audited);
  return answer;
}

Result<nlohmann::json> Engine::reset_breaker(const std::optional<std::string>& strategy,
                                             const std::string& operator_name) {
  Loop& loop = *loop_;
  if (!loop.executor) return make_error(Errc::unavailable, "this engine runs no executor");
  const std::vector<risk::Trip> cleared = loop.executor->reset_breaker(strategy);
  if (cleared.empty()) {
    return make_error(Errc::conflict, strategy ? "strategy " + *strategy + " has no standing runaway-breaker trip"
                                               : std::string("no runaway-breaker trip stands"));
  }
  nlohmann::json cleared_json = nlohmann::json::array();
  nlohmann::json reasons = nlohmann::json::array();
  for (const risk::Trip& trip : cleared) {
    cleared_json.push_back(exec::trip_json(trip));
    reasons.push_back(trip.reason_text());
  }
  nlohmann::json standing = nlohmann::json::array();
  for (const risk::Trip& trip : loop.executor->view().breaker_trips) standing.push_back(exec::trip_json(trip));
  // Audit details carry text only (no floats): the reasons say the numbers.
  loop.exec_desk.audit("runaway_breaker_reset", {{"operator", operator_name},
                                                 {"strategy", strategy ? *strategy : std::string("*")},
                                                 {"cleared", reasons}});
  loop.log.warn("runaway_breaker_reset", {{"operator", operator_name}, {"cleared", cleared.size()}});
  return nlohmann::json{{"cleared", cleared_json}, {"tripped", standing}};
}

void Engine::flatten(const std::string& reason) {
  Loop& loop = *loop_;
  if (!loop.executor) {
    loop.log.error("flatten_without_executor", {{"reason", reason}});
    return;
  }
  loop.log.error("hedge_flatten", {{"reason", reason}});
  loop.executor->hedge_flatten(reason, [&loop](const exec::SafetyReport& report) {
    nlohmann::json details{{"flat", report.flat},
                           {"orders_cancelled", report.orders_cancelled},
                           {"flatten_orders", report.flatten_orders},
                           {"remaining", report.remaining}};
    loop.exec_desk.audit("hedge_flatten_result", details);
    if (report.flat) {
      loop.log.warn("hedge_flatten_done", {{"orders_cancelled", report.orders_cancelled},
                                           {"flatten_orders", report.flatten_orders}});
      return;
    }
    std::string left;
    for (const auto& line : report.remaining) left += (left.empty() ? "" : "; ") + line;
    loop.exec_desk.safety_action(IncidentCode::recon_mismatch, "executor",
                                 "hedge_flatten could not make every venue flat: " + left);
  });
}

std::shared_ptr<const EngineSnapshot> Engine::snapshot() const { return loop_->slot.load(); }

}  // namespace propbot::engine
