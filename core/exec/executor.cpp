#include "core/exec/executor.hpp"

#include <algorithm>

#include "core/exec/executor_impl.hpp"
#include "core/exec/order_rules.hpp"

namespace propbot::exec {

std::string_view to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::not_reconciled: return "not_reconciled";
    case SkipReason::intake_closed: return "intake_closed";
    case SkipReason::runaway_breaker: return "runaway_breaker";
    case SkipReason::mode_blocks: return "mode_blocks";
    case SkipReason::unknown_venue: return "unknown_venue";
    case SkipReason::no_book: return "no_book";
    case SkipReason::below_minimum: return "below_minimum";
    case SkipReason::pair_busy: return "pair_busy";
    case SkipReason::no_position: return "no_position";
    case SkipReason::route_blocked: return "route_blocked";
    case SkipReason::journal_failed: return "journal_failed";
    case SkipReason::invalid_intent: return "invalid_intent";
  }
  return "invalid_intent";
}

std::string_view to_string(TradeState state) {
  switch (state) {
    case TradeState::working: return "working";
    case TradeState::hedged: return "hedged";
    case TradeState::hedge_lost: return "hedge_lost";
    case TradeState::done: return "done";
    case TradeState::refused: return "refused";
  }
  return "working";
}

Executor::Impl::Impl(ExecutorOptions options, Clock& clock, std::vector<venues::Venue*> venues, Journal& journal,
                     ExecutionDesk& desk, const MarketLookup& market, ExecutionListener* listener, Logger log)
    : options(std::move(options)),
      clock(clock),
      venue_list(std::move(venues)),
      journal(journal),
      desk(desk),
      market(market),
      listener(listener),
      log(std::move(log)),
      breaker(risk::runaway_limits_from_config(this->options.max_orders_per_min, this->options.max_cancels_per_min)) {
  next_intent_id = journal.max_intent_id() + 1;
}

venues::Venue* Executor::Impl::venue(const std::string& id) const {
  for (venues::Venue* candidate : venue_list) {
    if (candidate->id() == id) return candidate;
  }
  return nullptr;
}

venues::Venue* Executor::Impl::target_of(const std::string& id, bool simulated) const {
  if (!simulated) return venue(id);
  return twins == nullptr ? nullptr : twins->twin(id);
}

std::vector<Executor::Impl::SweptVenue> Executor::Impl::swept_venues() const {
  std::vector<SweptVenue> out;
  for (venues::Venue* each : venue_list) out.push_back({each, false});
  if (twins != nullptr) {
    for (venues::Venue* each : twins->all()) out.push_back({each, true});
  }
  return out;
}

bool Executor::Impl::explains(const std::string& client_order_id) const {
  auto found = orders.find(client_order_id);
  return found != orders.end() && !found->second.entry.simulated;
}

OrderEntry Executor::Impl::planned_order(const Trade& trade, Leg leg, const std::string& venue_id, Side side,
                                         Decimal quantity, std::optional<Decimal> price,
                                         venues::TimeInForce time_in_force) const {
  OrderEntry entry;
  entry.ts_ms = now_ms();
  entry.venue = venue_id;
  entry.event = OrderEvent::intent;
  entry.intent_id = trade.id;
  entry.position_id = trade.position_id;
  entry.strategy = trade.strategy;
  entry.leg = leg;
  entry.symbol = trade.symbol;
  entry.side = side;
  entry.type = venues::OrderType::limit;
  entry.time_in_force = time_in_force;
  entry.reduce_only = trade.reduce_only;
  entry.quantity = quantity;
  entry.price = price;
  entry.simulated = trade.simulated;
  return entry;
}

bool Executor::Impl::assign_client_order_id(OrderEntry& entry) {
  // The next attempt of (intent, leg): plan_order journals an id before it is used, so
  // the journal's highest attempt is the last one handed out.
  const auto last = journal.last_attempt(entry.intent_id, entry.leg);
  entry.attempt = last ? *last + 1 : 0;
  auto id = make_client_order_id({options.fencing_epoch, entry.intent_id, entry.leg, entry.attempt});
  if (!id) return false;
  entry.client_order_id = *id;
  return true;
}

Result<std::uint64_t> Executor::Impl::skip(SkipReason reason, const std::string& detail) {
  ++counters.skipped[std::string(to_string(reason))];
  ++changes;
  log.debug("intent_skipped", {{"reason", to_string(reason)}, {"detail", detail}});
  return make_error(reason == SkipReason::journal_failed ? Errc::io_error : Errc::conflict,
                    std::string(to_string(reason)) + ": " + detail);
}

