// The pre-trade check: every limit check_pre_trade() compares itself at, just under and
// just over its limit (at the limit passes; the refusal names the reason, the figure
// and the limit; 0 switches it off), the guard-fed refusals passed through verbatim,
// reduce_only never refused, and the header's order when several would refuse.
#include "core/risk/pre_trade.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace propbot::risk {
namespace {

// The detail text prints numbers with %.10g; the test spells them the same way.
std::string g10(double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

struct Case {
  TradeCheck trade;
  PreTradeLimits limits;
  ExposureFigures exposure;
  GuardState guards;
};

// One single-leg entry of 1000 USDT of BTC-USDT on BINANCE; no limit set, depth unknown.
Case plain() {
  Case c;
  c.trade.strategy = "arb";
  c.trade.symbol = "BTC-USDT";
  c.trade.legs[0] = LegCheck{"BINANCE", 0, 1000, 0, -1};
  c.trade.leg_count = 1;
  return c;
}

// A hedged pair: BINANCE and OKX legs of 1000 USDT each.
Case hedged() {
  Case c = plain();
  c.trade.hedged = true;
  c.trade.legs[1] = LegCheck{"OKX", 0, 1000, 0, -1};
  c.trade.leg_count = 2;
  return c;
}

// One limit of the check: how a case whose figure is `figure` is built against `limit`.
struct LimitRow {
  const char* name;
  RiskReason reason;
  double limit;
  double step;          // "just" under / over
  bool refuses_below;   // a minimum (order_notional min, edge, depth): under refuses, over passes
  std::function<Case(double limit, double figure)> make;
};

std::vector<LimitRow> limit_rows() {
  return {
      {"order_notional_min", RiskReason::order_notional, 100, 0.01, true,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.min_order_notional_usdt = limit;
         c.trade.legs[0].notional_usdt = figure;
         return c;
       }},
      {"order_notional_max", RiskReason::order_notional, 5000, 0.01, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.max_order_notional_usdt = limit;
         c.trade.legs[0].notional_usdt = figure;
         return c;
       }},
      {"price_band", RiskReason::price_band, 50, 0.5, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.price_band_bps = limit;
         c.trade.legs[0].mid = 10000;
         c.trade.legs[0].price = 10000 + figure;  // 1 USDT = 1 bps of 10000
         return c;
       }},
      {"max_notional_per_position", RiskReason::max_notional_per_position, 2000, 0.01, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.caps[static_cast<std::size_t>(Cap::max_notional_per_position)] = limit;
         c.trade.legs[0].notional_usdt = figure;
         return c;
       }},
      {"max_total_notional", RiskReason::max_total_notional, 10000, 0.01, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.caps[static_cast<std::size_t>(Cap::max_total_notional)] = limit;
         c.exposure.total_notional_usdt = 9000;
         c.trade.legs[0].notional_usdt = figure - 9000;
         return c;
       }},
      {"max_open_positions", RiskReason::max_open_positions, 3, 1, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.caps[static_cast<std::size_t>(Cap::max_open_positions)] = limit;
         c.exposure.open_positions = static_cast<int>(figure) - 1;  // the entry is one more
         return c;
       }},
      {"max_exposure_per_symbol", RiskReason::max_exposure_per_symbol, 5000, 0.01, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.caps[static_cast<std::size_t>(Cap::max_exposure_per_symbol)] = limit;
         c.exposure.by_symbol["BTC-USDT"] = 4000;
         c.exposure.by_symbol["ETH-USDT"] = 1e9;  // another symbol does not count
         c.trade.legs[0].notional_usdt = figure - 4000;
         return c;
       }},
      {"max_exposure_per_venue", RiskReason::max_exposure_per_venue, 6000, 0.01, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.caps[static_cast<std::size_t>(Cap::max_exposure_per_venue)] = limit;
         c.exposure.by_venue["BINANCE"] = 5000;
         c.exposure.by_venue["OKX"] = 1e9;  // another venue does not count
         c.trade.legs[0].notional_usdt = figure - 5000;
         return c;
       }},
      {"max_leverage", RiskReason::max_leverage, 3, 0.01, false,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.caps[static_cast<std::size_t>(Cap::max_leverage)] = limit;
         c.exposure.by_venue["BINANCE"] = 2000;
         c.exposure.venue_equity["BINANCE"] = 1000;
         c.trade.legs[0].notional_usdt = figure * 1000 - 2000;
         return c;
       }},
      {"edge_below_min", RiskReason::edge_below_min, 5, 0.01, true,
       [](double limit, double figure) {
         Case c = hedged();
         c.limits.min_net_edge_bps = limit;
         c.trade.net_edge_bps = figure;
         return c;
       }},
      {"liquidity", RiskReason::liquidity, 3000, 0.01, true,
       [](double limit, double figure) {
         Case c = plain();
         c.limits.liquidity_depth_multiple = limit / 1000;  // × the 1000 USDT leg
         c.trade.legs[0].depth_usdt = figure;
         return c;
       }},
  };
}

