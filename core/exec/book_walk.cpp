#include "core/exec/book_walk.hpp"

#include <algorithm>
#include <cmath>

namespace propbot::exec {
namespace {

// A size counts as filled when what is left is below this share of it: the walk adds
// doubles, and 0.3 lots of 0.1 must not miss a size of 0.3 by one rounding.
constexpr double kFillTolerance = 1e-9;

}  // namespace

double FillEstimate::slippage_bps() const {
  if (top_price <= 0 || avg_price <= 0) return 0;
  return std::abs(avg_price - top_price) / top_price * 10'000.0;
}

FillEstimate estimate_taker_fill(const md::OrderBook& book, Side side, LegSize size) {
  const auto levels = side == Side::buy ? book.asks() : book.bids();
  const md::InstrumentSpec& spec = book.spec();
  const bool by_base = size.unit == LegSize::Unit::base;
  const double target = size.amount.to_double();
  FillEstimate fill;
  if (levels.empty()) return fill;
  fill.top_price = spec.price_of(levels.front().price_ticks);
  if (!(target > 0)) return fill;

  for (const md::BookLevel& level : levels) {
    const double price = spec.price_of(level.price_ticks);
    const double level_qty = spec.qty_of(level.qty_lots);
    const double left = target - (by_base ? fill.base_qty : fill.notional);
    const double take_qty = by_base ? std::min(level_qty, left) : std::min(level_qty, left / price);
    fill.base_qty += take_qty;
    fill.notional += take_qty * price;
    fill.worst_price = price;
    if (target - (by_base ? fill.base_qty : fill.notional) <= target * kFillTolerance) {
      fill.complete = true;
      break;
    }
  }
  if (fill.base_qty > 0) fill.avg_price = fill.notional / fill.base_qty;
  return fill;
}

}  // namespace propbot::exec
