// FaultGate: the one place where a simulated venue asks "should this request, order or
// stream message be failed, delayed, dropped or bent?". It holds the venue's FaultPlan
// (faults.hpp) and the state that plan needs between calls (the rate-limit storm and
// ban, the order countdown of reject_nth_order, the one-shot flags), and answers each
// question with a plain verdict. The frontends turn a verdict into their venue's wire
// answer (Binance -1003/418, OKX 50011/429, ...): the gate decides *whether*, the
// frontend decides *how it looks*.
//
// Adding a fault: a field in FaultPlan, one query here (plus its line in describe()),
// and a call to that query at the point of each frontend where the venue would show it.
//
// Guarantees: deterministic (no clock, no randomness of its own: every time comes from
// the caller); the two venues' documented differences (when a storm turns into a ban,
// whether a new plan restarts the counts) are data, FaultRules, not code paths spread
// over the frontends. Never throws (beyond std::bad_alloc).
//
// Threads: not synchronised. The owning venue calls it under its own mutex, like the
// rest of its state; wait_added_latency() is the one helper that takes that mutex itself
// so the sleep happens outside it.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/venues/sim/faults.hpp"

namespace propbot::venues::sim {

// Where the two exchanges differ in how a fault plays out; each frontend names its own
// (kBinanceFaultRules, kOkxFaultRules next to its venue class).
struct FaultRules {
  // true: after `ban_after_429s` throttled requests the NEXT storm request starts the
  // ban, and the ban ends the storm (rate_limit_429_count drops to 0) — Binance.
  // false: the `ban_after_429s`-th throttled request itself starts the ban, the storm
  // count restarts, and what is left of rate_limit_429_count resumes after it — OKX.
  bool ban_follows_last_429 = true;
  // true: every set() restarts the storm count and the reject_nth_order countdown.
  // false: each restarts only when its own setting changes (a PUT of other fields keeps
  // a countdown running).
  bool every_plan_restarts_counts = true;
  // true: the first request after a ban ended forgets it (banned_until() is empty
  // again); false: the last ban stays on record for describe().
  bool forget_ended_ban = true;
};

// The gate's answer for one REST request, before it is authenticated or routed.
struct Admission {
  enum class Kind { admitted, throttled, banned };
  Kind kind = Kind::admitted;
  int retry_after_s = 0;  // throttled: FaultPlan::retry_after_s as set (may be 0)
  Nanos ban_left{};       // banned: time left of the ban (0 when ban_s is 0)
};

// Order entry and cancels while the venue is down or read-only. Maintenance wins.
enum class WriteRefusal { none, maintenance, read_only };

class FaultGate {
 public:
  static constexpr int kMaxAddedLatencyMs = 2000;

  explicit FaultGate(FaultRules rules) : rules_(rules) {}

  // --- the plan (admin API) -------------------------------------------------------------
  const FaultPlan& plan() const { return plan_; }
  // Installs `plan`, restarts the counts as FaultRules say. True when every WebSocket of
  // the venue must be closed now (disconnect_websockets, which is one-shot and cleared
  // here, or websockets_down).
  bool set(const FaultPlan& plan);
  // The plan as the venue's describe() shows it (every field but the one-shot
  // disconnect_websockets, which is never pending).
  nlohmann::json describe() const;

  // --- REST -----------------------------------------------------------------------------
  // added_latency_ms, clamped to [0, kMaxAddedLatencyMs].
  std::chrono::milliseconds added_latency() const;
  // The rate-limit storm and ban: counts this request against them. `now` is on the
  // timeline the venue keeps its ban on (MonoTime or UtcTime), the same at every call.
  template <class TimePoint>
  Admission admit_request(TimePoint now) {
    return admit(now.time_since_epoch());
  }
  // When the current (or, with forget_ended_ban false, the last) ban ends.
  template <class TimePoint>
  std::optional<TimePoint> banned_until() const {
    if (!ban_until_) return std::nullopt;
    return TimePoint(*ban_until_);
  }
  // The venue's clock as it reports and checks it: off by clock_skew_ms.
  std::int64_t clock_skew_ms() const { return plan_.clock_skew_ms; }
  UtcTime venue_time(UtcTime utc) const { return utc + std::chrono::milliseconds(plan_.clock_skew_ms); }
  bool maintenance() const { return plan_.maintenance; }
  WriteRefusal refuse_writes() const;

  // --- orders ---------------------------------------------------------------------------
  // Counts one order against reject_nth_order; true for the one to reject (the fault
  // then clears itself). Call it where the venue counts an order.
  bool take_order_rejection();
  const std::string& reject_code() const { return plan_.reject_code; }
  // partial_fill_ratio when it is in (0, 1); nullopt when the fault is off.
  std::optional<double> partial_fill_ratio() const;

  // --- funding --------------------------------------------------------------------------
  // Counts one funding settlement against skip_funding; true when this one must pay no
  // client account (the count then drops by one). Call it once per settlement.
  bool take_funding_skip();

  // --- streams --------------------------------------------------------------------------
  // websockets_down: a new WebSocket is closed right after its upgrade.
  bool refuse_websocket() const { return plan_.websockets_down; }
  // A pending disconnect_websockets (one-shot: cleared by this call).
  bool take_disconnect();
  // drop_every_nth_diff for the `nth` depth diff of a book (counted from 1).
  bool drop_diff(std::uint64_t nth);
  // corrupt_next_snapshot (one-shot: cleared by this call).
  bool take_corrupt_snapshot();
  // stale_books: connected but silent.
  bool books_stale() const { return plan_.stale_books; }

  // --- counters for describe() ----------------------------------------------------------
  std::uint64_t throttled_answers() const { return throttled_; }
  std::uint64_t banned_answers() const { return banned_; }
  std::uint64_t dropped_diffs() const { return dropped_diffs_; }
  std::uint64_t skipped_fundings() const { return skipped_fundings_; }

 private:
  Admission admit(Nanos now);

  FaultRules rules_;
  FaultPlan plan_;
  int storm_seen_ = 0;                 // throttled requests of the current storm
  int orders_left_ = 0;                // countdown to the order reject_nth_order refuses
  std::optional<Nanos> ban_until_;     // since the epoch of the caller's timeline
  std::uint64_t throttled_ = 0;
  std::uint64_t banned_ = 0;
  std::uint64_t dropped_diffs_ = 0;
  std::uint64_t skipped_fundings_ = 0;
};

// Sleeps the plan's added latency before a request is served: read under `mutex`, slept
// outside it (it still holds up the server thread that called, by design).
template <class Mutex>
void wait_added_latency(const FaultGate& gate, Mutex& mutex) {
  std::chrono::milliseconds delay{};
  {
    std::lock_guard lock(mutex);
    delay = gate.added_latency();
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
}

}  // namespace propbot::venues::sim
