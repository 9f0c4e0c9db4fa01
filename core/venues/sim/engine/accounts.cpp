#include "core/venues/sim/engine/accounts.hpp"

#include <stdexcept>

#include "core/venues/sim/engine/checked_math.hpp"

namespace propbot::venues::sim {

namespace {
const std::string kMarginAsset = "USDT";

Decimal leverage_decimal(int leverage) { return Decimal::from_mantissa(leverage, 0); }
}  // namespace

AccountBook::AccountBook(std::string insurance_account) : insurance_account_(std::move(insurance_account)) {
  AccountState insurance;
  insurance.margin_exempt = true;
  accounts_.emplace(insurance_account_, std::move(insurance));
}

void AccountBook::add_instrument(const InstrumentRules& rules) {
  if (auto problem = rules.validate(); !problem.empty()) throw std::invalid_argument("InstrumentRules: " + problem);
  if (rules.margin_asset != kMarginAsset) {
    throw std::invalid_argument("InstrumentRules: " + rules.symbol + " margin asset must be " + kMarginAsset);
  }
  if (!rules_.emplace(rules.symbol, rules).second) {
    throw std::invalid_argument("InstrumentRules: duplicate symbol " + rules.symbol);
  }
}

const InstrumentRules* AccountBook::instrument(const std::string& symbol) const {
  auto it = rules_.find(symbol);
  return it == rules_.end() ? nullptr : &it->second;
}

const InstrumentRules& AccountBook::rules(const std::string& symbol) const {
  auto it = rules_.find(symbol);
  if (it == rules_.end()) throw std::logic_error("AccountBook: unknown symbol " + symbol);
  return it->second;
}

AccountBook::AccountState& AccountBook::state(const std::string& account) {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) throw std::logic_error("AccountBook: unknown account " + account);
  return it->second;
}

const AccountBook::AccountState& AccountBook::state(const std::string& account) const {
  auto it = accounts_.find(account);
  if (it == accounts_.end()) throw std::logic_error("AccountBook: unknown account " + account);
  return it->second;
}

bool AccountBook::open_account(const std::string& account, Decimal initial_balance, bool margin_exempt,
                               UtcTime now, std::vector<Event>& events) {
  if (accounts_.count(account) != 0) return false;
  AccountState created;
  created.margin_exempt = margin_exempt;
  accounts_.emplace(account, std::move(created));
  if (!initial_balance.is_zero()) deposit(account, initial_balance, now, events);
  return true;
}

bool AccountBook::margin_exempt(const std::string& account) const { return state(account).margin_exempt; }

void AccountBook::deposit(const std::string& account, Decimal amount, UtcTime now, std::vector<Event>& events) {
  total_deposits_ = math::add(total_deposits_, amount);
  change_wallet(account, amount, BalanceReason::deposit, now, events);
}

void AccountBook::change_wallet(const std::string& account, Decimal delta, BalanceReason reason, UtcTime now,
                                std::vector<Event>& events) {
  AccountState& a = state(account);
  a.wallet = math::add(a.wallet, delta);
  events.push_back(BalanceChanged{account, balance_snapshot(account, now), delta, reason});
}

Outcome<int> AccountBook::set_leverage(const std::string& account, const std::string& symbol, int leverage) {
  if (!has_account(account)) return make_rejection(RejectReason::unknown_account, "unknown account " + account);
  const InstrumentRules* r = instrument(symbol);
  if (r == nullptr) return make_rejection(RejectReason::unknown_symbol, "unknown symbol " + symbol);
  if (leverage < 1 || leverage > r->max_leverage) {
    return make_rejection(RejectReason::invalid_leverage, "leverage " + std::to_string(leverage) + " outside 1.." +
                                                              std::to_string(r->max_leverage));
  }
  state(account).leverage[symbol] = leverage;
  return leverage;
}

int AccountBook::leverage(const std::string& account, const std::string& symbol) const {
  const AccountState& a = state(account);
  if (auto it = a.leverage.find(symbol); it != a.leverage.end()) return it->second;
  return rules(symbol).default_leverage;
}

Decimal AccountBook::mark_or_entry(const std::string& symbol, const PositionBook& p) const {
  if (auto it = marks_.find(symbol); it != marks_.end()) return it->second;
  if (p.quantity.is_zero()) return Decimal{};
  return math::div(p.cost, math::abs(p.quantity), math::price_scale, RoundMode::nearest);
}

Decimal AccountBook::unrealized(const std::string& symbol, const PositionBook& p) const {
  if (p.quantity.is_zero()) return Decimal{};
  auto it = marks_.find(symbol);
  if (it == marks_.end()) return Decimal{};
  const Decimal signed_cost = p.quantity.is_negative() ? math::neg(p.cost) : p.cost;
  return math::to_money(math::sub(math::mul(p.quantity, it->second), signed_cost));
}

