// FaultPlan::partial_fill_ratio for the Binance frontend: the market model's quotes are
// cut down for one placement so the order fills only that fraction, then restored
// without the levels that would cross what rests. Guarantees: other accounts' orders
// and FOK / GTX orders are untouched.

#include "core/venues/sim/binance/frontend.hpp"

#include <algorithm>

namespace propbot::venues::sim::binance_frontend {

// FaultPlan::partial_fill_ratio without an engine hook: when the market model's quotes
// would fill the whole order, they are shrunk for this one placement to `ratio` of the
// order's quantity (levels beyond the order's price removed), so the order fills that
// much and its remainder rests (GTC) or expires (IOC, market); then the quotes come
// back without the levels that would cross the resting remainder (the next market tick
// re-quotes and may fill it: "0.3 then the rest"). FOK and GTX are left alone.
bool BinanceSimVenue::cap_first_match(const OrderRequest& request, UtcTime utc, std::vector<Event>& events) {
  const std::optional<double> ratio = faults_.partial_fill_ratio();
  if (!ratio || request.time_in_force == TimeInForce::fok || request.time_in_force == TimeInForce::post_only) {
    return false;
  }
  SymbolState& s = symbols_.at(request.symbol);
  const bool buy = request.side == OrderSide::buy;
  const auto& opposite = buy ? s.maker_asks : s.maker_bids;
  auto crosses = [&](Decimal price) { return !request.price || (buy ? price <= *request.price : price >= *request.price); };
  Decimal crossing;
  for (const auto& level : opposite) {
    if (!crosses(level.price)) continue;
    if (auto sum = crossing.add(level.quantity)) crossing = *sum;
  }
  if (crossing < request.quantity) return false;
  auto ratio_decimal = Decimal::from_double(*ratio, 6);
  if (!ratio_decimal) return false;
  auto scaled = request.quantity.mul(*ratio_decimal);
  if (!scaled) return false;
  auto cap = scaled->round_to_step(s.rules.step, RoundMode::down);
  if (!cap || cap->sign() <= 0) return false;
  std::vector<PriceLevel> reduced;
  Decimal left = *cap;
  for (const auto& level : opposite) {
    if (!crosses(level.price) || left.sign() <= 0) continue;
    const Decimal take = std::min(left, level.quantity);
    reduced.push_back(PriceLevel{level.price, take});
    if (auto rest = left.sub(take)) left = *rest;
  }
  core_.replace_liquidity(request.symbol, config_.market_maker_account, buy ? s.maker_bids : reduced,
                          buy ? reduced : s.maker_asks, utc, events);
  return true;
}

void BinanceSimVenue::restore_liquidity(const OrderRequest& request, const Outcome<OrderState>& placed, UtcTime utc,
                                        std::vector<Event>& events) {
  SymbolState& s = symbols_.at(request.symbol);
  const bool buy = request.side == OrderSide::buy;
  const bool rests = placed.ok() && !is_final(placed->status);
  std::vector<PriceLevel> restored;
  for (const auto& level : buy ? s.maker_asks : s.maker_bids) {
    const bool crosses = !request.price || (buy ? level.price <= *request.price : level.price >= *request.price);
    if (!rests || !crosses) restored.push_back(level);
  }
  core_.replace_liquidity(request.symbol, config_.market_maker_account, buy ? s.maker_bids : restored,
                          buy ? restored : s.maker_asks, utc, events);
}

}  // namespace propbot::venues::sim::binance_frontend
