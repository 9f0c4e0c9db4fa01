#include "core/app/engine.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/app/book_board.hpp"
#include "core/app/embedded_venues.hpp"
#include "core/app/policy_stage.hpp"
#include "core/app/strategy_set.hpp"
#include "core/bundle/validator.hpp"
#include "core/control/control_plane.hpp"
#include "core/venues/sim/random_walk_market.hpp"
#include "core/venues/sim/random_walk_venue.hpp"
#include "scripting/script_watchdog.hpp"
#include "scripting/strategy_runner.hpp"

namespace propbot::app {
namespace {

// Tick and lot sizes of the simulated perps, close to the real venues' BTC/ETH perps.
md::InstrumentSpec sim_instrument(const std::string& venue, const std::string& symbol, double price) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = symbol;
  spec.tick_size = price >= 10'000 ? 0.1 : price >= 100 ? 0.01 : 0.0001;
  spec.lot_size = price >= 10'000 ? 0.001 : price >= 100 ? 0.01 : 1.0;
  spec.min_notional = 5.0;
  return spec;
}

// A single order is keyed by its venue and side in the long/short slots.
struct OpportunityKey {
  std::string strategy, symbol, long_venue, short_venue;
  auto operator<=>(const OpportunityKey&) const = default;
};

OpportunityKey key_of(const scripting::Intent& intent) {
  if (intent.kind == "single") return {intent.strategy, intent.symbol, intent.venue, intent.side};
  return {intent.strategy, intent.symbol, intent.long_venue, intent.short_venue};
}

std::vector<ReloadError> to_reload_errors(const std::vector<StrategyLoadError>& errors) {
  std::vector<ReloadError> out;
  for (const auto& error : errors) {
    ReloadError e{error.file, 0, error.message};
    // "strategies/x.lua:12: boom" → line 12
    const std::string prefix = error.file + ":";
    if (const auto at = error.message.find(prefix); at != std::string::npos) {
      e.line = std::atoi(error.message.c_str() + at + prefix.size());
    }
    out.push_back(std::move(e));
  }
  return out;
}

struct OpportunityState {
  OpportunityView view;
  MonoTime last_seen_mono{};
};

}  // namespace

// Everything that lives on the engine thread.
struct Engine::Loop final : scripting::MarketView {
  Loop(const config::Config& config, Logger log, SnapshotSlot& slot, control::ControlPlane* control)
      : config(config),
        log(std::move(log)),
        slot(slot),
        control(control),
        clock(io),
        strategies(clock, *this, this->log, script_watchdog) {}

  // The running configuration: replaced (hot part only) by a reload, on this thread.
  config::Config config;
  Logger log;
  SnapshotSlot& slot;
  control::ControlPlane* control;  // the mode source and the safety sink; null = HOLD forever
  std::vector<const scripting::StrategyRunner*> reported_frozen;  // each frozen runner raises one P1
  bool reported_policy_degraded = false;
  boost::asio::io_context io;
  RealClock clock;
  std::thread thread;
  // Bounds the CPU time of every strategy and policy call (SandboxLimits::watchdog).
  std::shared_ptr<scripting::ScriptWatchdog> script_watchdog = std::make_shared<scripting::ScriptWatchdog>();

  std::shared_ptr<venues::sim::RandomWalkMarket> market;
  EmbeddedVenues embedded;  // declared before `venues`: the simulator outlives the adapters
  std::vector<std::unique_ptr<venues::MarketDataVenue>> venues;
  std::vector<std::string> venue_ids_;
  BookBoard books;
  // One listener per venue, so book-state and funding events keep their venue id.
  struct VenueFeed final : venues::MarketDataListener {
    VenueFeed(Loop& loop, std::string venue) : loop(loop), venue(std::move(venue)) {}
    void on_book(const md::OrderBook& update) override { loop.on_book(update); }
    void on_book_state(const std::string& symbol, bool valid, const std::string& reason) override {
      loop.on_book_state(venue, symbol, valid, reason);
    }
    void on_funding(const venues::FundingInfo& info) override {
      loop.books.on_funding(venue, info);
      loop.policy.on_funding(venue, info.symbol, info.funding_rate.to_double());
    }
    Loop& loop;
    std::string venue;
  };
  std::vector<std::unique_ptr<VenueFeed>> feeds;
  StrategySet strategies;
  PolicyStage policy;
  std::int64_t bundle_version = 0;
  std::uint64_t reloads = 0;
  std::map<OpportunityKey, OpportunityState> opportunities;
  std::vector<scripting::Intent> intents;  // reused per event

