// PnlBuckets: the money of one account (a strategy, or the desk) split into the
// buckets of SPEC S-9.3, with the definitions the desk audits against. All Decimal.
//
// Kept sums (all in the accounting asset, USDT):
//   realized_price_pnl   Σ price PnL realised by fills (RealizedProbe)
//   unrealized_price_pnl the open legs at marks, now (set, not summed)
//   funding              Σ funding amounts, + received
//   fees_paid            Σ positive fees
//   rebates              Σ −(negative fees): what makers were paid
//   slippage_cost        Σ over fills with a reference: buy (price − ref)·qty,
//                        sell (ref − price)·qty; negative = price improvement
// Derived:
//   pnl_from_spread  = realized_price_pnl + slippage_cost (what was earned at the
//                      prices the desk decided on)
//   pnl_from_funding = funding;  pnl_from_basis = unrealized_price_pnl (the basis
//                      still to converge);  pnl_from_rebate = rebates
//   realized_usdt    = realized_price_pnl + funding + rebates − fees_paid
//   total_pnl        = realized_usdt + unrealized_price_pnl
//                    = spread + funding + basis + rebate − fees_paid − slippage_cost
// The last line is an identity; check_identity() computes both sides independently
// and returns their difference, exactly 0 unless arithmetic failed.
//
// Errors: overflow when a Decimal result cannot be represented (a broken money
// invariant: the caller raises P0). add() is all-or-nothing.
//
// JSON: money prints as a JSON number in its shortest exact decimal form, as every
// money figure of the API does (docs/API.md, "Execution"; positions_json.cpp):
// money_json() is the one place that says so.
//
// Threads: a value type.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "core/common/decimal.hpp"
#include "core/common/result.hpp"

namespace propbot::ledger {

// How the PnL routes print a Decimal amount.
nlohmann::json money_json(Decimal amount);

struct PnlBuckets {
  Decimal realized_price_pnl;
  Decimal unrealized_price_pnl;
  Decimal funding;
  Decimal fees_paid;
  Decimal rebates;
  Decimal slippage_cost;

  Result<Decimal> pnl_from_spread() const;
  Result<Decimal> realized_usdt() const;
  Result<Decimal> total_pnl() const;
  // spread + funding + basis + rebate − fees_paid − slippage_cost.
  Result<Decimal> sum_of_buckets() const;
  // total_pnl() − sum_of_buckets(): exactly 0.
  Result<Decimal> check_identity() const;

  // Field-wise sum (unrealized included): the desk is the sum of its strategies.
  Status add(const PnlBuckets& other);

  // {"pnl_from_spread", "pnl_from_funding", "pnl_from_basis", "pnl_from_rebate",
  //  "fees_paid", "slippage_cost"}; an overflow prints null where it happened.
  nlohmann::json attribution_json() const;

  friend bool operator==(const PnlBuckets&, const PnlBuckets&) = default;
};

}  // namespace propbot::ledger