Decimal AccountBook::unrealized_pnl_at(const std::string& account, const std::string& symbol, Decimal mark) const {
  const AccountState& a = state(account);
  auto it = a.positions.find(symbol);
  if (it == a.positions.end() || it->second.quantity.is_zero()) return Decimal{};
  const PositionBook& p = it->second;
  const Decimal signed_cost = p.quantity.is_negative() ? math::neg(p.cost) : p.cost;
  return math::sub(math::mul(p.quantity, mark), signed_cost);
}

Decimal AccountBook::wallet(const std::string& account) const { return state(account).wallet; }

Decimal AccountBook::equity(const std::string& account) const {
  const AccountState& a = state(account);
  Decimal total = a.wallet;
  for (const auto& [symbol, p] : a.positions) total = math::add(total, unrealized(symbol, p));
  return total;
}

Decimal AccountBook::available(const std::string& account) const { return account_margin(account).available; }

SymbolMargin AccountBook::symbol_margin(const std::string& account, const std::string& symbol) const {
  const AccountState& a = state(account);
  SymbolMargin out;
  if (auto it = a.positions.find(symbol); it != a.positions.end() && !it->second.quantity.is_zero()) {
    const PositionBook& p = it->second;
    out.notional = math::mul(math::abs(p.quantity), mark_or_entry(symbol, p));
    out.unrealized_pnl = unrealized(symbol, p);
    out.position_initial = math::div(out.notional, leverage_decimal(leverage(account, symbol)), math::money_scale,
                                     RoundMode::up);
    out.maintenance = math::mul_money(out.notional, rules(symbol).maintenance_margin_rate, RoundMode::up);
  }
  for (const auto& [key, r] : reservations_) {
    if (key.first == symbol && r.account == account) out.open_order_initial = math::add(out.open_order_initial, r.reserved);
  }
  return out;
}

Decimal AccountBook::liquidation_price(const std::string& account, const std::string& symbol) const {
  const AccountState& a = state(account);
  auto it = a.positions.find(symbol);
  if (a.margin_exempt || it == a.positions.end() || it->second.quantity.is_zero()) return Decimal{};
  Decimal rest = a.wallet;  // what the other positions leave: wallet + Σ (unrealised − maintenance)
  for (const auto& [other, p] : a.positions) {
    if (other == symbol || p.quantity.is_zero()) continue;
    const SymbolMargin m = symbol_margin(account, other);
    rest = math::add(rest, math::sub(m.unrealized_pnl, m.maintenance));
  }
  const PositionBook& p = it->second;
  const Decimal signed_cost = p.quantity.is_negative() ? math::neg(p.cost) : p.cost;
  const Decimal denominator =
      math::sub(p.quantity, math::mul(math::abs(p.quantity), rules(symbol).maintenance_margin_rate));
  if (denominator.is_zero()) return Decimal{};
  const Decimal price = math::div(math::sub(signed_cost, rest), denominator, math::price_scale, RoundMode::nearest);
  return price.sign() > 0 ? price.normalized() : Decimal{};
}

AccountMargin AccountBook::account_margin(const std::string& account) const {
  AccountMargin out;
  out.wallet = state(account).wallet;
  for (const auto& [symbol, rules] : rules_) {
    const SymbolMargin m = symbol_margin(account, symbol);
    out.unrealized_pnl = math::add(out.unrealized_pnl, m.unrealized_pnl);
    out.position_initial = math::add(out.position_initial, m.position_initial);
    out.open_order_initial = math::add(out.open_order_initial, m.open_order_initial);
    out.maintenance = math::add(out.maintenance, m.maintenance);
  }
  out.available = math::sub(math::sub(math::add(out.wallet, out.unrealized_pnl), out.position_initial),
                            out.open_order_initial);
  return out;
}

Decimal AccountBook::maintenance_margin(const std::string& account) const {
  return account_margin(account).maintenance;
}

Decimal AccountBook::initial_margin_required(const std::string& account, const std::string& symbol, OrderSide side,
                                             Decimal quantity, Decimal price) const {
  const AccountState& a = state(account);
  Decimal increase = quantity;
  if (auto it = a.positions.find(symbol); it != a.positions.end()) {
    const Decimal position = it->second.quantity;
    const bool opposes = (side == OrderSide::buy && position.is_negative()) ||
                         (side == OrderSide::sell && position.sign() > 0);
    if (opposes) increase = math::max(math::zero(), math::sub(quantity, math::abs(position)));
  }
  const Decimal margin = math::div(math::mul(increase, price), leverage_decimal(leverage(account, symbol)),
                                   math::money_scale, RoundMode::up);
  const Decimal fee = math::max(math::zero(), math::mul_money(math::mul(quantity, price),
                                                              rules(symbol).taker_fee_rate, RoundMode::up));
  return math::add(margin, fee);
}

