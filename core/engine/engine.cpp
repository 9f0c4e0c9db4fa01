// Engine: the lifecycle of the one decision loop (engine.hpp) — load, start, reload, stop,
// the dead-man disarm at shutdown and the published snapshot. The loop itself is
// engine_loop.hpp; the operator's actions on it are engine_operator.cpp.
#include "core/engine/engine_loop.hpp"

namespace propbot::engine {

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
  loop.restore_risk_state();  // before the journal's fills are replayed into it
  if (loop.sinks.execution.journal != nullptr && !loop.executor) {
    // Positions are derived from the journal's fills, never from a cache.
    const exec::Journal& journal = *loop.sinks.execution.journal;
    // The governor's realised PnL (today, this month, each strategy's budget) from every
    // journaled fill, so a restart does not hand the day's loss budget back.
    auto rebuilt = ledger::JournalPositions::rebuild(
        journal, [&loop](const exec::FillEntry& fill, const ledger::PositionBook& book,
                         const std::vector<std::pair<std::uint64_t, Decimal>>& realized) {
          loop.account_fill(fill, book, realized);
          loop.ledger_fill(fill, realized, false);
        });
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
    loop.start_ledger();
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
  // Each venue's clock against ours, every risk.clock_skew_probe_interval_ms (S-2.5).
  if (!loop.venues.empty()) {
    ClockSkewProbeOptions probe_options;
    probe_options.interval = std::chrono::milliseconds(loop.config.risk.clock_skew_probe_interval_ms);
    loop.skew_probe = std::make_unique<ClockSkewProbe>(
        loop.clock, loop.venues, probe_options, loop.log,
        [&loop](const std::string& venue, double skew_ms) { loop.on_clock_skew(venue, skew_ms); });
    loop.skew_probe->start();
  }
  // Nothing is sent before every unfinished journal entry is resolved with its venue.
  if (loop.executor) loop.executor->reconcile();
  loop.refresh_marks();  // publish_snapshot() takes the marks evaluate_risk() refreshes; none ran yet
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
  if (loop.skew_probe) loop.skew_probe->stop();
  if (loop.recon) loop.recon->stop();
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

std::shared_ptr<const EngineSnapshot> Engine::snapshot() const { return loop_->slot.load(); }

}  // namespace propbot::engine
