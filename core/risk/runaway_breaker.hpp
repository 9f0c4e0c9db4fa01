// Runaway breakers (SPEC S-3.3): orders per minute and cancels per minute, for the
// whole desk and for each strategy, and a place→cancel loop detector per strategy and
// symbol. The executor asks admit_order / admit_cancel before every order or cancel it
// would send; a refusal carries a Trip whose reason_text() is the body of the HTTP 423
// a manual order route answers. On a trip the caller enters HOLD; on
// possible_logic_loop it freezes the strategy and raises the incident.
//
// Guarantees:
//  - Limits are never off: every limit is at least 1 (the constructor refuses 0).
//  - A trip is sticky: once tripped, a scope stays tripped — whatever the counts do
//    afterwards — until an operator calls reset() or reset_strategy() (RTS 6 Art 15(3):
//    after a throttle trips, a designated person re-enables). Trips live in memory
//    only: after a restart the desk starts in HOLD anyway (S-1.3).
//  - What a trip refuses: every order in its scope; cancels only when the trip is
//    cancels_per_min, because a cancel reduces risk (a strategy stopped for placing
//    too much may still take its orders off the book). possible_logic_loop trips on
//    the cancel that completes the N-th cycle; that cancel is still allowed.
//  - Refused requests are not counted: they never reach a venue.
//  - A strategy's own limit is checked before the desk's, so one runaway strategy
//    trips its own scope (the caller learns whom to stop); the global scope trips when
//    strategies together exceed the desk limit.
//  - Windows are 60 one-second buckets (SlidingWindowCounter): any 59-second span
//    holds at most `limit` admitted events of a scope, and an event stops counting
//    59–60 s after it happened.
//  - O(1) amortised per call (the loop detector scans at most
//    max_symbols_per_strategy symbols of the calling strategy).
//  - Bounded memory: a strategy idle for the whole window (max(60 s, loop window)) is
//    forgotten, unless tripped; at most max_strategies are tracked (beyond that, a new
//    strategy's order trips the desk: too_many_strategies — names come from the
//    config, so this is a bug upstream). Per strategy: 2 × 60 counters + at most
//    max_symbols_per_strategy loop windows of loop_window_seconds counters (4 bytes
//    each): about 10 KB with the defaults, 10 MB for 1024 strategies at the worst.
//
// Thread: not synchronised; the engine thread owns it. Time comes in as the engine
// Clock's monotonic now(). Uses SlidingWindowCounter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/risk/sliding_window_counter.hpp"

namespace propbot::risk {

enum class BreakerScope { global, strategy };
inline constexpr std::array<BreakerScope, 2> kAllBreakerScopes = {BreakerScope::global, BreakerScope::strategy};
std::string_view to_string(BreakerScope scope);

enum class BreakerKind {
  orders_per_min,       // more orders in 60 s than the limit
  cancels_per_min,      // more cancels in 60 s than the limit
  possible_logic_loop,  // a strategy placed and cancelled one symbol loop_cycles times in the loop window
  too_many_strategies,  // more than max_strategies strategies active at once (global only)
};
inline constexpr std::array<BreakerKind, 4> kAllBreakerKinds = {
    BreakerKind::orders_per_min, BreakerKind::cancels_per_min, BreakerKind::possible_logic_loop,
    BreakerKind::too_many_strategies};
std::string_view to_string(BreakerKind kind);

inline constexpr int kRateWindowSeconds = 60;

struct RunawayLimits {
  std::uint32_t max_orders_per_min = 300;           // the desk: risk.max_orders_per_min
  std::uint32_t max_cancels_per_min = 600;          // the desk: risk.max_cancels_per_min
  std::uint32_t strategy_max_orders_per_min = 300;  // each strategy
  std::uint32_t strategy_max_cancels_per_min = 600;
  // A place→cancel cycle is a cancel of a symbol matched with an earlier, not yet
  // matched place of it by the same strategy. 40 in 60 s is a cycle every 1.5 s for a
  // minute: an arbitrage strategy has no reason to, a quoting strategy that reprices
  // faster must raise it.
  std::uint32_t loop_cycles = 40;
  int loop_window_seconds = 60;                     // 1..3600
  std::size_t max_strategies = 1024;
  std::size_t max_symbols_per_strategy = 32;        // loop windows kept per strategy (least recent dropped)
};

// The limits from the config's two keys (risk.max_orders_per_min,
// risk.max_cancels_per_min): the same number bounds the desk and each strategy.
RunawayLimits runaway_limits_from_config(int max_orders_per_min, int max_cancels_per_min);

struct Trip {
  BreakerScope scope = BreakerScope::global;
  BreakerKind kind = BreakerKind::orders_per_min;
  std::string strategy;     // the strategy tripped, or (global) the one whose request crossed the limit
  std::string symbol;       // possible_logic_loop: the symbol looped on; else empty
  std::uint64_t count = 0;  // events in the window, the refused one included (cycles for a loop)
  std::uint64_t limit = 0;
  int window_seconds = kRateWindowSeconds;
  MonoTime tripped_at{};