std::optional<RiskRefusal> run(const Case& c) { return check_pre_trade(c.trade, c.limits, c.exposure, c.guards); }

TEST(PreTradeLimitTable, AtTheLimitPasses) {
  for (const LimitRow& row : limit_rows()) {
    auto refused = run(row.make(row.limit, row.limit));
    EXPECT_FALSE(refused) << row.name << ": " << (refused ? refused->detail : "");
  }
}

TEST(PreTradeLimitTable, OnTheSafeSideOfTheLimitPasses) {
  for (const LimitRow& row : limit_rows()) {
    const double figure = row.refuses_below ? row.limit + row.step : row.limit - row.step;
    auto refused = run(row.make(row.limit, figure));
    EXPECT_FALSE(refused) << row.name << ": " << (refused ? refused->detail : "");
  }
}

TEST(PreTradeLimitTable, JustPastTheLimitRefusesNamingTheFigureAndTheLimit) {
  for (const LimitRow& row : limit_rows()) {
    const double figure = row.refuses_below ? row.limit - row.step : row.limit + row.step;
    auto refused = run(row.make(row.limit, figure));
    ASSERT_TRUE(refused) << row.name;
    EXPECT_EQ(refused->reason, row.reason) << row.name << ": " << refused->detail;
    EXPECT_NE(refused->detail.find(std::string(to_string(row.reason))), std::string::npos) << refused->detail;
    EXPECT_NE(refused->detail.find(g10(figure)), std::string::npos) << row.name << ": " << refused->detail;
    EXPECT_NE(refused->detail.find(g10(row.limit)), std::string::npos) << row.name << ": " << refused->detail;
  }
}

TEST(PreTradeLimitTable, ALimitOfZeroIsOff) {
  for (const LimitRow& row : limit_rows()) {
    const double figure = row.refuses_below ? row.limit - row.step : row.limit + row.step;
    ASSERT_TRUE(run(row.make(row.limit, figure))) << row.name;
    EXPECT_FALSE(run(row.make(0, figure))) << row.name;
  }
}

TEST(PreTradeLimitTable, AReduceOnlyTradeIsNeverRefused) {
  for (const LimitRow& row : limit_rows()) {
    const double figure = row.refuses_below ? row.limit - row.step : row.limit + row.step;
    Case c = row.make(row.limit, figure);
    c.trade.reduce_only = true;
    EXPECT_FALSE(run(c)) << row.name;
  }
}

TEST(PreTrade, TheMinimumOrderNotionalAppliesToEachLegOfAPair) {
  Case c = hedged();
  c.limits.min_order_notional_usdt = 100;
  c.trade.legs[1].notional_usdt = 99;
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::order_notional);
  EXPECT_NE(refused->detail.find("OKX"), std::string::npos) << refused->detail;
}

TEST(PreTrade, APairCountsBothLegsTowardTotalAndSymbolButItsLargestLegAsThePosition) {
  Case c = hedged();  // 2 × 1000
  c.limits.caps[static_cast<std::size_t>(Cap::max_notional_per_position)] = 1000;
  c.limits.caps[static_cast<std::size_t>(Cap::max_total_notional)] = 2000;
  c.limits.caps[static_cast<std::size_t>(Cap::max_exposure_per_symbol)] = 2000;
  EXPECT_FALSE(run(c));
  c.limits.caps[static_cast<std::size_t>(Cap::max_total_notional)] = 1999;
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::max_total_notional);
  c.limits.caps[static_cast<std::size_t>(Cap::max_total_notional)] = 0;
  c.limits.caps[static_cast<std::size_t>(Cap::max_exposure_per_symbol)] = 1999;
  refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::max_exposure_per_symbol);
}

