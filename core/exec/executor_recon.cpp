// Start-up reconciliation (SPEC S-1.3, S-8.1): the journal's unfinished orders are
// resolved by asking their venues by client order id — never re-sent — stale orders of
// ours still open are cancelled, orders a venue has that the journal does not explain
// are cancelled (the dead-order hunter's first sweep), and the hedges a crash
// interrupted are finished. It fails closed: a venue that does not answer is asked
// again, and until every question is answered the desk stays in HOLD (resume: 409
// recon_pending).
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "core/exec/executor_impl.hpp"

namespace propbot::exec {

void Executor::Impl::reconcile() {
  if (recon_running || recon.finished) return;
  recon_running = true;
  recon = ReconReport{};
  recon_hedges_before = counters.hedges_sent;
  const std::vector<OrderEntry> unfinished = journal.unfinished();
  std::set<std::uint64_t> intents;
  for (const auto& entry : unfinished) intents.insert(entry.intent_id);
  // Pairs every order of which ended with the legs apart (a crash between A's fill and
  // B's plan): the ledger knows them.
  if (positions != nullptr) {
    for (std::uint64_t id : positions->unhedged()) intents.insert(id);
  }

  // Rebuild the trades the unfinished orders belong to, from every order they had.
  for (std::uint64_t intent_id : intents) rebuild_trade(intent_id);
  next_intent_id = std::max(next_intent_id, journal.max_intent_id() + 1);
  log.info("recon_started", {{"unfinished_orders", unfinished.size()}, {"trades", intents.size()}});
  options.failpoint.hit("recon_started");

  // Where the fill histories are read from, per venue (phase 2): the newest fill the
  // journal has there, or the oldest unfinished order, whichever is earlier, less a
  // margin. A journal with no order at all has nothing a crash could have lost.
  recon_fills_since.clear();
  recon_fills_phase = false;
  if (journal.max_intent_id() > 0) {
    std::int64_t oldest_unfinished = std::numeric_limits<std::int64_t>::max();
    for (const auto& entry : unfinished) oldest_unfinished = std::min(oldest_unfinished, entry.ts_ms);
    const std::int64_t fallback = now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(options.recon_fill_lookback).count();
    std::map<std::string, std::int64_t> newest_fill;
    for (const auto& fill : journal.fills()) {
      if (fill.simulated) continue;  // a twin's fill says nothing of the venue's history
      newest_fill[fill.venue] = std::max(newest_fill[fill.venue], fill.ts_ms);
    }
    for (venues::Venue* each : venue_list) {
      auto found = newest_fill.find(each->id());
      std::int64_t since = found != newest_fill.end() ? found->second : fallback;
      since = std::min(since, oldest_unfinished) - 5'000;
      recon_fills_since[each->id()] = std::max(since, fallback);
    }
  }
  recon_outstanding = 1;  // held until every question below is asked
  for (const auto& entry : unfinished) recon_resolve(entry);
  for (venues::Venue* each : venue_list) recon_hunt(*each);
  recon_step_done();
}

void Executor::Impl::rebuild_trade(std::uint64_t intent_id) {
  if (trades.count(intent_id) != 0) return;
  Trade trade;
  trade.id = intent_id;
  for (const OrderEntry& entry : journal.orders_of(intent_id)) {
    WorkingOrder order;
    order.entry = entry;
    trade.strategy = entry.strategy;
    trade.symbol = entry.symbol;
    trade.position_id = entry.position_id;
    trade.reduce_only = entry.reduce_only;
    trade.simulated = entry.simulated;
    if (trade.opened_at_ms == 0 || entry.ts_ms < trade.opened_at_ms) trade.opened_at_ms = entry.ts_ms;
    if (entry.leg == Leg::b) {
      trade.kind = IntentKind::hedged_pair;
      if (trade.venue_b.empty()) {
        trade.venue_b = entry.venue;
        trade.side_b = entry.side;
      }
      if (entry.event == OrderEvent::intent) {
        trade.planned_b = entry.client_order_id;
      } else {
        trade.b_orders.push_back(entry.client_order_id);
      }
    } else {
      trade.kind = entry.leg == Leg::single ? IntentKind::single : IntentKind::hedged_pair;
      if (trade.venue_a.empty()) {
        trade.venue_a = entry.venue;
        trade.side_a = entry.side;
        trade.target = entry.quantity;
      }
      trade.a_orders.push_back(entry.client_order_id);
    }
    orders[entry.client_order_id] = std::move(order);
  }
  if (trade.kind == IntentKind::hedged_pair) {
    trade.hedge_venues.push_back(trade.venue_b);
    if (options.alternative_hedge_venues) {
      for (venues::Venue* other : venue_list) {
        if (other->id() != trade.venue_a && other->id() != trade.venue_b) trade.hedge_venues.push_back(other->id());
      }
    }
  }
  recon_trades.insert(intent_id);
  trades[intent_id] = std::move(trade);
}

void Executor::Impl::recon_resolve(const OrderEntry& entry) {
  auto found = orders.find(entry.client_order_id);
  if (found == orders.end()) return;
  if (entry.event == OrderEvent::intent) {
    // Planned, never built: nothing reached a venue.
    record(found->second, OrderEvent::cancelled, "recon_never_sent");
    ++recon.orders_resolved;
    return;
  }
  if (entry.simulated) {
    // A dry-run order lived in a twin that died with the process: it ended there, and the
    // venue never had it (nothing is asked).
    record(found->second, entry.event == OrderEvent::new_order ? OrderEvent::rejected : OrderEvent::cancelled,
           "simulated_restart");
    ++recon.orders_resolved;
    return;
  }
  venues::Venue* target = venue(entry.venue);
  if (target == nullptr) {
    recon.problems.push_back("order " + entry.client_order_id + " is on venue " + entry.venue +
                             ", which is not configured: it cannot be resolved");
    return;
  }
  ++recon_outstanding;
  std::weak_ptr<bool> alive_flag = alive;
  const std::string coid = entry.client_order_id;
  const std::string venue_id = entry.venue;
  target->query_order(entry.symbol, coid, [this, alive_flag, coid, venue_id, entry](auto result) {
    if (alive_flag.expired()) return;
    auto again = orders.find(coid);
    if (again == orders.end()) {
      recon_step_done();
      return;
    }
    if (result) {
      apply_state(venue_id, result.value());
      ++recon.orders_resolved;
      options.failpoint.hit("recon_order_resolved");
      if (auto still = orders.find(coid); still != orders.end() && !still->second.terminal()) {
        ++recon.orders_cancelled;
        cancel(coid, "recon_stale_order");
      }
      recon_step_done();
      return;
    }
    const venues::VenueError& error = result.error();
    if (error.code == venues::VenueErrc::unknown_order) {
      if (again->second.entry.event == OrderEvent::new_order || again->second.entry.event == OrderEvent::sent) {
        // The send never arrived (the crash came first, or the venue refused it unseen).
        record(again->second, OrderEvent::rejected, "not_at_venue");
        ++recon.orders_resolved;
        order_progress(coid);
      } else {
        recon.problems.push_back("venue " + venue_id + " does not know order " + coid +
                                 ", which it had acknowledged: resolve it by hand");
      }
      recon_step_done();
      return;
    }
    // Fail closed: ask again later, the recon stays pending.
    log.warn("recon_query_failed", {{"venue", venue_id}, {"client_order_id", coid}, {"error", error.describe()}});
    clock.call_after(options.recon_retry, [this, alive_flag, entry] {
      if (alive_flag.expired()) return;
      recon_resolve(entry);  // takes its own step...
      recon_step_done();     // ...before this one is given back
    });
  });
}

void Executor::Impl::recon_hunt(venues::Venue& target) {
  ++recon_outstanding;
  std::weak_ptr<bool> alive_flag = alive;
  venues::Venue* venue_ptr = &target;
  target.open_orders(std::nullopt, [this, alive_flag, venue_ptr](auto result) {
    if (alive_flag.expired()) return;
    if (!result) {
      log.warn("recon_open_orders_failed", {{"venue", venue_ptr->id()}, {"error", result.error().describe()}});
      clock.call_after(options.recon_retry, [this, alive_flag, venue_ptr] {
        if (alive_flag.expired()) return;
        recon_hunt(*venue_ptr);
        recon_step_done();
      });
      return;
    }
    for (const venues::OrderState& open : result.value()) {
      if (explains(open.client_order_id)) continue;  // resolved above
      ++recon.unexplained_orders;
      const bool ours = parse_client_order_id(open.client_order_id).ok();
      log.warn("recon_unexplained_order", {{"venue", venue_ptr->id()},
                                           {"symbol", open.symbol},
                                           {"client_order_id", open.client_order_id},
                                           {"ours", ours}});
      desk.audit("recon_unexplained_order", {{"venue", venue_ptr->id()},
                                             {"symbol", open.symbol},
                                             {"client_order_id", open.client_order_id},
                                             {"venue_order_id", open.venue_order_id},
                                             {"ours", ours},
                                             {"action", "cancel"}});
      ++recon_outstanding;
      ++counters.cancels_sent;
      venue_ptr->cancel(open.symbol, open.client_order_id, [this, alive_flag, venue_ptr, open](auto cancelled) {
        if (alive_flag.expired()) return;
        if (!cancelled && cancelled.error().code != venues::VenueErrc::unknown_order) {
          recon.problems.push_back("order " + open.client_order_id + " on " + venue_ptr->id() +
                                   " is not explained by the journal and could not be cancelled: " +
                                   cancelled.error().describe());
        }
        recon_step_done();
      });
    }
    recon_step_done();
  });
}

// Phase 2: every fill each venue made since the crash window — fills the private stream
// of a dead process never delivered. The journal keeps each once (trade id); the ledger
// gets the new ones. An order the fill names only by the venue's id is found in the
// journal by that id.
void Executor::Impl::recon_fetch_fills() {
  recon_fills_phase = true;
  recon_outstanding = 1;
  for (venues::Venue* each : venue_list) {
    auto since = recon_fills_since.find(each->id());
    if (since == recon_fills_since.end()) continue;
    for (const auto& symbol : options.symbols) recon_fetch_fills(*each, symbol, since->second);
  }
  recon_step_done();
}

void Executor::Impl::recon_fetch_fills(venues::Venue& target, const std::string& symbol, std::int64_t since_ms) {
  ++recon_outstanding;
  std::weak_ptr<bool> alive_flag = alive;
  venues::Venue* venue_ptr = &target;
  target.fills_since(symbol, UtcTime{std::chrono::milliseconds(since_ms)},
                     [this, alive_flag, venue_ptr, symbol, since_ms](venues::VenueResult<std::vector<venues::Fill>> result) {
    if (alive_flag.expired()) return;
    if (!result) {
      if (result.error().venue_code == "UNSUPPORTED") {
        recon_step_done();  // a venue without a history (a scripted one): nothing to read
        return;
      }
      log.warn("recon_fills_failed", {{"venue", venue_ptr->id()}, {"symbol", symbol}, {"error", result.error().describe()}});
      clock.call_after(options.recon_retry, [this, alive_flag, venue_ptr, symbol, since_ms] {
        if (alive_flag.expired()) return;
        recon_fetch_fills(*venue_ptr, symbol, since_ms);
        recon_step_done();
      });
      return;
    }
    const std::uint64_t before = counters.fills;
    for (venues::Fill fill : result.value()) {
      if (fill.client_order_id.empty() && !fill.venue_order_id.empty()) {
        // A venue's fill is never a simulated order's (those fill at the twins).
        for (const auto& [coid, order] : orders) {
          if (order.entry.venue == venue_ptr->id() && !order.entry.simulated &&
              order.entry.venue_order_id == fill.venue_order_id) {
            fill.client_order_id = coid;
            break;
          }
        }
        if (fill.client_order_id.empty()) {
          if (auto known = journal.by_venue_order_id(venue_ptr->id(), fill.venue_order_id); known && !known->simulated) {
            fill.client_order_id = known->client_order_id;
          }
        }
      }
      on_fill(venue_ptr->id(), fill);
    }
    recon.fills_recovered += static_cast<int>(counters.fills - before);
    recon_step_done();
  });
}

void Executor::Impl::recon_step_done() {
  if (--recon_outstanding > 0 || recon.finished) return;
  if (!recon_fills_phase && !recon_fills_since.empty()) {
    recon_fetch_fills();  // the orders are resolved; now the fills they made
    return;
  }
  // Finish what the crash interrupted: hedges are risk-reducing, so they go out in HOLD.
  // The reconciliation ends when every trade it rebuilt has ended — hedged, or declared
  // lost at its hedge deadline — so "clean" means no hedge is still open.
  // The fills just read back may show pairs apart whose orders had all ended: the ledger
  // says which.
  if (positions != nullptr) {
    for (std::uint64_t id : positions->unhedged()) {
      rebuild_trade(id);  // a trade still kept is left as it is
    }
  }
  const std::set<std::uint64_t> resumed = std::move(recon_trades);
  recon_trades.clear();
  for (std::uint64_t id : resumed) recon_waiting.insert(id);  // all first: one may end at once
  for (std::uint64_t id : resumed) {
    auto found = trades.find(id);
    if (found == trades.end() || found->second.state != TradeState::working) continue;
    if (found->second.simulated) {
      // Its twin is gone: a simulated hedge is not resumed (nothing real is at risk).
      finish_trade(found->second, TradeState::done, "simulated_restart");
    } else if (found->second.kind == IntentKind::hedged_pair) {
      drive_hedge(found->second);
    } else if (!any_working(found->second.a_orders)) {
      finish_trade(found->second, TradeState::done, "reconciled");
    }
  }
  recon_finish_when_settled();
}

void Executor::Impl::recon_finish_when_settled() {
  if (recon.finished) return;
  std::erase_if(recon_waiting, [&](std::uint64_t id) {
    auto found = trades.find(id);
    return found == trades.end() || found->second.state != TradeState::working;
  });
  if (!recon_waiting.empty()) return;  // finish_trade calls again
  recon.finished = true;
  recon.clean = recon.problems.empty();
  recon_running = false;
  ++changes;
  recon.hedges_resumed = static_cast<int>(counters.hedges_sent - recon_hedges_before);
  if (recon.hedges_resumed > 0) options.failpoint.hit("recon_hedge_resumed");
  std::string summary = "resolved " + std::to_string(recon.orders_resolved) + " order(s), recovered " +
                        std::to_string(recon.fills_recovered) + " fill(s), cancelled " +
                        std::to_string(recon.orders_cancelled) + " stale and " +
                        std::to_string(recon.unexplained_orders) + " unexplained, resumed " +
                        std::to_string(recon.hedges_resumed) + " hedge(s)";
  for (const auto& problem : recon.problems) summary += "; " + problem;
  log.info("recon_finished", {{"clean", recon.clean}, {"summary", summary}});
  desk.audit("recon_finished", {{"clean", recon.clean},
                                {"orders_resolved", recon.orders_resolved},
                                {"fills_recovered", recon.fills_recovered},
                                {"orders_cancelled", recon.orders_cancelled},
                                {"unexplained_orders", recon.unexplained_orders},
                                {"hedges_resumed", recon.hedges_resumed},
                                {"problems", recon.problems}});
  desk.recon_finished(recon.clean, summary);
  schedule_hunt();
}

// The dead-order hunter (SPEC S-8.6): a venue's open order the executor does not know
// is a zombie — cancelled, audited, logged. Orders are known from before they are sent,
// so one in flight is never taken for a zombie.
void Executor::Impl::schedule_hunt() {
  if (options.dead_order_hunt_interval.count() <= 0 || hunt_timer != 0) return;
  std::weak_ptr<bool> alive_flag = alive;
  hunt_timer = clock.call_after(options.dead_order_hunt_interval, [this, alive_flag] {
    if (alive_flag.expired()) return;
    hunt_timer = 0;
    for (venues::Venue* each : venue_list) {
      each->open_orders(std::nullopt, [this, alive_flag, each](auto result) {
        if (alive_flag.expired() || !result) return;
        for (const venues::OrderState& open : result.value()) {
          if (explains(open.client_order_id)) continue;
          ++counters.zombies_cancelled;
          ++changes;
          log.warn("dead_order_found", {{"venue", each->id()}, {"symbol", open.symbol},
                                        {"client_order_id", open.client_order_id}});
          audit_later("dead_order_cancelled", {{"venue", each->id()},
                                               {"symbol", open.symbol},
                                               {"client_order_id", open.client_order_id},
                                               {"venue_order_id", open.venue_order_id}});
          each->cancel(open.symbol, open.client_order_id, [](auto) {});
        }
      });
    }
    schedule_hunt();
  });
}

}  // namespace propbot::exec
