// Leg B of a hedged pair: sized to what leg A actually filled, sent at once, retried,
// moved to another venue, or declared lost (executor.hpp explains the policy).
#include <algorithm>

#include "core/exec/executor_impl.hpp"
#include "core/exec/order_rules.hpp"

namespace propbot::exec {
namespace {

Decimal sum(Decimal a, Decimal b) {
  auto total = a.add(b);
  return total ? *total : a;
}

}  // namespace

Decimal Executor::Impl::filled_of(const std::vector<std::string>& client_order_ids) const {
  Decimal total;
  for (const auto& coid : client_order_ids) {
    if (auto found = orders.find(coid); found != orders.end()) total = sum(total, found->second.filled());
  }
  return total;
}

bool Executor::Impl::any_working(const std::vector<std::string>& client_order_ids) const {
  return std::any_of(client_order_ids.begin(), client_order_ids.end(), [this](const std::string& coid) {
    auto found = orders.find(coid);
    return found != orders.end() && !found->second.terminal();
  });
}

// What B has filled or may still fill: a working (or unknown) B order counts in full,
// so a hedge is never sent twice for one A fill.
Decimal Executor::Impl::b_committed(const Trade& trade) const {
  Decimal total;
  for (const auto& coid : trade.b_orders) {
    auto found = orders.find(coid);
    if (found == orders.end()) continue;
    total = sum(total, found->second.terminal() ? found->second.filled() : found->second.entry.quantity);
  }
  return total;
}

void Executor::Impl::drive_hedge(Trade& trade) {
  if (trade.state != TradeState::working) return;
  const Decimal filled_a = a_filled(trade);
  const bool a_done = !any_working(trade.a_orders);
  if (filled_a.sign() > 0 && !trade.first_fill_at) {
    trade.first_fill_at = clock.now();
    const std::uint64_t id = trade.id;
    std::weak_ptr<bool> alive_flag = alive;
    trade.hedge_timer = clock.call_after(options.hedge_deadline, [this, alive_flag, id] {
      if (alive_flag.expired()) return;
      auto found = trades.find(id);
      if (found == trades.end()) return;
      found->second.hedge_timer = 0;
      if (found->second.state != TradeState::working) return;
      const Decimal a = a_filled(found->second);
      const Decimal b = b_filled(found->second);
      if (b < a) {
        hedge_lost(found->second, "hedge deadline passed: leg B filled " + b.to_string() + " of " + a.to_string());
      }
    });
  }

  // The B orders that ended short on the current hedge venue: each is a failure there.
  int failures = 0;
  const std::string current = trade.hedge_venue_index < trade.hedge_venues.size()
                                  ? trade.hedge_venues[trade.hedge_venue_index]
                                  : std::string();
  for (const auto& coid : trade.b_orders) {
    auto found = orders.find(coid);
    if (found == orders.end() || !found->second.terminal()) continue;
    if (found->second.entry.venue == current && found->second.filled() < found->second.entry.quantity) ++failures;
  }
  trade.failures_on_venue = std::max(trade.failures_on_venue, failures);

  // Every step below uses B's current hedge venue's rules.
  while (trade.hedge_venue_index < trade.hedge_venues.size()) {
    const std::string& hedge_venue = trade.hedge_venues[trade.hedge_venue_index];
    const md::OrderBook* book = market.book(hedge_venue, trade.symbol);
    if (book == nullptr || !book->valid()) {
      if (!(b_committed(trade) < filled_a)) break;  // nothing to hedge
      // The hedge venue's book is not there yet (a restart: its instruments and feed are
      // still loading) or is resyncing: ask again shortly. The hedge deadline decides.
      retry_hedge_soon(trade);
      return;  // not hedged and not lost: the retry or the deadline decides
    }
    auto rules = order_rules_from_spec(book->spec());
    if (!rules) {
      ++trade.hedge_venue_index;
      trade.failures_on_venue = 0;
      continue;
    }
    auto wanted = round_qty(*rules, filled_a);
    if (!wanted) break;
    auto need = wanted->sub(b_committed(trade));
    if (!need || need->sign() <= 0 || *need < rules->step) break;
    if (trade.failures_on_venue >= options.hedge_attempts_per_venue) {
      ++trade.hedge_venue_index;
      trade.failures_on_venue = 0;
      continue;
    }
    // The price: the hedge venue's touch, protected; the intent's B price without one.
    Decimal reference = taker_touch(*book, trade.side_b);
    if (reference.sign() <= 0) {
      if (auto planned = orders.find(trade.planned_b); planned != orders.end() && planned->second.entry.price) {
        reference = *planned->second.entry.price;
      }
    }
    auto price = reference.sign() > 0 ? protective_price(trade.side_b, reference, options.hedge_slippage_bps, rules->tick)
                                      : Result<Decimal>(make_error(Errc::unavailable, "no price"));
    if (!price) {
      ++trade.hedge_venue_index;
      trade.failures_on_venue = 0;
      continue;
    }
    // A partial of A too small for B's minimums waits for more of A; once A is done the
    // rest goes out as it is (the venue's refusal then counts as a failed hedge).
    if (!a_done && !check_order(*rules, trade.side_b, *need, *price).ok()) break;
    OrderEntry b = planned_order(trade, Leg::b, hedge_venue, trade.side_b, *need, *price);
    // The first hedge uses the id planned with the trade (journaled at `intent`).
    auto planned = orders.find(trade.planned_b);
    const bool use_planned = planned != orders.end() && planned->second.entry.event == OrderEvent::intent &&
                             planned->second.entry.venue == b.venue && trade.b_orders.empty();
    if (use_planned) {
      planned->second.entry.quantity = b.quantity;
      planned->second.entry.price = b.price;
      b.client_order_id = trade.planned_b;
    } else {
      if (!assign_client_order_id(b)) {
        hedge_lost(trade, "no client order id attempt left for the hedge");
        return;
      }
      if (auto made = plan_order(b); !made) {
        hedge_lost(trade, "journal failed before the hedge: " + made.error().message);
        return;
      }
    }
    options.failpoint.hit("hedge_planned");
    WorkingOrder& order = orders.at(b.client_order_id);
    order.hedge_fill_seen = clock.now();
    trade.b_orders.push_back(b.client_order_id);
    HedgeRecord record;
    record.trade_parent_id = trade.id;
    record.client_order_id = b.client_order_id;
    record.venue = b.venue;
    record.partial_fill_pct = percent_of(filled_a, trade.target);
    record.hedge_sent = b.quantity;
    record.ts_ms = b.ts_ms;
    hedge_log.push_back(record);
    order.hedge_record = hedge_log_base + hedge_log.size() - 1;
    while (hedge_log.size() > options.hedge_log_entries) {
      hedge_log.pop_front();
      ++hedge_log_base;
    }
    ++counters.hedges_sent;
    ++changes;
    log.info("hedge_sent", {{"trade_parent_id", trade.id},
                            {"venue", b.venue},
                            {"qty", b.quantity.to_string()},
                            {"partial_fill_pct", record.partial_fill_pct}});
    const std::string coid = b.client_order_id;
    if (auto sent = send(coid); !sent) {
      hedge_lost(trade, "the hedge could not be sent: " + sent.error().message);
      return;
    }
    if (!a_done) options.failpoint.hit("between_fills_of_a");
    // send() may have completed synchronously (a scripted venue); the loop re-checks.
    auto again = trades.find(trade.id);
    if (again == trades.end() || again->second.state != TradeState::working) return;
  }

  const bool b_open = any_working(trade.b_orders);
  const Decimal filled_b = b_filled(trade);
  if (trade.hedge_venue_index >= trade.hedge_venues.size() && !b_open && filled_b < filled_a) {
    hedge_lost(trade, "leg B refused on every venue: filled " + filled_b.to_string() + " of " + filled_a.to_string());
    return;
  }
  if (a_done && !b_open) {
    // Everything A filled is hedged (to B's step).
    if (filled_a.sign() == 0) {
      finish_trade(trade, TradeState::done, "leg A filled nothing");
    } else {
      finish_trade(trade, TradeState::hedged, "hedged " + filled_b.to_string() + " of " + filled_a.to_string());
    }
  }
}

void Executor::Impl::retry_hedge_soon(Trade& trade) {
  if (trade.retry_timer != 0) return;
  const std::uint64_t id = trade.id;
  std::weak_ptr<bool> alive_flag = alive;
  trade.retry_timer = clock.call_after(std::chrono::milliseconds(100), [this, alive_flag, id] {
    if (alive_flag.expired()) return;
    auto found = trades.find(id);
    if (found == trades.end()) return;
    found->second.retry_timer = 0;
    drive_hedge(found->second);
  });
}

void Executor::Impl::hedge_lost(Trade& trade, const std::string& reason) {
  ++counters.hedges_lost;
  const std::uint64_t id = trade.id;
  const std::string summary = "trade " + std::to_string(id) + " " + trade.symbol + " (" + trade.strategy +
                              "): " + reason + "; position partial (OUTSTANDING RISK)";
  log.error("hedge_lost", {{"trade_parent_id", id}, {"reason", reason}});
  // The journal says so too (the ledger's rebuild marks the position partial from it):
  // the planned hedge, or a last attempt that is never sent, ends with reason hedge_lost.
  OrderEntry marker = planned_order(trade, Leg::b, trade.venue_b, trade.side_b, trade.target, std::nullopt);
  auto planned = orders.find(trade.planned_b);
  if (planned != orders.end() && planned->second.entry.event == OrderEvent::intent) {
    record(planned->second, OrderEvent::cancelled, "hedge_lost");
  } else if (assign_client_order_id(marker) && plan_order(marker)) {
    record(orders.at(marker.client_order_id), OrderEvent::cancelled, "hedge_lost");
  }
  if (listener != nullptr) listener->on_hedge_lost(trade.position_id, reason);
  finish_trade(trade, TradeState::hedge_lost, reason);
  desk.safety_action(IncidentCode::hedge_lost, "executor", summary);
}

void Executor::Impl::on_hedge_acked(WorkingOrder& order) {
  if (!order.hedge_fill_seen) return;
  const double latency_ms = std::chrono::duration<double, std::milli>(clock.now() - *order.hedge_fill_seen).count();
  order.hedge_fill_seen.reset();
  if (order.hedge_record >= hedge_log_base && order.hedge_record - hedge_log_base < hedge_log.size()) {
    hedge_log[order.hedge_record - hedge_log_base].hedge_latency_ms = latency_ms;
  }
  hedge_latencies.add(latency_ms);
  ++changes;
  if (hedge_latencies.size() < options.hedge_latency_min_samples) return;
  const std::optional<double> p95_found = hedge_latencies.percentile(95);
  if (!p95_found) return;
  const double p95 = *p95_found;
  if (p95 > options.hedge_latency_limit_ms && !latency_violation_raised) {
    latency_violation_raised = true;
    desk.safety_action(IncidentCode::hedge_latency_violation, "executor",
                       "hedge_latency_ms p95 " + std::to_string(static_cast<int>(p95)) + " ms over the last " +
                           std::to_string(hedge_latencies.size()) + " hedges exceeds the limit of " +
                           std::to_string(static_cast<int>(options.hedge_latency_limit_ms)) + " ms");
  } else if (p95 <= options.hedge_latency_limit_ms) {
    latency_violation_raised = false;  // a later violation is a new incident
  }
}

}  // namespace propbot::exec
