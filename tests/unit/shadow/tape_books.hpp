// Test books for the market tape: a BTC-USDT book on a venue with `levels` levels a side
// around a mid (ticks of 0.01, lots of 0.01), and an instrument spec for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/md/order_book.hpp"

namespace propbot::shadow::testing {

inline md::InstrumentSpec btc_on(const std::string& venue) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = "BTC-USDT";
  spec.tick_size = 0.01;
  spec.lot_size = 0.01;
  return spec;
}

// Bids below `bid`, asks above `ask`, one tick apart, 1 BTC each.
inline md::OrderBook book_of(const std::string& venue, double bid, double ask, int levels, std::uint64_t sequence,
                             MonoTime at) {
  md::OrderBook book(btc_on(venue));
  std::vector<md::BookLevel> bids, asks;
  for (int i = 0; i < levels; ++i) {
    bids.push_back({static_cast<std::int64_t>(bid * 100 + 0.5) - i, 100});
    asks.push_back({static_cast<std::int64_t>(ask * 100 + 0.5) + i, 100});
  }
  book.apply_snapshot(bids, asks, sequence, at);
  return book;
}

}  // namespace propbot::shadow::testing
