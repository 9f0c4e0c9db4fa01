#include "core/risk/runaway_breaker.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>

namespace propbot::risk {
namespace {

constexpr int kMaxLoopWindowSeconds = 600;

std::int64_t second_of(MonoTime now) {
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
}

std::size_t index_of(BreakerKind kind) { return static_cast<std::size_t>(kind); }

void require_positive(std::uint64_t value, const char* field) {
  if (value == 0) throw std::invalid_argument(std::string("runaway breaker: ") + field + " must be at least 1");
}

// The trip that refuses an order in a scope: the earliest one standing.
const Trip* blocking_order(const std::array<std::optional<Trip>, kAllBreakerKinds.size()>& trips) {
  const Trip* first = nullptr;
  for (const auto& trip : trips) {
    if (trip && (first == nullptr || trip->tripped_at < first->tripped_at)) first = &*trip;
  }
  return first;
}

BreakerVerdict refused(const Trip& trip) { return BreakerVerdict{false, trip, false}; }

std::string events_name(BreakerKind kind) { return kind == BreakerKind::cancels_per_min ? "cancels" : "orders"; }

}  // namespace

std::string_view to_string(BreakerScope scope) { return scope == BreakerScope::global ? "global" : "strategy"; }

std::string_view to_string(BreakerKind kind) {
  switch (kind) {
    case BreakerKind::orders_per_min: return "orders_per_min";
    case BreakerKind::cancels_per_min: return "cancels_per_min";
    case BreakerKind::possible_logic_loop: return "possible_logic_loop";
    case BreakerKind::too_many_strategies: return "too_many_strategies";
  }
  return "orders_per_min";
}

RunawayLimits runaway_limits_from_config(int max_orders_per_min, int max_cancels_per_min) {
  RunawayLimits limits;
  const auto orders = static_cast<std::uint32_t>(std::max(0, max_orders_per_min));
  const auto cancels = static_cast<std::uint32_t>(std::max(0, max_cancels_per_min));
  limits.max_orders_per_min = limits.strategy_max_orders_per_min = orders;
  limits.max_cancels_per_min = limits.strategy_max_cancels_per_min = cancels;
  return limits;
}

std::string Trip::reason_text() const {
  const std::string until = "; refused until an operator resets the runaway breaker";
  const std::string numbers = std::to_string(count) + " in " + std::to_string(window_seconds) + " s, limit " +
                              std::to_string(limit);
  switch (kind) {
    case BreakerKind::possible_logic_loop:
      return "possible_logic_loop: strategy '" + strategy + "' placed and cancelled " + symbol + " " + numbers +
             " cycles; its orders are" + until;
    case BreakerKind::too_many_strategies:
      return "runaway breaker too_many_strategies: strategy '" + strategy + "' would be strategy " +
             std::to_string(count) + " active at once (limit " + std::to_string(limit) + "); every order is" + until;
    case BreakerKind::orders_per_min:
    case BreakerKind::cancels_per_min: break;
  }
  const std::string what = events_name(kind);
  const std::string refused_events = kind == BreakerKind::cancels_per_min ? "orders and cancels" : "orders";
  if (scope == BreakerScope::strategy) {
    return "runaway breaker " + std::string(to_string(kind)) + ": strategy '" + strategy + "' sent " + what + " " +
           numbers + "; its " + refused_events + " are" + until;
  }
  return "runaway breaker " + std::string(to_string(kind)) + ": the desk sent " + what + " " + numbers +
         " (the last from strategy '" + strategy + "'); every strategy's " + refused_events + " are" + until;
}

RunawayBreaker::RunawayBreaker(RunawayLimits limits) : limits_(limits) {
  require_positive(limits_.max_orders_per_min, "max_orders_per_min");
  require_positive(limits_.max_cancels_per_min, "max_cancels_per_min");
  require_positive(limits_.strategy_max_orders_per_min, "strategy_max_orders_per_min");
  require_positive(limits_.strategy_max_cancels_per_min, "strategy_max_cancels_per_min");
  require_positive(limits_.loop_cycles, "loop_cycles");
  require_positive(limits_.max_strategies, "max_strategies");
  require_positive(limits_.max_symbols_per_strategy, "max_symbols_per_strategy");
  if (limits_.loop_window_seconds < 1 || limits_.loop_window_seconds > kMaxLoopWindowSeconds) {
    throw std::invalid_argument("runaway breaker: loop_window_seconds must be 1.." +
                                std::to_string(kMaxLoopWindowSeconds));
  }
}

void RunawayBreaker::forget_idle(std::int64_t second) {
  const std::int64_t idle_after = std::max(kRateWindowSeconds, limits_.loop_window_seconds);
  while (!active_.empty() && second - active_.back().last_second >= idle_after) {
    index_.erase(active_.back().name);
    active_.pop_back();
  }
}

RunawayBreaker::StrategyState* RunawayBreaker::find_or_add(std::string_view strategy, std::int64_t second) {
  forget_idle(second);
  if (auto found = index_.find(strategy); found != index_.end()) {
    StrategyList::iterator state = found->second;
    if (!blocking_order(state->trips)) active_.splice(active_.begin(), active_, state);
    state->last_second = std::max(state->last_second, second);
    return &*state;
  }
  if (index_.size() >= limits_.max_strategies) return nullptr;
  active_.emplace_front();
  StrategyState& state = active_.front();
  state.name = std::string(strategy);
  state.last_second = second;
  index_.emplace(state.name, active_.begin());
  return &state;
}

RunawayBreaker::SymbolActivity* RunawayBreaker::find_symbol(StrategyState& state, std::string_view symbol) {
  for (SymbolActivity& activity : state.symbols) {
    if (activity.symbol == symbol) return &activity;
  }
  return nullptr;
}

RunawayBreaker::SymbolActivity& RunawayBreaker::symbol_activity(StrategyState& state, std::string_view symbol,
                                                                std::int64_t second) {
  std::erase_if(state.symbols, [&](const SymbolActivity& activity) {
    return second - activity.last_second >= limits_.loop_window_seconds;
  });
  if (SymbolActivity* found = find_symbol(state, symbol)) {
    found->last_second = std::max(found->last_second, second);
    return *found;
  }
  if (state.symbols.size() >= limits_.max_symbols_per_strategy) {
    // Full of symbols active within the loop window: the least recent one's loop
    // history goes (a loop on it would have to start counting again).
    state.symbols.erase(std::min_element(state.symbols.begin(), state.symbols.end(),
                                         [](const SymbolActivity& a, const SymbolActivity& b) {
                                           return a.last_second < b.last_second;
                                         }));
  }
  state.symbols.push_back(SymbolActivity{std::string(symbol), 0, SlidingWindowCounter(limits_.loop_window_seconds),
                                         second});
  return state.symbols.back();
}

BreakerVerdict RunawayBreaker::trip(Trips& trips, Trip trip) {
  trips[index_of(trip.kind)] = trip;
  return BreakerVerdict{false, std::move(trip), true};
}

BreakerVerdict RunawayBreaker::trip_strategy(StrategyState& state, Trip trip) {
  if (!blocking_order(state.trips)) {
    // Tripped strategies are kept until reset: move it where forget_idle never looks.
    tripped_.splice(tripped_.end(), active_, index_.find(state.name)->second);
  }
  return this->trip(state.trips, std::move(trip));
}

BreakerVerdict RunawayBreaker::admit_order(std::string_view strategy, std::string_view symbol, MonoTime now) {
  const std::int64_t second = second_of(now);
  if (const Trip* standing = blocking_order(global_trips_)) return refused(*standing);

  StrategyState* state = find_or_add(strategy, second);
  if (state == nullptr) {
    return trip(global_trips_, Trip{BreakerScope::global, BreakerKind::too_many_strategies, std::string(strategy), "",
                                    index_.size() + 1, limits_.max_strategies, kRateWindowSeconds, now});
  }
  if (const Trip* standing = blocking_order(state->trips)) return refused(*standing);

  const std::uint64_t strategy_count = state->orders.count(second) + 1;
  if (strategy_count > limits_.strategy_max_orders_per_min) {
    return trip_strategy(*state, Trip{BreakerScope::strategy, BreakerKind::orders_per_min, state->name, "",
                                      strategy_count, limits_.strategy_max_orders_per_min, kRateWindowSeconds, now});
  }
  const std::uint64_t desk_count = global_orders_.count(second) + 1;
  if (desk_count > limits_.max_orders_per_min) {
    return trip(global_trips_, Trip{BreakerScope::global, BreakerKind::orders_per_min, state->name, "", desk_count,
                                    limits_.max_orders_per_min, kRateWindowSeconds, now});
  }
  state->orders.add(second);
  global_orders_.add(second);
  SymbolActivity& activity = symbol_activity(*state, symbol, second);
  if (activity.open_places < UINT32_MAX) ++activity.open_places;
  return BreakerVerdict{};
}

BreakerVerdict RunawayBreaker::admit_cancel(std::string_view strategy, std::string_view symbol, MonoTime now) {
  const std::int64_t second = second_of(now);
  const auto cancels = index_of(BreakerKind::cancels_per_min);
  if (global_trips_[cancels]) return refused(*global_trips_[cancels]);

  // A full strategy table does not stop a cancel: it is then counted for the desk only.
  StrategyState* state = find_or_add(strategy, second);
  if (state != nullptr) {
    if (state->trips[cancels]) return refused(*state->trips[cancels]);
    const std::uint64_t strategy_count = state->cancels.count(second) + 1;
    if (strategy_count > limits_.strategy_max_cancels_per_min) {
      return trip_strategy(*state, Trip{BreakerScope::strategy, BreakerKind::cancels_per_min, state->name, "",
                                        strategy_count, limits_.strategy_max_cancels_per_min, kRateWindowSeconds,
                                        now});
    }
  }
  const std::uint64_t desk_count = global_cancels_.count(second) + 1;
  if (desk_count > limits_.max_cancels_per_min) {
    return trip(global_trips_, Trip{BreakerScope::global, BreakerKind::cancels_per_min, std::string(strategy), "",
                                    desk_count, limits_.max_cancels_per_min, kRateWindowSeconds, now});
  }
  global_cancels_.add(second);
  BreakerVerdict verdict;
  if (state != nullptr) {
    state->cancels.add(second);
    count_cycle(*state, symbol, second, now, verdict);
  }
  return verdict;
}

void RunawayBreaker::count_cycle(StrategyState& state, std::string_view symbol, std::int64_t second, MonoTime now,
                                 BreakerVerdict& verdict) {
  SymbolActivity* activity = find_symbol(state, symbol);
  if (activity == nullptr || activity->open_places == 0) return;  // nothing placed to cancel: no cycle
  --activity->open_places;
  activity->cycles.add(second);
  activity->last_second = std::max(activity->last_second, second);
  const std::uint64_t cycles = activity->cycles.count(second);
  if (cycles < limits_.loop_cycles || state.trips[index_of(BreakerKind::possible_logic_loop)]) return;
  BreakerVerdict tripped = trip_strategy(state, Trip{BreakerScope::strategy, BreakerKind::possible_logic_loop,
                                                     state.name, std::string(symbol), cycles, limits_.loop_cycles,
                                                     limits_.loop_window_seconds, now});
  verdict.trip = std::move(tripped.trip);
  verdict.tripped_now = true;  // the cancel itself still goes: it reduces risk
}

std::vector<Trip> RunawayBreaker::trips() const {
  std::vector<Trip> all;
  for (const auto& trip : global_trips_) {
    if (trip) all.push_back(*trip);
  }
  for (const StrategyState& state : tripped_) {
    for (const auto& trip : state.trips) {
      if (trip) all.push_back(*trip);
    }
  }
  return all;
}

bool RunawayBreaker::tripped() const { return blocking_order(global_trips_) != nullptr || !tripped_.empty(); }

void RunawayBreaker::reset() {
  global_trips_ = {};
  for (StrategyState& state : tripped_) state.trips = {};
  active_.splice(active_.end(), tripped_);
}

bool RunawayBreaker::reset_strategy(std::string_view strategy) {
  auto found = index_.find(strategy);
  if (found == index_.end() || !blocking_order(found->second->trips)) return false;
  found->second->trips = {};
  active_.splice(active_.end(), tripped_, found->second);
  return true;
}

}  // namespace propbot::risk