void Executor::Impl::audit_later(std::string action, nlohmann::json details) {
  if (pending_audits.size() >= kMaxPendingAudits) {
    pending_audits.pop_front();
    ++audits_dropped;
  }
  pending_audits.emplace_back(std::move(action), std::move(details));
  if (audit_timer != 0) return;
  std::weak_ptr<bool> alive_flag = alive;
  audit_timer = clock.call_after(std::chrono::milliseconds(250), [this, alive_flag] {
    if (alive_flag.expired()) return;
    audit_timer = 0;
    while (!pending_audits.empty()) {
      auto [action, details] = std::move(pending_audits.front());
      pending_audits.pop_front();
      desk.audit(action, details);
    }
  });
}

void Executor::Impl::on_breaker_trip(const risk::Trip& trip) {
  ++changes;
  log.error("runaway_breaker", {{"scope", risk::to_string(trip.scope)},
                                {"kind", risk::to_string(trip.kind)},
                                {"strategy", trip.strategy},
                                {"reason", trip.reason_text()}});
  if (trip.kind == risk::BreakerKind::possible_logic_loop) {
    // The strategy is frozen by the breaker (its orders refused until an operator resets it).
    desk.safety_action(IncidentCode::possible_logic_loop, "strategy:" + trip.strategy, trip.reason_text());
  } else {
    desk.safety_action(IncidentCode::runaway_breaker_tripped, "executor", trip.reason_text());
  }
}

std::vector<risk::Trip> Executor::reset_breaker(const std::optional<std::string>& strategy) {
  std::vector<risk::Trip> cleared;
  for (risk::Trip& trip : impl_->breaker.trips()) {
    if (!strategy || (trip.scope == risk::BreakerScope::strategy && trip.strategy == *strategy)) {
      cleared.push_back(std::move(trip));
    }
  }
  if (!strategy) {
    impl_->breaker.reset();
  } else {
    impl_->breaker.reset_strategy(*strategy);
  }
  if (!cleared.empty()) ++impl_->changes;
  return cleared;
}

std::optional<std::string> Executor::breaker_trip() const {
  const auto trips = impl_->breaker.trips();
  if (trips.empty()) return std::nullopt;
  return trips.front().reason_text();
}

Status Executor::Impl::plan_order(const OrderEntry& entry) {
  WorkingOrder order;
  order.entry = entry;
  auto recorded = journal.record(order.entry);
  if (!recorded) return recorded.error();
  if (*recorded != RecordOutcome::recorded) {
    return make_error(Errc::conflict, "the journal already knows order " + entry.client_order_id);
  }
  orders.emplace(entry.client_order_id, std::move(order));
  return {};
}

bool Executor::Impl::record(WorkingOrder& order, OrderEvent event, const std::string& reason) {
  OrderEntry next = order.entry;
  next.seq = 0;
  next.event = event;
  next.ts_ms = now_ms();
  next.reason = reason;
  next.filled_quantity = order.filled();
  auto recorded = journal.record(next);
  if (!recorded) {
    log.error("journal_record_failed", {{"client_order_id", next.client_order_id},
                                        {"event", to_string(event)},
                                        {"error", recorded.error().message}});
    return false;
  }
  if (*recorded == RecordOutcome::recorded) {
    order.entry = std::move(next);
    ++changes;
    if (listener != nullptr && is_terminal(event)) listener->on_order_final(order.entry);
  }
  return true;
}

