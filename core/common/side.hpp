// Side: buy or sell — the one direction of an order, for a strategy's Intent
// (core/common/intent.hpp), the venue adapters' orders (core/venues/order_types.hpp
// names it venues::OrderSide), the simulator's matching engine and the API. A book's
// side (bid/ask) is another concept: md::BookSide (core/md/order_book.hpp).
//
// The string forms "buy" | "sell" are stable: ctx:propose{side = …} takes them, and the
// API, the journal and the logs print them.
//
// Threads: pure functions, safe from any thread; to_string never allocates.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/common/stable_name.hpp"

namespace propbot {

enum class Side { buy, sell };

inline constexpr std::array<Side, 2> kAllSides = {Side::buy, Side::sell};

constexpr std::string_view to_string(Side side) { return side == Side::buy ? "buy" : "sell"; }

// The exact string forms above (case-sensitive). Errors: invalid_argument naming the
// text and the allowed values.
inline Result<Side> parse_side(std::string_view text) {
  if (auto side = find_by_name(text, kAllSides)) return *side;
  return make_error(Errc::invalid_argument, "side '" + std::string(text) + "' is unknown; use buy or sell");
}

}  // namespace propbot