TEST(PreTrade, NoEquityOnTheVenueIsInfiniteLeverageAndUnknownEquityIsNoCheck) {
  Case c = plain();
  c.limits.caps[static_cast<std::size_t>(Cap::max_leverage)] = 3;
  EXPECT_FALSE(run(c));  // equity unknown
  c.exposure.venue_equity["BINANCE"] = 0;
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::max_leverage);
}

TEST(PreTrade, AVenuesFreeMarginMustHoldTheLegAtTheLeverageCap) {
  Case c = plain();
  const double notional = c.trade.legs[0].notional_usdt;
  EXPECT_FALSE(run(c));  // no balance reported: not checked
  c.exposure.venue_available["BINANCE"] = notional;  // no leverage cap: the whole notional
  EXPECT_FALSE(run(c));
  c.exposure.venue_available["BINANCE"] = notional - 0.01;
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::liquidity);
  EXPECT_NE(refused->detail.find("free margin"), std::string::npos) << refused->detail;
  c.limits.caps[static_cast<std::size_t>(Cap::max_leverage)] = 4;  // a quarter of it then
  c.exposure.venue_available["BINANCE"] = notional / 4;
  EXPECT_FALSE(run(c));
  c.exposure.venue_available["BINANCE"] = notional / 4 - 0.01;
  ASSERT_TRUE(run(c));
  c.trade.reduce_only = true;  // a close needs no new margin
  EXPECT_FALSE(run(c));
}

TEST(PreTrade, TheEdgeMinimumAppliesOnlyToHedgedPairs) {
  Case c = plain();
  c.limits.min_net_edge_bps = 5;
  c.trade.net_edge_bps = 0;
  EXPECT_FALSE(run(c));
}

TEST(PreTrade, UnknownMidOrPriceSkipsTheBandAndUnknownDepthSkipsLiquidity) {
  Case c = plain();
  c.limits.price_band_bps = 10;
  c.trade.legs[0].price = 20000;  // mid 0: unknown
  EXPECT_FALSE(run(c));
  c.trade.legs[0] = LegCheck{"BINANCE", 0, 1000, 10000, -1};  // price 0: unknown
  EXPECT_FALSE(run(c));
  c.limits.liquidity_depth_multiple = 3;
  EXPECT_FALSE(run(c));  // depth −1: unknown
  c.trade.legs[0].depth_usdt = 0;  // known empty book
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::liquidity);
}

// ---- the guard-fed refusals: the governor words them; the check passes them through.

RiskRefusal worded(RiskReason reason) { return {reason, std::string(to_string(reason)) + ": worded by the governor"}; }

struct GuardRow {
  const char* name;
  RiskReason reason;
  std::function<void(GuardState&)> set;
};

std::vector<GuardRow> guard_rows() {
  return {
      {"strategy_frozen", RiskReason::strategy_frozen,
       [](GuardState& g) { g.strategy = worded(RiskReason::strategy_frozen); }},
      {"circuit_breaker", RiskReason::circuit_breaker,
       [](GuardState& g) { g.strategy = worded(RiskReason::circuit_breaker); }},
      {"safe_mode", RiskReason::safe_mode, [](GuardState& g) { g.strategy = worded(RiskReason::safe_mode); }},
      {"clock_skew", RiskReason::clock_skew,
       [](GuardState& g) {
         g.venue = [](std::string_view venue) -> std::optional<RiskRefusal> {
           if (venue == "OKX") return worded(RiskReason::clock_skew);
           return std::nullopt;
         };
       }},
      {"venue_maintenance", RiskReason::venue_maintenance,
       [](GuardState& g) {
         g.venue = [](std::string_view venue) -> std::optional<RiskRefusal> {
           if (venue == "BINANCE") return worded(RiskReason::venue_maintenance);
           return std::nullopt;
         };
       }},
      {"stress_limit", RiskReason::stress_limit,
       [](GuardState& g) {
         g.stress = [](std::string_view symbol, std::string_view venue) -> std::optional<RiskRefusal> {
           if (symbol == "BTC-USDT" && venue == "OKX") return worded(RiskReason::stress_limit);
           return std::nullopt;
         };
       }},
      {"strategy_budget", RiskReason::strategy_budget,
       [](GuardState& g) { g.budget = worded(RiskReason::strategy_budget); }},
  };
}

