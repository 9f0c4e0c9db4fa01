// The executor's standing guards (executor_guards.hpp has the policy): the venues'
// dead-man switches — armed when a venue's private stream comes up, refreshed every
// third of the timeout, disarmed at a clean shutdown — and the post-only staleness guard,
// a sweep every post_only_check_interval over the working post-only orders while any
// exists.
//
// Rounds: each arm of one venue is a round of one call per symbol (per_symbol venues)
// or one call (per_account). A refresh skips a venue whose round is still unanswered; a
// disarm always starts a new round, and answers of an older round then only count their
// failures. Hazard: a refresh already on its way when the disarm is sent may reach the
// venue after it and arm the switch again; it then fires after the timeout on whatever
// the desk left open — the safe side.
#include <algorithm>

#include "core/exec/executor_impl.hpp"

namespace propbot::exec {

namespace {

// The symbols one round arms on `target`: each configured symbol for a per-symbol
// switch, one call (any symbol: it is ignored) for an account-wide one.
std::vector<std::string> round_symbols(const venues::Venue& target, const std::vector<std::string>& symbols) {
  if (symbols.empty()) return {};
  if (target.dead_man_scope() == venues::DeadManScope::per_account) return {symbols.front()};
  return symbols;
}

}  // namespace

// ---- dead-man switches -----------------------------------------------------------

void Executor::Impl::on_venue_connected(const std::string& venue_id) {
  if (options.dead_man_timeout.count() <= 0 || dead_man_stopped) return;
  venues::Venue* target = venue(venue_id);
  if (target == nullptr || target->dead_man_scope() == venues::DeadManScope::unsupported) return;
  DeadManSwitch& armed = dead_men[venue_id];
  armed.connected_once = true;
  // A reconnect re-arms at once, even while an older round is unanswered (it may be lost).
  armed.outstanding = 0;
  arm_dead_man(*target, options.dead_man_timeout);
  schedule_dead_man_refresh();
}

void Executor::Impl::arm_dead_man(venues::Venue& target, std::chrono::milliseconds timeout,
                                  std::function<void()> round_done) {
  DeadManSwitch& armed = dead_men[target.id()];
  const std::vector<std::string> symbols = round_symbols(target, options.symbols);
  if (symbols.empty()) {
    if (round_done) round_done();
    return;
  }
  const std::uint64_t round = ++armed.round;
  armed.outstanding = static_cast<int>(symbols.size());
  armed.round_failed = false;
  const bool disarming = timeout.count() == 0;
  const std::string venue_id = target.id();
  std::weak_ptr<bool> alive_flag = alive;
  for (const std::string& symbol : symbols) {
    target.arm_dead_man(symbol, timeout, [this, alive_flag, venue_id, symbol, round, disarming,
                                          round_done](venues::VenueResult<std::chrono::milliseconds> result) {
      if (alive_flag.expired()) return;
      DeadManSwitch& answered = dead_men[venue_id];
      if (!result) {
        ++answered.failures;
        ++counters.dead_man_arm_failures;
        answered.last_error = result.error().describe();
        log.error(disarming ? "dead_man_disarm_failed" : "dead_man_arm_failed",
                  {{"venue", venue_id}, {"symbol", symbol}, {"error", answered.last_error}});
        ++changes;
      }
      if (answered.round != round) return;  // superseded by a newer round
      if (!result) {
        answered.round_failed = true;
      } else {
        answered.armed_timeout_ms = result.value().count();
      }
      if (--answered.outstanding > 0) return;
      const DeadManState before = answered.state;
      if (answered.round_failed) {
        answered.state = DeadManState::failed;
      } else {
        answered.state = disarming ? DeadManState::disarmed : DeadManState::armed;
        if (!disarming) answered.last_armed_ms = now_ms();
      }
      if (answered.state != before) {
        log.info("dead_man_switch", {{"venue", venue_id},
                                     {"state", to_string(answered.state)},
                                     {"timeout_ms", answered.armed_timeout_ms}});
      }
      ++changes;
      if (round_done) round_done();
    });
  }
}

void Executor::Impl::schedule_dead_man_refresh() {
  if (dead_man_timer != 0 || dead_man_stopped || options.dead_man_timeout.count() <= 0) return;
  const auto every = std::max(options.dead_man_timeout / 3, std::chrono::milliseconds(1));
  std::weak_ptr<bool> alive_flag = alive;
  dead_man_timer = clock.call_after(every, [this, alive_flag] {
    if (alive_flag.expired()) return;
    dead_man_timer = 0;
    if (dead_man_stopped) return;
    for (auto& [venue_id, armed] : dead_men) {
      if (!armed.connected_once || armed.outstanding > 0) continue;
      if (venues::Venue* target = venue(venue_id)) arm_dead_man(*target, options.dead_man_timeout);
    }
    schedule_dead_man_refresh();
  });
}

void Executor::Impl::disarm_dead_man(std::function<void()> done) {
  dead_man_stopped = true;
  stop_timer(dead_man_timer);
  std::vector<venues::Venue*> targets;
  for (const auto& [venue_id, armed] : dead_men) {
    if (!armed.connected_once) continue;
    if (venues::Venue* target = venue(venue_id)) targets.push_back(target);
  }
  if (targets.empty()) {
    done();
    return;
  }
  auto pending = std::make_shared<std::size_t>(targets.size());
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  for (venues::Venue* target : targets) {
    arm_dead_man(*target, std::chrono::milliseconds(0), [pending, finish] {
      if (--*pending == 0 && *finish) std::exchange(*finish, nullptr)();
    });
  }
}

std::vector<DeadManView> Executor::Impl::dead_man_views() const {
  std::vector<DeadManView> out;
  for (const venues::Venue* target : venue_list) {
    DeadManView view;
    view.venue = target->id();
    view.scope = std::string(venues::to_string(target->dead_man_scope()));
    if (options.dead_man_timeout.count() <= 0) {
      view.state = DeadManState::off;
    } else if (target->dead_man_scope() == venues::DeadManScope::unsupported) {
      view.state = DeadManState::unsupported;
    } else if (auto found = dead_men.find(target->id()); found != dead_men.end()) {
      const DeadManSwitch& armed = found->second;
      view.state = armed.state;
      view.armed_timeout_ms = armed.armed_timeout_ms;
      view.last_armed_ms = armed.last_armed_ms;
      view.arm_failures = armed.failures;
      view.last_error = armed.last_error;
    } else {
      view.state = DeadManState::waiting;
    }
    out.push_back(std::move(view));
  }
  return out;
}

// ---- the post-only staleness guard --------------------------------------------------

void Executor::Impl::watch_post_only(const std::string& client_order_id) {
  if (options.post_only_max_distance_bps <= 0 && options.post_only_max_age.count() <= 0) return;
  post_only_watch[client_order_id] = clock.now();
  schedule_post_only_sweep();
}

void Executor::Impl::schedule_post_only_sweep() {
  if (post_only_watch.empty() || post_only_timer != 0) return;
  std::weak_ptr<bool> alive_flag = alive;
  post_only_timer = clock.call_after(options.post_only_check_interval, [this, alive_flag] {
    if (alive_flag.expired()) return;
    post_only_timer = 0;
    sweep_post_only();
  });
}

std::optional<StaleReason> Executor::Impl::staleness(const WorkingOrder& order, MonoTime watched_since,
                                                     double& measure) const {
  const Nanos age = clock.now() - watched_since;
  if (options.post_only_max_age.count() > 0 && age > options.post_only_max_age) {
    measure = std::chrono::duration<double, std::milli>(age).count();
    return StaleReason::max_age;
  }
  if (options.post_only_max_distance_bps <= 0 || !order.entry.price) return std::nullopt;
  const md::OrderBook* book = market.book(order.entry.venue, order.entry.symbol);
  if (book == nullptr || !book->valid()) return std::nullopt;  // no touch to measure against
  const bool buying = order.entry.side == Side::buy;
  const auto level = buying ? book->best_bid() : book->best_ask();
  if (!level) return std::nullopt;
  const double touch = book->spec().price_of(level->price_ticks);
  const double price = order.entry.price->to_double();
  if (!(touch > 0)) return std::nullopt;
  // How far the touch on the order's own side has moved away from it (a bid above a
  // buy, an ask below a sell): the order no longer quotes where the market is.
  const double away = (buying ? touch - price : price - touch) / touch * 1e4;
  if (away > options.post_only_max_distance_bps) {
    measure = away;
    return StaleReason::away_from_touch;
  }
  return std::nullopt;
}

void Executor::Impl::sweep_post_only() {
  for (auto it = post_only_watch.begin(); it != post_only_watch.end();) {
    auto found = orders.find(it->first);
    if (found == orders.end() || found->second.terminal() || found->second.cancel_sent) {
      it = post_only_watch.erase(it);
      continue;
    }
    double measure = 0;
    const std::optional<StaleReason> reason = staleness(found->second, it->second, measure);
    if (!reason) {
      ++it;
      continue;
    }
    const OrderEntry& entry = found->second.entry;
    nlohmann::json details{{"client_order_id", entry.client_order_id},
                           {"trade_parent_id", std::to_string(entry.intent_id)},
                           {"venue", entry.venue},
                           {"symbol", entry.symbol},
                           {"side", std::string(to_string(entry.side))},
                           {"price", entry.price ? entry.price->to_string() : std::string()},
                           {"reason", std::string(to_string(*reason))}};
    // Canonical audit JSON carries no fractions: the measure as whole bps / ms.
    details[*reason == StaleReason::max_age ? "age_ms" : "distance_bps"] = static_cast<std::int64_t>(measure);
    const std::string client_order_id = it->first;
    it = post_only_watch.erase(it);
    ++counters.stale_post_only_cancels;
    ++changes;
    log.warn("post_only_stale", {{"client_order_id", entry.client_order_id},
                                  {"venue", entry.venue},
                                  {"reason", to_string(*reason)},
                                  {"measure", measure}});
    audit_later("post_only_stale_cancel", details);
    cancel(client_order_id, std::string(to_string(*reason)));
  }
  schedule_post_only_sweep();
}

// ---- the public face -------------------------------------------------------------

void Executor::disarm_dead_man(std::function<void()> done) { impl_->disarm_dead_man(std::move(done)); }

}  // namespace propbot::exec