  // One sentence for the operator and the 423 body: what tripped, the numbers, and
  // that it stays tripped until an operator resets it.
  std::string reason_text() const;
};

struct BreakerVerdict {
  bool allowed = true;
  // When refused: the trip that refuses. When allowed: set only if this very call
  // tripped a breaker without refusing (possible_logic_loop).
  std::optional<Trip> trip;
  bool tripped_now = false;  // this call tripped it: HOLD / freeze / raise the incident once
};

class RunawayBreaker {
 public:
  // Throws std::invalid_argument naming the field for a zero limit or an unusable
  // window (a configuration error, caught at start-up).
  explicit RunawayBreaker(RunawayLimits limits = {});

  BreakerVerdict admit_order(std::string_view strategy, std::string_view symbol, MonoTime now);
  BreakerVerdict admit_cancel(std::string_view strategy, std::string_view symbol, MonoTime now);

  // Every standing trip: the desk's first, then each tripped strategy's.
  std::vector<Trip> trips() const;
  bool tripped() const;
  // Operator actions. reset() clears every trip; reset_strategy() one strategy's
  // (false when it had none). Counts are kept: a reset within a minute of the storm
  // that tripped may trip again at once, as it should.
  void reset();
  bool reset_strategy(std::string_view strategy);

  std::size_t tracked_strategies() const { return index_.size(); }
  const RunawayLimits& limits() const { return limits_; }

 private:
  using Trips = std::array<std::optional<Trip>, kAllBreakerKinds.size()>;

  struct SymbolActivity {
    std::string symbol;
    std::uint32_t open_places = 0;  // places not yet matched by a cancel
    SlidingWindowCounter cycles;
    std::int64_t last_second = 0;
  };

  struct StrategyState {
    std::string name;
    SlidingWindowCounter orders{kRateWindowSeconds};
    SlidingWindowCounter cancels{kRateWindowSeconds};
    std::vector<SymbolActivity> symbols;  // at most max_symbols_per_strategy
    std::int64_t last_second = 0;
    Trips trips;
  };

  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  using StrategyList = std::list<StrategyState>;

  StrategyState* find_or_add(std::string_view strategy, std::int64_t second);
  void forget_idle(std::int64_t second);
  SymbolActivity* find_symbol(StrategyState& state, std::string_view symbol);
  SymbolActivity& symbol_activity(StrategyState& state, std::string_view symbol, std::int64_t second);
  BreakerVerdict trip(Trips& trips, Trip trip);
  BreakerVerdict trip_strategy(StrategyState& state, Trip trip);
  void count_cycle(StrategyState& state, std::string_view symbol, std::int64_t second, MonoTime now,
                   BreakerVerdict& verdict);

  RunawayLimits limits_;
  Trips global_trips_;
  SlidingWindowCounter global_orders_{kRateWindowSeconds};
  SlidingWindowCounter global_cancels_{kRateWindowSeconds};
  StrategyList active_;   // untripped strategies, most recently active first
  StrategyList tripped_;  // tripped strategies: kept until reset, never forgotten
  std::unordered_map<std::string, StrategyList::iterator, NameHash, std::equal_to<>> index_;
};

}  // namespace propbot::risk
