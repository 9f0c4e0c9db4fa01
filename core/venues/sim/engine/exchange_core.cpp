#include "core/venues/sim/engine/exchange_core.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/venues/sim/engine/checked_math.hpp"

namespace propbot::venues::sim {

// Books each fill of one symbol's engine into the account book as it happens, so that
// reduce-only capacities seen by the engine are always current.
class ExchangeCore::Hooks final : public MatchingHooks {
 public:
  Hooks(AccountBook& accounts, const std::string& symbol) : accounts_(accounts), symbol_(symbol) {}

  std::optional<Decimal> reduce_only_capacity(const std::string& account, OrderSide side) override {
    return accounts_.reduce_only_capacity(account, symbol_, side);
  }
  FillCharges on_fill(const std::string& account, OrderSide side, Decimal price, Decimal quantity, bool maker,
                      UtcTime now, std::vector<Event>& events) override {
    return accounts_.apply_fill(account, symbol_, side, price, quantity, maker, now, events);
  }

 private:
  AccountBook& accounts_;
  const std::string& symbol_;
};

ExchangeCore::ExchangeCore(ExchangeConfig config)
    : config_(std::move(config)), accounts_(config_.insurance_account), trades_(config_.max_trades_per_account),
      income_(config_.max_income_per_account) {}

void ExchangeCore::add_instrument(const InstrumentRules& rules) {
  accounts_.add_instrument(rules);  // validates, refuses duplicates
  books_.emplace(rules.symbol, std::make_unique<OrderBookEngine>(rules, config_.matching));
}

bool ExchangeCore::open_account(const std::string& account, Decimal initial_usdt, UtcTime now,
                                std::vector<Event>& events, bool margin_exempt) {
  const std::size_t from = events.size();
  const bool created = accounts_.open_account(account, initial_usdt, margin_exempt, now, events);
  drop_quiet(events, from, nullptr);
  income_.record_events(events, from);
  return created;
}

void ExchangeCore::deposit(const std::string& account, Decimal amount, UtcTime now, std::vector<Event>& events) {
  if (!accounts_.has_account(account)) throw std::invalid_argument("deposit: unknown account " + account);
  const std::size_t from = events.size();
  accounts_.deposit(account, amount, now, events);
  drop_quiet(events, from, nullptr);
  income_.record_events(events, from);
}

void ExchangeCore::set_quiet(const std::string& account, bool quiet) {
  if (quiet) {
    quiet_.insert(account);
  } else {
    quiet_.erase(account);
  }
}

Outcome<int> ExchangeCore::set_leverage(const std::string& account, const std::string& symbol, int leverage) {
  return accounts_.set_leverage(account, symbol, leverage);
}

OrderBookEngine* ExchangeCore::find_book(const std::string& symbol) {
  auto it = books_.find(symbol);
  return it == books_.end() ? nullptr : it->second.get();
}

const OrderBookEngine* ExchangeCore::book(const std::string& symbol) const {
  auto it = books_.find(symbol);
  return it == books_.end() ? nullptr : it->second.get();
}

Rejection ExchangeCore::refuse(const std::string& account, const OrderRequest& request, RejectReason reason,
                               std::string message, UtcTime now, std::vector<Event>& events) const {
  Rejection r = make_rejection(reason, std::move(message));
  if (quiet_.count(account) == 0) events.push_back(OrderRejected{account, request, r, now});
  return r;
}

Outcome<OrderState> ExchangeCore::place(const std::string& account, const OrderRequest& request, UtcTime now,
                                        std::vector<Event>& events) {
  OrderBookEngine* book = find_book(request.symbol);
  if (book == nullptr) {
    return refuse(account, request, RejectReason::unknown_symbol, "unknown symbol " + request.symbol, now, events);
  }
  if (!accounts_.has_account(account)) {
    return refuse(account, request, RejectReason::unknown_account, "unknown account " + account, now, events);
  }
  if (auto r = book->validate(account, request)) {
    return refuse(account, request, r->reason, r->error.venue_message, now, events);
  }
  OrderRequest checked = request;
  const bool exempt = accounts_.margin_exempt(account);
  if (checked.reduce_only) {
    const Decimal capacity = accounts_.reduce_only_capacity(account, checked.symbol, checked.side);
    if (capacity.sign() <= 0) {
      return refuse(account, request, RejectReason::reduce_only_rejected,
                    "reduce-only order would increase the position", now, events);
    }
    if (checked.quantity > capacity) checked.quantity = capacity;  // clip to |position|
  }

  std::optional<Decimal> reference = checked.price;
  if (checked.type == OrderType::market) {
    reference = accounts_.mark(checked.symbol);
    if (!reference) reference = checked.side == OrderSide::buy ? book->best_ask() : book->best_bid();
  }
  if (!checked.reduce_only && reference) {
    const Decimal notional = math::mul(checked.quantity, *reference);
    if (notional < book->rules().min_notional) {
      return refuse(account, request, RejectReason::notional_below_min,
                    "order notional " + notional.to_string() + " below minimum " +
                        book->rules().min_notional.to_string(),
                    now, events);
    }
  }
  const bool needs_margin = !checked.reduce_only && !exempt && reference.has_value();
  Decimal required;
  if (needs_margin) {
    required = accounts_.initial_margin_required(account, checked.symbol, checked.side, checked.quantity, *reference);
    const Decimal available = accounts_.available(account);
    if (required > available) {
      return refuse(account, request, RejectReason::insufficient_margin,
                    "margin is insufficient: needs " + required.to_string() + ", available " + available.to_string(),
                    now, events);
    }
  }

  const std::size_t from = events.size();
  Hooks hooks(accounts_, checked.symbol);
  auto result = book->place(account, checked, now, hooks, events);
  if (result.ok() && needs_margin && !is_final(result->status)) {
    accounts_.reserve(account, checked.symbol, result->venue_order_id, required, checked.quantity,
                      math::sub(result->quantity, result->filled_quantity));
  }
  settle_reservations(events, from);
  drop_quiet(events, from, nullptr);
  trades_.record_fills(events, from);
  income_.record_events(events, from);
  return result;
}

Outcome<OrderState> ExchangeCore::cancel(const std::string& account, const std::string& symbol, const OrderRef& ref,
                                         UtcTime now, std::vector<Event>& events) {
  OrderBookEngine* book = find_book(symbol);
  if (book == nullptr) return make_rejection(RejectReason::unknown_symbol, "unknown symbol " + symbol);
  const std::size_t from = events.size();
  auto result = book->cancel(account, ref, now, events);
  settle_reservations(events, from);
  drop_quiet(events, from, nullptr);
  return result;
}

std::vector<OrderState> ExchangeCore::cancel_all(const std::string& account, const std::string& symbol, UtcTime now,
                                                 std::vector<Event>& events) {
  OrderBookEngine* book = find_book(symbol);
  if (book == nullptr) return {};
  const std::size_t from = events.size();
  auto canceled = book->cancel_all(account, now, events);
  settle_reservations(events, from);
  drop_quiet(events, from, nullptr);
  return canceled;
}

void ExchangeCore::replace_liquidity(const std::string& symbol, const std::string& account,
                                     const std::vector<PriceLevel>& bids, const std::vector<PriceLevel>& asks,
                                     UtcTime now, std::vector<Event>& events, bool emit_own_events) {
  OrderBookEngine* book = find_book(symbol);
  if (book == nullptr) throw std::invalid_argument("replace_liquidity: unknown symbol " + symbol);
  if (!accounts_.has_account(account)) throw std::invalid_argument("replace_liquidity: unknown account " + account);
  const std::size_t from = events.size();
  Hooks hooks(accounts_, symbol);
  book->replace_liquidity(account, bids, asks, now, hooks, events);
  settle_reservations(events, from);
  drop_quiet(events, from, emit_own_events ? nullptr : &account);
  // The quiet account's own fills were dropped above unless asked for: only the
  // other side's (our clients') are kept.
  trades_.record_fills(events, from);
  income_.record_events(events, from);
}

std::vector<OrderState> ExchangeCore::open_orders(const std::string& account,
                                                  const std::optional<std::string>& symbol) const {
  std::vector<OrderState> out;
  for (const auto& [name, book] : books_) {
    if (symbol && *symbol != name) continue;
    auto mine = book->open_orders(account);
    out.insert(out.end(), mine.begin(), mine.end());
  }
  return out;
}

Outcome<OrderState> ExchangeCore::order(const std::string& account, const std::string& symbol,
                                        const OrderRef& ref) const {
  const OrderBookEngine* b = book(symbol);
  if (b == nullptr) return make_rejection(RejectReason::unknown_symbol, "unknown symbol " + symbol);
  if (auto found = b->find(account, ref)) return *found;
  return make_rejection(RejectReason::unknown_order, "order does not exist");
}

std::vector<Position> ExchangeCore::positions(const std::string& account) const {
  return accounts_.positions(account);
}

std::vector<Balance> ExchangeCore::balances(const std::string& account, UtcTime now) const {
  return accounts_.balances(account, now);
}

std::vector<TradeRecord> ExchangeCore::trades(const std::string& account,
                                              const std::optional<std::string>& symbol) const {
  return trades_.trades(account, symbol);
}

std::vector<IncomeRecord> ExchangeCore::income(const std::string& account,
                                               const std::optional<std::string>& symbol) const {
  return income_.records(account, symbol);
}

void ExchangeCore::set_mark(const std::string& symbol, Decimal mark, UtcTime now, std::vector<Event>& events) {
  if (find_book(symbol) == nullptr) throw std::invalid_argument("set_mark: unknown symbol " + symbol);
  accounts_.set_mark(symbol, mark);
  liquidate_if_needed(now, events);
}

void ExchangeCore::apply_funding(const std::string& symbol, Decimal rate, Decimal mark, UtcTime now,
                                 std::vector<Event>& events, const std::set<std::string>& unpaid) {
  if (find_book(symbol) == nullptr) throw std::invalid_argument("apply_funding: unknown symbol " + symbol);
  const std::size_t from = events.size();
  accounts_.apply_funding(symbol, rate, mark, now, events, unpaid);
  drop_quiet(events, from, nullptr);
  income_.record_events(events, from);
  liquidate_if_needed(now, events);
}

void ExchangeCore::liquidate_if_needed(UtcTime now, std::vector<Event>& events) {
  const std::size_t from = events.size();
  for (const std::string& account : accounts_.accounts_to_liquidate()) {
    for (auto& [symbol, book] : books_) book->cancel_all(account, now, events, CancelReason::liquidation);
    accounts_.liquidate(account, now, events);
  }
  settle_reservations(events, from);
  drop_quiet(events, from, nullptr);
  income_.record_events(events, from);
}

void ExchangeCore::settle_reservations(const std::vector<Event>& events, std::size_t from) {
  for (std::size_t i = from; i < events.size(); ++i) {
    const OrderState* order = nullptr;
    if (const auto* e = std::get_if<OrderFilled>(&events[i])) order = &e->order;
    if (const auto* e = std::get_if<OrderCanceled>(&events[i])) order = &e->order;
    if (const auto* e = std::get_if<OrderExpired>(&events[i])) order = &e->order;
    if (order == nullptr) continue;
    if (is_final(order->status)) {
      accounts_.release(order->symbol, order->venue_order_id);
    } else {
      accounts_.update_reservation(order->symbol, order->venue_order_id,
                                   math::sub(order->quantity, order->filled_quantity));
    }
  }
}

void ExchangeCore::drop_quiet(std::vector<Event>& events, std::size_t from, const std::string* also_quiet) const {
  if (quiet_.empty() && also_quiet == nullptr) return;
  auto first = events.begin() + static_cast<std::ptrdiff_t>(from);
  auto kept = std::remove_if(first, events.end(), [&](const Event& e) {
    const std::string& owner = event_account(e);
    return quiet_.count(owner) != 0 || (also_quiet != nullptr && owner == *also_quiet);
  });
  events.erase(kept, events.end());
}

}  // namespace propbot::venues::sim
