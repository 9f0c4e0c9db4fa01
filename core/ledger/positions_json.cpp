// PositionBook::positions_json(): the body of GET /api/ui/positions.
//
//   {"positions": [{"id", "strategy", "symbol", "status", "legs": [{"venue", "side",
//     "qty", "entry_price", "mark_price", "unrealized_pnl_usdt"}], "opened_at"}],
//    "exposure": [{"venue", "symbol", "net_qty", "notional_usdt"}]}
//
// Formats, as the other UI routes print market numbers (GET /api/ui/books: "bid":
// 60121.8): quantities, prices and USDT amounts are JSON numbers, the exact Decimal
// printed at its shortest round-trip form (prices are kept to 10 fractional digits,
// PnL and notionals to 8, so 15 significant digits cover every realistic value).
// `id` is a string (a 64-bit intent id does not survive a JavaScript number);
// `opened_at` is ISO-8601 UTC with milliseconds. Object keys print sorted, as every
// route's do.
// - positions: every kept position, by id (= opening order); closed ones until evicted.
// - legs: in declaration order. `side` is the leg's current direction (its planned one
//   while flat) and `qty` its size, ≥ 0. `entry_price` is null while flat.
//   `mark_price` is null until a mark arrives for (venue, symbol);
//   `unrealized_pnl_usdt` = (mark − entry) × signed qty, 0 when flat, null without a mark.
// - exposure: real fills only (simulated never), foreign ones included, one row per
//   (venue, symbol) whose net is not zero, ordered by venue then symbol. `net_qty` is
//   signed (+ long, − short); `notional_usdt` = |net_qty| × mark, null without a mark.
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/ledger/position_book.hpp"

namespace propbot::ledger {
namespace {

using nlohmann::json;

json number(Decimal value) { return json(value.normalized().to_double()); }

json number_or_null(const Result<Decimal>& value) { return value ? number(*value) : json(nullptr); }

json leg_json(const PositionLeg& leg, const std::optional<Decimal>& mark_price) {
  const LegPosition& holding = leg.holding;
  const PositionSide side = holding.flat() ? leg.plan.side
                            : holding.quantity().is_negative() ? PositionSide::short_side
                                                               : PositionSide::long_side;
  json unrealized = nullptr;
  if (holding.flat()) {
    unrealized = number(Decimal{});
  } else if (mark_price) {
    unrealized = number_or_null(holding.unrealized_pnl(*mark_price));
  }
  return json{{"venue", leg.plan.venue},
              {"side", to_string(side)},
              {"qty", number_or_null(holding.quantity().abs())},
              {"entry_price", holding.flat() ? json(nullptr) : number(holding.entry_price())},
              {"mark_price", mark_price ? number(*mark_price) : json(nullptr)},
              {"unrealized_pnl_usdt", unrealized}};
}

}  // namespace

json PositionBook::positions_json() const {
  json positions = json::array();
  for (const auto& [id, position] : positions_) {
    json legs = json::array();
    for (const PositionLeg& leg : position.legs()) legs.push_back(leg_json(leg, mark(leg.plan.venue, position.symbol())));
    const UtcTime opened_at{std::chrono::milliseconds(position.opened_at_ms())};
    positions.push_back(json{{"id", std::to_string(id)},
                             {"strategy", position.strategy()},
                             {"symbol", position.symbol()},
                             {"status", to_string(status_of(position))},
                             {"legs", std::move(legs)},
                             {"opened_at", format_iso8601_ms(opened_at)}});
  }
  json exposure_rows = json::array();
  for (const ExposureRow& row : exposure()) {
    if (row.net_qty.is_zero()) continue;
    json notional = nullptr;
    if (row.mark) {
      const auto size = row.net_qty.abs();
      notional = size ? number_or_null(size->mul(*row.mark, kPnlScale, RoundMode::nearest)) : json(nullptr);
    }
    exposure_rows.push_back(json{{"venue", row.venue},
                                 {"symbol", row.symbol},
                                 {"net_qty", number(row.net_qty)},
                                 {"notional_usdt", notional}});
  }
  return json{{"positions", std::move(positions)}, {"exposure", std::move(exposure_rows)}};
}

}  // namespace propbot::ledger
