// The events PnL attribution and TCA are fed (SPEC S-9.3, issue 14 item 3): a fill with
// the price the desk decided on and the price PnL it realised, a funding payment, and
// the outcome of a finished order. The engine builds them from the journal's FillEntry
// (core/exec/journal.hpp), the ledger's RealizedProbe (position_book.hpp) and the
// executor's order states; the field names follow FillEntry's.
//
// Threads: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/decimal.hpp"
#include "core/common/side.hpp"

namespace propbot::ledger {

// The strategy name events without one are booked under.
inline constexpr std::string_view kUnattributed = "unattributed";

struct AttributedFill {
  std::string strategy;        // empty → kUnattributed
  std::uint64_t position_id = 0;
  std::string venue;
  std::string symbol;          // canonical BASE-QUOTE
  Side side = Side::buy;
  Decimal quantity;            // base coin, > 0
  Decimal price;               // > 0
  Decimal fee;                 // + paid, − rebate, in fee_asset
  std::string fee_asset;
  bool maker = false;
  std::int64_t ts_ms = 0;      // the venue's trade time (Unix ms)
  // The touch when the desk decided: the ask for a buy, the bid for a sell (> 0).
  // Absent: the fill counts in no slippage or impact figure.
  std::optional<Decimal> reference_price;
  // The price PnL this fill realised for its strategy (RealizedProbe deltas of its
  // position); 0 for a fill that only opens.
  Decimal realized_price_pnl;
  // A dry-run fill: counted apart (simulated_fills_ignored), never in any figure.
  bool simulated = false;
};

struct FundingPayment {
  std::string strategy;  // empty → kUnattributed
  std::string venue;
  std::string symbol;
  std::string asset;     // the settlement asset
  Decimal amount;        // + received, − paid
  std::int64_t ts_ms = 0;
};

// One finished order (filled, cancelled, expired or rejected), reported once.
struct OrderOutcome {
  std::string strategy;  // empty → kUnattributed
  std::string venue;
  bool post_only = false;
  bool rejected = false;  // the venue (or the gateway) refused it
  bool any_fill = false;  // at least one fill, however small
  std::int64_t ts_ms = 0;
};

}  // namespace propbot::ledger