Status Executor::Impl::send(const std::string& client_order_id) {
  WorkingOrder& order = orders.at(client_order_id);
  venues::Venue* target = target_of(order.entry);
  if (target == nullptr) {
    const std::string venue_id = order.entry.venue;
    if (order.entry.simulated) {
      record(order, OrderEvent::rejected, "no_paper_twin");
      return make_error(Errc::not_found, "no paper twin of venue " + venue_id);
    }
    record(order, OrderEvent::rejected, "unknown_venue");
    return make_error(Errc::not_found, "venue " + venue_id + " is not configured");
  }
  const Leg leg = order.entry.leg;
  if (!record(order, OrderEvent::new_order)) return make_error(Errc::io_error, "the journal refused `new`");
  if (leg == Leg::a) options.failpoint.hit("new_a_recorded");
  if (!record(order, OrderEvent::sent)) {
    record(order, OrderEvent::rejected, "journal_failed");
    return make_error(Errc::io_error, "the journal refused `sent`: nothing was sent");
  }
  options.failpoint.hit(leg == Leg::a ? "sent_a_recorded" : leg == Leg::b ? "sent_b_recorded" : "");
  venues::OrderRequest request;
  request.symbol = order.entry.symbol;
  request.side = order.entry.side;
  request.type = order.entry.type;
  request.time_in_force = order.entry.time_in_force;
  request.quantity = order.entry.quantity;
  request.price = order.entry.price;
  request.reduce_only = order.entry.reduce_only;
  request.client_order_id = client_order_id;
  ++counters.orders_sent;
  order.sent_at = clock.now();
  arm_timer(order, options.place_deadline, [this](const std::string& coid) {
    auto found = orders.find(coid);
    if (found == orders.end() || found->second.terminal()) return;
    if (found->second.entry.event == OrderEvent::sent) {
      note_answer(found->second, OrderAnswer::failed);  // no answer within the place deadline
      found->second.unknown = true;
      query(coid);
    }
  });
  const std::string venue_id = order.entry.venue;
  std::weak_ptr<bool> alive_flag = alive;
  target->place(request, [this, alive_flag, venue_id, client_order_id](venues::VenueResult<venues::OrderState> result) {
    if (alive_flag.expired()) return;
    if (auto found = orders.find(client_order_id); !result && found != orders.end()) {
      note_answer(found->second,
                  result.error().code == venues::VenueErrc::network ? OrderAnswer::failed : OrderAnswer::rejected);
    }
    if (result) {
      apply_state(venue_id, result.value());
    } else {
      on_place_error(client_order_id, result.error());
    }
  });
  options.failpoint.hit(leg == Leg::a ? "place_a_called" : leg == Leg::b ? "place_b_called" : "single_sent");
  return {};
}

void Executor::Impl::note_answer(WorkingOrder& order, OrderAnswer answer) {
  if (!order.sent_at || order.entry.simulated) return;  // a paper twin says nothing of the venue
  const MonoTime now = clock.now();
  venue_stats.record(order.entry.venue, answer, now - *order.sent_at, now);
  order.sent_at.reset();
}

void Executor::Impl::on_place_error(const std::string& client_order_id, const venues::VenueError& error) {
  auto found = orders.find(client_order_id);
  if (found == orders.end() || found->second.terminal()) return;
  WorkingOrder& order = found->second;
  if (error.code == venues::VenueErrc::network || error.code == venues::VenueErrc::duplicate_client_id) {
    // UNKNOWN: the venue may have it. Ask, never re-send.
    order.unknown = true;
    ++counters.unknown_outcomes;
    query(client_order_id);
    return;
  }
  ++counters.orders_rejected;
  record(order, OrderEvent::rejected, std::string(venues::to_string(error.code)));
  log.warn("order_rejected", {{"venue", order.entry.venue},
                              {"client_order_id", client_order_id},
                              {"code", venues::to_string(error.code)},
                              {"message", error.describe()}});
  order_progress(client_order_id);
}

void Executor::Impl::query(const std::string& client_order_id) {
  auto found = orders.find(client_order_id);
  if (found == orders.end()) return;
  venues::Venue* target = target_of(found->second.entry);
  if (target == nullptr) return;
  const std::string venue_id = found->second.entry.venue;
  std::weak_ptr<bool> alive_flag = alive;
  target->query_order(found->second.entry.symbol, client_order_id,
                      [this, alive_flag, venue_id, client_order_id](venues::VenueResult<venues::OrderState> result) {
                        if (alive_flag.expired()) return;
                        auto again = orders.find(client_order_id);
                        if (again == orders.end() || again->second.terminal()) return;
                        if (result) {
                          again->second.unknown = false;
                          apply_state(venue_id, result.value());
                          return;
                        }
                        if (result.error().code == venues::VenueErrc::unknown_order &&
                            again->second.entry.event == OrderEvent::sent) {
                          // The venue never accepted it: the send did not arrive.
                          again->second.unknown = false;
                          record(again->second, OrderEvent::rejected, "not_at_venue");
                          order_progress(client_order_id);
                          return;
                        }
                        // Still unknown: ask again after the deadline (fail closed).
                        arm_timer(again->second, options.place_deadline,
                                  [this](const std::string& coid) { query(coid); });
                      });
}

