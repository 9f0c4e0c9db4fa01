// TCA (transaction cost analysis, SPEC S-9.3): the counters one account (a strategy,
// or the desk) keeps about how its orders executed, and the rates read from them.
// Sums are Decimal; only the final ratios are double.
//
// Definitions (a fill "with a reference" carries AttributedFill::reference_price):
//   move of a fill      buy: price − ref; sell: ref − price (+ = adverse, − = better)
//   move_bps            move / ref · 1e4, rounded to 6 fractional digits
//   taker_impact_bps    Σ qty·move_bps / Σ qty over taker fills with a reference
//                       (the quantity-weighted mean adverse move; negative = improved)
//   avg_slippage_bps    the same over every fill with a reference, maker or taker
//   maker_fill_rate     post-only orders with any fill / finished post-only orders
//   reject_rate         rejected orders / finished orders
//   cancel_fail_rate    failed cancels / cancels sent (the desk's counts only: the
//                       executor counts cancels per desk; a strategy shows 0 / 0)
//   commission_bps      Σ net fee / Σ notional · 1e4, over fills whose fee is in the
//                       accounting asset (or zero); net fee = paid − rebated; notional =
//                       price · qty (8 fractional digits)
// A zero denominator gives 0, and `samples` carries each denominator's count, so a
// reader can tell "no data" from "zero".
//
// Errors: overflow when a Decimal sum cannot be represented; on_fill is all-or-nothing.
//
// Threads: a value type.
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"
#include "core/ledger/pnl_inputs.hpp"

namespace propbot::ledger {

// Fractional digits of a fill's move in bps.
inline constexpr int kMoveBpsScale = 6;

// A quantity-weighted mean kept as exact sums.
struct WeightedMean {
  Decimal weighted_sum;  // Σ weight · value, 8 fractional digits per term
  Decimal weight;        // Σ weight
  std::int64_t samples = 0;

  Status add(Decimal value, Decimal weight);
  Status add(const WeightedMean& other);
  double mean() const;  // 0 when weight is 0
  friend bool operator==(const WeightedMean&, const WeightedMean&) = default;
};

struct TcaRates {
  double taker_impact_bps = 0;
  double maker_fill_rate = 0;
  double avg_slippage_bps = 0;
  double reject_rate = 0;
  double cancel_fail_rate = 0;
  double commission_bps = 0;
};

struct TcaCounters {
  WeightedMean taker_impact;  // taker fills with a reference: move_bps by qty
  WeightedMean slippage;      // every fill with a reference: move_bps by qty
  std::int64_t fills = 0;
  std::int64_t post_only_orders = 0;
  std::int64_t post_only_filled = 0;
  std::int64_t orders = 0;
  std::int64_t rejected_orders = 0;
  std::int64_t cancels_sent = 0;
  std::int64_t cancels_failed = 0;
  Decimal net_fees;        // in the accounting asset: + paid, − rebated
  Decimal fee_notional;    // Σ price · qty of the fills net_fees covers

  // A real fill. fee_in_accounting_asset: its fee counts in net_fees (and its notional
  // in fee_notional). Errors: invalid_argument for a reference that is not > 0,
  // overflow.
  Status on_fill(const AttributedFill& fill, bool fee_in_accounting_asset);
  void on_order(const OrderOutcome& outcome);
  Status add(const TcaCounters& other);

  TcaRates rates() const;
  // {"taker_impact_bps", "maker_fill_rate", "avg_slippage_bps", "reject_rate",
  //  "cancel_fail_rate", "commission_bps", "samples": {"taker_fills_with_reference",
  //  "fills_with_reference", "post_only_orders", "orders", "cancels_sent", "fills"}}
  // bps to 4 fractional digits, rates to 6.
  nlohmann::json to_json() const;

  friend bool operator==(const TcaCounters&, const TcaCounters&) = default;
};

// The signed move of `price` against `reference` for a `side` order, in bps of the
// reference (+ = adverse), at kMoveBpsScale. Errors: invalid_argument for a reference
// that is not > 0, overflow.
Result<Decimal> move_bps(Side side, Decimal price, Decimal reference);

}  // namespace propbot::ledger
