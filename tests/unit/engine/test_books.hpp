// A valid order book around a mid for the engine's tests and benchmarks: tick 0.01,
// lot 0.001, `levels` levels a side one tick apart from mid ± 0.01, 1 unit each.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/md/order_book.hpp"

namespace propbot::engine::testing {

inline md::OrderBook book_around(const std::string& venue, const std::string& symbol, double mid, MonoTime at,
                                 int levels = 1) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = symbol;
  spec.tick_size = 0.01;
  spec.lot_size = 0.001;
  md::OrderBook book(spec);
  std::vector<md::BookLevel> bids, asks;
  for (int i = 0; i < levels; ++i) {
    bids.push_back({std::llround((mid - 0.01 * (i + 1)) / 0.01), 1'000});
    asks.push_back({std::llround((mid + 0.01 * (i + 1)) / 0.01), 1'000});
  }
  book.apply_snapshot(bids, asks, 1, at);
  return book;
}

}  // namespace propbot::engine::testing