void Executor::Impl::cancel(const std::string& client_order_id, const std::string& reason) {
  auto found = orders.find(client_order_id);
  if (found == orders.end() || found->second.terminal() || found->second.cancel_sent) return;
  venues::Venue* target = target_of(found->second.entry);
  if (target == nullptr) return;
  found->second.cancel_sent = true;
  ++counters.cancels_sent;
  // Counted (a place→cancel loop trips here); a cancel itself is never refused: it reduces risk.
  const risk::BreakerVerdict verdict =
      breaker.admit_cancel(found->second.entry.strategy, found->second.entry.symbol, clock.now());
  if (verdict.trip && verdict.tripped_now) on_breaker_trip(*verdict.trip);
  log.info("order_cancel", {{"client_order_id", client_order_id}, {"reason", reason}});
  options.failpoint.hit("cancel_sent");
  const std::string venue_id = found->second.entry.venue;
  std::weak_ptr<bool> alive_flag = alive;
  arm_timer(found->second, options.cancel_deadline, [this](const std::string& coid) { query(coid); });
  target->cancel(found->second.entry.symbol, client_order_id,
                 [this, alive_flag, venue_id, client_order_id](venues::VenueResult<venues::OrderState> result) {
                   if (alive_flag.expired()) return;
                   if (result) {
                     apply_state(venue_id, result.value());
                   } else {
                     if (result.error().code != venues::VenueErrc::unknown_order) ++counters.cancels_failed;
                     query(client_order_id);  // already gone, or unknown: the venue's word decides
                   }
                 });
}

void Executor::Impl::arm_timer(WorkingOrder& order, Nanos after, std::function<void(const std::string&)> fn) {
  stop_timer(order.timer);
  const std::string coid = order.entry.client_order_id;
  std::weak_ptr<bool> alive_flag = alive;
  order.timer = clock.call_after(after, [this, alive_flag, coid, fn = std::move(fn)] {
    if (alive_flag.expired()) return;
    auto found = orders.find(coid);
    if (found == orders.end()) return;
    found->second.timer = 0;
    fn(coid);
  });
}

void Executor::Impl::apply_state(const std::string& venue_id, const venues::OrderState& state) {
  auto found = orders.find(state.client_order_id);
  if (found == orders.end() || found->second.entry.venue != venue_id) return;
  WorkingOrder& order = found->second;
  if (order.terminal()) return;
  note_answer(order, state.status == venues::OrderStatus::rejected ? OrderAnswer::rejected : OrderAnswer::accepted);
  const auto event = event_of(state.status);
  const Decimal before = order.filled();
  if (!state.venue_order_id.empty()) order.entry.venue_order_id = state.venue_order_id;
  if (state.filled_quantity > order.entry.filled_quantity) {
    order.entry.filled_quantity = state.filled_quantity;
    if (state.average_price.sign() > 0) order.entry.average_price = state.average_price;
  }
  if (event) {
    OrderEvent next = *event;
    // An ack that already carries fills is a partial.
    if (next == OrderEvent::ack && order.filled().sign() > 0) next = OrderEvent::partial;
    const bool changed = next != order.entry.event || order.filled() != before;
    const OrderEvent previous = order.entry.event;
    if (changed && (can_follow(order.entry.event, next) || (next == OrderEvent::partial && order.entry.event ==
                                                                                               OrderEvent::partial))) {
      record(order, next, next == OrderEvent::cancelled || next == OrderEvent::expired ? "venue" : "");
      if (next == OrderEvent::rejected) ++counters.orders_rejected;
      if (order.entry.leg == Leg::a && next == OrderEvent::ack) options.failpoint.hit("a_acknowledged");
      // A partial fill of A recorded: a `partial`, or an IOC that ended part-filled.
      if (order.entry.leg == Leg::a && order.filled().sign() > 0 && order.filled() < order.entry.quantity &&
          (next == OrderEvent::partial || is_terminal(next))) {
        options.failpoint.hit("a_partial_recorded");
      }
      if (order.entry.leg == Leg::b && previous == OrderEvent::sent) options.failpoint.hit("b_acknowledged");
      if (order.entry.leg == Leg::b && next == OrderEvent::filled) options.failpoint.hit("b_filled");
    }
    // A hedge's first answer (an ack, or an end straight away) stops its latency clock.
    if (order.hedge_fill_seen && (order.terminal() || order.entry.event == OrderEvent::ack)) on_hedge_acked(order);
  }
  if (order.terminal()) stop_timer(order.timer);
  if (order.filled() != before || order.terminal()) order_progress(state.client_order_id);
}

TradeView Executor::Impl::view_of(const Trade& trade) const {
  return TradeView{trade.id,    trade.strategy,  trade.symbol,    trade.state, trade.venue_a, trade.venue_b,
                   trade.target, a_filled(trade), b_filled(trade), trade.reason};
}

