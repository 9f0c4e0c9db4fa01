#include "core/risk/pre_trade.hpp"

#include "core/risk/figure_text.hpp"

#include <cmath>
#include <cstdio>

namespace propbot::risk {
namespace {

RiskRefusal over(RiskReason reason, double value, double limit, std::string_view unit, std::string_view where = {}) {
  std::string detail(to_string(reason));
  if (!where.empty()) detail += " (" + std::string(where) + ")";
  detail += ": " + figure_text(value) + " > " + figure_text(limit);
  if (!unit.empty()) detail += " " + std::string(unit);
  return {reason, std::move(detail)};
}

bool exceeds(double value, double limit) { return limit > 0 && value > limit; }

double figure(const std::map<std::string, double, std::less<>>& by, std::string_view key) {
  auto found = by.find(key);
  return found == by.end() ? 0 : found->second;
}

}  // namespace

std::optional<RiskRefusal> check_pre_trade(const TradeCheck& trade, const PreTradeLimits& limits,
                                           const ExposureFigures& exposure, const GuardState& guards) {
  if (trade.reduce_only) return std::nullopt;
  if (guards.strategy) return guards.strategy;
  const int legs = trade.leg_count < 1 ? 1 : (trade.leg_count > 2 ? 2 : trade.leg_count);
  if (guards.venue) {
    for (int i = 0; i < legs; ++i) {
      if (auto refused = guards.venue(trade.legs[i].venue)) return refused;
    }
  }
  if (guards.stress) {
    for (int i = 0; i < legs; ++i) {
      if (auto refused = guards.stress(trade.symbol, trade.legs[i].venue)) return refused;
    }
  }
  for (Cap cap : {Cap::daily_loss_cap, Cap::monthly_loss_cap, Cap::max_unrealized_loss}) {
    const auto index = static_cast<std::size_t>(cap);
    if (guards.breached[index]) {
      return RiskRefusal{reason_of(cap), std::string(to_string(cap)) + ": " + figure_text(guards.used[index]) + " > " +
                                             figure_text(limits.caps[index]) + " USDT (breached; new entries refused)"};
    }
  }
  if (guards.budget) return guards.budget;

  double trade_notional = 0;
  for (int i = 0; i < legs; ++i) {
    const LegCheck& leg = trade.legs[i];
    trade_notional += leg.notional_usdt;
    if (limits.min_order_notional_usdt > 0 && leg.notional_usdt < limits.min_order_notional_usdt) {
      return RiskRefusal{RiskReason::order_notional, "order_notional (" + std::string(leg.venue) + "): " +
                                                         figure_text(leg.notional_usdt) + " < min " +
                                                         figure_text(limits.min_order_notional_usdt) + " USDT"};
    }
    if (exceeds(leg.notional_usdt, limits.max_order_notional_usdt)) {
      return over(RiskReason::order_notional, leg.notional_usdt, limits.max_order_notional_usdt, "USDT", leg.venue);
    }
  }
  for (int i = 0; i < legs; ++i) {
    const LegCheck& leg = trade.legs[i];
    if (limits.price_band_bps <= 0 || leg.price <= 0 || leg.mid <= 0) continue;
    const double distance_bps = std::fabs(leg.price - leg.mid) / leg.mid * 1e4;
    if (distance_bps > limits.price_band_bps) {
      return over(RiskReason::price_band, distance_bps, limits.price_band_bps, "bps from mid", leg.venue);
    }
  }
  // One position: the largest leg (a hedged pair's legs are the same size by design).
  double position_notional = 0;
  for (int i = 0; i < legs; ++i) position_notional = std::max(position_notional, trade.legs[i].notional_usdt);
  if (const double limit = limits.cap(Cap::max_notional_per_position); exceeds(position_notional, limit)) {
    return over(RiskReason::max_notional_per_position, position_notional, limit, "USDT");
  }
  if (const double limit = limits.cap(Cap::max_total_notional);
      exceeds(exposure.total_notional_usdt + trade_notional, limit)) {
    return over(RiskReason::max_total_notional, exposure.total_notional_usdt + trade_notional, limit, "USDT");
  }
  if (const double limit = limits.cap(Cap::max_open_positions); exceeds(exposure.open_positions + 1.0, limit)) {
    return over(RiskReason::max_open_positions, exposure.open_positions + 1.0, limit, "positions");
  }
  if (const double limit = limits.cap(Cap::max_exposure_per_symbol); limit > 0) {
    const double after = figure(exposure.by_symbol, trade.symbol) + trade_notional;
    if (after > limit) return over(RiskReason::max_exposure_per_symbol, after, limit, "USDT", trade.symbol);
  }
  // Every leg's venue exposure before any leg's leverage: the header's order.
  for (int i = 0; i < legs; ++i) {
    const LegCheck& leg = trade.legs[i];
    const double after = figure(exposure.by_venue, leg.venue) + leg.notional_usdt;
    if (const double limit = limits.cap(Cap::max_exposure_per_venue); exceeds(after, limit)) {
      return over(RiskReason::max_exposure_per_venue, after, limit, "USDT", leg.venue);
    }
  }
  for (int i = 0; i < legs; ++i) {
    const LegCheck& leg = trade.legs[i];
    const double after = figure(exposure.by_venue, leg.venue) + leg.notional_usdt;
    const double limit = limits.cap(Cap::max_leverage);
    auto equity = exposure.venue_equity.find(leg.venue);
    if (limit > 0 && equity != exposure.venue_equity.end()) {
      // No equity at all on the venue: any position there is infinitely levered.
      const double leverage = equity->second > 0 ? after / equity->second : std::numeric_limits<double>::infinity();
      if (leverage > limit) return over(RiskReason::max_leverage, leverage, limit, "x", leg.venue);
    }
  }
  if (trade.hedged && limits.min_net_edge_bps > 0 && trade.net_edge_bps < limits.min_net_edge_bps) {
    return RiskRefusal{RiskReason::edge_below_min, "edge_below_min: net " + figure_text(trade.net_edge_bps) + " < " +
                                                       figure_text(limits.min_net_edge_bps) + " bps"};
  }
  if (limits.liquidity_depth_multiple > 0) {
    for (int i = 0; i < legs; ++i) {
      const LegCheck& leg = trade.legs[i];
      if (leg.depth_usdt < 0) continue;
      const double needed = leg.notional_usdt * limits.liquidity_depth_multiple;
      if (leg.depth_usdt < needed) {
        return RiskRefusal{RiskReason::liquidity, "liquidity (" + std::string(leg.venue) + "): book holds " +
                                                      figure_text(leg.depth_usdt) + " < " + figure_text(needed) +
                                                      " USDT needed (" + figure_text(limits.liquidity_depth_multiple) +
                                                      " x the leg)"};
      }
    }
  }
  // S-3.7: the venue's free margin must hold this leg (one hedge).
  for (int i = 0; i < legs; ++i) {
    const LegCheck& leg = trade.legs[i];
    auto available = exposure.venue_available.find(leg.venue);
    if (available == exposure.venue_available.end()) continue;
    const double leverage = limits.cap(Cap::max_leverage);
    const double margin = leverage > 0 ? leg.notional_usdt / leverage : leg.notional_usdt;
    if (available->second < margin) {
      return RiskRefusal{RiskReason::liquidity, "liquidity (" + std::string(leg.venue) + "): free margin " +
                                                    figure_text(available->second) + " < " + figure_text(margin) +
                                                    " USDT the leg needs"};
    }
  }
  return std::nullopt;
}

}  // namespace propbot::risk