void AccountBook::reserve(const std::string& account, const std::string& symbol, const std::string& venue_order_id,
                          Decimal amount, Decimal quantity, Decimal remaining) {
  Reservation r{account, amount, quantity, {}};
  r.reserved = math::div(math::mul(amount, remaining), quantity, math::money_scale, RoundMode::up);
  reservations_.insert_or_assign({symbol, venue_order_id}, std::move(r));
}

void AccountBook::update_reservation(const std::string& symbol, const std::string& venue_order_id,
                                     Decimal remaining) {
  auto it = reservations_.find({symbol, venue_order_id});
  if (it == reservations_.end()) return;
  Reservation& r = it->second;
  r.reserved = math::div(math::mul(r.amount, remaining), r.quantity, math::money_scale, RoundMode::up);
}

void AccountBook::release(const std::string& symbol, const std::string& venue_order_id) {
  reservations_.erase({symbol, venue_order_id});
}

Decimal AccountBook::reduce_only_capacity(const std::string& account, const std::string& symbol,
                                          OrderSide side) const {
  const AccountState& a = state(account);
  auto it = a.positions.find(symbol);
  if (it == a.positions.end()) return Decimal{};
  const Decimal position = it->second.quantity;
  if (side == OrderSide::sell && position.sign() > 0) return position;
  if (side == OrderSide::buy && position.is_negative()) return math::neg(position);
  return Decimal{};
}

Decimal AccountBook::book_trade(PositionBook& p, Decimal signed_quantity, Decimal price) {
  const Decimal quantity = math::abs(signed_quantity);
  if (p.quantity.is_zero() || p.quantity.sign() == signed_quantity.sign()) {
    p.quantity = math::add(p.quantity, signed_quantity);
    p.cost = math::add(p.cost, math::mul(quantity, price));
    return Decimal{};
  }
  const Decimal held = math::abs(p.quantity);
  const Decimal closed = math::min(quantity, held);
  const Decimal released =
      closed == held ? p.cost : math::div(math::mul(p.cost, closed), held, math::money_scale, RoundMode::nearest);
  const Decimal closed_value = math::mul(closed, price);
  const bool was_long = p.quantity.sign() > 0;
  const Decimal realized = was_long ? math::sub(closed_value, released) : math::sub(released, closed_value);
  p.cost = math::sub(p.cost, released);
  p.quantity = was_long ? math::sub(p.quantity, closed) : math::add(p.quantity, closed);
  const Decimal rest = math::sub(quantity, closed);
  if (rest.sign() > 0) {  // flip: the remainder opens a new position at this price
    p.quantity = signed_quantity.is_negative() ? math::neg(rest) : rest;
    p.cost = math::mul(rest, price);
  }
  if (p.quantity.is_zero() && !p.cost.is_zero()) {
    throw std::logic_error("AccountBook: flat position keeps cost " + p.cost.to_string());
  }
  return realized;
}

FillCharges AccountBook::apply_fill(const std::string& account, const std::string& symbol, OrderSide side,
                                    Decimal price, Decimal quantity, bool maker, UtcTime now,
                                    std::vector<Event>& events) {
  const InstrumentRules& r = rules(symbol);
  const Decimal notional = math::mul(quantity, price);
  const Decimal fee = math::mul_money(notional, maker ? r.maker_fee_rate : r.taker_fee_rate);
  AccountState& a = state(account);
  PositionBook& p = a.positions[symbol];
  const Decimal realized = book_trade(p, side == OrderSide::buy ? quantity : math::neg(quantity), price);
  p.accumulated_realized = math::add(p.accumulated_realized, realized);
  fees_collected_ = math::add(fees_collected_, fee);
  events.push_back(PositionChanged{account, snapshot(account, symbol, p, now), p.accumulated_realized,
                                   BalanceReason::order});
  change_wallet(account, math::sub(realized, fee), BalanceReason::order, now, events);
  return FillCharges{fee, realized};
}

void AccountBook::set_mark(const std::string& symbol, Decimal mark) {
  (void)rules(symbol);
  marks_[symbol] = mark;
}

std::optional<Decimal> AccountBook::mark(const std::string& symbol) const {
  auto it = marks_.find(symbol);
  if (it == marks_.end()) return std::nullopt;
  return it->second;
}

