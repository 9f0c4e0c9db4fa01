#include "core/venues/sim/engine/matching_engine.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/venues/sim/engine/checked_math.hpp"

namespace propbot::venues::sim {

namespace {

OrderSide opposite(OrderSide side) { return side == OrderSide::buy ? OrderSide::sell : OrderSide::buy; }

bool on_grid(Decimal value, Decimal grid) {
  auto snapped = value.round_to_step(grid, RoundMode::down);
  return snapped.ok() && snapped.value() == value;
}

std::int64_t ticks_of(Decimal price, Decimal tick, RoundMode mode) {
  auto t = price.to_ticks(tick, mode);
  if (!t.ok()) throw std::logic_error("sim engine: price " + price.to_string() + " has no tick count");
  return t.value();
}

}  // namespace

OrderBookEngine::OrderBookEngine(InstrumentRules rules, MatchingConfig config)
    : rules_(std::move(rules)),
      config_(config),
      next_order_id_(config.first_order_id),
      next_trade_id_(config.first_trade_id) {
  if (auto problem = rules_.validate(); !problem.empty()) throw std::invalid_argument("InstrumentRules: " + problem);
  if (config_.market_protection_bps < 0) throw std::invalid_argument("MatchingConfig: market_protection_bps < 0");
}

std::optional<Rejection> OrderBookEngine::validate(const std::string& account, const OrderRequest& request) const {
  if (request.symbol != rules_.symbol) {
    return make_rejection(RejectReason::unknown_symbol, "unknown symbol " + request.symbol);
  }
  if (request.quantity.sign() <= 0 || !on_grid(request.quantity, rules_.step)) {
    return make_rejection(RejectReason::invalid_quantity, "quantity " + request.quantity.to_string() +
                                                              " must be > 0 and a multiple of " +
                                                              rules_.step.to_string());
  }
  if (request.quantity < rules_.min_qty) {
    return make_rejection(RejectReason::quantity_below_min,
                          "quantity " + request.quantity.to_string() + " below minimum " + rules_.min_qty.to_string());
  }
  if (request.type == OrderType::limit) {
    if (!request.price) return make_rejection(RejectReason::missing_price, "limit order needs a price");
    if (request.price->sign() <= 0 || !on_grid(*request.price, rules_.tick)) {
      return make_rejection(RejectReason::invalid_price, "price " + request.price->to_string() +
                                                             " must be > 0 and a multiple of " +
                                                             rules_.tick.to_string());
    }
  } else if (request.time_in_force == TimeInForce::post_only) {
    return make_rejection(RejectReason::invalid_price, "a market order cannot be post-only");
  }
  if (request.client_order_id.size() > 36) {
    return make_rejection(RejectReason::invalid_client_id, "client order id longer than 36 characters");
  }
  if (!request.client_order_id.empty() && open_by_client_.count({account, request.client_order_id}) != 0) {
    return make_rejection(RejectReason::duplicate_client_id,
                          "client order id " + request.client_order_id + " is duplicated");
  }
  return std::nullopt;
}

bool OrderBookEngine::crosses(OrderSide taker_side, std::int64_t taker_ticks, std::int64_t maker_ticks) const {
  return taker_side == OrderSide::buy ? maker_ticks <= taker_ticks : maker_ticks >= taker_ticks;
}

void OrderBookEngine::reject(const std::string& account, const OrderRequest& request, const Rejection& r,
                             UtcTime now, std::vector<Event>& events) const {
  events.push_back(OrderRejected{account, request, r, now});
}

Outcome<OrderState> OrderBookEngine::place(const std::string& account, const OrderRequest& request, UtcTime now,
                                           MatchingHooks& hooks, std::vector<Event>& events) {
  if (auto r = validate(account, request)) {
    reject(account, request, *r, now, events);
    return *r;
  }
  const auto& opposite_levels = side_levels(opposite(request.side));
  std::optional<std::int64_t> limit_ticks;
  if (request.type == OrderType::limit) limit_ticks = ticks_of(*request.price, rules_.tick, RoundMode::nearest);

  if (request.time_in_force == TimeInForce::post_only && !opposite_levels.empty() &&
      crosses(request.side, *limit_ticks, opposite_levels.back().ticks)) {
    auto r = make_rejection(RejectReason::post_only_would_take,
                            "post-only order would take liquidity at " + opposite_levels.back().price.to_string());
    reject(account, request, r, now, events);
    return r;
  }

  OrderRecord taker;
  taker.account = account;
  taker.id = next_order_id_++;
  taker.remaining = request.quantity;
  taker.price_ticks = limit_ticks.value_or(0);
  OrderState& s = taker.state;
  s.symbol = request.symbol;
  s.client_order_id = request.client_order_id.empty() ? "sim" + std::to_string(taker.id) : request.client_order_id;
  s.venue_order_id = std::to_string(taker.id);
  s.side = request.side;
  s.type = request.type;
  s.time_in_force = request.time_in_force;
  s.price = request.type == OrderType::limit ? request.price : std::nullopt;
  s.quantity = request.quantity;
  s.status = OrderStatus::new_order;
  s.reduce_only = request.reduce_only;
  s.updated_at = now;
  events.push_back(OrderAccepted{account, s});

  auto expire = [&](ExpireReason reason) {
    taker.state.status = OrderStatus::expired;
    taker.state.updated_at = now;
    events.push_back(OrderExpired{account, taker.state, reason});
    OrderState result = taker.state;
    close(std::move(taker));
    return result;
  };

  if (request.type == OrderType::market) {
    if (opposite_levels.empty()) return expire(ExpireReason::market_remainder);
    const Decimal best = opposite_levels.back().price;
    const Decimal band = Decimal::from_mantissa(config_.market_protection_bps, 4);
    const Decimal one = Decimal::from_mantissa(1, 0);
    if (request.side == OrderSide::buy) {
      limit_ticks = ticks_of(math::mul(best, math::add(one, band)), rules_.tick, RoundMode::floor);
    } else {
      limit_ticks = ticks_of(math::mul(best, math::sub(one, band)), rules_.tick, RoundMode::ceil);
    }
  }
  if (request.time_in_force == TimeInForce::fok && fillable_quantity(taker, limit_ticks, hooks) < taker.remaining) {
    return expire(ExpireReason::fok_not_fillable);
  }

  std::optional<ExpireReason> stop_reason;
  match(taker, limit_ticks, now, hooks, events, stop_reason);

  if (taker.remaining.is_zero()) {
    OrderState result = taker.state;
    close(std::move(taker));
    return result;
  }
  if (stop_reason) return expire(*stop_reason);
  if (request.type == OrderType::market) return expire(ExpireReason::market_remainder);
  switch (request.time_in_force) {
    case TimeInForce::ioc: return expire(ExpireReason::ioc_remainder);
    case TimeInForce::fok:
      // The dry run promised a complete fill; a remainder means the two walks disagree.
      throw std::logic_error("sim engine: FOK order " + taker.state.venue_order_id + " filled partially");
    case TimeInForce::gtc:
    case TimeInForce::post_only: break;
  }
  OrderState result = taker.state;
  rest(std::move(taker));
  return result;
}

Decimal OrderBookEngine::fillable_quantity(const OrderRecord& taker, std::optional<std::int64_t> limit_ticks,
                                           MatchingHooks& hooks) const {
  Decimal need = taker.remaining;
  if (taker.state.reduce_only) {
    if (auto cap = hooks.reduce_only_capacity(taker.account, taker.state.side)) need = math::min(need, *cap);
  }
  Decimal total;
  std::map<std::string, Decimal> traded;  // per maker account: how much it would trade in this walk
  const auto& levels = side_levels(opposite(taker.state.side));
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    if (limit_ticks && !crosses(taker.state.side, *limit_ticks, level->ticks)) break;
    for (std::int64_t id : level->queue) {
      const OrderRecord& maker = open_.at(id);
      if (maker.account == taker.account) return total;  // self-trade prevention stops the walk here
      Decimal available = maker.remaining;
      Decimal& already = traded[maker.account];
      if (maker.state.reduce_only) {
        if (auto cap = hooks.reduce_only_capacity(maker.account, maker.state.side)) {
          available = math::min(available, math::max(math::zero(), math::sub(*cap, already)));
        }
      }
      already = math::add(already, available);
      total = math::add(total, available);
      if (total >= need) return total;
    }
  }
  return total;
}

