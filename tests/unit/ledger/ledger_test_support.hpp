// Builders shared by the ledger tests: decimals from text, openings, fills and journal
// order entries with only the fields the ledger reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/exec/journal.hpp"
#include "core/ledger/position_book.hpp"

namespace propbot::ledger::testing {

inline Decimal dec(std::string_view text) {
  auto parsed = Decimal::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Decimal{};
}

inline PositionOpening opening(std::uint64_t id, std::string strategy, std::vector<LegPlan> legs) {
  return PositionOpening{.position_id = id,
                         .strategy = std::move(strategy),
                         .symbol = "BTC-USDT",
                         .opened_at_ms = 1'795'000'000'000,
                         .simulated = false,
                         .legs = std::move(legs)};
}

// A hedged pair: leg A long on `long_venue`, leg B short on `short_venue`.
inline PositionOpening pair_opening(std::uint64_t id, std::string_view qty, std::string strategy = "cross_exchange_arb",
                                    std::string long_venue = "BINANCE", std::string short_venue = "OKX") {
  return opening(id, std::move(strategy),
                 {LegPlan{std::move(long_venue), exec::Leg::a, PositionSide::long_side, dec(qty)},
                  LegPlan{std::move(short_venue), exec::Leg::b, PositionSide::short_side, dec(qty)}});
}

inline PositionOpening single_opening(std::uint64_t id, Side side, std::string_view qty,
                                      std::string strategy = "momentum", std::string venue = "BINANCE") {
  return opening(id, std::move(strategy), {LegPlan{std::move(venue), exec::Leg::single, side_opened_by(side), dec(qty)}});
}

inline exec::FillEntry make_fill(std::uint64_t position_id, std::string venue, exec::Leg leg, Side side, Decimal qty,
                                 Decimal price, std::string symbol = "BTC-USDT") {
  exec::FillEntry entry;
  entry.ts_ms = 1'795'000'000'000;
  entry.venue = std::move(venue);
  entry.symbol = std::move(symbol);
  entry.trade_id = "trade-" + std::to_string(position_id);
  entry.position_id = position_id;
  entry.intent_id = position_id;
  entry.leg = leg;
  entry.side = side;
  entry.quantity = qty;
  entry.price = price;
  return entry;
}

inline exec::FillEntry fill(std::uint64_t position_id, std::string venue, exec::Leg leg, Side side,
                            std::string_view qty, std::string_view price, std::string symbol = "BTC-USDT") {
  return make_fill(position_id, std::move(venue), leg, side, dec(qty), dec(price), std::move(symbol));
}

// Expects a Status / Result to be ok, printing its error otherwise.
#define EXPECT_DONE(expr)                                                  \
  do {                                                                     \
    const auto& done_ = (expr);                                            \
    EXPECT_TRUE(done_.ok()) << (done_.ok() ? "" : done_.error().describe()); \
  } while (0)

}  // namespace propbot::ledger::testing