  std::string hold_reason = "startup: guarded start is always HOLD (SPEC S-1.3)";
  UtcTime hold_since{};
  std::uint64_t book_events = 0;
  Clock::TimerId snapshot_timer = 0;
  Clock::TimerId strategy_timer = 0;  // drives the strategies' ctx:set_timer timers

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
  std::vector<RegimeView> regime_cache;  // refreshed every snapshot tick
  std::shared_ptr<const scripting::RecordedMarket> recorded_market;  // see publish_snapshot
  MonoTime recorded_market_at{};

  void on_book(const md::OrderBook& update) {
    ++book_events;
    const MonoTime now = clock.now();
    policy.on_book(books.on_book(update), now);

    intents.clear();
    const scripting::BookEvent event{update.spec().venue, update.spec().symbol};
    for (auto& slot : strategies.slots()) slot.runner->on_book(event, intents);
    const UtcTime utc = clock.utc();
    for (const auto& intent : intents) record_opportunity(intent, now, utc);
  }

  void on_book_state(const std::string& venue, const std::string& symbol, bool valid, const std::string& reason) {
    if (valid) {
      log.info("book_resynced", {{"venue", venue}, {"symbol", symbol}, {"reason", reason}});
    } else {
      log.warn("book_invalid", {{"venue", venue}, {"symbol", symbol}, {"reason", reason}});
    }
    books.on_book_state(venue, symbol, valid, reason, clock.utc());
  }

  Mode current_mode() const { return control == nullptr ? Mode::hold : control->mode(); }
  bool current_safe_mode() const { return control == nullptr ? config.safe_mode : control->safe_mode(); }

  std::string gate_status() const {
    const Mode now = current_mode();
    if (now == Mode::kill) return "blocked_by_kill";
    if (now == Mode::hold) return "blocked_by_hold";
    if (current_safe_mode()) return "blocked_by_safe_mode";
    return "ready";
  }

  // The gate, then the policy: a policy refusal shows only when nothing above it blocks.
  static std::string status_of(const std::string& gate, std::string_view policy_verdict) {
    if (gate != "ready") return gate;
    return policy_verdict == "ok" || policy_verdict == "no_policies" ? "ready" : "blocked_by_policy";
  }

