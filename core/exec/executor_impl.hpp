// The executor's state, shared by its translation units: executor.cpp (intents, orders,
// the private stream), hedging.cpp (leg B), executor_recon.cpp (start-up
// reconciliation) and executor_views.cpp. Internal to core/exec.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/exec/executor.hpp"
#include "core/exec/order_math.hpp"
#include "core/exec/rolling_percentile.hpp"
#include "core/exec/router.hpp"
#include "core/exec/venue_stats.hpp"
#include "core/risk/runaway_breaker.hpp"

namespace propbot::exec {

// An order the executor sent (or planned) and has not forgotten yet.
struct WorkingOrder {
  OrderEntry entry;            // the last journal entry
  Decimal fills_seen;          // Σ fills the private stream reported for it
  bool unknown = false;        // sent; the outcome is being resolved by query
  bool cancel_sent = false;
  Clock::TimerId timer = 0;    // place deadline, resting ttl or cancel deadline
  std::optional<MonoTime> sent_at;          // place() called, no answer yet (VenueStats latency)
  std::optional<MonoTime> hedge_fill_seen;  // a hedge: when the A fill it answers was seen
  std::size_t hedge_record = SIZE_MAX;      // index into hedge_log_ (absolute counter)

  Decimal filled() const { return entry.filled_quantity > fills_seen ? entry.filled_quantity : fills_seen; }
  bool terminal() const { return is_terminal(entry.event); }
};

struct Trade {
  std::uint64_t id = 0;
  std::uint64_t position_id = 0;  // = id for an opening; the closed position for a close
  bool reduce_only = false;       // a close: never flips a position
  std::string strategy;
  std::string symbol;
  IntentKind kind = IntentKind::hedged_pair;
  bool simulated = false;
  TradeState state = TradeState::working;
  std::string reason;
  // Leg A (a single order is leg A alone).
  std::string venue_a;
  Side side_a = Side::buy;
  Decimal target;               // leg A's quantity
  std::vector<std::string> a_orders;  // client order ids
  // Leg B (pairs only).
  std::string venue_b;                // the intent's hedge venue
  Side side_b = Side::sell;
  std::vector<std::string> b_orders;
  std::vector<std::string> hedge_venues;  // venue_b first, then alternatives
  std::size_t hedge_venue_index = 0;
  int failures_on_venue = 0;
  std::optional<MonoTime> first_fill_at;
  Clock::TimerId hedge_timer = 0;
  Clock::TimerId retry_timer = 0;  // waiting for the hedge venue's book
  std::string planned_b;        // the client order id of B's `intent` entry
  std::int64_t opened_at_ms = 0;
};

// One venue's dead-man switch (executor_guards.cpp). Bounded: one per configured venue.
struct DeadManSwitch {
  DeadManState state = DeadManState::waiting;
  bool connected_once = false;     // its private stream came up: it is refreshed from then on
  std::uint64_t round = 0;         // the current round (older answers only count failures)
  int outstanding = 0;             // arm calls of the current round still unanswered
  bool round_failed = false;
  std::int64_t armed_timeout_ms = 0;
  std::int64_t last_armed_ms = 0;
  std::uint64_t failures = 0;
  std::string last_error;
};

struct Executor::Impl {
  Impl(ExecutorOptions options, Clock& clock, std::vector<venues::Venue*> venues, Journal& journal,
       ExecutionDesk& desk, const MarketLookup& market, ExecutionListener* listener, Logger log);

  ExecutorOptions options;
  Clock& clock;
  std::vector<venues::Venue*> venue_list;
  Journal& journal;
  ExecutionDesk& desk;
  const MarketLookup& market;
  ExecutionListener* listener;
  const PositionLookup* positions = nullptr;
  TwinVenues* twins = nullptr;  // dry run: where simulated orders go
  Logger log;

