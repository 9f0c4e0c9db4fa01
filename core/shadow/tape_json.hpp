// The market tape on the shadow worker's wire: a MarketTapeView's events inside its
// window as compact JSON, and back (one block). Times are microseconds after the first
// event, plus the first event's UTC; books are flat [price_ticks, qty_lots, …] arrays a
// side; decimals are text (exact).
//
//   {"window_s": 300, "depth": 10, "utc_ms": 1765000000000,
//    "instruments": [{"venue", "symbol", "kind", "tick_size", "lot_size", "min_notional"}],
//    "events": [[0, dt_us, instrument, sequence, [bids…], [asks…]],
//               [1, dt_us, instrument, "rate", "mark", "index", next_funding_ms]]}
//
// About 300-400 bytes per book event at depth 10 (docs/PERFORMANCE.md). Decoding is
// bounded: at most kMaxTapeEvents events, kMaxTapeInstruments instruments, 255 levels a
// side, times non-decreasing; anything else is a parse_error naming the field.
//
// Pure functions, any thread. Uses: core/engine (MarketTapeView).
#pragma once

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/engine/market_tape.hpp"

namespace propbot::shadow {

inline constexpr std::size_t kMaxTapeEvents = 1'000'000;
inline constexpr std::size_t kMaxTapeInstruments = 1'000;

nlohmann::json tape_to_json(const engine::MarketTapeView& tape);
Result<engine::MarketTapeView> tape_from_json(const nlohmann::json& j);

}  // namespace propbot::shadow
