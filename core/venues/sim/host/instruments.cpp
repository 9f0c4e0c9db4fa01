#include "core/venues/sim/host/instruments.hpp"

namespace propbot::venues::sim {
namespace {

Decimal d(std::int64_t mantissa, int scale) { return Decimal::from_mantissa(mantissa, scale); }

}  // namespace

std::vector<MarketSymbol> default_symbols() { return {{"BTC-USDT", 65000.0}, {"ETH-USDT", 3500.0}}; }

InstrumentRules instrument_rules(const std::string& protocol, const std::string& symbol) {
  InstrumentRules rules;
  rules.symbol = symbol;
  rules.margin_asset = "USDT";
  rules.maker_fee_rate = d(2, 4);  // 0.02% (VIP 0 / Lv1 on both venues)
  rules.taker_fee_rate = d(5, 4);  // 0.05%
  const bool okx = protocol == "okx";
  if (symbol == "BTC-USDT") {
    rules.tick = d(1, 1);  // 0.1
    if (okx) {
      // BTC-USDT-SWAP: ctVal 0.01 BTC, lotSz = minSz = 0.01 contract -> 0.0001 BTC.
      rules.contract_multiplier = d(1, 2);
      rules.step = d(1, 4);
      rules.min_qty = d(1, 4);
      rules.min_notional = d(0, 0);
      rules.max_leverage = 100;
    } else {
      rules.step = d(1, 3);  // 0.001 BTC
      rules.min_qty = d(1, 3);
      rules.min_notional = d(5, 0);  // MIN_NOTIONAL 5 USDT (protocols.md A3; 100 on the live BTCUSDT)
      rules.max_leverage = 125;
    }
    rules.maintenance_margin_rate = d(4, 3);  // 0.4% first bracket
  } else if (symbol == "ETH-USDT") {
    rules.tick = d(1, 2);  // 0.01
    if (okx) {
      // ETH-USDT-SWAP: ctVal 0.1 ETH, lotSz = minSz = 0.01 contract -> 0.001 ETH.
      rules.contract_multiplier = d(1, 1);
      rules.step = d(1, 3);
      rules.min_qty = d(1, 3);
      rules.min_notional = d(0, 0);
      rules.max_leverage = 100;
    } else {
      rules.step = d(1, 3);  // 0.001 ETH
      rules.min_qty = d(1, 3);
      rules.min_notional = d(5, 0);
      rules.max_leverage = 100;
    }
    rules.maintenance_margin_rate = d(5, 3);  // 0.5% first bracket
  } else {
    rules.tick = d(1, 2);
    rules.step = d(1, 3);
    rules.min_qty = d(1, 3);
    rules.min_notional = okx ? d(0, 0) : d(5, 0);
    rules.max_leverage = 50;
    rules.maintenance_margin_rate = d(1, 2);
  }
  rules.default_leverage = 20;
  return rules;
}

}  // namespace propbot::venues::sim