void AccountBook::apply_funding(const std::string& symbol, Decimal rate, Decimal mark, UtcTime now,
                                std::vector<Event>& events, const std::set<std::string>& unpaid) {
  set_mark(symbol, mark);
  for (auto& [account, a] : accounts_) {
    if (unpaid.count(account) != 0) continue;
    auto it = a.positions.find(symbol);
    if (it == a.positions.end() || it->second.quantity.is_zero()) continue;
    const Decimal quantity = it->second.quantity;
    const Decimal amount = math::mul_money(math::mul(quantity, mark), rate);
    funding_pool_ = math::add(funding_pool_, amount);
    events.push_back(FundingPaid{account, symbol, rate, mark, quantity, amount, now});
    change_wallet(account, math::neg(amount), BalanceReason::funding_fee, now, events);
  }
}

std::vector<std::string> AccountBook::accounts_to_liquidate() const {
  std::vector<std::string> out;
  for (const auto& [account, a] : accounts_) {
    if (a.margin_exempt) continue;
    bool has_position = false;
    for (const auto& [symbol, p] : a.positions) has_position = has_position || !p.quantity.is_zero();
    if (has_position && equity(account) < maintenance_margin(account)) out.push_back(account);
  }
  return out;
}

void AccountBook::liquidate(const std::string& account, UtcTime now, std::vector<Event>& events) {
  if (account == insurance_account_) throw std::logic_error("AccountBook: the insurance account cannot be liquidated");
  std::size_t last_event = events.size();
  for (auto& [symbol, p] : state(account).positions) {
    if (p.quantity.is_zero()) continue;
    const Decimal closed = p.quantity;
    const Decimal price = mark_or_entry(symbol, p);
    const Decimal realized = book_trade(p, math::neg(closed), price);
    p.accumulated_realized = math::add(p.accumulated_realized, realized);
    PositionBook& taken = state(insurance_account_).positions[symbol];
    const Decimal insurance_realized = book_trade(taken, closed, price);
    taken.accumulated_realized = math::add(taken.accumulated_realized, insurance_realized);
    AccountState& insurance = state(insurance_account_);
    insurance.wallet = math::add(insurance.wallet, insurance_realized);

    last_event = events.size();
    events.push_back(PositionLiquidated{account, symbol, closed, price, realized, {}, now});
    events.push_back(PositionChanged{account, snapshot(account, symbol, p, now), p.accumulated_realized,
                                     BalanceReason::liquidation});
    change_wallet(account, realized, BalanceReason::liquidation, now, events);
  }
  AccountState& a = state(account);
  if (a.wallet.is_negative()) {
    const Decimal cover = math::neg(a.wallet);
    AccountState& insurance = state(insurance_account_);
    insurance.wallet = math::sub(insurance.wallet, cover);
    if (last_event < events.size()) {
      if (auto* liquidated = std::get_if<PositionLiquidated>(&events[last_event])) liquidated->insurance_cover = cover;
    }
    change_wallet(account, cover, BalanceReason::insurance_clear, now, events);
  }
}

Position AccountBook::snapshot(const std::string& account, const std::string& symbol, const PositionBook& p,
                               UtcTime now) const {
  Position out;
  out.symbol = symbol;
  out.quantity = p.quantity;
  if (!p.quantity.is_zero()) {
    out.entry_price = math::div(p.cost, math::abs(p.quantity), math::price_scale, RoundMode::nearest).normalized();
  }
  out.mark_price = mark_or_entry(symbol, p);
  out.unrealized_pnl = unrealized(symbol, p);
  out.leverage = leverage_decimal(leverage(account, symbol));
  out.liquidation_price = liquidation_price(account, symbol);
  out.updated_at = now;
  return out;
}

Position AccountBook::position(const std::string& account, const std::string& symbol) const {
  const AccountState& a = state(account);
  auto it = a.positions.find(symbol);
  if (it == a.positions.end()) {
    Position flat;
    flat.symbol = symbol;
    flat.leverage = leverage_decimal(leverage(account, symbol));
    return flat;
  }
  return snapshot(account, symbol, it->second, UtcTime{});
}

std::vector<Position> AccountBook::positions(const std::string& account) const {
  std::vector<Position> out;
  for (const auto& [symbol, p] : state(account).positions) {
    if (!p.quantity.is_zero()) out.push_back(snapshot(account, symbol, p, UtcTime{}));
  }
  return out;
}

Balance AccountBook::balance_snapshot(const std::string& account, UtcTime now) const {
  Balance b;
  b.asset = kMarginAsset;
  b.wallet = state(account).wallet;
  b.available = available(account);
  b.updated_at = now;
  return b;
}

std::vector<Balance> AccountBook::balances(const std::string& account, UtcTime now) const {
  return {balance_snapshot(account, now)};
}

std::vector<std::string> AccountBook::account_ids() const {
  std::vector<std::string> out;
  for (const auto& [account, a] : accounts_) out.push_back(account);
  return out;
}

}  // namespace propbot::venues::sim
