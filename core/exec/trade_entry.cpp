// Intents into trades: the checks every intent passes before anything is journaled
// (reconciliation, intake, mode, runaway breaker, books, the router, both legs' rules),
// the plan of a hedged pair (leg A on the thinner book, B planned with it) or a single
// order, and the preview that stops after the checks. executor.hpp has the policy.
#include <array>

#include "core/exec/executor_impl.hpp"
#include "core/exec/order_rules.hpp"

namespace propbot::exec {

Result<std::uint64_t> Executor::Impl::submit(const Intent& intent, double sized_notional_usdt, TradePreview* preview) {
  if (preview == nullptr) ++counters.intents_received;
  if (!recon.finished || !recon.clean) return skip(SkipReason::not_reconciled, "start-up reconciliation pending");
  if (!intake_open) return skip(SkipReason::intake_closed, "cancel_all / hedge_flatten closed the intake");
  // HOLD stops new risk, not its reduction (SPEC S-1.2); KILL stops everything.
  const Mode mode = desk.mode();
  if (mode == Mode::kill || (mode != Mode::resume && !intent.reduce_only)) {
    return skip(SkipReason::mode_blocks, std::string(to_string(mode)));
  }
  // The intent's notional, capped by the sizing stage's when that is smaller.
  Decimal notional = intent.notional_usdt;
  if (sized_notional_usdt > 0) {
    if (auto sized = decimal_of(sized_notional_usdt); sized && *sized < notional) notional = *sized;
  }
  if (preview != nullptr) {
    if (intent.kind != IntentKind::hedged_pair) return skip(SkipReason::invalid_intent, "preview takes hedged pairs");
    if (auto tripped = breaker.trips(); !tripped.empty() && !intent.reduce_only) {
      return skip(SkipReason::runaway_breaker, tripped.front().reason_text());
    }
    return submit_pair(intent, notional, preview);
  }
  if (!intent.reduce_only) {
    const risk::BreakerVerdict verdict = breaker.admit_order(intent.strategy, intent.symbol, clock.now());
    if (verdict.trip && verdict.tripped_now) on_breaker_trip(*verdict.trip);
    if (!verdict.allowed) {
      return skip(SkipReason::runaway_breaker, verdict.trip ? verdict.trip->reason_text() : "tripped");
    }
  }
  if (notional.sign() <= 0) return skip(SkipReason::invalid_intent, "notional_usdt must be > 0");
  return intent.kind == IntentKind::hedged_pair ? submit_pair(intent, notional, nullptr)
                                                : submit_single(intent, notional);
}

namespace {

// The top-of-book quantity a taker on `side` would consume first (its thinness).
double top_quantity(const md::OrderBook& book, Side side) {
  auto level = side == Side::buy ? book.best_ask() : book.best_bid();
  return level ? book.spec().qty_of(level->qty_lots) : 0.0;
}

Decimal reference_price(const md::OrderBook& book, Side side, Decimal intent_price) {
  return intent_price.sign() > 0 ? intent_price : taker_touch(book, side);
}

}  // namespace

Result<std::uint64_t> Executor::Impl::submit_pair(const Intent& intent, Decimal notional, TradePreview* preview) {
  if (venue(intent.long_venue) == nullptr || venue(intent.short_venue) == nullptr) {
    return skip(SkipReason::unknown_venue, intent.long_venue + "/" + intent.short_venue);
  }
  {
    const md::OrderBook* long_named = market.book(intent.long_venue, intent.symbol);
    const md::OrderBook* short_named = market.book(intent.short_venue, intent.symbol);
    if (long_named == nullptr || short_named == nullptr || !long_named->valid() || !short_named->valid()) {
      return skip(SkipReason::no_book, intent.symbol + " on " + intent.long_venue + " or " + intent.short_venue);
    }
  }
  // The router picks each leg's venue (depth for the size, fees, cap headroom, rate
  // health, recent rejects and latency; the strategy's venue wins within tolerance): a
  // leg with no good venue drops the trade before leg A (SPEC S-8.4).
  std::array<RouteDecision, 2> routes;
  routes[0] = route(intent, intent.long_venue, Side::buy, notional, intent.short_venue);
  routes[1] = route(intent, intent.short_venue, Side::sell, notional,
                    routes[0].routed() ? routes[0].venue : intent.long_venue);
  for (const RouteDecision& decision : routes) {
    if (decision.routed()) continue;
    std::string why;
    bool size_only = true;  // the intent is too small: that is the intent's fault, not the venues'
    for (const auto& rejected : decision.rejected) {
      why += (why.empty() ? "" : "; ") + rejected.venue + ": " + std::string(to_string(rejected.reason)) + " (" +
             rejected.detail + ")";
      size_only = size_only && (rejected.reason == RouteRejection::below_min_qty ||
                                rejected.reason == RouteRejection::below_min_notional);
    }
    if (size_only) return skip(SkipReason::below_minimum, why);
    if (preview == nullptr && !intent.reduce_only) {
      desk.safety_action(IncidentCode::route_blocked_all_venues_bad, "executor",
                         intent.strategy + " " + intent.symbol + ": the trade was dropped before leg A: " + why);
    }
    return skip(SkipReason::route_blocked, why);
  }
  const std::string long_id = routes[0].venue;
  const std::string short_id = routes[1].venue;
  for (const auto& [id, trade] : trades) {
    if (trade.symbol == intent.symbol && trade.state == TradeState::working &&
        ((trade.venue_a == long_id && trade.venue_b == short_id) ||
         (trade.venue_a == short_id && trade.venue_b == long_id))) {
      return skip(SkipReason::pair_busy, "trade " + std::to_string(id) + " still working on " + intent.symbol);
    }
  }
  const md::OrderBook* long_book = market.book(long_id, intent.symbol);
  const md::OrderBook* short_book = market.book(short_id, intent.symbol);
  auto long_rules = order_rules_from_spec(long_book->spec());
  auto short_rules = order_rules_from_spec(short_book->spec());
  if (!long_rules || !short_rules) return skip(SkipReason::invalid_intent, "instrument rules unusable");
  const Decimal long_ref = reference_price(*long_book, Side::buy, intent.long_price);
  const Decimal short_ref = reference_price(*short_book, Side::sell, intent.short_price);
  if (long_ref.sign() <= 0 || short_ref.sign() <= 0) return skip(SkipReason::no_book, "no price on a side");
  auto raw_qty = notional.div(long_ref, 12, RoundMode::down);
  if (!raw_qty) return skip(SkipReason::invalid_intent, raw_qty.error().message);
  // A close: no more than the position holds on either venue, attributed to it.
  std::uint64_t closes = 0;
  const bool dry_run = desk.dry_run_mode();
  bool simulated = dry_run;  // a close follows its position
  if (intent.reduce_only) {
    auto held = positions == nullptr ? std::nullopt
                                     : positions->closable(intent.strategy, intent.symbol, long_id,
                                                           short_id);
    // Buying on long_venue reduces a short there; selling on short_venue reduces a long.
    const Decimal short_there = held ? held->on(long_id) : Decimal();
    const Decimal long_there = held ? held->on(short_id) : Decimal();
    if (!held || short_there.sign() >= 0 || long_there.sign() <= 0) {
      return skip(SkipReason::no_position, intent.strategy + " holds no pair to close on " + intent.symbol);
    }
    // Dry run sends a strategy's orders nowhere real: a real position waits for it to end.
    if (dry_run && !held->simulated) {
      return skip(SkipReason::no_position, intent.strategy + "'s pair on " + intent.symbol +
                                               " is real and dry run is on: it is not closed on paper");
    }
    simulated = held->simulated;
    const Decimal short_size = *short_there.abs();
    if (short_size < *raw_qty) *raw_qty = short_size;
    if (long_there < *raw_qty) *raw_qty = long_there;
    closes = held->position_id;
  }
  // Both legs checked before A goes out: B can never be refused for size after A filled.
  const PairCheck pair = check_pair(*raw_qty, PairLeg{long_id, *long_rules, Side::buy, long_ref},
                                    PairLeg{short_id, *short_rules, Side::sell, short_ref});
  if (!pair.ok()) return skip(SkipReason::below_minimum, pair.leg_a.ok() ? pair.leg_b.message : pair.leg_a.message);
  const Decimal* qty = &pair.qty;
  if (simulated && (target_of(long_id, true) == nullptr || target_of(short_id, true) == nullptr)) {
    return skip(SkipReason::unknown_venue, "dry run: no paper twin of " + long_id + " or " + short_id);
  }
  // Leg A: the thinner top of book goes first (the harder fill); B hedges on the deeper one.
  const bool long_first = top_quantity(*long_book, Side::buy) <= top_quantity(*short_book, Side::sell);
  const double slippage = intent.max_slippage_bps.value_or(options.entry_slippage_bps);
  const Side side_a = long_first ? Side::buy : Side::sell;
  auto price_a = protective_price(side_a, long_first ? long_ref : short_ref, slippage,
                                  long_first ? long_rules->tick : short_rules->tick);
  if (!price_a) return skip(SkipReason::invalid_intent, price_a.error().message);
  if (preview != nullptr) {
    *preview = TradePreview{*qty,
                            long_first ? long_id : short_id,
                            side_a,
                            *price_a,
                            long_first ? short_id : long_id,
                            side_a == Side::buy ? Side::sell : Side::buy};
    return std::uint64_t{0};
  }

  Trade trade;
  trade.id = next_intent_id++;
  trade.position_id = closes != 0 ? closes : trade.id;
  trade.reduce_only = intent.reduce_only;
  trade.strategy = intent.strategy;
  trade.symbol = intent.symbol;
  trade.kind = IntentKind::hedged_pair;
  trade.simulated = simulated;
  trade.venue_a = long_first ? long_id : short_id;
  trade.side_a = side_a;
  trade.venue_b = long_first ? short_id : long_id;
  trade.side_b = side_a == Side::buy ? Side::sell : Side::buy;
  trade.target = *qty;
  trade.opened_at_ms = now_ms();
  trade.hedge_venues.push_back(trade.venue_b);
  if (options.alternative_hedge_venues) {
    for (venues::Venue* other : venue_list) {
      if (other->id() == trade.venue_a || other->id() == trade.venue_b) continue;
      const md::OrderBook* book = market.book(other->id(), intent.symbol);
      if (book != nullptr) trade.hedge_venues.push_back(other->id());
    }
  }

  OrderEntry a = planned_order(trade, Leg::a, trade.venue_a, trade.side_a, *qty, *price_a);
  OrderEntry b = planned_order(trade, Leg::b, trade.venue_b, trade.side_b, *qty, long_first ? short_ref : long_ref);

  if (!assign_client_order_id(a)) return skip(SkipReason::invalid_intent, "no attempt left for leg A");
  if (auto planned = plan_order(a); !planned) return skip(SkipReason::journal_failed, planned.error().message);
  options.failpoint.hit("intent_a_recorded");
  if (!assign_client_order_id(b)) return skip(SkipReason::invalid_intent, "no attempt left for leg B");
  if (auto planned = plan_order(b); !planned) {
    record(orders.at(a.client_order_id), OrderEvent::rejected, "journal_failed");
    retire_order(a.client_order_id);
    return skip(SkipReason::journal_failed, planned.error().message);
  }
  options.failpoint.hit("intent_b_recorded");
  trade.a_orders.push_back(a.client_order_id);
  trade.planned_b = b.client_order_id;
  const std::uint64_t id = trade.id;
  auto [it, inserted] = trades.emplace(id, std::move(trade));
  ++counters.trades_started;
  if (listener != nullptr && it->second.reduce_only) {
    listener->on_closing(it->second.position_id);
  } else if (listener != nullptr) {
    TradeOpening opening{id, intent.strategy, intent.symbol, it->second.opened_at_ms, it->second.simulated,
                         {{it->second.venue_a, Leg::a, it->second.side_a, *qty},
                          {it->second.venue_b, Leg::b, it->second.side_b, *qty}}};
    listener->on_trade_opened(opening);
  }
  if (auto sent = send(a.client_order_id); !sent) {
    finish_trade(it->second, TradeState::refused, sent.error().message);
    return skip(SkipReason::journal_failed, sent.error().message);
  }
  // Each leg's route decision is audited once leg A is out (the write stays off the
  // path to the wire).
  for (std::size_t leg = 0; leg < routes.size(); ++leg) {
    LegRequest request;
    request.symbol = intent.symbol;
    request.side = leg == 0 ? Side::buy : Side::sell;
    request.size = LegSize::notional(notional);
    request.preferred_venue = leg == 0 ? intent.long_venue : intent.short_venue;
    request.max_slippage_bps = intent.max_slippage_bps;
    nlohmann::json details = route_decision_json(request, routes[leg]);
    details["trade_parent_id"] = std::to_string(id);
    audit_later("route_decision", std::move(details));
  }
  return id;
}

Result<std::uint64_t> Executor::Impl::submit_single(const Intent& intent, Decimal notional) {
  const bool simulated = desk.dry_run_mode();
  if (venue(intent.venue) == nullptr || target_of(intent.venue, simulated) == nullptr) {
    return skip(SkipReason::unknown_venue, (simulated ? "dry run: no paper twin of " : "") + intent.venue);
  }
  const md::OrderBook* book = market.book(intent.venue, intent.symbol);
  if (book == nullptr || !book->valid()) return skip(SkipReason::no_book, intent.symbol + " on " + intent.venue);
  auto rules = order_rules_from_spec(book->spec());
  if (!rules || !intent.side || intent.price.sign() <= 0) return skip(SkipReason::invalid_intent, "side and price");
  auto raw_qty = notional.div(intent.price, 12, RoundMode::down);
  if (!raw_qty) return skip(SkipReason::invalid_intent, raw_qty.error().message);
  // A close reduces what the strategy holds there, never more (as a pair's close does).
  if (intent.reduce_only) {
    const std::optional<Decimal> held =
        positions == nullptr ? std::nullopt : positions->strategy_holding(intent.strategy, intent.venue, intent.symbol);
    const bool reduces = held && (*intent.side == Side::buy ? held->sign() < 0 : held->sign() > 0);
    if (!reduces) {
      return skip(SkipReason::no_position, intent.strategy + " holds nothing a " + std::string(to_string(*intent.side)) +
                                               " reduces on " + intent.venue + " " + intent.symbol);
    }
    if (auto size = held->abs(); size && *size < *raw_qty) *raw_qty = *size;
  }
  const SizeCheck sized = check_order(*rules, *intent.side, *raw_qty, intent.price);
  if (!sized.ok()) return skip(SkipReason::below_minimum, sized.message);
  const Decimal* qty = &sized.order->qty;
  const Decimal* price = &sized.order->price;
  Trade trade;
  trade.id = next_intent_id++;
  trade.strategy = intent.strategy;
  trade.symbol = intent.symbol;
  trade.kind = IntentKind::single;
  trade.position_id = trade.id;
  trade.reduce_only = intent.reduce_only;
  trade.simulated = simulated;
  trade.venue_a = intent.venue;
  trade.side_a = *intent.side;
  trade.target = *qty;
  trade.opened_at_ms = now_ms();

  OrderEntry a = planned_order(trade, Leg::single, intent.venue, *intent.side, *qty, price->normalized(),
                               intent.post_only ? venues::TimeInForce::post_only : venues::TimeInForce::gtc);
  if (!assign_client_order_id(a)) return skip(SkipReason::invalid_intent, "no attempt left");
  if (auto planned = plan_order(a); !planned) return skip(SkipReason::journal_failed, planned.error().message);
  trade.a_orders.push_back(a.client_order_id);
  const std::uint64_t id = trade.id;
  auto [it, inserted] = trades.emplace(id, std::move(trade));
  ++counters.trades_started;
  if (listener != nullptr) {
    listener->on_trade_opened(TradeOpening{id, intent.strategy, intent.symbol, it->second.opened_at_ms,
                                           it->second.simulated, {{intent.venue, Leg::single, *intent.side, *qty}}});
  }
  if (auto sent = send(a.client_order_id); !sent) {
    finish_trade(it->second, TradeState::refused, sent.error().message);
    return skip(SkipReason::journal_failed, sent.error().message);
  }
  // A resting order lives at most its time guard (or the configured ttl).
  const Nanos ttl = intent.time_guard_ms ? std::chrono::duration_cast<Nanos>(
                                               std::chrono::duration<double, std::milli>(*intent.time_guard_ms))
                                         : options.resting_order_ttl;
  if (auto found = orders.find(a.client_order_id); found != orders.end() && !found->second.terminal()) {
    arm_timer(found->second, ttl, [this](const std::string& coid) { cancel(coid, "time_guard"); });
    if (intent.post_only) watch_post_only(a.client_order_id);  // the staleness guard
  }
  return id;
}

VenueCandidate Executor::Impl::route_candidate(const std::string& venue_id, const std::string& symbol) const {
  VenueCandidate candidate;
  candidate.venue = venue_id;
  candidate.book = market.book(venue_id, symbol);
  if (auto fees = options.venue_fees.find(venue_id); fees != options.venue_fees.end()) {
    candidate.fees = FeeTier{fees->second.first, fees->second.second};
  }
  candidate.cap_headroom_usdt = 1e18;
  if (options.max_exposure_per_venue_usdt > 0) {
    const double held = positions != nullptr ? positions->venue_notional_usdt(venue_id) : 0.0;
    candidate.cap_headroom_usdt = std::max(0.0, options.max_exposure_per_venue_usdt - held);
  }
  if (const venues::Venue* target = venue(venue_id); target != nullptr) {
    if (auto health = target->rate_health()) {
      switch (health->state) {
        case venues::RateHealthState::ok: candidate.rate_limit = RateLimitHealth::ok; break;
        case venues::RateHealthState::throttled: candidate.rate_limit = RateLimitHealth::throttled; break;
        case venues::RateHealthState::backing_off: candidate.rate_limit = RateLimitHealth::backing_off; break;
        case venues::RateHealthState::quarantined: candidate.rate_limit = RateLimitHealth::quarantined; break;
      }
      candidate.rate_limit_used = health->used_weight_fraction;
    }
  }
  const VenueHealthView recent = venue_stats.health(venue_id, clock.now());
  candidate.reject_rate = recent.reject_rate;
  candidate.latency_p95_ms = recent.latency_p95_ms;
  candidate.risk_block = desk.venue_block(venue_id);
  return candidate;
}

RouteDecision Executor::Impl::route(const Intent& intent, const std::string& preferred, Side side, Decimal notional,
                                    const std::string& excluded) const {
  std::vector<VenueCandidate> candidates;
  candidates.push_back(route_candidate(preferred, intent.symbol));
  // The governor's venue blocks keep entries out; a close must still reach its venue.
  if (intent.reduce_only) candidates.back().risk_block.reset();
  // An entry may go elsewhere; a close must reduce the position where it is held.
  if (options.route_alternative_venues && !intent.reduce_only && !intent.venues_pinned) {
    for (const venues::Venue* other : venue_list) {
      if (other->id() == preferred || other->id() == excluded) continue;
      if (market.book(other->id(), intent.symbol) == nullptr) continue;
      candidates.push_back(route_candidate(other->id(), intent.symbol));
    }
  }
  LegRequest leg;
  leg.symbol = intent.symbol;
  leg.side = side;
  leg.size = LegSize::notional(notional);
  leg.preferred_venue = preferred;
  leg.max_slippage_bps = intent.max_slippage_bps;
  leg.now = clock.now();
  // Prices compared across venues against where the strategy looked: its own price, else
  // the preferred venue's touch.
  const Decimal named = side == Side::buy ? intent.long_price : intent.short_price;
  if (named.sign() > 0) {
    leg.reference_price = named.to_double();
  } else if (const md::OrderBook* book = candidates.front().book; book != nullptr && book->valid()) {
    auto level = side == Side::buy ? book->best_ask() : book->best_bid();
    if (level) leg.reference_price = book->spec().price_of(level->price_ticks);
  }
  return route_leg(leg, candidates);
}

}  // namespace propbot::exec
