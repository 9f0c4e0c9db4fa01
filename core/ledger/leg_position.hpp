// LegPosition: the money arithmetic of one leg on one venue — signed quantity as the
// sum of its fills (buy +, sell −), the weighted average entry price of what is open,
// and the PnL realised by fills that reduce it. Everything is Decimal, so position =
// Σ fills holds to the last digit.
//
// Rules (the ones a desk's PnL is audited against):
// - A fill in the leg's direction (or on a flat leg) adds to it; the entry price
//   becomes the quantity-weighted average of the old entry and the fill's price,
//   rounded to kEntryPriceScale fractional digits with RoundMode::nearest (ties away
//   from zero).
// - A fill against the leg reduces it and realises (fill price − entry) × reduced
//   quantity × direction (+1 long, −1 short), rounded to kPnlScale with nearest. The
//   entry price of what stays open does not move.
// - Flat: the entry price resets to zero. A fill larger than the open quantity flips
//   the leg: the closed part realises as above, the rest opens at the fill's price.
// - Unrealised = (mark − entry) × signed quantity, at kPnlScale, nearest.
// Fees are not part of realised PnL here (they are the cash ledger's, S-9.1).
//
// apply() is all-or-nothing: on an error nothing changed. Errors: invalid_argument for
// a quantity or price that is not > 0; overflow when a product does not fit a Decimal.
//
// Threads: a value type, owned by its Position on the engine thread.
#pragma once

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/common/side.hpp"

namespace propbot::ledger {

inline constexpr int kEntryPriceScale = 10;
inline constexpr int kPnlScale = 8;

class LegPosition {
 public:
  Status apply(Side side, Decimal quantity, Decimal price);

  Decimal quantity() const { return quantity_; }     // signed: + long, − short
  Decimal entry_price() const { return entry_price_; }  // zero when flat
  Decimal realized_pnl() const { return realized_pnl_; }
  bool flat() const { return quantity_.is_zero(); }
  bool traded() const { return traded_; }             // at least one fill applied
  Result<Decimal> unrealized_pnl(Decimal mark) const;
  // |quantity| × price (price: the mark, or the entry when no mark is known).
  Result<Decimal> notional(Decimal price) const;

 private:
  Decimal quantity_;
  Decimal entry_price_;
  Decimal realized_pnl_;
  bool traded_ = false;
};

}  // namespace propbot::ledger
