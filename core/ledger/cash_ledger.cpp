#include "core/ledger/cash_ledger.hpp"

namespace propbot::ledger {
namespace {

// The venue books money to 1e-8 (Binance prints balances so; the simulator does too).
constexpr int kMoneyScale = 8;

// qty × price: exact when it fits (what the venue computes), else at 12 digits.
Result<Decimal> product(Decimal quantity, Decimal price) {
  if (auto exact = quantity.normalized().mul(price.normalized())) return exact;
  return quantity.mul(price, 12, RoundMode::nearest);
}

// Applies `signed_qty` at `price` to the holding's position and cost; returns the
// realised PnL (zero for an increase).
Result<Decimal> book_trade(Decimal& position, Decimal& cost, Decimal signed_qty, Decimal price) {
  auto quantity = signed_qty.abs();
  if (!quantity) return quantity.error();
  if (position.is_zero() || position.sign() == signed_qty.sign()) {
    auto next = position.add(signed_qty);
    auto value = product(*quantity, price);
    if (!next || !value) return make_error(Errc::overflow, "position or cost overflows");
    auto next_cost = cost.add(*value);
    if (!next_cost) return next_cost.error();
    position = *next;
    cost = *next_cost;
    return Decimal{};
  }
  auto held = position.abs();
  if (!held) return held.error();
  const Decimal closed = *quantity < *held ? *quantity : *held;
  Result<Decimal> released = cost;
  if (closed != *held) {
    auto share = cost.mul(closed);
    if (!share) share = cost.mul(closed, 16, RoundMode::nearest);
    if (!share) return share.error();
    released = share->div(*held, kMoneyScale, RoundMode::nearest);
  }
  auto closed_value = product(closed, price);
  if (!released || !closed_value) return make_error(Errc::overflow, "release overflows");
  const bool was_long = position.sign() > 0;
  auto realized = was_long ? closed_value->sub(*released) : released->sub(*closed_value);
  auto rest_cost = cost.sub(*released);
  auto rest_position = was_long ? position.sub(closed) : position.add(closed);
  auto rest = quantity->sub(closed);
  if (!realized || !rest_cost || !rest_position || !rest) return make_error(Errc::overflow, "reduction overflows");
  position = *rest_position;
  cost = *rest_cost;
  if (rest->sign() > 0) {  // a flip: the remainder opens at this price
    auto flipped_cost = product(*rest, price);
    auto flipped = signed_qty.is_negative() ? rest->negated() : Result<Decimal>(*rest);
    if (!flipped_cost || !flipped) return make_error(Errc::overflow, "flip overflows");
    position = *flipped;
    cost = *flipped_cost;
  }
  return *realized;
}

Status add_to(Decimal& total, Decimal amount) {
  auto next = total.add(amount);
  if (!next) return next.error();
  total = *next;
  return {};
}

std::string text(const Decimal& value) { return value.normalized().to_string(); }

}  // namespace

bool is_foreign_fill(const exec::FillEntry& fill) {
  return !fill.simulated && fill.intent_id == 0 && fill.strategy != exec::kFlattenStrategy;
}

Result<Decimal> VenueCash::flows() const {
  auto sum = realized.sub(fees);
  if (sum) sum = sum->add(funding);
  if (sum) sum = sum->add(adjustments);
  return sum;
}

Result<Decimal> VenueCash::wallet() const {
  auto moved = flows();
  if (!moved) return moved;
  return opening.add(*moved);
}

Status CashLedger::on_fill(const exec::FillEntry& fill) {
  if (fill.simulated) return {};
  NetHolding next = holdings_(fill.venue, fill.symbol);
  const Decimal signed_qty = fill.side == Side::buy ? fill.quantity : fill.quantity.negated().value();
  auto realized = book_trade(next.journal_position, next.cost, signed_qty, fill.price);
  if (!realized) return realized.error();
  auto value = product(fill.quantity, fill.price);
  if (!value) return value.error();
  auto flow = fill.side == Side::sell ? next.cash_flow.add(*value) : next.cash_flow.sub(*value);
  if (!flow) return flow.error();
  next.cash_flow = *flow;
  if (Status added = add_to(next.realized, *realized); !added) return added;
  const bool usdt_fee = fill.fee_asset.empty() || fill.fee_asset == kCashAsset;
  if (usdt_fee) {
    if (Status added = add_to(next.fees, fill.fee); !added) return added;
  }
  if (is_foreign_fill(fill)) {
    ++next.foreign_fills;
  } else if (Status added = add_to(next.desk_position, signed_qty); !added) {
    return added;
  }
  ++next.fills;
  next.last_fill_ms = std::max(next.last_fill_ms, fill.ts_ms);

  VenueCash cash = cash_[fill.venue];
  if (Status added = add_to(cash.realized, *realized); !added) return added;
  if (usdt_fee) {
    if (Status added = add_to(cash.fees, fill.fee); !added) return added;
  } else if (Status added = add_to(cash.fees_other_assets[fill.fee_asset], fill.fee); !added) {
    return added;
  }
  holdings_(fill.venue, fill.symbol) = next;
  cash_[fill.venue] = std::move(cash);
  return {};
}

Status CashLedger::on_entry(const LedgerEntry& entry) {
  if (entry.asset != kCashAsset) return {};  // the desk's cash is USDT; other assets are not booked
  VenueCash& cash = cash_[entry.venue];
  switch (entry.kind) {
    case LedgerEntryKind::opening_balance:
      if (cash.has_opening) {
        return make_error(Errc::already_exists, entry.venue + ": the account already has an opening balance");
      }
      cash.has_opening = true;
      cash.opening = entry.amount;
      cash.opening_ts_ms = entry.ts_ms;
      return {};
    case LedgerEntryKind::funding: return add_to(cash.funding, entry.amount);
    case LedgerEntryKind::adjustment: return add_to(cash.adjustments, entry.amount);
  }
  return {};
}

const VenueCash* CashLedger::cash(std::string_view venue) const {
  auto found = cash_.find(venue);
  return found == cash_.end() ? nullptr : &found->second;
}

const NetHolding* CashLedger::holding(std::string_view venue, std::string_view symbol) const {
  return holdings_.find(venue, symbol);
}

Decimal CashLedger::journal_position(std::string_view venue, std::string_view symbol) const {
  const NetHolding* found = holding(venue, symbol);
  return found == nullptr ? Decimal{} : found->journal_position;
}

Decimal CashLedger::desk_position(std::string_view venue, std::string_view symbol) const {
  const NetHolding* found = holding(venue, symbol);
  return found == nullptr ? Decimal{} : found->desk_position;
}

std::string CashLedger::check_invariants(std::string_view venue, std::string_view symbol) const {
  const NetHolding* h = holding(venue, symbol);
  if (h == nullptr) return {};
  // cash moved by the fills = realised − sign(position) × cost
  auto expected = h->journal_position.sign() > 0   ? h->realized.sub(h->cost)
                  : h->journal_position.sign() < 0 ? h->realized.add(h->cost)
                                                   : Result<Decimal>(h->realized);
  if (!expected) return std::string(venue) + " " + std::string(symbol) + ": cash identity overflows";
  if (*expected != h->cash_flow) {
    return std::string(venue) + " " + std::string(symbol) + ": fills moved cash " + text(h->cash_flow) +
           " but realised − open cost is " + text(*expected);
  }
  if (h->journal_position.is_zero() && !h->cost.is_zero()) {
    return std::string(venue) + " " + std::string(symbol) + ": flat but keeps cost " + text(h->cost);
  }
  return {};
}

std::string CashLedger::check_invariants() const {
  std::string broken;
  std::map<std::string, Decimal, std::less<>> realized_by_venue;
  holdings_.for_each([&](const std::string& venue, const std::string& symbol, const NetHolding& h) {
    if (!broken.empty()) return;
    broken = check_invariants(venue, symbol);
    auto sum = realized_by_venue[venue].add(h.realized);
    if (sum) realized_by_venue[venue] = *sum;
  });
  if (!broken.empty()) return broken;
  for (const auto& [venue, cash] : cash_) {
    const Decimal symbols = realized_by_venue[venue];
    if (symbols != cash.realized) {
      return venue + ": realised PnL " + text(cash.realized) + " differs from its symbols' sum " + text(symbols);
    }
  }
  return {};
}

}  // namespace propbot::ledger
