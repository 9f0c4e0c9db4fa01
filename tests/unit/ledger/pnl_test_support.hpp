// Builders shared by the PnL attribution tests: the test day's clock and attributed
// fills with only the fields a test sets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ledger/pnl_attribution.hpp"
#include "ledger_test_support.hpp"

namespace propbot::ledger::testing {

inline constexpr std::int64_t kDayStart = 1'728'000'000'000;  // 2024-10-04T00:00:00.000Z
inline constexpr std::int64_t kHour = 3'600'000;

inline AttributedFill attributed(std::string strategy, Side side, std::string_view qty, std::string_view price,
                                 std::optional<std::string_view> reference, std::string_view fee = "0",
                                 bool maker = false, std::int64_t ts_ms = kDayStart + kHour) {
  AttributedFill out;
  out.strategy = std::move(strategy);
  out.venue = "BINANCE";
  out.symbol = "BTC-USDT";
  out.side = side;
  out.quantity = dec(qty);
  out.price = dec(price);
  out.fee = dec(fee);
  out.fee_asset = "USDT";
  out.maker = maker;
  out.ts_ms = ts_ms;
  if (reference) out.reference_price = dec(*reference);
  return out;
}

inline PnlAttributionOptions pnl_options(std::string_view capital = "10000") {
  return PnlAttributionOptions{.risk_capital_usdt = dec(capital)};
}

}  // namespace propbot::ledger::testing
