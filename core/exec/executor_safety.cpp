// cancel_all() and hedge_flatten(): the one implementation of each (SPEC S-8.5). Both
// close the intake first (DESIGN-NOTES "Two-leg execution": a kill that lets the
// strategies keep creating orders is a known failure), then act, then verify by asking
// the venues — a flatten that reports "flat" while resting orders survive is another.
#include <memory>

#include "core/exec/executor_impl.hpp"
#include "core/exec/order_rules.hpp"

namespace propbot::exec {
namespace {

// One cancel_all or hedge_flatten in progress: counts the venue answers it waits for.
struct SafetyRun {
  SafetyReport report;
  int pending = 0;
  std::function<void()> next;  // what runs when pending drops to 0
  void step_done() {
    if (--pending == 0 && next) {
      auto then = std::move(next);
      next = nullptr;
      then();
    }
  }
};

}  // namespace

void Executor::cancel_all(std::function<void(const SafetyReport&)> done) {
  Impl& impl = *impl_;
  impl.intake_open = false;
  ++impl.changes;
  auto run = std::make_shared<SafetyRun>();
  run->report.action = "cancel_all";
  std::weak_ptr<bool> alive_flag = impl.alive;
  // Our working orders are being cancelled with everything else: no second cancel.
  for (auto& [coid, order] : impl.orders) {
    if (!order.terminal() && order.entry.event != OrderEvent::intent) order.cancel_sent = true;
  }
  // The venues' twins are swept too: a dry run's resting orders end with the rest.
  const std::vector<Impl::SweptVenue> swept = impl.swept_venues();
  impl.log.warn("cancel_all", {{"venues", impl.venue_list.size()},
                               {"twins", swept.size() - impl.venue_list.size()},
                               {"symbols", impl.options.symbols.size()}});

  // Phase 3: list again; whatever is still open is reported.
  auto verify = [swept, run, alive_flag, done] {
    run->pending = 1;
    run->next = [run, done] {
      run->report.flat = run->report.remaining.empty();
      done(run->report);
    };
    for (const Impl::SweptVenue& each : swept) {
      ++run->pending;
      each.venue->open_orders(std::nullopt, [run, alive_flag, label = each.label()](auto result) {
        if (alive_flag.expired()) return;
        if (!result) {
          run->report.remaining.push_back(label + ": open orders unknown (" + result.error().describe() + ")");
        } else {
          for (const auto& open : result.value()) {
            run->report.remaining.push_back(label + ": order " + open.client_order_id + " on " + open.symbol +
                                            " still open");
          }
        }
        run->step_done();
      });
    }
    run->step_done();
  };
  // Phase 2: whatever a listing still shows is cancelled one by one.
  auto sweep = [swept, run, alive_flag, verify] {
    run->pending = 1;
    run->next = verify;
    for (const Impl::SweptVenue& each : swept) {
      venues::Venue* venue = each.venue;
      ++run->pending;
      venue->open_orders(std::nullopt, [run, alive_flag, venue](auto result) {
        if (alive_flag.expired()) return;
        if (result) {
          for (const auto& open : result.value()) {
            ++run->pending;
            venue->cancel(open.symbol, open.client_order_id, [run, alive_flag](auto cancelled) {
              if (alive_flag.expired()) return;
              if (cancelled) ++run->report.orders_cancelled;
              run->step_done();
            });
          }
        }
        run->step_done();
      });
    }
    run->step_done();
  };
  // Phase 1: every venue's cancel-all, per symbol.
  run->pending = 1;
  run->next = sweep;
  for (const Impl::SweptVenue& each : swept) {
    for (const auto& symbol : impl.options.symbols) {
      ++run->pending;
      ++impl.counters.cancels_sent;
      each.venue->cancel_all(symbol, [run, alive_flag, label = each.label(), symbol](auto result) {
        if (alive_flag.expired()) return;
        if (result) {
          run->report.orders_cancelled += result.value();
        } else {
          run->report.remaining.push_back(label + ": cancel-all " + symbol + " failed (" +
                                          result.error().describe() + ")");
        }
        run->step_done();
      });
    }
  }
  impl.options.failpoint.hit("cancel_all_sent");
  run->step_done();
}

void Executor::hedge_flatten(const std::string& reason, std::function<void(const SafetyReport&)> done) {
  Impl& impl = *impl_;
  impl.intake_open = false;
  impl.desk.safety_action(IncidentCode::hedge_flatten_called, "executor",
                          "hedge_flatten: cancelling every order and closing every position on every venue (" +
                              reason + ")");
  impl.options.failpoint.hit("flatten_started");
  std::weak_ptr<bool> alive_flag = impl.alive;
  auto report = std::make_shared<SafetyReport>();
  report->action = "hedge_flatten";
  // One round: ask every venue for its positions, close each with a reduce-only IOC.
  // The round refers to itself weakly; whoever waits for it (a venue answer, the settle
  // timer) holds it, so it is freed when the flatten ends.
  auto round = std::make_shared<std::function<void(int)>>();
  std::weak_ptr<std::function<void(int)>> self = round;
  *round = [this, &impl, alive_flag, report, self, done](int left) {
    auto run = std::make_shared<SafetyRun>();
    run->pending = 1;
    auto open_lines = std::make_shared<std::vector<std::string>>();
    auto again = self.lock();
    run->next = [this, &impl, alive_flag, report, again, done, left, open_lines] {
      if (open_lines->empty() || left <= 1) {
        // Verify: no position left (above), and no open order (cancel_all's own check).
        cancel_all([&impl, report, open_lines, done](const SafetyReport& cancelled) {
          impl.options.failpoint.hit("flatten_done");
          report->orders_cancelled += cancelled.orders_cancelled;
          report->remaining = *open_lines;
          for (const auto& line : cancelled.remaining) report->remaining.push_back(line);
          report->flat = report->remaining.empty();
          done(*report);
        });
        return;
      }
      // Orders went out this round: let them end, then ask again.
      impl.clock.call_after(impl.options.flatten_settle, [alive_flag, again, left] {
        if (alive_flag.expired()) return;
        (*again)(left - 1);
      });
    };
    // Real positions close at their venues (whatever the dry-run flag says: this is the
    // safety path), simulated ones at the twins.
    for (const Impl::SweptVenue& each : impl.swept_venues()) {
      ++run->pending;
      each.venue->positions([&impl, alive_flag, each, run, report, open_lines](auto result) {
        if (alive_flag.expired()) return;
        if (!result) {
          open_lines->push_back(each.label() + ": positions unknown (" + result.error().describe() + ")");
          run->step_done();
          return;
        }
        for (const venues::Position& position : result.value()) {
          if (position.quantity.is_zero()) continue;
          open_lines->push_back(each.label() + ": " + position.symbol + " position " + position.quantity.to_string());
          if (impl.flatten_position(*each.venue, position, each.simulated)) ++report->flatten_orders;
        }
        run->step_done();
      });
    }
    run->step_done();
  };
  // Cancel first: a resting order can re-open what the flatten closes.
  cancel_all([alive_flag, round, &impl](const SafetyReport&) {
    if (alive_flag.expired()) return;
    (*round)(impl.options.flatten_rounds);
  });
}

bool Executor::Impl::flatten_position(venues::Venue& target, const venues::Position& position, bool simulated) {
  const Side side = position.quantity.sign() > 0 ? Side::sell : Side::buy;
  auto size = position.quantity.abs();
  const md::OrderBook* book = market.book(target.id(), position.symbol);
  if (!size || book == nullptr) {
    log.error("flatten_skipped", {{"venue", target.id()}, {"symbol", position.symbol}, {"why", "no book"}});
    return false;
  }
  auto rules = order_rules_from_spec(book->spec());
  if (!rules) return false;
  auto qty = round_qty(*rules, *size);
  if (!qty || qty->sign() <= 0) return false;  // below one step: nothing a venue would take
  Decimal reference = book->valid() ? taker_touch(*book, side) : Decimal();
  if (reference.sign() <= 0) reference = position.mark_price;
  auto price = protective_price(side, reference, options.flatten_slippage_bps, rules->tick);
  if (!price) return false;
  Trade trade;
  trade.id = next_intent_id++;
  // Attributed to the position it closes when exactly one holds it there; otherwise the
  // fill is the desk's (it still moves the exposure).
  trade.position_id = positions != nullptr ? positions->holder(target.id(), position.symbol, simulated) : 0;
  trade.strategy = std::string(kFlattenStrategy);
  trade.symbol = position.symbol;
  trade.kind = IntentKind::single;
  trade.reduce_only = true;  // never flips a position
  trade.simulated = simulated;  // a twin's position is closed at the twin, a venue's at the venue
  trade.venue_a = target.id();
  trade.side_a = side;
  trade.target = *qty;
  trade.opened_at_ms = now_ms();
  OrderEntry entry = planned_order(trade, Leg::single, target.id(), side, *qty, *price);
  if (!assign_client_order_id(entry) || !plan_order(entry)) return false;
  trade.a_orders.push_back(entry.client_order_id);
  trades.emplace(trade.id, std::move(trade));
  if (!send(entry.client_order_id)) return false;
  options.failpoint.hit("flatten_order_sent");
  log.warn("flatten_order", {{"venue", entry.venue}, {"symbol", entry.symbol}, {"side", to_string(side)},
                             {"qty", qty->to_string()}});
  return true;
}

void Executor::resume_intake() {
  impl_->intake_open = true;
  ++impl_->changes;
}

bool Executor::intake_open() const { return impl_->intake_open; }

}  // namespace propbot::exec
