// MarketView: the read-only window onto market state that scripts see through `ctx`.
// The engine implements it over its books; tests implement it over fixtures. Nothing
// reached through it can change engine state. PositionView (below) does the same for
// positions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/md/order_book.hpp"

namespace propbot::scripting {

// Funding of one perp as a feed last reported it (plain numbers, no venue types).
struct FundingView {
  double rate = 0;                  // per funding interval, e.g. 0.0001 = 1 bp
  double mark_price = 0;
  double index_price = 0;
  std::int64_t next_funding_ms = 0;  // Unix ms; 0 when unknown
};

// The market regime of a symbol as the policy pipeline last classified it (S-7.3).
struct RegimeView {
  std::string regime;     // "range" | "trend" | "volatile" | "liquidity_shock" | …
  double confidence = 0;  // 0..1
};

class MarketView {
 public:
  virtual ~MarketView() = default;
  // nullptr when the venue does not list the symbol or its book is not valid.
  virtual const md::OrderBook* book(std::string_view venue, std::string_view symbol) const = 0;
  virtual const std::vector<std::string>& venue_ids() const = 0;
  // The latest funding of a perp, when the venue's feed reported one. Optional for
  // implementers: the default knows no funding (ctx:funding returns nil).
  virtual std::optional<FundingView> funding(std::string_view /*venue*/, std::string_view /*symbol*/) const {
    return std::nullopt;
  }
  // The latest regime of a symbol (ctx:regime). Optional for implementers: the default
  // knows none (ctx:regime returns nil).
  virtual std::optional<RegimeView> regime(std::string_view /*symbol*/) const { return std::nullopt; }
};

// PositionView: the read-only window onto positions (ctx:position). Until the executor
// exists the runner is given none and every position reads as 0.
class PositionView {
 public:
  virtual ~PositionView() = default;
  // Signed base quantity (long > 0, short < 0); 0 when flat or unknown.
  virtual double position(std::string_view venue, std::string_view symbol) const = 0;
};

}  // namespace propbot::scripting
