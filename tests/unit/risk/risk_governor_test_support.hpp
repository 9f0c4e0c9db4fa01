// The risk governor's test fixture: a governor configured with three strategies (arb,
// basis, quoting — quoting pauses in safe mode) and the stress shocks, a fixed portfolio
// with hand figures, and simulated times. Shared by risk_governor_test.cpp and
// risk_governor_freeze_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/risk/risk_governor.hpp"

namespace propbot::risk::governor_testing {

using namespace std::chrono_literals;


// 2026-12-07 + the given day offset and time of day, UTC.
inline UtcTime at(int day, std::chrono::nanoseconds time_of_day) {
  const std::chrono::sys_days date{std::chrono::year{2026} / 12 / 7};
  return UtcTime{date.time_since_epoch()} + std::chrono::days{day} + time_of_day;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline config::StrategyConfig strategy(std::string name) {
  config::StrategyConfig s;
  s.name = std::move(name);
  s.file = "strategies/" + s.name + ".lua";
  return s;
}

// The fixed portfolio (hand figures in the tests below):
//  position 1 (arb):   BTC-USDT long 0.5 @ 10000 on BINANCE (5000, u −20), short 0.5 @ 10000 on OKX (5000, u +10)
//  position 2 (basis): ETH-USDT long 1 @ 3000 on BINANCE (3000, u −40)
//  wallets: BINANCE 4000, OKX 5000
inline PortfolioInput fixed_portfolio() {
  PortfolioInput p;
  p.legs = {{1, "arb", "BTC-USDT", "BINANCE", 0.5, 10000, -20},
            {1, "arb", "BTC-USDT", "OKX", -0.5, 10000, 10},
            {2, "basis", "ETH-USDT", "BINANCE", 1, 3000, -40}};
  p.venue_equity = {{"BINANCE", 4000}, {"OKX", 5000}};
  return p;
}

// Single taker entry of `notional` USDT on one venue.
inline TradeCheck entry(std::string_view strategy, std::string_view symbol, std::string_view venue, double notional) {
  TradeCheck t;
  t.strategy = strategy;
  t.symbol = symbol;
  t.legs[0] = LegCheck{venue, 0, notional, 0, -1};
  t.leg_count = 1;
  return t;
}

inline TradeCheck closing(TradeCheck t) {
  t.reduce_only = true;
  return t;
}

// A breaker rule firing on a route (BTC-USDT BINANCE/OKX by default).
inline TripInput trip(std::string rule, TripAction action, Severity severity, std::vector<std::string> strategies,
                      std::string symbol = "BTC-USDT", std::string venues = "BINANCE/OKX") {
  return TripInput{std::move(rule), action, severity, "spread std 41 bps > 20", std::move(symbol), std::move(venues),
                   std::move(strategies)};
}

class RiskGovernorTest : public ::testing::Test {
 protected:
  RiskGovernorTest() {
    risk_.stress_gap_bps = 300;
    risk_.stress_venue_loss_gap_bps = 500;
    risk_.stress_funding_spike_bps = 50;
    risk_.stress_mark_index_divergence_bps = 100;
    strategies_ = {strategy("arb"), strategy("basis"), strategy("quoting")};
    strategies_[2].safe_mode = "pause";
    configure();
  }
  void configure() { governor_.configure(risk_, strategies_, at(0, 9h)); }
  std::vector<RiskEvent> evaluate(const PortfolioInput& p, UtcTime now) { return governor_.evaluate(p, now); }

  config::RiskConfig risk_;
  std::vector<config::StrategyConfig> strategies_;
  RiskGovernor governor_{at(0, 9h)};
};

}  // namespace propbot::risk::governor_testing
