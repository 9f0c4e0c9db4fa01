// Executor: turns approved intents into venue orders, exactly once, and keeps a hedge
// hedged (SPEC S-8.1, S-8.2, S-8.6; DESIGN-NOTES "Client order ids", "Two-leg
// execution").
//
// A hedged pair is two legs on two venues. Leg A — the thinner book, the harder fill —
// goes first as a protected IOC; every fill of A, partial ones included, sends leg B
// for exactly the unhedged quantity at once, on this thread, with no batching window,
// rounded DOWN to B's step (never over-hedge). B orders that end unfilled are retried
// on the same venue, then on the other venues that list the symbol; when B is not
// filled for everything A filled within `hedge_deadline` of A's first fill, the trade
// is `hedge_lost`: P0 through the desk's one safety-action function (HOLD) and the
// listener marks the position partial. Both legs' tick, step and min-notional are
// checked before A is sent, so B is never refused for size after A filled.
//
// Exactly once: every order event is recorded in the Journal BEFORE the network call
// that follows from it; a network error is an UNKNOWN outcome, resolved by querying the
// client order id, never by re-sending; a retry is a new attempt with a new id. At start,
// reconcile() resolves every unfinished journal entry against its venue before anything
// is sent, cancels stale and unexplained orders, finishes the hedges the crash
// interrupted, and tells the desk whether the result is clean (resume waits for it).
//
// Thread: one driving thread (the engine's) for every call and every callback; the
// Clock's timers run there too. Not thread-safe; views are copied out by the caller.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/intent.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/exec/execution_ports.hpp"
#include "core/exec/executor_guards.hpp"
#include "core/exec/executor_options.hpp"
#include "core/exec/journal.hpp"
#include "core/exec/venue_stats.hpp"
#include "core/risk/runaway_breaker.hpp"
#include "core/venues/venue.hpp"

namespace propbot::exec {

// Why an intent was not traded. Stable names (metrics label `reason`).
enum class SkipReason {
  not_reconciled,      // start-up reconciliation has not finished clean
  intake_closed,       // a cancel_all / hedge_flatten / kill closed the intake
  runaway_breaker,     // orders/min or cancels/min over the limit, or a logic loop (HTTP 423)
  mode_blocks,         // HOLD or KILL
  unknown_venue,
  no_book,             // a leg's venue has no valid book for the symbol
  below_minimum,       // a leg would break the venue's min qty / min notional
  pair_busy,           // a hedge on this symbol and venue pair is still outstanding
  no_position,         // reduce-only, but the strategy holds nothing to reduce there
  route_blocked,       // the router found a leg's venue bad (P1 route_blocked_all_venues_bad)
  journal_failed,      // the journal could not record: nothing was sent
  invalid_intent,
};
std::string_view to_string(SkipReason reason);

enum class TradeState { working, hedged, hedge_lost, done, refused };
std::string_view to_string(TradeState state);

// One hedge order, as GET /api/ui/hedge/log shows it (SPEC S-8.2).
struct HedgeRecord {
  std::uint64_t trade_parent_id = 0;
  std::string client_order_id;
  std::string venue;
  double partial_fill_pct = 0;      // leg A filled / leg A target, when the hedge was sent
  Decimal hedge_sent;               // base qty of this hedge order
  std::optional<double> hedge_latency_ms;  // A fill seen → B acknowledged
  std::int64_t ts_ms = 0;
};

struct ExecutionCounters {
  std::uint64_t intents_received = 0;
  std::uint64_t trades_started = 0;
  std::uint64_t orders_sent = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t hedges_sent = 0;
  std::uint64_t hedges_lost = 0;
  std::uint64_t unknown_outcomes = 0;   // network errors resolved by query
  std::uint64_t cancels_sent = 0;
  std::uint64_t cancels_failed = 0;     // a venue refused a cancel (not "unknown order": that one had ended)
  std::uint64_t zombies_cancelled = 0;  // open orders at a venue the executor did not know (the hunter)
  std::uint64_t fills = 0;
  std::uint64_t dead_man_arm_failures = 0;      // arms / refreshes a venue refused or lost
  std::uint64_t stale_post_only_cancels = 0;    // cancels of the post-only staleness guard
  std::map<std::string, std::uint64_t> skipped;  // by SkipReason name
};

struct OrderView {
  OrderEntry entry;   // the last journal entry
  bool working = false;
};

struct TradeView {
  std::uint64_t id = 0;
  std::string strategy;
  std::string symbol;
  TradeState state = TradeState::working;
  std::string leg_a_venue, leg_b_venue;
  Decimal target, a_filled, b_filled;
  std::string reason;
};

struct ReconReport {
  bool finished = false;
  bool clean = false;
  int orders_resolved = 0;
  int fills_recovered = 0;        // fills the venues' histories had and the journal did not
  int orders_cancelled = 0;       // stale orders of ours found open at start
  int unexplained_orders = 0;     // at a venue, not explained by the journal (cancelled)
  int hedges_resumed = 0;
  std::vector<std::string> problems;  // what was not clean, one line each
};

struct ExecutionView {
  ExecutionCounters counters;
  std::vector<OrderView> orders;   // working first, then recent finished (bounded)
  std::vector<TradeView> trades;
  std::vector<HedgeRecord> hedge_log;  // newest last, bounded
  std::map<std::string, int> open_orders_per_venue;  // real orders only (simulated ones are at twins)
  std::vector<VenueHealthView> venue_health;  // the router's history, per configured venue
  std::vector<risk::Trip> breaker_trips;      // standing runaway-breaker trips
  ReconReport recon;
  std::optional<double> hedge_latency_p95_ms;
  std::int64_t dead_man_timeout_ms = 0;  // configured; 0 = off
  std::vector<DeadManView> dead_man;     // one per venue, in the venues' order
};

// What submit() would send for a hedged pair, without sending (POST /api/arb/preview).
struct TradePreview {
  Decimal quantity;            // per leg, base coin, on both venues' steps
  std::string leg_a_venue;     // sent first (the thinner book)
  Side leg_a_side = Side::buy;
  Decimal leg_a_limit;         // the protected IOC limit
  std::string leg_b_venue;
  Side leg_b_side = Side::sell;
};

// What cancel_all / hedge_flatten did, verified by asking the venues afterwards.
struct SafetyReport {
  std::string action;          // "cancel_all" | "hedge_flatten"
  bool flat = false;           // every venue answered: no open order (and no position, for a flatten)
  int orders_cancelled = 0;    // as the venues reported
  int flatten_orders = 0;      // reduce-only orders sent
  std::vector<std::string> remaining;  // what is still open or not flat, one line each
};

// A standing trip as the API shows it: {"scope", "kind", "strategy", "symbol", "count",
// "limit", "window_seconds", "reason"}.
nlohmann::json trip_json(const risk::Trip& trip);

class Executor {
 public:
  // `venues` and every referenced object must outlive the executor.
  Executor(ExecutorOptions options, Clock& clock, std::vector<venues::Venue*> venues, Journal& journal,
           ExecutionDesk& desk, const MarketLookup& market, ExecutionListener* listener, Logger log);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Start-up reconciliation (see the header comment); call once, after the venues
  // started. Idempotent while running.
  void reconcile();
  bool reconciled() const;

