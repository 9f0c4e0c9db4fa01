// TwoVenueMarket: the benchmarks' MarketView — BTC-USDT on SIM-A and SIM-B, 20 levels a
// side, SIM-B 150 ticks higher (a standing dislocation the shipped strategy acts on).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scripting/market_view.hpp"

namespace propbot::bench {

class TwoVenueMarket : public scripting::MarketView {
 public:
  explicit TwoVenueMarket(MonoTime now) : ids_{"SIM-A", "SIM-B"} {
    for (const auto& [venue, shift] : {std::pair{"SIM-A", 0}, std::pair{"SIM-B", 1'500}}) {
      md::OrderBook book({venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
      std::vector<md::BookLevel> bids, asks;
      for (int i = 0; i < 20; ++i) {
        bids.push_back({600'000 + shift - i, 1'000});
        asks.push_back({600'001 + shift + i, 1'000});
      }
      book.apply_snapshot(bids, asks, 1, now);
      books_.emplace(venue, std::move(book));
    }
  }
  const md::OrderBook* book(std::string_view venue, std::string_view) const override {
    const auto it = books_.find(std::string(venue));
    return it == books_.end() ? nullptr : &it->second;
  }
  const std::vector<std::string>& venue_ids() const override { return ids_; }

 private:
  std::vector<std::string> ids_;
  std::map<std::string, md::OrderBook> books_;
};

}  // namespace propbot::bench