  std::unordered_map<std::string, WorkingOrder> orders;  // by client order id
  std::map<std::uint64_t, Trade> trades;                  // working trades by id
  std::deque<OrderView> finished_orders;                  // bounded: options.recent_orders
  std::deque<TradeView> finished_trades;                  // bounded: options.recent_trades
  std::deque<HedgeRecord> hedge_log;                      // bounded: options.hedge_log_entries
  std::size_t hedge_log_base = 0;                         // absolute index of hedge_log.front()
  RollingPercentile hedge_latencies{options.hedge_latency_window};  // bounded: the window
  bool latency_violation_raised = false;
  risk::RunawayBreaker breaker;  // counts what opens risk; a trip refuses it (hedges and closes go on)
  ExecutionCounters counters;
  std::uint64_t changes = 0;  // see Executor::change_count
  std::uint64_t next_intent_id = 1;
  ReconReport recon;
  bool recon_running = false;
  bool intake_open = true;
  std::map<std::string, bool, std::less<>> stream_down;  // per venue id: its private stream dropped
  int recon_outstanding = 0;
  std::uint64_t recon_hedges_before = 0;  // hedges sent before recon: the rest were resumed
  std::set<std::uint64_t> recon_trades;   // trades rebuilt at start, hedged once recon ends
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // callbacks check it

  venues::Venue* venue(const std::string& id) const;
  // Where an order at `id` goes: the venue, or its twin for a simulated order; null when
  // there is none.
  venues::Venue* target_of(const std::string& id, bool simulated) const;
  venues::Venue* target_of(const OrderEntry& entry) const { return target_of(entry.venue, entry.simulated); }
  // Every venue then every twin (cancel_all, hedge_flatten); `simulated` marks a twin.
  struct SweptVenue {
    venues::Venue* venue = nullptr;
    bool simulated = false;
    std::string label() const { return simulated ? "paper twin of " + venue->id() : venue->id(); }
  };
  std::vector<SweptVenue> swept_venues() const;
  // An open order a real venue reports is ours when a real working order has its id
  // (a simulated order never reaches a venue: its id there is unexplained).
  bool explains(const std::string& client_order_id) const;
  std::int64_t now_ms() const { return to_unix_ms(clock.utc()); }
  // Cancels `timer` when one is pending, and forgets it.
  void stop_timer(Clock::TimerId& timer) {
    if (timer != 0) clock.cancel(timer);
    timer = 0;
  }

  // executor.cpp
  // preview != null: every check, then the plan is written there and nothing is sent.
  Result<std::uint64_t> submit(const Intent& intent, double sized_notional_usdt, TradePreview* preview = nullptr);
  Result<std::uint64_t> submit_pair(const Intent& intent, Decimal notional, TradePreview* preview);
  Result<std::uint64_t> submit_single(const Intent& intent, Decimal notional);
  Result<std::uint64_t> skip(SkipReason reason, const std::string& detail);
  void on_breaker_trip(const risk::Trip& trip);
  // Audit records the trade path produces (route decisions) are written 250 ms later, in
  // one batch, so a synchronous audit write never delays the reaction to a fill.
  // Bounded: beyond kMaxPendingAudits the oldest is dropped (counted).
  void audit_later(std::string action, nlohmann::json details);
  static constexpr std::size_t kMaxPendingAudits = 1000;
  std::deque<std::pair<std::string, nlohmann::json>> pending_audits;
  std::uint64_t audits_dropped = 0;
  Clock::TimerId audit_timer = 0;
  // The router's verdict on one leg (SPEC S-8.4): every venue with a book for the
  // symbol except `excluded` (the other leg's), the intent's `preferred` venue favoured;
  // a close (reduce_only) stays on the venue that holds the position.
  RouteDecision route(const Intent& intent, const std::string& preferred, Side side, Decimal notional,
                      const std::string& excluded) const;
  VenueCandidate route_candidate(const std::string& venue_id, const std::string& symbol) const;
  // Recent reject rate and answer latency per venue (the router's history).
  VenueStats venue_stats;
  // The venue's first answer to an order sent by send(): counted once in venue_stats.
  void note_answer(WorkingOrder& order, OrderAnswer answer);
  // Records `entry` as a new order (its event) and keeps it; errors mean: do not send.
  Status plan_order(const OrderEntry& entry);
  // Records the order's next event; false (logged) when the journal refused it.
  bool record(WorkingOrder& order, OrderEvent event, const std::string& reason = {});
  // new → sent → venue.place(); the answer comes back through apply_state / on_place_error.
  Status send(const std::string& client_order_id);
  void apply_state(const std::string& venue, const venues::OrderState& state);
  void on_fill(const std::string& venue, const venues::Fill& fill);
  void on_place_error(const std::string& client_order_id, const venues::VenueError& error);
  void query(const std::string& client_order_id);
  void cancel(const std::string& client_order_id, const std::string& reason);
  void arm_timer(WorkingOrder& order, Nanos after, std::function<void(const std::string&)> fn);
  void order_progress(const std::string& client_order_id);  // fills or an end changed something
  void retire_order(const std::string& client_order_id);
  void finish_trade(Trade& trade, TradeState state, const std::string& reason);
  Trade* trade_of(const WorkingOrder& order);
  TradeView view_of(const Trade& trade) const;  // what GET /api/ui/execution shows of it
  // A new order of `trade` at its `intent` event: the trade's ids, strategy, symbol,
  // reduce_only and simulated flag, a limit order with `time_in_force`.
  OrderEntry planned_order(const Trade& trade, Leg leg, const std::string& venue, Side side, Decimal quantity,
                           std::optional<Decimal> price,
                           venues::TimeInForce time_in_force = venues::TimeInForce::ioc) const;
  // Sets entry.attempt (the next for its intent and leg) and entry.client_order_id.
  bool assign_client_order_id(OrderEntry& entry);