  void record_opportunity(const scripting::Intent& intent, MonoTime now, UtcTime utc) {
    const PolicyOutcome outcome = policy.assess(intent, config, current_safe_mode(), now);
    auto [it, inserted] = opportunities.try_emplace(key_of(intent));
    OpportunityView& view = it->second.view;
    if (inserted) {
      view.strategy = intent.strategy;
      view.kind = intent.kind;
      view.symbol = intent.symbol;
      view.long_venue = intent.long_venue;
      view.short_venue = intent.short_venue;
      view.venue = intent.venue;
      view.side = intent.side;
      view.first_seen = utc;
    }
    view.price = intent.price;
    view.post_only = intent.post_only;
    view.spread_bps = intent.spread_bps;
    view.net_spread_bps = intent.net_spread_bps;
    view.intent_notional_usdt = intent.notional_usdt;
    view.notional_suggestion = outcome.sized_notional_usdt;
    view.long_price = intent.long_price;
    view.short_price = intent.short_price;
    view.reason = intent.reason;
    view.regime = std::string(outcome.regime);
    view.regime_confidence = outcome.confidence;
    view.policy_min_edge_bps = outcome.min_edge_bps;
    view.policy = std::string(outcome.verdict);
    view.status = status_of(gate_status(), view.policy);
    view.last_seen = utc;
    it->second.last_seen_mono = now;
  }

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
    if (control == nullptr) return;
    control::SafetyEvent event;
    event.code = code;
    event.component = component;
    event.summary = summary;
    if (auto raised = control->safety_action(event); !raised) {
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

  // ctx:budget: the caps of the running configuration; nothing is open until the
  // executor exists.
  scripting::BudgetView budget() const {
    return scripting::BudgetView{config.risk.max_notional_per_position_usdt, config.risk.max_total_notional_usdt, 0};
  }
  scripting::StrategyEnv strategy_env(const config::Config& next) const {
    scripting::StrategyEnv env = bundle::strategy_env(next);
    env.budget = scripting::BudgetView{next.risk.max_notional_per_position_usdt, next.risk.max_total_notional_usdt, 0};
    return env;
  }

  // On the engine thread, between two events: build everything new, then swap.
  ReloadReport reload(const EngineBundle& next) {
    const MonoTime started = clock.now();
    ReloadReport report;
    StrategySet::Plan plan = strategies.prepare(next.config, &next.bundle, next.version, strategy_env(next.config));
    report.errors = to_reload_errors(plan.errors);
    std::optional<LoadedPipeline> pipeline;
    const std::string policy_print = PolicyStage::fingerprint(next.config, &next.bundle);
    if (policy_print != policy.fingerprint() || (policy_print.empty() && next.bundle.has_policies())) {
      auto built = PolicyStage::build(next.config, &next.bundle, clock, script_watchdog);
      if (!built) {
        ReloadError error{"policies/", 0, built.error().message};
        for (const char* name : {"regime.lua", "policy_matrix.lua", "sizing.lua", "circuit_breakers.lua"}) {
          const std::string path = std::string("policies/") + name;
          if (const auto at = error.message.find(path); at != std::string::npos) {
            error.file = path;
            error.line = std::atoi(error.message.c_str() + at + path.size() + 1);
            break;
          }
        }
        report.errors.push_back(std::move(error));
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
    // Only the hot part of the configuration changes (the rest was checked equal). Built
    // aside first: from the commit on, nothing may throw, or the swap would be half done
    // while the caller is told it failed.
    config::Config running = config;
    running.strategies = next.config.strategies;
    running.risk = next.config.risk;
    running.scripting.instruction_budget = next.config.scripting.instruction_budget;
    running.scripting.memory_limit_mb = next.config.scripting.memory_limit_mb;
    running.scripting.max_consecutive_errors = next.config.scripting.max_consecutive_errors;
    running.scripting.risk_level = next.config.scripting.risk_level;
    running.engine.opportunity_ttl_ms = next.config.engine.opportunity_ttl_ms;
    // Venue fees travel in the strategies' fingerprint and env; the venues themselves stay.
    for (std::size_t i = 0; i < running.venues.size() && i < next.config.venues.size(); ++i) {
      running.venues[i].maker_fee_bps = next.config.venues[i].maker_fee_bps;
      running.venues[i].taker_fee_bps = next.config.venues[i].taker_fee_bps;
    }

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
      for (auto& slot : strategies.slots()) slot.runner->set_budget(budget());  // kept ones see the new caps
      // What a replaced or stopped version proposed is not the new logic's: drop it.
      std::erase_if(opportunities, [&](const auto& item) {
        return std::find(gone.begin(), gone.end(), item.first.strategy) != gone.end();
      });
      report.engine_time = clock.now() - started;
      log.info("config_reloaded", {{"version", next.version},
                                   {"started", plan_names(report.started)},
                                   {"replaced", plan_names(report.replaced)},
                                   {"stopped", plan_names(report.stopped)},
                                   {"kept", plan_names(report.kept)},
                                   {"policies_reloaded", report.policies_reloaded}});
    } catch (...) {
      // Bookkeeping only; the swap itself is done.
    }
    return report;
  }

  static std::string plan_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
    return out;
  }

  void publish_snapshot() {
    const MonoTime now = clock.now();
    const auto ttl = std::chrono::milliseconds(config.engine.opportunity_ttl_ms);
    std::erase_if(opportunities, [&](const auto& item) { return now - item.second.last_seen_mono > ttl; });

    auto snap = std::make_shared<EngineSnapshot>();
    snap->ts = clock.utc();
    snap->built_at = now;
    snap->mode = current_mode();
    snap->hold_reason = hold_reason;
    snap->hold_since = hold_since;
    snap->safe_mode = current_safe_mode();
    snap->dry_run_mode = control == nullptr ? config.dry_run_mode : control->dry_run_mode();
    if (control != nullptr) {
      const control::ControlState state = control->state();
      snap->hold_reason = state.reason;
      snap->hold_since_text = state.since;
    }
    snap->book_events = book_events;
    snap->bundle_version = bundle_version;
    snap->reloads = reloads;
    const std::string gate = gate_status();
    for (auto& [key, state] : opportunities) {
      state.view.status = status_of(gate, state.view.policy);
      snap->opportunities.push_back(state.view);
    }
    std::sort(snap->opportunities.begin(), snap->opportunities.end(),
              [](const OpportunityView& a, const OpportunityView& b) { return a.net_spread_bps > b.net_spread_bps; });
    snap->books = books.views(now);
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
      snap->strategies.push_back(std::move(view));
    }
    if (const scripting::PolicyPipeline* pipeline = policy.pipeline()) {
      const auto& stats = pipeline->stats();
      snap->policy.loaded = true;
      snap->policy.degraded = stats.degraded;
      snap->policy.calls = stats.calls;
      snap->policy.faults = stats.faults;
      snap->policy.fallbacks = stats.fallbacks;
      snap->policy.clamped_sizes = stats.clamped_sizes;
      if (stats.last_fault) {
        snap->policy.last_fault = stats.last_fault->message;
        snap->policy.last_fault_where = stats.last_fault->where();
      }
      snap->policy.regimes = regime_cache;
      for (const auto& verdict : policy.breaker_verdicts()) {
        snap->policy.breakers.push_back({verdict.rule, std::string(scripting::to_string(verdict.action)),
                                         std::string(scripting::to_string(verdict.severity)), verdict.reason});
      }
    }
    // The books a validation dry-runs on: copied at most once a second (only a config
    // validation reads them; copying every book at every snapshot would be waste).
    if (!recorded_market || now - recorded_market_at >= std::chrono::seconds(1)) {
      auto recorded = std::make_shared<scripting::RecordedMarket>(venue_ids_, snap->ts);
      for (const auto& venue_id : venue_ids_) {
        for (const auto& symbol : config.symbols) {
          if (const md::OrderBook* book = books.find(venue_id, symbol); book != nullptr) recorded->add(*book);
          if (auto rate = funding(venue_id, symbol)) recorded->add_funding(venue_id, symbol, *rate);
        }
      }
      recorded_market = std::move(recorded);
      recorded_market_at = now;
    }
    snap->market = recorded_market;
    slot.publish(std::move(snap));
  }