void OrderBookEngine::match(OrderRecord& taker, std::optional<std::int64_t> limit_ticks, UtcTime now,
                            MatchingHooks& hooks, std::vector<Event>& events,
                            std::optional<ExpireReason>& stop_reason) {
  auto& levels = side_levels(opposite(taker.state.side));
  while (!taker.remaining.is_zero() && !levels.empty()) {
    Level& best = levels.back();
    if (limit_ticks && !crosses(taker.state.side, *limit_ticks, best.ticks)) break;
    const std::int64_t maker_id = best.queue.front();
    OrderRecord& maker = open_.at(maker_id);
    if (maker.account == taker.account) {
      stop_reason = ExpireReason::self_trade_prevention;
      return;
    }
    Decimal quantity = math::min(taker.remaining, maker.remaining);
    if (maker.state.reduce_only) {
      auto cap = hooks.reduce_only_capacity(maker.account, maker.state.side);
      if (cap && cap->sign() <= 0) {
        OrderRecord expired = std::move(maker);
        unlink(expired);
        open_.erase(maker_id);
        expired.state.status = OrderStatus::expired;
        expired.state.updated_at = now;
        events.push_back(OrderExpired{expired.account, expired.state, ExpireReason::reduce_only});
        close(std::move(expired));
        continue;
      }
      if (cap) quantity = math::min(quantity, *cap);
    }
    if (taker.state.reduce_only) {
      auto cap = hooks.reduce_only_capacity(taker.account, taker.state.side);
      if (cap && cap->sign() <= 0) {
        stop_reason = ExpireReason::reduce_only;
        return;
      }
      if (cap) quantity = math::min(quantity, *cap);
    }
    const Decimal price = best.price;
    const std::int64_t trade_id = next_trade_id_++;
    apply_fill(maker, price, quantity, /*maker=*/true, trade_id, now, hooks, events);
    apply_fill(taker, price, quantity, /*maker=*/false, trade_id, now, hooks, events);
    if (maker.remaining.is_zero()) {
      OrderRecord done = std::move(maker);
      unlink(done);
      open_.erase(maker_id);
      close(std::move(done));
    }
  }
}

