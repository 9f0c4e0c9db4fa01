#include "core/md/order_book.hpp"

#include <algorithm>

namespace propbot::md {
namespace {

// Bids sort descending, asks ascending: `better(a, b)` says a sorts before b.
bool better(BookSide side, std::int64_t a, std::int64_t b) { return side == BookSide::bid ? a > b : a < b; }

void load_side(BookSide side, std::vector<BookLevel>& out, std::span<const BookLevel> in) {
  out.clear();
  for (const BookLevel& level : in) {
    if (level.qty_lots > 0) out.push_back(level);
  }
  std::sort(out.begin(), out.end(), [side](const BookLevel& a, const BookLevel& b) {
    return better(side, a.price_ticks, b.price_ticks);
  });
  if (out.size() > kMaxLevelsPerSide) out.resize(kMaxLevelsPerSide);
}

}  // namespace

OrderBook::OrderBook(InstrumentSpec spec, std::size_t reserve_levels) : spec_(std::move(spec)) {
  bids_.reserve(reserve_levels);
  asks_.reserve(reserve_levels);
}

void OrderBook::apply_snapshot(std::span<const BookLevel> bids, std::span<const BookLevel> asks,
                               std::uint64_t sequence, MonoTime received_at) {
  load_side(BookSide::bid, bids_, bids);
  load_side(BookSide::ask, asks_, asks);
  sequence_ = sequence;
  last_update_ = received_at;
  valid_ = true;
}

void OrderBook::apply_level(BookSide side, BookLevel level) {
  auto& levels = side == BookSide::bid ? bids_ : asks_;
  auto it = std::lower_bound(levels.begin(), levels.end(), level.price_ticks,
                             [side](const BookLevel& l, std::int64_t price) {
                               return better(side, l.price_ticks, price);
                             });
  const bool exists = it != levels.end() && it->price_ticks == level.price_ticks;
  if (level.qty_lots <= 0) {
    if (exists) levels.erase(it);
  } else if (exists) {
    it->qty_lots = level.qty_lots;
  } else if (levels.size() < kMaxLevelsPerSide) {
    levels.insert(it, level);
  } else if (it != levels.end()) {
    const auto at = it - levels.begin();
    levels.pop_back();  // the worst level makes room for a better one
    levels.insert(levels.begin() + at, level);
  }
}

void OrderBook::set_sequence(std::uint64_t sequence, MonoTime received_at) {
  sequence_ = sequence;
  last_update_ = received_at;
}

void OrderBook::invalidate() {
  valid_ = false;
  bids_.clear();
  asks_.clear();
}

std::optional<BookLevel> OrderBook::best_bid() const {
  if (bids_.empty()) return std::nullopt;
  return bids_.front();
}

std::optional<BookLevel> OrderBook::best_ask() const {
  if (asks_.empty()) return std::nullopt;
  return asks_.front();
}

bool OrderBook::crossed() const {
  return !bids_.empty() && !asks_.empty() && bids_.front().price_ticks >= asks_.front().price_ticks;
}

std::optional<double> OrderBook::mid_price() const {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  return spec_.price_of(bids_.front().price_ticks + asks_.front().price_ticks) / 2.0;
}

std::optional<double> OrderBook::spread_bps() const {
  const auto mid = mid_price();
  if (!mid || *mid <= 0) return std::nullopt;
  const double spread = spec_.price_of(asks_.front().price_ticks - bids_.front().price_ticks);
  return spread / *mid * 1e4;
}

DepthFill OrderBook::fill_for_notional(BookSide side, double notional) const {
  const auto& levels = side == BookSide::ask ? asks_ : bids_;
  DepthFill fill;
  double qty = 0;
  for (const BookLevel& level : levels) {
    const double price = spec_.price_of(level.price_ticks);
    const double level_notional = price * spec_.qty_of(level.qty_lots);
    const double take = std::min(level_notional, notional - fill.filled_notional);
    fill.filled_notional += take;
    qty += take / price;
    if (fill.filled_notional >= notional) {
      fill.complete = true;
      break;
    }
  }
  if (qty > 0) fill.avg_price = fill.filled_notional / qty;
  return fill;
}

}  // namespace propbot::md
