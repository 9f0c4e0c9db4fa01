// Position vocabulary of the ledger (SPEC S-9.1, issue 12 item 3): the direction of a
// leg, the status a position shows, and what the executor declares when it opens a
// trade. The string forms ("long" | "short", "open" | "partial" | "closing" | "closed" |
// "simulated") are stable: GET /api/ui/positions prints them, tests and the dashboard
// match on them.
//
// Threads: plain values and pure functions, safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/decimal.hpp"
#include "core/common/side.hpp"
#include "core/exec/client_order_id.hpp"

namespace propbot::ledger {

// The direction a leg was opened in. A buy opens a long leg, a sell a short one.
enum class PositionSide { long_side, short_side };
inline constexpr std::array<PositionSide, 2> kAllPositionSides = {PositionSide::long_side, PositionSide::short_side};
constexpr std::string_view to_string(PositionSide side) { return side == PositionSide::long_side ? "long" : "short"; }
std::optional<PositionSide> parse_position_side(std::string_view text);
constexpr PositionSide side_opened_by(Side order_side) {
  return order_side == Side::buy ? PositionSide::long_side : PositionSide::short_side;
}

// - open:      trading, and (for a hedged pair) both sides within one lot of each other;
// - partial:   a hedged pair unhedged by more than one lot, or declared partial by the
//              executor (hedge_lost) — directional risk the operator must see;
// - closing:   the executor has started closing; stays until every leg is flat;
// - closed:    every leg flat, after having traded (or after closing began);
// - simulated: a dry-run position, whatever its legs say.
// Precedence when several hold: simulated > closed > closing > partial > open.
enum class PositionStatus { open, partial, closing, closed, simulated };
inline constexpr std::array<PositionStatus, 5> kAllPositionStatuses = {
    PositionStatus::open, PositionStatus::partial, PositionStatus::closing, PositionStatus::closed,
    PositionStatus::simulated};
std::string_view to_string(PositionStatus status);
std::optional<PositionStatus> parse_position_status(std::string_view text);

// One leg the executor means to trade. A leg is identified inside its position by
// (venue, leg): leg A and leg B of a pair, or the single leg of a single order.
struct LegPlan {
  std::string venue;
  exec::Leg leg = exec::Leg::single;
  PositionSide side = PositionSide::long_side;
  Decimal target_qty;  // base coin, what the opening asked for (> 0)
};

// What the executor declares when it starts a trade (before the first order is sent).
// position_id is the opening intent's id, the one every order and fill of the trade
// carries (exec::OrderEntry::position_id).
struct PositionOpening {
  std::uint64_t position_id = 0;
  std::string strategy;
  std::string symbol;            // canonical BASE-QUOTE
  std::int64_t opened_at_ms = 0; // Unix ms, the opening intent's journal timestamp
  bool simulated = false;        // dry-run: the orders go to the paper broker
  std::vector<LegPlan> legs;     // two for a hedged pair (one long, one short), one for a single order
};

// The reason code an executor gives the last order event of a hedge leg it gave up
// on. PositionBook::rebuild marks such a position partial, as mark_partial did live.
inline constexpr std::string_view kHedgeLostReason = "hedge_lost";

}  // namespace propbot::ledger
