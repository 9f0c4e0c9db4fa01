#include "core/venues/common/recovering_listener.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace propbot::venues {

namespace {

constexpr char kSeparator = '\x1f';

std::string order_key(const std::string& symbol, const std::string& client_order_id,
                      const std::string& venue_order_id) {
  return symbol + kSeparator + (client_order_id.empty() ? "#" + venue_order_id : client_order_id);
}

std::string order_key(const OrderState& order) {
  return order_key(order.symbol, order.client_order_id, order.venue_order_id);
}

// True when `next` tells the caller something `previous` did not, without going back:
// nothing after a final state, never less filled, else more filled or another status.
bool is_newer(const OrderState& previous, const OrderState& next) {
  if (is_final(previous.status)) return false;
  if (next.filled_quantity < previous.filled_quantity) return false;
  if (next.filled_quantity > previous.filled_quantity) return true;
  return next.status != previous.status && next.status != OrderStatus::pending_new;
}

// Trade ids compared as numbers when both are decimal digits (Binance, OKX), else as text.
bool trade_id_less(const std::string& a, const std::string& b) {
  const auto digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (digits(a) && digits(b) && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

// One recovery attempt: what it fetched and what is left to do.
struct RecoveringListener::Attempt {
  std::uint64_t generation = 0;
  UtcTime since{};
  std::vector<Fill> fills;                                 // fetched, not yet delivered
  std::vector<std::pair<std::string, std::string>> unresolved;  // (symbol, venue order id)
  std::set<std::string> listed;                             // keys the open-order lists showed
  std::vector<std::pair<std::string, std::string>> to_query;  // (symbol, client order id)
};

RecoveringListener::RecoveringListener(RecoverySource source, RecoveryOptions options, Logger logger)
    : source_(std::move(source)),
      options_(std::move(options)),
      logger_(std::move(logger)),
      seen_(options_.seen_fills_capacity),
      retry_delay_(options_.retry_initial) {}

RecoveringListener::~RecoveringListener() { *alive_ = false; }

void RecoveringListener::start(PrivateListener& downstream) {
  downstream_ = &downstream;
  ++generation_;
  had_connection_ = false;
  reported_connected_ = false;
  recovering_ = false;
  started_at_ = source_.venue_time ? source_.venue_time() : UtcTime{};
}

void RecoveringListener::stop() {
  downstream_ = nullptr;
  ++generation_;
  had_connection_ = false;
  reported_connected_ = false;
  recovering_ = false;
}

bool RecoveringListener::current(const Attempt& attempt) const {
  return downstream_ != nullptr && recovering_ && attempt.generation == generation_;
}

// --- stream path -------------------------------------------------------------------------

void RecoveringListener::on_order_update(const OrderState& order) {
  if (downstream_ == nullptr) return;
  remember(order, /*delivered=*/true);
  downstream_->on_order_update(order);
}

void RecoveringListener::on_fill(const Fill& fill) {
  if (downstream_ == nullptr) return;
  deliver_fill(fill);
}

void RecoveringListener::on_position(const Position& position) {
  if (downstream_ != nullptr) downstream_->on_position(position);
}

void RecoveringListener::on_balance(const Balance& balance) {
  if (downstream_ != nullptr) downstream_->on_balance(balance);
}

void RecoveringListener::on_private_stream(bool connected) {
  if (downstream_ == nullptr) return;
  if (!connected) {
    if (recovering_) {
      recovering_ = false;
      ++generation_;  // abandons the attempt in flight
      logger_.warn("private_recovery_abandoned", {{"reason", "stream dropped"}});
    }
    if (reported_connected_) {
      reported_connected_ = false;
      downstream_->on_private_stream(false);
    }
    return;
  }
  if (!had_connection_) {
    had_connection_ = true;
    reported_connected_ = true;
    downstream_->on_private_stream(true);
    return;
  }
  if (reported_connected_ || recovering_) return;
  begin_recovery();
}

VenueCallback<OrderState> RecoveringListener::noting_placed(std::weak_ptr<bool> alive,
                                                            VenueCallback<OrderState> done) {
  return [this, alive = std::move(alive), done = std::move(done)](VenueResult<OrderState> result) {
    if (result && !alive.expired()) note_placed(result.value());
    done(std::move(result));
  };
}

VenueCallback<std::vector<VenueResult<OrderState>>> RecoveringListener::noting_placed(
    std::weak_ptr<bool> alive, VenueCallback<std::vector<VenueResult<OrderState>>> done) {
  return [this, alive = std::move(alive), done = std::move(done)](VenueResult<std::vector<VenueResult<OrderState>>> results) {
    if (results && !alive.expired()) {
      for (const auto& result : results.value()) {
        if (result) note_placed(result.value());
      }
    }
    done(std::move(results));
  };
}

void RecoveringListener::note_placed(const OrderState& order) {
  remember_ids(order.symbol, order.venue_order_id, order.client_order_id);
  auto it = orders_.find(order_key(order));
  if (it == orders_.end()) {
    remember(order, /*delivered=*/false);
  } else if (!it->second.delivered && is_newer(it->second.last, order)) {
    it->second.last = order;
  }
}

bool RecoveringListener::deliver_fill(const Fill& fill) {
  if (!seen_.insert(fill.symbol, fill.trade_id)) {
    ++duplicate_fills_;
    return false;
  }
  if (!last_fill_ts_ || fill.ts > *last_fill_ts_) last_fill_ts_ = fill.ts;
  remember_ids(fill.symbol, fill.venue_order_id, fill.client_order_id);
  downstream_->on_fill(fill);
  return true;
}

void RecoveringListener::offer_order(const OrderState& order) {
  remember_ids(order.symbol, order.venue_order_id, order.client_order_id);
  auto it = orders_.find(order_key(order));
  if (it != orders_.end() && it->second.delivered && !is_newer(it->second.last, order)) return;
  remember(order, /*delivered=*/true);
  downstream_->on_order_update(order);
}

void RecoveringListener::remember(const OrderState& order, bool delivered) {
  remember_ids(order.symbol, order.venue_order_id, order.client_order_id);
  const std::string key = order_key(order);
  TrackedOrder& tracked = orders_[key];
  tracked.last = order;
  tracked.delivered = tracked.delivered || delivered;
  if (!is_final(order.status)) return;
  finished_.push_back(key);
  while (finished_.size() > std::max<std::size_t>(1, options_.finished_orders_capacity)) {
    auto old = orders_.find(finished_.front());
    if (old != orders_.end() && is_final(old->second.last.status)) orders_.erase(old);
    finished_.pop_front();
  }
}

void RecoveringListener::remember_ids(const std::string& symbol, const std::string& venue_order_id,
                                      const std::string& client_order_id) {
  if (venue_order_id.empty() || client_order_id.empty()) return;
  const std::string key = symbol + kSeparator + venue_order_id;
  if (!client_ids_.emplace(key, client_order_id).second) return;
  client_id_order_.push_back(key);
  while (client_id_order_.size() > std::max<std::size_t>(1, options_.seen_fills_capacity)) {
    client_ids_.erase(client_id_order_.front());
    client_id_order_.pop_front();
  }
}

std::string RecoveringListener::client_id_of(const std::string& symbol, const std::string& venue_order_id) const {
  auto it = client_ids_.find(symbol + kSeparator + venue_order_id);
  return it == client_ids_.end() ? std::string() : it->second;
}

// --- recovery ------------------------------------------------------------------------------

void RecoveringListener::begin_recovery() {
  recovering_ = true;
  ++generation_;
  retry_delay_ = options_.retry_initial;
  run_attempt();
}

void RecoveringListener::run_attempt() {
  auto attempt = std::make_shared<Attempt>();
  attempt->generation = generation_;
  attempt->since = last_fill_ts_ ? *last_fill_ts_ - options_.since_margin : started_at_;
  logger_.info("private_recovery_started", {{"since_ms", to_unix_ms(attempt->since)},
                                            {"symbols", static_cast<std::uint64_t>(options_.symbols.size())}});
  fetch_fills(std::move(attempt), 0);
}

void RecoveringListener::fetch_fills(std::shared_ptr<Attempt> attempt, std::size_t index) {
  if (index == options_.symbols.size()) {
    // Client ids of fills that are news and lack one: from what we saw, else ask.
    std::set<std::pair<std::string, std::string>> unknown;
    for (Fill& fill : attempt->fills) {
      if (seen_.contains(fill.symbol, fill.trade_id) || !fill.client_order_id.empty()) continue;
      fill.client_order_id = client_id_of(fill.symbol, fill.venue_order_id);
      if (fill.client_order_id.empty() && !fill.venue_order_id.empty()) unknown.emplace(fill.symbol, fill.venue_order_id);
    }
    if (source_.order_by_venue_id) attempt->unresolved.assign(unknown.begin(), unknown.end());
    resolve_client_ids(std::move(attempt), 0);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  const std::string& symbol = options_.symbols[index];
  source_.fills_since(symbol, attempt->since,
                      [this, alive, attempt, index](VenueResult<std::vector<Fill>> fills) {
                        if (alive.expired() || !current(*attempt)) return;
                        if (!fills) return fail(attempt, "fills", fills.error());
                        for (auto& fill : fills.value()) attempt->fills.push_back(std::move(fill));
                        fetch_fills(attempt, index + 1);
                      });
}

void RecoveringListener::resolve_client_ids(std::shared_ptr<Attempt> attempt, std::size_t index) {
  if (index == attempt->unresolved.size()) {
    for (Fill& fill : attempt->fills) {
      if (fill.client_order_id.empty()) fill.client_order_id = client_id_of(fill.symbol, fill.venue_order_id);
    }
    deliver_recovered_fills(std::move(attempt));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  const auto& [symbol, venue_order_id] = attempt->unresolved[index];
  source_.order_by_venue_id(symbol, venue_order_id, [this, alive, attempt, index](VenueResult<OrderState> order) {
    if (alive.expired() || !current(*attempt)) return;
    if (order) {
      note_placed(order.value());  // learn its ids and watch it like an order we placed
    } else if (order.error().code != VenueErrc::unknown_order) {
      return fail(attempt, "order_by_venue_id", order.error());
    }
    resolve_client_ids(attempt, index + 1);
  });
}

void RecoveringListener::deliver_recovered_fills(std::shared_ptr<Attempt> attempt) {
  std::vector<Fill> fills = std::move(attempt->fills);
  attempt->fills.clear();
  std::stable_sort(fills.begin(), fills.end(), [](const Fill& a, const Fill& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    return trade_id_less(a.trade_id, b.trade_id);
  });
  std::size_t delivered = 0;
  for (const Fill& fill : fills) {
    if (!current(*attempt)) return;  // the caller stopped us or the stream dropped
    if (!deliver_fill(fill)) continue;
    ++delivered;
    ++recovered_fills_;
    // Its order changed while we were not looking: watch it (kept across attempts, so
    // a retry after a later step failed still refreshes it).
    const std::string key = order_key(fill.symbol, fill.client_order_id, fill.venue_order_id);
    if (!fill.client_order_id.empty() && orders_.count(key) == 0) {
      OrderState unknown;
      unknown.symbol = fill.symbol;
      unknown.client_order_id = fill.client_order_id;
      unknown.venue_order_id = fill.venue_order_id;
      unknown.side = fill.side;
      unknown.status = OrderStatus::pending_new;  // state unknown until queried
      remember(unknown, /*delivered=*/false);
    }
  }
  if (delivered > 0) logger_.warn("private_recovery_fills", {{"delivered", static_cast<std::uint64_t>(delivered)}});
  list_open_orders(std::move(attempt), 0);
}

void RecoveringListener::list_open_orders(std::shared_ptr<Attempt> attempt, std::size_t index) {
  if (index == options_.symbols.size()) {
    // Query what the lists did not show.
    const std::set<std::string> symbols(options_.symbols.begin(), options_.symbols.end());
    std::set<std::string> queued;
    auto queue = [&](const std::string& key, const OrderState& order) {
      if (attempt->listed.count(key) || order.client_order_id.empty() || !symbols.count(order.symbol)) return;
      if (queued.insert(key).second) attempt->to_query.emplace_back(order.symbol, order.client_order_id);
    };
    for (const auto& [key, tracked] : orders_) {
      // Open as far as we know, never shown to the caller (placed while down), or
      // touched by a recovered fill.
      if (!is_final(tracked.last.status) || !tracked.delivered) queue(key, tracked.last);
    }
    query_orders(std::move(attempt), 0);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  source_.open_orders(options_.symbols[index],
                      [this, alive, attempt, index](VenueResult<std::vector<OrderState>> orders) {
                        if (alive.expired() || !current(*attempt)) return;
                        if (!orders) return fail(attempt, "open_orders", orders.error());
                        for (const auto& order : orders.value()) {
                          if (!current(*attempt)) return;
                          attempt->listed.insert(order_key(order));
                          offer_order(order);
                        }
                        list_open_orders(attempt, index + 1);
                      });
}

void RecoveringListener::query_orders(std::shared_ptr<Attempt> attempt, std::size_t index) {
  if (index == attempt->to_query.size()) {
    refresh_positions(std::move(attempt));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  const auto& [symbol, client_order_id] = attempt->to_query[index];
  source_.query_order(symbol, client_order_id, [this, alive, attempt, index](VenueResult<OrderState> order) {
    if (alive.expired() || !current(*attempt)) return;
    if (order) {
      offer_order(order.value());
    } else if (order.error().code == VenueErrc::unknown_order) {
      // The venue does not know it (never reached it): stop watching it.
      const auto& unknown = attempt->to_query[index];
      logger_.warn("private_recovery_order_unknown", {{"symbol", unknown.first}, {"client_order_id", unknown.second}});
      auto it = orders_.find(order_key(unknown.first, unknown.second, ""));
      if (it != orders_.end() && !is_final(it->second.last.status)) orders_.erase(it);
    } else {
      return fail(attempt, "query_order", order.error());
    }
    query_orders(attempt, index + 1);
  });
}

void RecoveringListener::refresh_positions(std::shared_ptr<Attempt> attempt) {
  std::weak_ptr<bool> alive = alive_;
  source_.positions([this, alive, attempt](VenueResult<std::vector<Position>> positions) {
    if (alive.expired() || !current(*attempt)) return;
    if (!positions) return fail(attempt, "positions", positions.error());
    for (const auto& position : positions.value()) {
      if (!current(*attempt)) return;
      downstream_->on_position(position);
    }
    refresh_balances(attempt);
  });
}

void RecoveringListener::refresh_balances(std::shared_ptr<Attempt> attempt) {
  std::weak_ptr<bool> alive = alive_;
  source_.balances([this, alive, attempt](VenueResult<std::vector<Balance>> balances) {
    if (alive.expired() || !current(*attempt)) return;
    if (!balances) return fail(attempt, "balances", balances.error());
    for (const auto& balance : balances.value()) {
      if (!current(*attempt)) return;
      downstream_->on_balance(balance);
    }
    finish(attempt);
  });
}

void RecoveringListener::finish(std::shared_ptr<Attempt> attempt) {
  if (!current(*attempt)) return;
  recovering_ = false;
  reported_connected_ = true;
  retry_delay_ = options_.retry_initial;
  ++recoveries_;
  logger_.info("private_recovery_done", {{"recoveries", recoveries_}});
  downstream_->on_private_stream(true);
}

void RecoveringListener::fail(const std::shared_ptr<Attempt>& attempt, std::string_view step,
                              const VenueError& error) {
  if (!current(*attempt)) return;
  ++failed_attempts_;
  const auto delay = std::max(retry_delay_, error.retry_after.value_or(std::chrono::milliseconds(0)));
  retry_delay_ = std::min(retry_delay_ * 2, options_.retry_max);
  logger_.warn("private_recovery_failed", {{"step", step},
                                           {"error", error.describe()},
                                           {"retry_ms", static_cast<std::int64_t>(delay.count())}});
  std::weak_ptr<bool> alive = alive_;
  const std::uint64_t generation = attempt->generation;
  source_.call_after(delay, [this, alive, generation] {
    if (alive.expired() || downstream_ == nullptr || !recovering_ || generation != generation_) return;
    run_attempt();
  });
}

}  // namespace propbot::venues