void OrderBookEngine::apply_fill(OrderRecord& order, Decimal price, Decimal quantity, bool maker,
                                 std::int64_t trade_id, UtcTime now, MatchingHooks& hooks,
                                 std::vector<Event>& events) {
  if (quantity.sign() <= 0 || quantity > order.remaining) {
    throw std::logic_error("sim engine: fill of " + quantity.to_string() + " on order " + order.state.venue_order_id +
                           " with " + order.remaining.to_string() + " remaining");
  }
  order.remaining = math::sub(order.remaining, quantity);
  OrderState& s = order.state;
  s.filled_quantity = math::add(s.filled_quantity, quantity);
  order.filled_notional = math::add(order.filled_notional, math::mul(quantity, price));
  s.average_price = math::div(order.filled_notional, s.filled_quantity, math::price_scale, RoundMode::nearest).normalized();
  s.status = order.remaining.is_zero() ? OrderStatus::filled : OrderStatus::partially_filled;
  s.updated_at = now;

  Fill fill;
  fill.symbol = s.symbol;
  fill.client_order_id = s.client_order_id;
  fill.venue_order_id = s.venue_order_id;
  fill.trade_id = std::to_string(trade_id);
  fill.side = s.side;
  fill.price = price;
  fill.quantity = quantity;
  fill.fee_asset = rules_.margin_asset;
  fill.maker = maker;
  fill.ts = now;

  // The order event goes first, the account events the hook appends follow it; the
  // fee and PnL are filled in once the hook has computed them.
  const std::size_t at = events.size();
  events.push_back(OrderFilled{order.account, s, std::move(fill), {}, {}});
  const FillCharges charges = hooks.on_fill(order.account, s.side, price, quantity, maker, now, events);
  order.cumulative_fee = math::add(order.cumulative_fee, charges.fee);
  order.cumulative_realized_pnl = math::add(order.cumulative_realized_pnl, charges.realized_pnl);
  auto& filled = std::get<OrderFilled>(events[at]);
  filled.fill.fee = charges.fee;
  filled.fill.realized_pnl = charges.realized_pnl;
  filled.cumulative_fee = order.cumulative_fee;
  filled.cumulative_realized_pnl = order.cumulative_realized_pnl;
}