Trade* Executor::Impl::trade_of(const WorkingOrder& order) {
  auto found = trades.find(order.entry.intent_id);
  return found == trades.end() ? nullptr : &found->second;
}

void Executor::Impl::order_progress(const std::string& client_order_id) {
  auto found = orders.find(client_order_id);
  if (found == orders.end()) return;
  Trade* trade = trade_of(found->second);
  if (trade != nullptr && trade->state == TradeState::working) {
    if (trade->kind == IntentKind::hedged_pair) {
      drive_hedge(*trade);
    } else if (found->second.terminal()) {
      finish_trade(*trade, TradeState::done, std::string(to_string(found->second.entry.event)));
    }
  }
  if (found->second.terminal()) retire_order(client_order_id);
}

void Executor::Impl::retire_order(const std::string& client_order_id) {
  auto found = orders.find(client_order_id);
  if (found == orders.end()) return;
  // A trade still working needs its orders' states; they are retired with the trade.
  if (Trade* trade = trade_of(found->second); trade != nullptr && trade->state == TradeState::working) return;
  stop_timer(found->second.timer);
  finished_orders.push_back(OrderView{found->second.entry, false});
  while (finished_orders.size() > options.recent_orders) finished_orders.pop_front();
  orders.erase(found);
}

void Executor::Impl::finish_trade(Trade& trade, TradeState state, const std::string& reason) {
  trade.state = state;
  trade.reason = reason;
  ++changes;
  stop_timer(trade.hedge_timer);
  stop_timer(trade.retry_timer);
  TradeView view = view_of(trade);
  // An opening that filled nothing closes its (empty) position.
  if (view.a_filled.sign() == 0 && !trade.reduce_only && listener != nullptr) listener->on_closing(trade.id);
  log.info("trade_finished", {{"trade", trade.id},
                              {"state", to_string(state)},
                              {"a_filled", view.a_filled.to_string()},
                              {"b_filled", view.b_filled.to_string()},
                              {"reason", reason}});
  finished_trades.push_back(std::move(view));
  while (finished_trades.size() > options.recent_trades) finished_trades.pop_front();
  // The planned B that was never needed ends now.
  if (!trade.planned_b.empty()) {
    if (auto planned = orders.find(trade.planned_b);
        planned != orders.end() && planned->second.entry.event == OrderEvent::intent) {
      record(planned->second, OrderEvent::cancelled, "not_needed");
    }
  }
  std::vector<std::string> ids = trade.a_orders;
  ids.insert(ids.end(), trade.b_orders.begin(), trade.b_orders.end());
  if (!trade.planned_b.empty()) ids.push_back(trade.planned_b);
  const std::uint64_t finished_id = trade.id;
  trades.erase(trade.id);  // `trade` is gone from here on
  if (state == TradeState::hedged) options.failpoint.hit("trade_hedged");
  if (!recon.finished && recon_waiting.count(finished_id) != 0) recon_finish_when_settled();
  for (const auto& coid : ids) {
    if (auto found = orders.find(coid); found != orders.end() && found->second.terminal()) retire_order(coid);
  }
}

// ---- the private stream ----------------------------------------------------------

void Executor::Impl::on_fill(const std::string& venue_id, const venues::Fill& fill) {
  FillEntry entry;
  entry.ts_ms = fill.ts == UtcTime{} ? now_ms() : to_unix_ms(fill.ts);
  entry.venue = venue_id;
  entry.symbol = fill.symbol;
  entry.trade_id = fill.trade_id;
  entry.client_order_id = fill.client_order_id;
  entry.side = fill.side;
  entry.quantity = fill.quantity;
  entry.price = fill.price;
  entry.fee = fill.fee;
  entry.fee_asset = fill.fee_asset;
  entry.maker = fill.maker;
  auto found = orders.find(fill.client_order_id);
  if (found != orders.end() && found->second.entry.venue == venue_id) {
    entry.intent_id = found->second.entry.intent_id;
    entry.position_id = found->second.entry.position_id;
    entry.strategy = found->second.entry.strategy;
    entry.leg = found->second.entry.leg;
    entry.simulated = found->second.entry.simulated;
  } else if (auto known = journal.last(venue_id, fill.client_order_id)) {
    entry.intent_id = known->intent_id;
    entry.position_id = known->position_id;
    entry.strategy = known->strategy;
    entry.leg = known->leg;
    entry.simulated = known->simulated;
  }
  auto recorded = journal.record_fill(entry);
  if (!recorded) {
    log.error("journal_fill_failed", {{"venue", venue_id}, {"trade_id", fill.trade_id}, {"error", recorded.error().message}});
    return;
  }
  if (*recorded != RecordOutcome::recorded) return;  // seen before: counted once
  ++counters.fills;
  ++changes;
  options.failpoint.hit("fill_recorded");
  if (listener != nullptr) listener->on_fill(entry);
  if (found == orders.end() || found->second.entry.venue != venue_id) return;
  const Decimal before = found->second.filled();
  if (auto seen = found->second.fills_seen.add(fill.quantity)) found->second.fills_seen = *seen;
  if (found->second.filled() != before) order_progress(fill.client_order_id);
}

