#include "core/ledger/leg_position.hpp"

#include <algorithm>

namespace propbot::ledger {
namespace {

// entry + (price − entry) × added / (|open| + added): the new average entry. Written
// as a move of the old entry, not as Σ cost / Σ quantity, so no intermediate carries
// more digits than a price: the quotient is rounded once, to kEntryPriceScale.
Result<Decimal> weighted_entry(Decimal open_abs, Decimal entry, Decimal added, Decimal price) {
  const auto move = price.sub(entry);
  if (!move) return move.error();
  const auto weighted = move->mul(added);
  if (!weighted) return weighted.error();
  const auto total = open_abs.add(added);
  if (!total) return total.error();
  const auto shift = weighted->div(*total, kEntryPriceScale, RoundMode::nearest);
  if (!shift) return shift.error();
  return entry.add(*shift);
}

// (exit − entry) × quantity × direction, at kPnlScale.
Result<Decimal> pnl_of(Decimal entry, Decimal exit, Decimal signed_quantity) {
  const auto move = exit.sub(entry);
  if (!move) return move.error();
  return move->mul(signed_quantity, kPnlScale, RoundMode::nearest);
}

}  // namespace

Status LegPosition::apply(Side side, Decimal quantity, Decimal price) {
  if (quantity.sign() <= 0) {
    return make_error(Errc::invalid_argument, "fill quantity " + quantity.to_string() + " is not > 0");
  }
  if (price.sign() <= 0) {
    return make_error(Errc::invalid_argument, "fill price " + price.to_string() + " is not > 0");
  }
  const auto delta = side == Side::buy ? Result<Decimal>(quantity) : quantity.negated();
  if (!delta) return delta.error();
  const auto next_quantity = quantity_.add(*delta);
  if (!next_quantity) return next_quantity.error();
  const auto open_abs = quantity_.abs();
  if (!open_abs) return open_abs.error();

  Decimal next_entry = entry_price_;
  Decimal next_realized = realized_pnl_;
  if (quantity_.is_zero() || quantity_.sign() == delta->sign()) {
    const auto entry = weighted_entry(*open_abs, entry_price_, quantity, price);
    if (!entry) return entry.error();
    next_entry = *entry;
  } else {
    // Reducing: the part that closes realises at this price; a remainder flips the leg.
    const Decimal closed_abs = std::min(*open_abs, quantity);
    const auto closed_signed = quantity_.is_negative() ? closed_abs.negated() : Result<Decimal>(closed_abs);
    if (!closed_signed) return closed_signed.error();
    const auto realized = pnl_of(entry_price_, price, *closed_signed);
    if (!realized) return realized.error();
    const auto sum = realized_pnl_.add(*realized);
    if (!sum) return sum.error();
    next_realized = *sum;
    if (next_quantity->is_zero()) {
      next_entry = Decimal{};
    } else if (next_quantity->sign() != quantity_.sign()) {
      next_entry = price;
    }
  }
  quantity_ = *next_quantity;
  entry_price_ = next_entry;
  realized_pnl_ = next_realized;
  traded_ = true;
  return {};
}

Result<Decimal> LegPosition::unrealized_pnl(Decimal mark) const {
  if (quantity_.is_zero()) return Decimal{};
  return pnl_of(entry_price_, mark, quantity_);
}

Result<Decimal> LegPosition::notional(Decimal price) const {
  const auto open_abs = quantity_.abs();
  if (!open_abs) return open_abs.error();
  return open_abs->mul(price, kPnlScale, RoundMode::nearest);
}

}  // namespace propbot::ledger