  // Where reduce-only intents find the position they close (the ledger); without it every
  // reduce-only intent is refused (no_position). Must outlive the executor.
  void set_positions(const PositionLookup* positions);

  // Dry run: every order of a `simulated` trade (a trade submitted while the desk's
  // dry_run_mode is on, or the close of a simulated position) goes to the twin of its
  // venue, never to the venue; without twins simulated trades are refused
  // (unknown_venue). cancel_all and hedge_flatten sweep the twins too. Must outlive the
  // executor; set before reconcile().
  void set_twins(TwinVenues* twins);

  // An approved intent: trades it, or says why not. `sized_notional_usdt` > 0 replaces
  // the intent's notional (the policy's sizing, already clamped to the caps). Returns the
  // trade (= position) id.
  Result<std::uint64_t> submit(const Intent& intent, double sized_notional_usdt = 0);

  // Every check submit() makes, nothing journaled or sent: the pair's legs as they would
  // go out, or why not (the same SkipReason text). Hedged pairs only.
  Result<TradePreview> preview(const Intent& intent, double sized_notional_usdt = 0);

  // The venues' private streams (the engine's per-venue feeds call these). A private
  // stream that comes back after a drop has the venue's open orders cancelled
  // (cancel-on-disconnect): what rested while the desk was blind does not stay.
  void on_order_update(const std::string& venue, const venues::OrderState& order);
  void on_fill(const std::string& venue, const venues::Fill& fill);
  void on_private_stream(const std::string& venue, bool connected);

  // Cancels every open order on every venue and symbol — the venue's cancel-all first
  // (the fastest path), then whatever a listing still shows one by one — and verifies by
  // listing again. `done` runs once, on this thread. Also refuses new trades from now on
  // until resume_intake() (the kill path closes the intake first).
  void cancel_all(std::function<void(const SafetyReport&)> done);
  // cancel_all, then closes every position the venues report with reduce-only IOC
  // orders (journaled like every order, strategy "system"), re-asking the venues until
  // they report flat or `flatten_rounds` ran out. P0 hedge_flatten_called when it starts.
  void hedge_flatten(const std::string& reason, std::function<void(const SafetyReport&)> done);
  // New intents are refused (closed by cancel_all / hedge_flatten) or accepted again.
  void resume_intake();
  bool intake_open() const;

  // Disarms every dead-man switch this executor armed (a clean shutdown: the desk
  // leaves on purpose) and stops refreshing them; `done` runs once on this thread when
  // every venue answered or failed (at once when nothing was armed).
  void disarm_dead_man(std::function<void()> done);

  // The standing runaway-breaker trip, as the 423 body says it; nullopt when none.
  std::optional<std::string> breaker_trip() const;
  // Operator: clears the standing runaway-breaker trips — every one (no strategy), or one
  // strategy's — and returns those cleared (empty: nothing stood there). The counts stay:
  // a storm still going trips again at once.
  std::vector<risk::Trip> reset_breaker(const std::optional<std::string>& strategy);

  ExecutionView view() const;
  // Grows whenever anything view() shows changed: a caller re-copies the view only then.
  std::uint64_t change_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace propbot::exec
