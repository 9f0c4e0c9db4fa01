// FaultPlan::partial_fill_ratio for the OKX frontend: before a GTC limit order arrives,
// the market maker's crossing liquidity is cut to ratio × the order's quantity, so the
// order fills that much and rests for the rest. Guarantees: other accounts' orders, and
// market / IOC / FOK / reduce-only orders, are untouched.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>

namespace propbot::venues::sim::okx_frontend {

// partial_fill_ratio: a GTC limit order that the market model's liquidity would fill
// completely meets only ratio × its quantity of that liquidity (the crossing levels are
// cut down before it arrives); the rest rests and fills when the next tick re-quotes
// through it. Other accounts' orders are untouched; market/IOC/FOK orders are not
// affected (their remainder would expire instead of resting).
void OkxSimVenue::thin_liquidity_for(const OrderRequest& request, double ratio, UtcTime now,
                                     std::vector<Event>& events) {
  if (request.type != OrderType::limit || request.time_in_force != TimeInForce::gtc || request.reduce_only ||
      !request.price) {
    return;
  }
  auto it = instruments_.find(request.symbol);
  if (it == instruments_.end()) return;
  const InstrumentRules& rules = it->second.rules;
  auto ratio_decimal = Decimal::from_double(ratio, 6);
  if (!ratio_decimal) return;
  auto budget_raw = request.quantity.mul(*ratio_decimal);
  if (!budget_raw) return;
  auto budget = budget_raw->round_to_step(rules.step, RoundMode::down);
  if (!budget || budget->sign() <= 0 || *budget >= request.quantity) return;
  std::vector<PriceLevel> bids, asks;
  Decimal crossing_total;
  for (const OrderState& order : core_.open_orders(config_.market_maker_account, request.symbol)) {
    if (!order.price) continue;
    auto remaining = order.quantity.sub(order.filled_quantity);
    if (!remaining || remaining->sign() <= 0) continue;
    const bool opposite = order.side != request.side;
    const bool crosses =
        request.side == OrderSide::buy ? *order.price <= *request.price : *order.price >= *request.price;
    if (opposite && crosses) {
      if (auto sum = crossing_total.add(*remaining)) crossing_total = *sum;
    }
    (order.side == OrderSide::buy ? bids : asks).push_back(PriceLevel{*order.price, *remaining});
  }
  if (crossing_total < request.quantity) return;  // would not fill completely anyway
  // Best first on the opposite side, then keep only `budget` of the crossing quantity.
  std::vector<PriceLevel>& opposite = request.side == OrderSide::buy ? asks : bids;
  std::sort(opposite.begin(), opposite.end(), [&](const PriceLevel& a, const PriceLevel& b) {
    return request.side == OrderSide::buy ? a.price < b.price : a.price > b.price;
  });
  Decimal left = *budget;
  std::vector<PriceLevel> kept;
  for (const PriceLevel& level : opposite) {
    const bool crosses =
        request.side == OrderSide::buy ? level.price <= *request.price : level.price >= *request.price;
    if (!crosses) {
      kept.push_back(level);
      continue;
    }
    const Decimal take = std::min(left, level.quantity);
    if (take.sign() > 0) kept.push_back(PriceLevel{level.price, take});
    if (auto rest = left.sub(take)) left = *rest;
  }
  opposite = std::move(kept);
  std::sort(bids.begin(), bids.end(), [](const PriceLevel& a, const PriceLevel& b) { return a.price > b.price; });
  std::sort(asks.begin(), asks.end(), [](const PriceLevel& a, const PriceLevel& b) { return a.price < b.price; });
  core_.replace_liquidity(request.symbol, config_.market_maker_account, bids, asks, now, events);
}

}  // namespace propbot::venues::sim::okx_frontend