TEST(PreTradeGuards, EachGuardRefusalIsTheAnswerVerbatimAndAReduceOnlyPasses) {
  for (const GuardRow& row : guard_rows()) {
    Case c = hedged();  // BINANCE + OKX: the venue and stress guards see the second leg too
    EXPECT_FALSE(run(c)) << row.name;
    row.set(c.guards);
    auto refused = run(c);
    ASSERT_TRUE(refused) << row.name;
    EXPECT_EQ(refused->reason, row.reason) << row.name;
    EXPECT_EQ(refused->detail, worded(row.reason).detail);
    c.trade.reduce_only = true;
    EXPECT_FALSE(run(c)) << row.name;
  }
}

TEST(PreTradeGuards, AVenueGuardOnASecondLegOfASingleIsNotConsulted) {
  Case c = plain();
  c.trade.legs[1].venue = "OKX";  // stale second leg, leg_count 1
  guard_rows()[3].set(c.guards);  // clock skew on OKX
  EXPECT_FALSE(run(c));
}

TEST(PreTradeGuards, ABreachedLossCapRefusesNamingItsFigureAndLimit) {
  for (Cap cap : {Cap::daily_loss_cap, Cap::monthly_loss_cap, Cap::max_unrealized_loss}) {
    Case c = plain();
    const auto index = static_cast<std::size_t>(cap);
    c.limits.caps[index] = 500;
    c.guards.used[index] = 612.5;
    EXPECT_FALSE(run(c)) << to_string(cap);  // not breached: the figure alone refuses nothing
    c.guards.breached[index] = true;
    auto refused = run(c);
    ASSERT_TRUE(refused) << to_string(cap);
    EXPECT_EQ(refused->reason, reason_of(cap));
    EXPECT_NE(refused->detail.find(std::string(to_string(cap)) + ": 612.5 > 500"), std::string::npos)
        << refused->detail;
    c.trade.reduce_only = true;
    EXPECT_FALSE(run(c));
  }
}

// ---- the order: everything refuses at once; switching off the answer reveals the next.

