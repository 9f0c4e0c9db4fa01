// MarketView: the read-only window onto market state that scripts see through `ctx`.
// The engine implements it over its books; tests implement it over fixtures. Nothing
// reached through it can change engine state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/md/order_book.hpp"

namespace propbot::scripting {

class MarketView {
 public:
  virtual ~MarketView() = default;
  // nullptr when the venue does not list the symbol or its book is not valid.
  virtual const md::OrderBook* book(std::string_view venue, std::string_view symbol) const = 0;
  virtual const std::vector<std::string>& venue_ids() const = 0;
};

}  // namespace propbot::scripting
