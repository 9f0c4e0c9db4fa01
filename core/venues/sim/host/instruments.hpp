// The instruments the venue simulator lists by default: BTC-USDT and ETH-USDT linear
// perpetuals with the trading rules of the real venues (tick, step, minimums, fees,
// leverage, maintenance margin), expressed in base coin as the exchange core wants them
// (OKX contracts are converted with ctVal by the OKX frontend).
//
// Value functions; no I/O, no state. Uses InstrumentRules (engine/instrument_rules.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/venues/sim/engine/instrument_rules.hpp"
#include "core/venues/sim/host/market_model.hpp"

namespace propbot::venues::sim {

// BTC-USDT at 65000 and ETH-USDT at 3500.
std::vector<MarketSymbol> default_symbols();

// Rules of `symbol` on a venue speaking `protocol` ("binance" | "okx"; anything else
// gets the Binance rules). A symbol without known rules gets a generic grid (tick 0.01,
// step 0.001, min notional 5) so a test can list any BASE-QUOTE.
InstrumentRules instrument_rules(const std::string& protocol, const std::string& symbol);

}  // namespace propbot::venues::sim