  // hedging.cpp
  void drive_hedge(Trade& trade);
  void hedge_lost(Trade& trade, const std::string& reason);
  void retry_hedge_soon(Trade& trade);
  void on_hedge_acked(WorkingOrder& order);
  Decimal filled_of(const std::vector<std::string>& client_order_ids) const;  // Σ filled of those still kept
  bool any_working(const std::vector<std::string>& client_order_ids) const;  // one of them kept and not ended
  Decimal a_filled(const Trade& trade) const { return filled_of(trade.a_orders); }
  Decimal b_filled(const Trade& trade) const { return filled_of(trade.b_orders); }
  Decimal b_committed(const Trade& trade) const;

  // executor_safety.cpp: one reduce-only IOC closing `position`; false when none could go out.
  // `simulated`: `target` is a twin (the order is a simulated one).
  bool flatten_position(venues::Venue& target, const venues::Position& position, bool simulated);

  // executor_recon.cpp
  void reconcile();
  void recon_resolve(const OrderEntry& entry);
  // The trade of `intent_id` from every order the journal has of it (none: nothing).
  void rebuild_trade(std::uint64_t intent_id);
  void recon_hunt(venues::Venue& venue);
  void recon_step_done();
  void recon_fetch_fills();
  // Ends the reconciliation once every trade it resumed has ended (finish_trade asks).
  void recon_finish_when_settled();
  std::set<std::uint64_t> recon_waiting;
  void schedule_hunt();
  Clock::TimerId hunt_timer = 0;
  void recon_fetch_fills(venues::Venue& target, const std::string& symbol, std::int64_t since_ms);
  std::map<std::string, std::int64_t> recon_fills_since;  // venue → Unix ms to read fills from
  bool recon_fills_phase = false;

  // executor_guards.cpp: the dead-man switches and the post-only staleness guard.
  void on_venue_connected(const std::string& venue_id);  // arms its switch (first time, or again)
  // One round on `target` (see executor_guards.cpp); `round_done` runs when it ends.
  void arm_dead_man(venues::Venue& target, std::chrono::milliseconds timeout, std::function<void()> round_done = {});
  void schedule_dead_man_refresh();
  void disarm_dead_man(std::function<void()> done);
  void watch_post_only(const std::string& client_order_id);
  void sweep_post_only();
  void schedule_post_only_sweep();  // the next sweep, while an order is watched and none is due
  std::optional<StaleReason> staleness(const WorkingOrder& order, MonoTime watched_since, double& measure) const;
  std::vector<DeadManView> dead_man_views() const;
  std::map<std::string, DeadManSwitch, std::less<>> dead_men;  // by venue id
  Clock::TimerId dead_man_timer = 0;
  bool dead_man_stopped = false;                     // disarmed at shutdown: never re-armed
  std::map<std::string, MonoTime> post_only_watch;   // working post-only orders → watched since (bounded by `orders`)
  Clock::TimerId post_only_timer = 0;
};

}  // namespace propbot::exec