// ---- the public face ---------------------------------------------------------------

Executor::Executor(ExecutorOptions options, Clock& clock, std::vector<venues::Venue*> venues, Journal& journal,
                   ExecutionDesk& desk, const MarketLookup& market, ExecutionListener* listener, Logger log)
    : impl_(std::make_unique<Impl>(std::move(options), clock, std::move(venues), journal, desk, market, listener,
                                   std::move(log))) {}

Executor::~Executor() {
  Impl& impl = *impl_;
  impl.alive.reset();
  impl.stop_timer(impl.audit_timer);
  impl.stop_timer(impl.hunt_timer);
  for (auto& [coid, order] : impl.orders) impl.stop_timer(order.timer);
  for (auto& [id, trade] : impl.trades) {
    impl.stop_timer(trade.hedge_timer);
    impl.stop_timer(trade.retry_timer);
  }
}

void Executor::reconcile() { impl_->reconcile(); }
Result<TradePreview> Executor::preview(const Intent& intent, double sized_notional_usdt) {
  TradePreview preview;
  auto checked = impl_->submit(intent, sized_notional_usdt, &preview);
  if (!checked) return checked.error();
  return preview;
}

void Executor::set_positions(const PositionLookup* positions) { impl_->positions = positions; }
void Executor::set_twins(TwinVenues* twins) { impl_->twins = twins; }

std::uint64_t Executor::change_count() const { return impl_->changes; }
bool Executor::reconciled() const { return impl_->recon.finished && impl_->recon.clean; }

Result<std::uint64_t> Executor::submit(const Intent& intent, double sized_notional_usdt) {
  return impl_->submit(intent, sized_notional_usdt);
}

void Executor::on_order_update(const std::string& venue, const venues::OrderState& order) {
  impl_->apply_state(venue, order);
}

void Executor::on_fill(const std::string& venue, const venues::Fill& fill) { impl_->on_fill(venue, fill); }

void Executor::on_private_stream(const std::string& venue, bool connected) {
  Impl& impl = *impl_;
  impl.log.info("executor_private_stream", {{"venue", venue}, {"connected", connected}});
  if (connected) impl.on_venue_connected(venue);  // arms (again) its dead-man switch
  bool& was_down = impl.stream_down[venue];
  if (!connected) {
    was_down = true;
    return;
  }
  if (!was_down) return;  // the first connection
  was_down = false;
  // Cancel-on-disconnect (SPEC S-8.6): whatever rested while we could not see it goes.
  // (A twin has no stream to lose: its simulated orders stay.)
  venues::Venue* target = impl.venue(venue);
  if (target == nullptr) return;
  impl.log.warn("cancel_on_reconnect", {{"venue", venue}});
  for (auto& [coid, order] : impl.orders) {
    if (order.entry.venue == venue && !order.entry.simulated && !order.terminal() &&
        order.entry.event != OrderEvent::intent) {
      order.cancel_sent = true;
    }
  }
  std::weak_ptr<bool> alive_flag = impl.alive;
  for (const auto& symbol : impl.options.symbols) {
    ++impl.counters.cancels_sent;
    target->cancel_all(symbol, [&impl, alive_flag, venue, symbol](venues::VenueResult<int> result) {
      if (alive_flag.expired()) return;
      if (!result) {
        ++impl.counters.cancels_failed;
        impl.log.error("cancel_on_reconnect_failed",
                       {{"venue", venue}, {"symbol", symbol}, {"error", result.error().describe()}});
      } else if (result.value() > 0) {
        impl.log.warn("cancel_on_reconnect_done", {{"venue", venue}, {"symbol", symbol}, {"cancelled", result.value()}});
      }
    });
  }
}

}  // namespace propbot::exec