void OrderBookEngine::rest(OrderRecord order) {
  auto& levels = side_levels(order.state.side);
  const bool bid = order.state.side == OrderSide::buy;
  const std::int64_t ticks = order.price_ticks;
  // bids ascending, asks descending: the best price of each side sits at back().
  auto it = std::lower_bound(levels.begin(), levels.end(), ticks,
                             [bid](const Level& l, std::int64_t t) { return bid ? l.ticks < t : l.ticks > t; });
  if (it == levels.end() || it->ticks != ticks) it = levels.insert(it, Level{ticks, *order.state.price, {}});
  it->queue.push_back(order.id);
  open_by_client_[{order.account, order.state.client_order_id}] = order.id;
  const std::int64_t id = order.id;
  open_.emplace(id, std::move(order));
}

void OrderBookEngine::unlink(const OrderRecord& order) {
  auto& levels = side_levels(order.state.side);
  const bool bid = order.state.side == OrderSide::buy;
  auto it = std::lower_bound(levels.begin(), levels.end(), order.price_ticks,
                             [bid](const Level& l, std::int64_t t) { return bid ? l.ticks < t : l.ticks > t; });
  if (it == levels.end() || it->ticks != order.price_ticks) {
    throw std::logic_error("sim engine: resting order " + order.state.venue_order_id + " has no price level");
  }
  auto pos = std::find(it->queue.begin(), it->queue.end(), order.id);
  if (pos == it->queue.end()) {
    throw std::logic_error("sim engine: resting order " + order.state.venue_order_id + " missing from its level");
  }
  it->queue.erase(pos);
  if (it->queue.empty()) levels.erase(it);
  open_by_client_.erase({order.account, order.state.client_order_id});
}

void OrderBookEngine::close(OrderRecord order) {
  const std::int64_t id = order.id;
  closed_by_client_[{order.account, order.state.client_order_id}] = id;
  closed_fifo_.push_back(id);
  closed_.insert_or_assign(id, std::move(order));
  while (closed_fifo_.size() > config_.max_closed_orders) {
    const std::int64_t old = closed_fifo_.front();
    closed_fifo_.pop_front();
    auto rec = closed_.find(old);
    if (rec == closed_.end()) continue;
    auto key = ClientKey{rec->second.account, rec->second.state.client_order_id};
    if (auto c = closed_by_client_.find(key); c != closed_by_client_.end() && c->second == old) {
      closed_by_client_.erase(c);
    }
    OrderRecord gone = std::move(rec->second);
    closed_.erase(rec);
    forget(gone);
  }
}

void OrderBookEngine::forget(const OrderRecord& order) const {
  if (config_.on_forget) config_.on_forget(order.account, order.state);
}

OrderBookEngine::OrderRecord* OrderBookEngine::find_open(const std::string& account, const OrderRef& ref) {
  std::int64_t id = ref.venue_order_id;
  if (id == 0) {
    auto c = open_by_client_.find({account, ref.client_order_id});
    if (c == open_by_client_.end()) return nullptr;
    id = c->second;
  }
  auto it = open_.find(id);
  if (it == open_.end() || it->second.account != account) return nullptr;
  return &it->second;
}