TEST(PreTradeOrder, TheFirstReasonInTheHeadersOrderWins) {
  Case c = hedged();
  auto cap = [&](Cap which) -> double& { return c.limits.caps[static_cast<std::size_t>(which)]; };
  c.guards.strategy = worded(RiskReason::strategy_frozen);
  c.guards.venue = [](std::string_view) -> std::optional<RiskRefusal> { return worded(RiskReason::clock_skew); };
  c.guards.stress = [](std::string_view, std::string_view) -> std::optional<RiskRefusal> {
    return worded(RiskReason::stress_limit);
  };
  for (Cap loss : {Cap::daily_loss_cap, Cap::monthly_loss_cap, Cap::max_unrealized_loss}) {
    c.guards.breached[static_cast<std::size_t>(loss)] = true;
  }
  c.guards.budget = worded(RiskReason::strategy_budget);
  c.limits.max_order_notional_usdt = 500;
  c.limits.price_band_bps = 10;
  c.trade.legs[0].mid = 100;
  c.trade.legs[0].price = 101;
  cap(Cap::max_notional_per_position) = 500;
  cap(Cap::max_total_notional) = 500;
  cap(Cap::max_open_positions) = 1;
  c.exposure.open_positions = 1;
  cap(Cap::max_exposure_per_symbol) = 500;
  cap(Cap::max_exposure_per_venue) = 500;
  cap(Cap::max_leverage) = 3;
  c.exposure.venue_equity["BINANCE"] = 100;
  c.limits.min_net_edge_bps = 5;
  c.trade.net_edge_bps = 1;
  c.limits.liquidity_depth_multiple = 2;
  c.trade.legs[0].depth_usdt = 0;

  const std::vector<std::pair<RiskReason, std::function<void()>>> peel = {
      {RiskReason::strategy_frozen, [&] { c.guards.strategy.reset(); }},
      {RiskReason::clock_skew, [&] { c.guards.venue = nullptr; }},
      {RiskReason::stress_limit, [&] { c.guards.stress = nullptr; }},
      {RiskReason::daily_loss_cap, [&] { c.guards.breached[static_cast<std::size_t>(Cap::daily_loss_cap)] = false; }},
      {RiskReason::monthly_loss_cap,
       [&] { c.guards.breached[static_cast<std::size_t>(Cap::monthly_loss_cap)] = false; }},
      {RiskReason::max_unrealized_loss,
       [&] { c.guards.breached[static_cast<std::size_t>(Cap::max_unrealized_loss)] = false; }},
      {RiskReason::strategy_budget, [&] { c.guards.budget.reset(); }},
      {RiskReason::order_notional, [&] { c.limits.max_order_notional_usdt = 0; }},
      {RiskReason::price_band, [&] { c.limits.price_band_bps = 0; }},
      {RiskReason::max_notional_per_position, [&] { cap(Cap::max_notional_per_position) = 0; }},
      {RiskReason::max_total_notional, [&] { cap(Cap::max_total_notional) = 0; }},
      {RiskReason::max_open_positions, [&] { cap(Cap::max_open_positions) = 0; }},
      {RiskReason::max_exposure_per_symbol, [&] { cap(Cap::max_exposure_per_symbol) = 0; }},
      {RiskReason::max_exposure_per_venue, [&] { cap(Cap::max_exposure_per_venue) = 0; }},
      {RiskReason::max_leverage, [&] { cap(Cap::max_leverage) = 0; }},
      {RiskReason::edge_below_min, [&] { c.limits.min_net_edge_bps = 0; }},
      {RiskReason::liquidity, [&] { c.limits.liquidity_depth_multiple = 0; }},
  };
  for (const auto& [expected, switch_off] : peel) {
    auto refused = run(c);
    ASSERT_TRUE(refused) << "expected " << to_string(expected);
    EXPECT_EQ(refused->reason, expected) << refused->detail;
    switch_off();
  }
  EXPECT_FALSE(run(c));
}

// Per-venue exposure comes before leverage even when they fire on different legs.
TEST(PreTradeOrder, VenueExposureOnTheSecondLegBeatsLeverageOnTheFirst) {
  Case c = hedged();
  c.limits.caps[static_cast<std::size_t>(Cap::max_leverage)] = 3;
  c.exposure.venue_equity["BINANCE"] = 100;  // leg 0: 10x
  c.limits.caps[static_cast<std::size_t>(Cap::max_exposure_per_venue)] = 1500;
  c.exposure.by_venue["OKX"] = 1000;  // leg 1: 2000 > 1500
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::max_exposure_per_venue) << refused->detail;
}

TEST(PreTradeOrder, AVenueGuardComesBeforeTheStressGuard) {
  Case c = plain();
  c.guards.stress = [](std::string_view, std::string_view) -> std::optional<RiskRefusal> {
    return worded(RiskReason::stress_limit);
  };
  c.guards.venue = [](std::string_view) -> std::optional<RiskRefusal> {
    return worded(RiskReason::venue_maintenance);
  };
  auto refused = run(c);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, RiskReason::venue_maintenance);
}

TEST(PreTrade, AReduceOnlyTradePassesEveryGuardAtOnce) {
  Case c = plain();
  c.guards.strategy = worded(RiskReason::strategy_frozen);
  c.guards.budget = worded(RiskReason::strategy_budget);
  c.guards.breached.fill(true);
  c.limits.caps.fill(1);
  c.exposure.open_positions = 100;
  c.trade.reduce_only = true;
  EXPECT_FALSE(run(c));
}

}  // namespace
}  // namespace propbot::risk
