// Book walk: what taking a given size from one venue's visible book is expected to
// cost — the volume-weighted average price against the top of book (the expected
// slippage the router scores, SPEC S-8.4), the worst level reached (a protection
// price for an IOC) and whether the visible depth can fill the size at all.
//
// Guarantees: reads the book only (no allocation, no state); a size is either a base
// quantity or a quote notional; a book that cannot fill the whole size says so
// (complete = false) rather than extrapolating. The numbers are doubles: they are
// estimates for scoring, never amounts that are sent (those are Decimals, see
// order_rules.hpp).
//
// Thread: the book's owner (the engine thread). Uses md::OrderBook, Side, Decimal.
#pragma once

#include "core/common/decimal.hpp"
#include "core/common/side.hpp"
#include "core/md/order_book.hpp"

namespace propbot::exec {

// How a leg's size is given: a base-coin quantity (a hedge of what filled) or a quote
// notional (an intent's notional_usdt).
struct LegSize {
  enum class Unit { base, quote };
  Unit unit = Unit::quote;
  Decimal amount;

  static LegSize base_qty(Decimal qty) { return {Unit::base, qty}; }
  static LegSize notional(Decimal usdt) { return {Unit::quote, usdt}; }
};

struct FillEstimate {
  double top_price = 0;    // best price on the side taken (0: that side is empty)
  double avg_price = 0;    // VWAP of what the visible depth fills (0: nothing)
  double worst_price = 0;  // price of the last level touched
  double base_qty = 0;     // what fills, base coin
  double notional = 0;     // what fills, quote
  bool complete = false;   // the whole size fills from visible depth

  // How much worse the average is than the top, in basis points, >= 0; 0 when
  // nothing fills.
  double slippage_bps() const;
};

// Walks the asks to buy, the bids to sell, taking `size` best level first. A size
// that is not positive fills nothing and is not complete.
FillEstimate estimate_taker_fill(const md::OrderBook& book, Side side, LegSize size);

}  // namespace propbot::exec
