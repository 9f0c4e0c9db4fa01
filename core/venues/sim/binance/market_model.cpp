// How the Binance frontend follows the market model: each tick replaces the market
// maker's ladder around the mid (deterministic sizes from the seed, in notional:
// maker_levels.hpp), sets the mark,
// then publishes books and marks unless the fault gate says the books are stale;
// settle_funding and force_mark apply the engine's funding and liquidation checks;
// set_funding_schedule keeps the host's next settlement time for nextFundingTime.

#include "core/venues/sim/binance/frontend.hpp"

#include <algorithm>
#include <cmath>

#include "core/venues/sim/engine/maker_levels.hpp"

namespace propbot::venues::sim::binance_frontend {

void BinanceSimVenue::on_market_tick(const std::vector<MarketTick>& ticks) {
  std::lock_guard lock(mutex_);
  ++ticks_;
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  std::vector<SymbolState*> touched;
  for (const auto& tick : ticks) {
    auto it = symbols_.find(tick.symbol);
    if (it == symbols_.end() || !(tick.mid > 0)) continue;
    SymbolState& s = it->second;
    const double tick_size = s.rules.tick.to_double();
    const double half = tick.mid * tick.spread_bps / 2.0 / 10'000.0;
    std::int64_t bid_ticks = static_cast<std::int64_t>(std::floor((tick.mid - half) / tick_size + 1e-9));
    std::int64_t ask_ticks = static_cast<std::int64_t>(std::ceil((tick.mid + half) / tick_size - 1e-9));
    if (ask_ticks <= bid_ticks) ask_ticks = bid_ticks + 1;
    std::vector<PriceLevel> bids;
    std::vector<PriceLevel> asks;
    const int levels = std::max(1, tick.depth_levels);
    auto level = [&](std::int64_t ticks_at) -> std::optional<PriceLevel> {
      if (ticks_at <= 0) return std::nullopt;
      auto price = Decimal::from_ticks(ticks_at, s.rules.tick);
      if (!price) return std::nullopt;
      return PriceLevel{*price, maker_level_qty(price->to_double(), s.rules, tick.level_notional, rng_())};
    };
    for (int i = 0; i < levels; ++i) {
      if (auto l = level(bid_ticks - i)) bids.push_back(*l);
      if (auto l = level(ask_ticks + i)) asks.push_back(*l);
    }
    core_.replace_liquidity(tick.symbol, config_.market_maker_account, bids, asks, utc, events);
    s.maker_bids = std::move(bids);
    s.maker_asks = std::move(asks);
    const double mark_value = tick.mark > 0 ? tick.mark : tick.mid;
    if (auto mark = Decimal::from_double(mark_value, std::min(8, s.rules.tick.scale() + 2))) {
      core_.set_mark(tick.symbol, *mark, utc, events);
    }
    s.tick = tick;
    touched.push_back(&s);
  }
  if (faults_.take_disconnect()) close_all_sessions();
  deliver(events, utc);
  run_timers(clock_.now(), utc);
  if (!faults_.books_stale()) {
    for (SymbolState* s : touched) {
      publish_book(*s, utc);
      publish_mark(*s, utc);
    }
  }
}

void BinanceSimVenue::settle_funding() {
  std::lock_guard lock(mutex_);
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  // skip_funding: this settlement pays none of the accounts made through the admin API.
  std::set<std::string> unpaid;
  if (faults_.take_funding_skip()) {
    for (const auto& [account, api_key] : account_ids_) unpaid.insert(account);
  }
  for (const auto& [canonical, s] : symbols_) {
    if (!s.tick) continue;
    auto rate = Decimal::from_double(s.tick->funding_rate, 8);
    auto mark = core_.accounts().mark(canonical);
    if (!rate || !mark) continue;
    core_.apply_funding(canonical, *rate, *mark, utc, events, unpaid);
  }
  deliver(events, utc);
}

void BinanceSimVenue::set_funding_schedule(UtcTime next, std::chrono::milliseconds) {
  std::lock_guard lock(mutex_);
  next_funding_ = next;
}

void BinanceSimVenue::force_mark(const std::string& symbol, Decimal mark) {
  std::lock_guard lock(mutex_);
  if (!symbols_.count(symbol)) return;
  const UtcTime utc = clock_.utc();
  std::vector<Event> events;
  core_.set_mark(symbol, mark, utc, events);
  deliver(events, utc);
}

}  // namespace propbot::venues::sim::binance_frontend
