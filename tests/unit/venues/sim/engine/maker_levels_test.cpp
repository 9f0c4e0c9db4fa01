// maker_level_qty(): book levels sized in notional, so every symbol's book is equally
// deep in USDT; never below ten minimum orders; always on the step.
#include <gtest/gtest.h>

#include "core/venues/sim/engine/maker_levels.hpp"

namespace propbot::venues::sim {
namespace {

InstrumentRules rules(const char* symbol, std::int64_t step_mantissa, int step_scale, std::int64_t min_notional) {
  InstrumentRules r;
  r.symbol = symbol;
  r.step = Decimal::from_mantissa(step_mantissa, step_scale);
  r.min_qty = r.step;
  r.min_notional = Decimal::from_mantissa(min_notional, 0);
  return r;
}

TEST(MakerLevelsTest, BtcAndEthLevelsHoldTheSameNotionalRange) {
  const InstrumentRules btc = rules("BTC-USDT", 1, 3, 5);   // Binance: 0.001 BTC, 5 USDT minimum
  const InstrumentRules eth = rules("ETH-USDT", 1, 3, 5);   // 0.001 ETH
  const InstrumentRules okx_btc = rules("BTC-USDT", 1, 4, 0);  // OKX: 0.0001 BTC per lot
  for (std::uint64_t draw : {0ULL, 500ULL, 1000ULL, 123456789ULL}) {
    for (const auto& [r, price] : {std::pair{btc, 60'000.0}, std::pair{eth, 3'000.0}, std::pair{okx_btc, 60'000.0}}) {
      const Decimal q = maker_level_qty(price, r, 20'000, draw);
      const double notional = q.to_double() * price;
      EXPECT_GE(notional, 0.5 * 20'000 - price * r.step.to_double()) << r.symbol << " draw " << draw;
      EXPECT_LE(notional, 1.5 * 20'000) << r.symbol << " draw " << draw;
      EXPECT_TRUE(q.round_to_step(r.step, RoundMode::down).ok() && *q.round_to_step(r.step, RoundMode::down) == q);
    }
  }
  // The draw spreads the size over the range.
  EXPECT_LT(maker_level_qty(3'000, eth, 20'000, 0), maker_level_qty(3'000, eth, 20'000, 1000));
}

TEST(MakerLevelsTest, ALevelNeverHoldsFewerThanTenMinimumOrders) {
  const InstrumentRules eth = rules("ETH-USDT", 1, 3, 5);
  // 5 USDT minimum at 3000 = 2 lots; ten of them = 0.02 ETH even for a 1 USDT level.
  EXPECT_EQ(maker_level_qty(3'000, eth, 1.0, 0), Decimal::from_mantissa(2, 2));
  InstrumentRules coarse = eth;
  coarse.min_qty = Decimal::from_mantissa(1, 1);  // 0.1 ETH minimum
  EXPECT_EQ(maker_level_qty(3'000, coarse, 1.0, 0), Decimal::from_mantissa(1, 0));
}

}  // namespace
}  // namespace propbot::venues::sim
