// What the executor shows: counters, working and recent orders, trades, the hedge log,
// open orders per venue and the reconciliation report (GET /api/ui/execution,
// /api/ui/hedge/log).
#include <algorithm>

#include "core/exec/executor_impl.hpp"

namespace propbot::exec {

nlohmann::json trip_json(const risk::Trip& trip) {
  return {{"scope", risk::to_string(trip.scope)},
          {"kind", risk::to_string(trip.kind)},
          {"strategy", trip.strategy},
          {"symbol", trip.symbol},
          {"count", trip.count},
          {"limit", trip.limit},
          {"window_seconds", trip.window_seconds},
          {"reason", trip.reason_text()}};
}

ExecutionView Executor::view() const {
  const Impl& impl = *impl_;
  ExecutionView view;
  view.counters = impl.counters;
  view.recon = impl.recon;
  view.dead_man_timeout_ms = impl.options.dead_man_timeout.count();
  view.dead_man = impl.dead_man_views();
  for (const auto& [coid, order] : impl.orders) {
    view.orders.push_back(OrderView{order.entry, !order.terminal()});
    // Open at the venue: a simulated order is open at its twin only (the orders list shows it).
    if (!order.terminal() && order.entry.event != OrderEvent::intent && !order.entry.simulated) {
      ++view.open_orders_per_venue[order.entry.venue];
    }
  }
  std::sort(view.orders.begin(), view.orders.end(),
            [](const OrderView& a, const OrderView& b) { return a.entry.seq < b.entry.seq; });
  for (auto it = impl.finished_orders.rbegin(); it != impl.finished_orders.rend(); ++it) view.orders.push_back(*it);
  for (const auto& [id, trade] : impl.trades) {
    view.trades.push_back(impl.view_of(trade));
  }
  for (auto it = impl.finished_trades.rbegin(); it != impl.finished_trades.rend(); ++it) view.trades.push_back(*it);
  for (const venues::Venue* venue : impl.venue_list) {
    view.venue_health.push_back(impl.venue_stats.health(venue->id(), impl.clock.now()));
  }
  view.breaker_trips = impl.breaker.trips();
  view.hedge_log.assign(impl.hedge_log.begin(), impl.hedge_log.end());
  if (impl.hedge_latencies.size() >= impl.options.hedge_latency_min_samples) {
    view.hedge_latency_p95_ms = impl.hedge_latencies.percentile(95);
  }
  return view;
}

}  // namespace propbot::exec
