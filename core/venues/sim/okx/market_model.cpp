// How the OKX frontend follows the market model: each tick re-quotes the market
// maker's ladder around the mid (deterministic sizes from the seed), sets mark, index
// and funding, fires due cancel-all-after switches, pushes the private events and
// publishes the public channels unless the fault gate says the books are stale;
// settle_funding and force_mark apply the engine's funding and liquidation checks;
// set_funding_schedule keeps the host's schedule for fundingTime / nextFundingTime.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/venues/sim/engine/maker_levels.hpp"

namespace propbot::venues::sim::okx_frontend {

void OkxSimVenue::on_market_tick(const std::vector<MarketTick>& ticks) {
  std::lock_guard lock(mutex_);
  const UtcTime now = clock_.utc();
  std::vector<Event> events;
  std::vector<std::string> ticked;
  for (const MarketTick& tick : ticks) {
    auto it = instruments_.find(tick.symbol);
    if (it == instruments_.end() || !(tick.mid > 0)) continue;
    const Instrument& instrument = it->second;
    MarketState& market = markets_[tick.symbol];
    market.has_tick = true;
    market.tick = tick;
    quote_around(instrument, tick, now, events);
    const int scale = instrument.rules.tick.normalized().scale() + 2;
    const double mark = tick.mark > 0 ? tick.mark : tick.mid;
    if (auto m = Decimal::from_double(mark, scale)) {
      market.mark = m->normalized();
      core_.set_mark(tick.symbol, market.mark, now, events);
    }
    if (auto i = Decimal::from_double(tick.index > 0 ? tick.index : mark, scale)) market.index = i->normalized();
    if (auto r = Decimal::from_double(tick.funding_rate, 8)) market.funding_rate = r->normalized();
    ticked.push_back(tick.symbol);
  }
  fire_dead_man_switches(now, events);
  push_events(events, now);
  if (!faults_.books_stale()) {
    for (const std::string& symbol : ticked) publish_market(symbol, now);
  }
}

void OkxSimVenue::quote_around(const Instrument& instrument, const MarketTick& tick, UtcTime now, std::vector<Event>& events) {
  const InstrumentRules& rules = instrument.rules;
  const double tick_size = rules.tick.to_double();
  const double half_spread = tick.mid * std::max(0.0, tick.spread_bps) / 2e4;
  const auto best_bid = static_cast<std::int64_t>(std::floor((tick.mid - half_spread) / tick_size + 1e-9));
  auto best_ask = static_cast<std::int64_t>(std::ceil((tick.mid + half_spread) / tick_size - 1e-9));
  if (best_ask <= best_bid) best_ask = best_bid + 1;
  const int depth = std::clamp(tick.depth_levels, 1, static_cast<int>(kMaxBookLevels));
  std::vector<PriceLevel> bids, asks;
  // Sizes in notional, deterministic from the seed (maker_levels.hpp).
  const auto level_quantity = [&](Decimal price) {
    return maker_level_qty(price.to_double(), rules, tick.level_notional, rng_());
  };
  for (int i = 0; i < depth; ++i) {
    if (best_bid - i > 0) {
      if (auto price = Decimal::from_ticks(best_bid - i, rules.tick))
        bids.push_back({*price, level_quantity(*price)});
    }
    if (auto price = Decimal::from_ticks(best_ask + i, rules.tick)) asks.push_back({*price, level_quantity(*price)});
  }
  core_.replace_liquidity(rules.symbol, config_.market_maker_account, bids, asks, now, events);
}

void OkxSimVenue::fire_dead_man_switches(UtcTime now, std::vector<Event>& events) {
  for (auto it = dead_man_.begin(); it != dead_man_.end();) {
    if (now < it->second) {
      ++it;
      continue;
    }
    for (const auto& [symbol, instrument] : instruments_) core_.cancel_all(it->first, symbol, now, events);
    it = dead_man_.erase(it);
  }
}

void OkxSimVenue::settle_funding() {
  std::lock_guard lock(mutex_);
  const UtcTime now = clock_.utc();
  std::vector<Event> events;
  // skip_funding: this settlement pays none of the accounts made through the admin API.
  std::set<std::string> unpaid;
  if (faults_.take_funding_skip()) {
    for (const auto& [api_key, credentials] : credentials_) unpaid.insert(credentials.account);
  }
  for (auto& [symbol, market] : markets_) {
    if (!market.has_tick) continue;
    core_.apply_funding(symbol, market.funding_rate, market.mark, now, events, unpaid);
  }
  push_events(events, now);
}

void OkxSimVenue::set_funding_schedule(UtcTime next, std::chrono::milliseconds interval) {
  std::lock_guard lock(mutex_);
  next_funding_ = next;
  if (interval.count() > 0) funding_interval_ = interval;
}

void OkxSimVenue::force_mark(const std::string& symbol, Decimal mark) {
  std::lock_guard lock(mutex_);
  if (!instruments_.count(symbol)) return;
  const UtcTime now = clock_.utc();
  std::vector<Event> events;
  markets_[symbol].mark = mark;
  core_.set_mark(symbol, mark, now, events);
  push_events(events, now);
}

}  // namespace propbot::venues::sim::okx_frontend