Outcome<OrderState> OrderBookEngine::cancel(const std::string& account, const OrderRef& ref, UtcTime now,
                                            std::vector<Event>& events, CancelReason reason) {
  OrderRecord* found = find_open(account, ref);
  if (found == nullptr) {
    return make_rejection(RejectReason::unknown_order, "unknown order (not open): " +
                                                           (ref.venue_order_id != 0 ? std::to_string(ref.venue_order_id)
                                                                                    : ref.client_order_id));
  }
  const std::int64_t id = found->id;
  OrderRecord order = std::move(*found);
  unlink(order);
  open_.erase(id);
  order.state.status = OrderStatus::canceled;
  order.state.updated_at = now;
  events.push_back(OrderCanceled{account, order.state, reason});
  OrderState result = order.state;
  // Replaced liquidity that never traded is forgotten at once (see the header).
  const bool forgettable = reason == CancelReason::liquidity_replaced && order.state.filled_quantity.is_zero();
  if (forgettable) {
    forget(order);
  } else {
    close(std::move(order));
  }
  return result;
}

std::vector<OrderState> OrderBookEngine::cancel_all(const std::string& account, UtcTime now,
                                                    std::vector<Event>& events, CancelReason reason) {
  std::vector<std::int64_t> ids;
  for (const auto& [id, order] : open_) {
    if (order.account == account) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  std::vector<OrderState> canceled;
  canceled.reserve(ids.size());
  for (std::int64_t id : ids) {
    auto r = cancel(account, OrderRef::by_venue_id(id), now, events, reason);
    if (r.ok()) canceled.push_back(r.value());
  }
  return canceled;
}

void OrderBookEngine::replace_liquidity(const std::string& account, const std::vector<PriceLevel>& bids,
                                        const std::vector<PriceLevel>& asks, UtcTime now, MatchingHooks& hooks,
                                        std::vector<Event>& events) {
  cancel_all(account, now, events, CancelReason::liquidity_replaced);
  auto quote = [&](OrderSide side, const PriceLevel& level) {
    if (level.quantity.is_zero()) return;
    OrderRequest request;
    request.symbol = rules_.symbol;
    request.side = side;
    request.type = OrderType::limit;
    request.time_in_force = TimeInForce::gtc;
    request.quantity = level.quantity;
    request.price = level.price;
    (void)place(account, request, now, hooks, events);
  };
  for (const auto& level : bids) quote(OrderSide::buy, level);
  for (const auto& level : asks) quote(OrderSide::sell, level);
}

std::optional<OrderState> OrderBookEngine::find(const std::string& account, const OrderRef& ref) const {
  if (ref.venue_order_id != 0) {
    if (auto it = open_.find(ref.venue_order_id); it != open_.end() && it->second.account == account) {
      return it->second.state;
    }
    if (auto it = closed_.find(ref.venue_order_id); it != closed_.end() && it->second.account == account) {
      return it->second.state;
    }
    return std::nullopt;
  }
  const ClientKey key{account, ref.client_order_id};
  if (auto c = open_by_client_.find(key); c != open_by_client_.end()) return open_.at(c->second).state;
  if (auto c = closed_by_client_.find(key); c != closed_by_client_.end()) return closed_.at(c->second).state;
  return std::nullopt;
}

std::vector<OrderState> OrderBookEngine::open_orders(const std::string& account) const {
  std::vector<const OrderRecord*> mine;
  for (const auto& [id, order] : open_) {
    if (order.account == account) mine.push_back(&order);
  }
  std::sort(mine.begin(), mine.end(), [](const OrderRecord* a, const OrderRecord* b) { return a->id < b->id; });
  std::vector<OrderState> out;
  out.reserve(mine.size());
  for (const OrderRecord* o : mine) out.push_back(o->state);
  return out;
}

std::optional<Decimal> OrderBookEngine::best_bid() const {
  if (bids_.empty()) return std::nullopt;
  return bids_.back().price;
}

std::optional<Decimal> OrderBookEngine::best_ask() const {
  if (asks_.empty()) return std::nullopt;
  return asks_.back().price;
}

std::vector<PriceLevel> OrderBookEngine::depth(OrderSide side, std::size_t max_levels) const {
  const auto& levels = side_levels(side);
  std::vector<PriceLevel> out;
  for (auto level = levels.rbegin(); level != levels.rend() && out.size() < max_levels; ++level) {
    Decimal total;
    for (std::int64_t id : level->queue) total = math::add(total, open_.at(id).remaining);
    out.push_back(PriceLevel{level->price, total});
  }
  return out;
}

}  // namespace propbot::venues::sim
