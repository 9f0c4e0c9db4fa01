#include "core/app/engine.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/app/book_board.hpp"
#include "core/app/embedded_venues.hpp"
#include "core/control/control_plane.hpp"
#include "core/venues/sim/random_walk_market.hpp"
#include "core/venues/sim/random_walk_venue.hpp"
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

struct OpportunityKey {
  std::string strategy, symbol, long_venue, short_venue;
  auto operator<=>(const OpportunityKey&) const = default;
};

struct OpportunityState {
  OpportunityView view;
  MonoTime last_seen_mono{};
};

}  // namespace

// Everything that lives on the engine thread.
struct Engine::Loop final : scripting::MarketView {
  Loop(const config::Config& config, Logger log, SnapshotSlot& slot, const control::ControlPlane* control)
      : config(config), log(std::move(log)), slot(slot), control(control), clock(io) {}

  const config::Config& config;
  Logger log;
  SnapshotSlot& slot;
  const control::ControlPlane* control;  // the mode source; null = HOLD forever
  boost::asio::io_context io;
  RealClock clock;
  std::thread thread;

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
    void on_funding(const venues::FundingInfo& info) override { loop.books.on_funding(venue, info); }
    Loop& loop;
    std::string venue;
  };
  std::vector<std::unique_ptr<VenueFeed>> feeds;
  std::vector<std::unique_ptr<scripting::StrategyRunner>> strategies;
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

  void on_book(const md::OrderBook& update) {
    ++book_events;
    books.on_book(update);

    intents.clear();
    const scripting::BookEvent event{update.spec().venue, update.spec().symbol};
    for (auto& strategy : strategies) strategy->on_book(event, intents);
    const MonoTime now = clock.now();
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

  ControlMode current_mode() const {
    if (control == nullptr) return ControlMode::hold;
    switch (control->mode()) {
      case control::Mode::hold: return ControlMode::hold;
      case control::Mode::resume: return ControlMode::resume;
      case control::Mode::kill: return ControlMode::kill;
    }
    return ControlMode::hold;
  }
  bool current_safe_mode() const { return control == nullptr ? config.safe_mode : control->safe_mode(); }

  std::string gate_status() const {
    const ControlMode now = current_mode();
    if (now == ControlMode::kill) return "blocked_by_kill";
    if (now == ControlMode::hold) return "blocked_by_hold";
    if (current_safe_mode()) return "blocked_by_safe_mode";
    return "ready";
  }

  void record_opportunity(const scripting::Intent& intent, MonoTime now, UtcTime utc) {
    OpportunityKey key{intent.strategy, intent.symbol, intent.long_venue, intent.short_venue};
    auto [it, inserted] = opportunities.try_emplace(key);
    OpportunityView& view = it->second.view;
    if (inserted) {
      view.strategy = intent.strategy;
      view.symbol = intent.symbol;
      view.long_venue = intent.long_venue;
      view.short_venue = intent.short_venue;
      view.first_seen = utc;
    }
    view.spread_bps = intent.spread_bps;
    view.net_spread_bps = intent.net_spread_bps;
    view.notional_suggestion = intent.notional_usdt;
    view.long_price = intent.long_price;
    view.short_price = intent.short_price;
    view.status = gate_status();
    view.last_seen = utc;
    it->second.last_seen_mono = now;
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
    for (auto& [key, state] : opportunities) {
      state.view.status = gate_status();
      snap->opportunities.push_back(state.view);
    }
    std::sort(snap->opportunities.begin(), snap->opportunities.end(),
              [](const OpportunityView& a, const OpportunityView& b) { return a.net_spread_bps > b.net_spread_bps; });
    snap->books = books.views(now);
    for (const auto& runner : strategies) {
      const auto& stats = runner->stats();
      StrategyView view;
      view.name = runner->name();
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
    slot.publish(std::move(snap));
  }

  // Every 10 ms (the resolution of ctx:set_timer): fire the strategies' due timers.
  void schedule_strategy_timers() {
    strategy_timer = clock.call_after(std::chrono::milliseconds(10), [this] {
      strategy_timer = 0;
      intents.clear();
      const MonoTime now = clock.now();
      for (auto& strategy : strategies) strategy->fire_due_timers(now, intents);
      const UtcTime utc = clock.utc();
      for (const auto& intent : intents) record_opportunity(intent, now, utc);
      schedule_strategy_timers();
    });
  }

  void schedule_snapshots() {
    snapshot_timer = clock.call_after(std::chrono::milliseconds(config.engine.snapshot_interval_ms), [this] {
      snapshot_timer = 0;
      try {
        publish_snapshot();
      } catch (const std::exception& e) {
        // A long-running loop reports and carries on; it never dies silently.
        log.error("snapshot_failed", {{"error", e.what()}});
      }
      schedule_snapshots();
    });
  }
};

Engine::Engine(config::Config config, Logger log, const control::ControlPlane* control)
    : config_(std::move(config)), log_(std::move(log)), control_(control) {}

Engine::~Engine() { stop(); }

Status Engine::start() {
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

  scripting::SandboxLimits limits;
  limits.instruction_budget = config_.scripting.instruction_budget;
  limits.memory_limit_bytes = static_cast<std::size_t>(config_.scripting.memory_limit_mb) << 20;
  for (const auto& strategy : config_.strategies) {
    if (!strategy.enabled) continue;
    scripting::StrategySpec spec;
    spec.name = strategy.name;
    spec.display_name = strategy.file;
    spec.path = (std::filesystem::path(config_.scripting.bundle_dir) / strategy.file).string();
    spec.params = strategy.params;
    auto log = log_;
    auto runner = scripting::StrategyRunner::load(
        spec, limits, loop->clock, *loop, config_.scripting.max_consecutive_errors,
        [log](const std::string& name, const std::string& message) {
          log.warn("strategy_log", {{"strategy", name}, {"message", message}});
        });
    if (!runner) return make_error(Errc::script_error, "strategy '" + strategy.name + "': " + runner.error().message);
    log_.info("strategy_loaded", {{"strategy", strategy.name}, {"file", strategy.file}});
    loop->strategies.push_back(std::move(*runner));
  }

  Loop* raw = loop.get();
  boost::asio::post(raw->io, [raw] {
    for (auto& venue : raw->venues) {
      raw->feeds.push_back(std::make_unique<Loop::VenueFeed>(*raw, venue->id()));
      venue->start(*raw->feeds.back());
    }
    raw->publish_snapshot();
    raw->schedule_snapshots();
    if (!raw->strategies.empty()) raw->schedule_strategy_timers();
  });
  raw->thread = std::thread([raw] {
    auto guard = boost::asio::make_work_guard(raw->io);
    for (;;) {
      try {
        raw->io.run();
        break;
      } catch (const std::exception& e) {
        raw->log.error("engine_loop_exception", {{"error", e.what()}});
      }
    }
  });
  // The first snapshot exists before start() returns, so the API never serves "no state".
  loop_ = std::move(loop);
  for (int i = 0; i < 200 && !snapshots_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  log_.info("engine_started", {{"venues", config_.venues.size()},
                               {"symbols", config_.symbols.size()},
                               {"strategies", raw->strategies.size()},
                               {"mode", "HOLD"}});
  return {};
}

void Engine::stop() {
  if (!loop_) return;
  Loop* raw = loop_.get();
  boost::asio::post(raw->io, [raw] {
    for (auto& venue : raw->venues) venue->stop();
    if (raw->snapshot_timer != 0) raw->clock.cancel(raw->snapshot_timer);
    if (raw->strategy_timer != 0) raw->clock.cancel(raw->strategy_timer);
    raw->io.stop();
  });
  if (raw->thread.joinable()) raw->thread.join();
  loop_.reset();
  log_.info("engine_stopped");
}

}  // namespace propbot::app