  // Every 10 ms (the resolution of ctx:set_timer): fire the strategies' due timers.
  void schedule_strategy_timers() {
    strategy_timer = clock.call_after(std::chrono::milliseconds(10), [this] {
      strategy_timer = 0;
      intents.clear();
      const MonoTime now = clock.now();
      for (auto& slot : strategies.slots()) slot.runner->fire_due_timers(now, intents);
      const UtcTime utc = clock.utc();
      for (const auto& intent : intents) record_opportunity(intent, now, utc);
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

Engine::Engine(config::Config config, Logger log, control::ControlPlane* control)
    : config_(std::move(config)), log_(std::move(log)), control_(control) {}

Engine::~Engine() { stop(); }

Status Engine::start(const bundle::Bundle* initial, std::int64_t version) {
  if (loop_) return make_error(Errc::conflict, "engine already started");
  auto loop = std::make_unique<Loop>(config_, log_, snapshots_, control_);
  loop->hold_since = loop->clock.utc();

  venues::sim::RandomWalkParams params;
  params.seed = config_.sim.seed;
  params.volatility_bps = config_.sim.volatility_bps;
  params.dislocation_probability = config_.sim.dislocation_probability;
  params.dislocation_bps_min = config_.sim.dislocation_bps_min;
  params.dislocation_bps_max = config_.sim.dislocation_bps_max;
  params.dislocation_steps = std::max(1, config_.sim.dislocation_duration_ms / std::max(1, config_.sim.tick_ms));
  params.start_prices = config_.sim.start_prices;
  for (const auto& venue : config_.venues) loop->venue_ids_.push_back(venue.id);
  loop->market = std::make_shared<venues::sim::RandomWalkMarket>(params, loop->venue_ids_, config_.symbols);

  venues::sim::RandomWalkVenueParams venue_params;
  venue_params.tick = std::chrono::milliseconds(config_.sim.tick_ms);
  venue_params.spread_bps = config_.sim.spread_bps;
  venue_params.depth_levels = config_.sim.depth_levels;
  if (auto built = loop->embedded.build(config_, loop->io, loop->clock, log_); !built) return built.error();
  auto adapters = loop->embedded.take_adapters();
  auto next_adapter = adapters.begin();
  for (const auto& venue : config_.venues) {
    if (venue.kind != "sim") {
      loop->venues.push_back(std::move(*next_adapter++));  // embedded adapters come in config order
      continue;
    }
    std::vector<md::InstrumentSpec> instruments;
    for (const auto& symbol : config_.symbols) {
      const auto price = config_.sim.start_prices.count(symbol) ? config_.sim.start_prices.at(symbol) : 100.0;
      instruments.push_back(sim_instrument(venue.id, symbol, price));
      loop->books.add(md::OrderBook(instruments.back()));
    }
    loop->venues.push_back(std::make_unique<venues::sim::RandomWalkVenue>(venue.id, std::move(instruments),
                                                                          loop->market, loop->clock, venue_params));
  }

  StrategySet::Plan plan = loop->strategies.prepare(config_, initial, version, loop->strategy_env(config_));
  if (!plan.ok()) {
    std::string message;
    for (const auto& error : plan.errors) message += (message.empty() ? "" : "; ") + error.message;
    return make_error(Errc::script_error, message);
  }
  for (const auto& slot : plan.slots) {
    log_.info("strategy_loaded", {{"strategy", slot.runner->name()}, {"file", slot.file}});
  }
  loop->strategies.commit(std::move(plan));
  auto pipeline = PolicyStage::build(config_, initial, loop->clock, loop->script_watchdog);
  if (!pipeline) return make_error(Errc::script_error, "policies: " + pipeline.error().message);
  if (pipeline->pipeline) log_.info("policies_loaded", {{"fingerprint", pipeline->fingerprint.substr(0, 12)}});
  loop->policy.install(std::move(*pipeline));
  loop->bundle_version = version;

  Loop* raw = loop.get();
  boost::asio::post(raw->io, [raw] {
    for (auto& venue : raw->venues) {
      raw->feeds.push_back(std::make_unique<Loop::VenueFeed>(*raw, venue->id()));
      venue->start(*raw->feeds.back());
    }
    raw->publish_snapshot();
    raw->schedule_snapshots();
    raw->schedule_strategy_timers();  // a reload may add strategies with timers
  });
  raw->thread = std::thread([raw] {
    auto guard = boost::asio::make_work_guard(raw->io);
    for (;;) {
      try {
        raw->io.run();
        break;
      } catch (const std::exception& e) {
        raw->log.error("engine_loop_exception", {{"error", e.what()}});
      } catch (...) {
        raw->log.error("engine_loop_exception", {{"error", "unknown exception (a foreign one, e.g. from Lua)"}});
      }
    }
  });
  // The first snapshot exists before start() returns, so the API never serves "no state".
  loop_ = std::move(loop);
  for (int i = 0; i < 200 && !snapshots_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  log_.info("engine_started", {{"venues", config_.venues.size()},
                               {"symbols", config_.symbols.size()},
                               {"strategies", raw->strategies.slots().size()},
                               {"mode", "HOLD"}});
  return {};
}

void Engine::stop() {
  if (!loop_) return;
  Loop* raw = loop_.get();
  boost::asio::post(raw->io, [raw] {
    for (auto& venue : raw->venues) venue->stop();
    raw->strategies.stop_all();
    if (raw->snapshot_timer != 0) raw->clock.cancel(raw->snapshot_timer);
    if (raw->strategy_timer != 0) raw->clock.cancel(raw->strategy_timer);
    raw->io.stop();
  });
  if (raw->thread.joinable()) raw->thread.join();
  loop_.reset();
  log_.info("engine_stopped");
}

ReloadReport Engine::reload(EngineBundle next, std::chrono::milliseconds timeout) {
  ReloadReport refused;
  if (!loop_) {
    refused.errors.push_back({"", 0, "the engine is not running"});
    return refused;
  }
  // The waiter and the engine task agree through `state`: a task that has not started
  // when the waiter gives up never runs, so a reload reported as failed never lands later.
  struct Shared {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool started = false, abandoned = false, done = false;
    ReloadReport report;
    EngineBundle next;
  };
  auto shared = std::make_shared<Shared>();
  shared->next = std::move(next);
  Loop* raw = loop_.get();
  boost::asio::post(raw->io, [raw, shared] {
    {
      std::lock_guard lock(shared->mutex);
      if (shared->abandoned) return;
      shared->started = true;
    }
    shared->done_cv.notify_all();
    ReloadReport report;
    try {
      report = raw->reload(shared->next);
    } catch (const std::exception& e) {
      report = ReloadReport{};
      report.errors.push_back({"", 0, std::string("internal: reload failed: ") + e.what()});
    } catch (...) {
      report = ReloadReport{};
      report.errors.push_back({"", 0, "internal: reload failed with an unknown exception"});
    }
    std::lock_guard lock(shared->mutex);
    shared->report = std::move(report);
    shared->done = true;
    shared->done_cv.notify_all();
  });
  std::unique_lock lock(shared->mutex);
  if (!shared->done_cv.wait_for(lock, timeout, [&] { return shared->started; })) {
    shared->abandoned = true;
    refused.timed_out = true;
    refused.errors.push_back({"", 0, "the engine thread did not take the reload within " +
                                         std::to_string(timeout.count()) + " ms; nothing was changed"});
    return refused;
  }
  shared->done_cv.wait(lock, [&] { return shared->done; });
  return std::move(shared->report);
}

}  // namespace propbot::app
