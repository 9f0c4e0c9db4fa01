// InstrumentRules: the per-symbol trading rules of the venue simulator's exchange core
// (tick, step, minimums, leverage cap, fee rates, contract multiplier, maintenance
// margin). The same vocabulary serves every simulated venue: the Binance protocol
// layer turns it into exchangeInfo filters, the OKX one into instrument fields
// (tickSz, lotSz, minSz, ctVal).
//
// Guarantees: validate() accepts only rules the engine can use (positive tick and step,
// non-negative minimums, 1 ≤ default_leverage ≤ max_leverage, multiplier > 0); the
// exchange core refuses unvalidated rules at start-up with std::invalid_argument.
// Value type; no I/O. Uses Decimal (core/common/decimal.hpp).
#pragma once

#include <string>

#include "core/common/decimal.hpp"

namespace propbot::venues::sim {

struct InstrumentRules {
  std::string symbol;            // canonical BASE-QUOTE, e.g. BTC-USDT
  std::string margin_asset = "USDT";
  Decimal tick = Decimal::from_mantissa(1, 1);        // price grid, e.g. 0.1
  Decimal step = Decimal::from_mantissa(1, 3);        // quantity grid (base coin), e.g. 0.001
  Decimal min_qty = Decimal::from_mantissa(1, 3);
  Decimal min_notional = Decimal::from_mantissa(5, 0);  // price × qty; reduce-only orders are exempt
  int max_leverage = 125;
  int default_leverage = 20;
  Decimal maker_fee_rate = Decimal::from_mantissa(2, 4);  // 0.0002; negative = rebate
  Decimal taker_fee_rate = Decimal::from_mantissa(5, 4);  // 0.0005
  // Maintenance margin as a fraction of position notional at mark (liquidation test).
  Decimal maintenance_margin_rate = Decimal::from_mantissa(4, 3);  // 0.004
  // Base coin per contract. 1 for linear USDT-margined swaps; the OKX protocol layer
  // converts sz (contracts) × ctVal to base coin at its boundary, so the engine only
  // ever sees base-coin quantities. Kept here so that layer has one source of truth.
  Decimal contract_multiplier = Decimal::from_mantissa(1, 0);

  // Empty string when the rules are usable, otherwise what is wrong.
  std::string validate() const {
    if (symbol.empty()) return "symbol is empty";
    if (tick.sign() <= 0) return symbol + ": tick must be > 0";
    if (step.sign() <= 0) return symbol + ": step must be > 0";
    if (min_qty.is_negative()) return symbol + ": min_qty must be >= 0";
    if (min_notional.is_negative()) return symbol + ": min_notional must be >= 0";
    if (max_leverage < 1) return symbol + ": max_leverage must be >= 1";
    if (default_leverage < 1 || default_leverage > max_leverage) {
      return symbol + ": default_leverage must be in 1..max_leverage";
    }
    if (maintenance_margin_rate.is_negative()) return symbol + ": maintenance_margin_rate must be >= 0";
    if (contract_multiplier.sign() <= 0) return symbol + ": contract_multiplier must be > 0";
    return {};
  }
};

}  // namespace propbot::venues::sim
