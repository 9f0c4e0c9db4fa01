// ExecutorOptions: the executor's deadlines, retry policy and protections (SPEC S-8.2,
// S-8.6). The daemon fills them from the `execution:` configuration section; tests set
// them directly. Every bound on memory the executor keeps is here too.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/common/clock.hpp"
#include "core/exec/failpoint.hpp"

namespace propbot::exec {

struct ExecutorOptions {
  // The fencing epoch of this leader (control state `fencing_token`), encoded in every
  // client order id so a newer leader never reuses an older one's ids.
  std::uint64_t fencing_epoch = 1;
  // An order neither acknowledged nor refused this long after it was sent is queried by
  // its client order id (a timeout is UNKNOWN, never "failed").
  Nanos place_deadline = std::chrono::seconds(2);
  // A cancel not confirmed this long after it was sent is queried.
  Nanos cancel_deadline = std::chrono::seconds(2);
  // From leg A's first fill: leg B must be filled for everything A filled by then, or
  // the hedge is lost (P0 hedge_lost, HOLD, position partial).
  Nanos hedge_deadline = std::chrono::seconds(3);
  // Hedge orders tried per venue before the next venue (the intent's, then the others
  // that list the symbol, when alternative_hedge_venues).
  int hedge_attempts_per_venue = 3;
  bool alternative_hedge_venues = true;
  // Worst price accepted against the intent's expected price when it names none.
  double entry_slippage_bps = 10;
  // Protection of a hedge order against the hedge venue's current book.
  double hedge_slippage_bps = 30;
  // hedge_latency_ms (leg A fill seen → leg B acknowledged): p95 over the last
  // `hedge_latency_window` hedges above this → P0 hedge_latency_violation + HOLD.
  double hedge_latency_limit_ms = 500;
  std::size_t hedge_latency_window = 200;
  std::size_t hedge_latency_min_samples = 20;  // no verdict on fewer
  // How long a maker (post-only / resting) order may rest before it is cancelled, when
  // its intent sets no time guard.
  Nanos resting_order_ttl = std::chrono::seconds(10);
  // Bounds: finished trades and orders kept for the API (oldest dropped), hedge log entries.
  std::size_t recent_orders = 500;
  std::size_t recent_trades = 200;
  std::size_t hedge_log_entries = 1000;
  // Runaway breakers (SPEC S-3.3): orders and cancels per minute, for the desk and for
  // each strategy (risk.max_orders_per_min / risk.max_cancels_per_min).
  int max_orders_per_min = 300;
  int max_cancels_per_min = 600;
  // The router's inputs per venue id: the desk's fee tier (bps, taker and maker) and the
  // per-venue exposure cap (risk.max_exposure_per_venue_usdt; 0 = no cap).
  std::map<std::string, std::pair<double, double>, std::less<>> venue_fees;  // venue → (taker, maker)
  double max_exposure_per_venue_usdt = 0;
  // An entry leg may go to another venue that lists the symbol when the router scores it
  // better than the strategy's by more than its tolerance (closes stay where the position is).
  bool route_alternative_venues = true;
  // The symbols cancel_all sweeps on every venue (the configured ones).
  std::vector<std::string> symbols;
  // hedge_flatten: protection of each closing IOC against the touch, how many rounds of
  // "ask the venues, close what they report" before it reports what is left, and how
  // long a round waits for its orders to end before asking again.
  double flatten_slippage_bps = 50;
  int flatten_rounds = 3;
  Nanos flatten_settle = std::chrono::milliseconds(500);
  // Armed by a crash test only (PROPBOT_FAILPOINT): kills the process at a named point.
  Failpoint failpoint;
  // Reconciliation: a venue that does not answer is asked again after this, forever
  // (recon fails closed: the desk stays in HOLD).
  Nanos recon_retry = std::chrono::seconds(2);
  // The dead-order hunter: after start-up, every this often each venue's open orders are
  // listed and any the executor does not know is cancelled and audited (0 = off).
  Nanos dead_order_hunt_interval = std::chrono::seconds(60);
  // How far back recon reads a venue's fill history when the journal has no fill there.
  Nanos recon_fill_lookback = std::chrono::hours(24);
  // Dead-man switches (execution.dead_man_timeout_ms; 0 = off): armed on every venue
  // that has one once its private stream is up, refreshed every third of this,
  // disarmed by Executor::disarm_dead_man (executor_guards.hpp).
  std::chrono::milliseconds dead_man_timeout{60000};
  // The post-only staleness guard (executor_guards.hpp): a resting post-only order is
  // cancelled when the touch on its side moved more than this many bps away from its
  // price (execution.post_only_max_distance_bps; 0 = off) or when it rested longer than
  // the max age (execution.post_only_max_age_ms; 0 = off; the intent's time guard or
  // resting_order_ttl may end it sooner). Checked every post_only_check_interval.
  double post_only_max_distance_bps = 50;
  Nanos post_only_max_age = std::chrono::seconds(60);
  Nanos post_only_check_interval = std::chrono::milliseconds(250);
};

}  // namespace propbot::exec
