#include "core/exec/router.hpp"

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

#include "core/common/intent.hpp"

namespace propbot::exec {
namespace {

// A double as a decimal string with `places` fractional digits ("1.25"): for messages
// and for audit details, which carry no floats.
std::string fixed(double value, int places) {
  auto decimal = Decimal::from_double(value, places);
  return decimal ? decimal->to_string() : std::to_string(value);
}

std::string shortest(double value) {
  auto decimal = intent_decimal(value);
  return decimal ? decimal->normalized().to_string() : std::to_string(value);
}

RejectedCandidate reject(const VenueCandidate& candidate, RouteRejection reason, std::string detail) {
  return RejectedCandidate{candidate.venue, reason, std::move(detail)};
}

RouteRejection rejection_for(SizeRefusal refusal) {
  switch (refusal) {
    case SizeRefusal::qty_not_positive:
    case SizeRefusal::below_min_qty: return RouteRejection::below_min_qty;
    case SizeRefusal::below_min_notional: return RouteRejection::below_min_notional;
    case SizeRefusal::price_not_positive: return RouteRejection::book_invalid;
    case SizeRefusal::rules_invalid:
    case SizeRefusal::arithmetic_overflow: return RouteRejection::rules_invalid;
  }
  return RouteRejection::rules_invalid;
}

std::optional<RejectedCandidate> check_health(const VenueCandidate& candidate, const RoutePolicy& policy) {
  if (candidate.risk_block) return reject(candidate, RouteRejection::risk_blocked, *candidate.risk_block);
  if (candidate.rate_limit == RateLimitHealth::quarantined) {
    return reject(candidate, RouteRejection::quarantined, "venue quarantined by its rate governor");
  }
  if (candidate.rate_limit == RateLimitHealth::backing_off) {
    return reject(candidate, RouteRejection::rate_limited, "backing off after a 429");
  }
  if (candidate.rate_limit_used >= policy.max_rate_limit_used) {
    return reject(candidate, RouteRejection::rate_limited,
                  "rate limit " + fixed(candidate.rate_limit_used, 2) + " used (max " +
                      fixed(policy.max_rate_limit_used, 2) + ")");
  }
  return std::nullopt;
}

std::optional<RejectedCandidate> check_book(const LegRequest& leg, const VenueCandidate& candidate,
                                            const RoutePolicy& policy) {
  const md::OrderBook* book = candidate.book;
  if (book == nullptr) return reject(candidate, RouteRejection::book_invalid, "no book");
  if (book->spec().symbol != leg.symbol) {
    return reject(candidate, RouteRejection::book_invalid,
                  "book is for " + book->spec().symbol + ", leg is " + leg.symbol);
  }
  if (!book->valid()) return reject(candidate, RouteRejection::book_invalid, "book invalidated, awaiting a snapshot");
  if (book->crossed()) return reject(candidate, RouteRejection::book_invalid, "book crossed");
  if (policy.max_book_age > Nanos::zero() && leg.now - book->last_update() > policy.max_book_age) {
    const auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(leg.now - book->last_update()).count();
    const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(policy.max_book_age).count();
    return reject(candidate, RouteRejection::book_stale,
                  "last update " + std::to_string(age_ms) + " ms ago (max " + std::to_string(max_ms) + " ms)");
  }
  return std::nullopt;
}

// What the leg would fill at on this book: a walk for a taker, the top of its own side
// for a maker.
FillEstimate estimate(const LegRequest& leg, const md::OrderBook& book) {
  if (leg.role == LiquidityRole::taker) return estimate_taker_fill(book, leg.side, leg.size);
  FillEstimate fill;
  const auto top = leg.side == Side::buy ? book.best_bid() : book.best_ask();
  if (!top) return fill;
  fill.top_price = fill.avg_price = fill.worst_price = book.spec().price_of(top->price_ticks);
  const double amount = leg.size.amount.to_double();
  fill.base_qty = leg.size.unit == LegSize::Unit::base ? amount : amount / fill.top_price;
  fill.notional = fill.base_qty * fill.top_price;
  fill.complete = amount > 0;
  return fill;
}

std::string depth_shortfall(const LegRequest& leg, const FillEstimate& fill) {
  const bool by_base = leg.size.unit == LegSize::Unit::base;
  const std::string_view side_name = leg.side == Side::buy ? "asks" : "bids";
  return "visible " + std::string(side_name) + " fill " + shortest(by_base ? fill.base_qty : fill.notional) +
         " of " + leg.size.amount.to_string() + (by_base ? " base" : " quote");
}

// The leg as it would be sent at the expected price, checked against the minimums.
SizeCheck size_at(const LegRequest& leg, const OrderRules& rules, double avg_price) {
  auto price = intent_decimal(avg_price);
  if (!price) return check_order(rules, leg.side, Decimal{}, Decimal{});
  Decimal qty = leg.size.amount;
  if (leg.size.unit == LegSize::Unit::quote) {
    auto quotient = leg.size.amount.div(*price, rules.step.scale(), RoundMode::down);
    qty = quotient ? *quotient : Decimal{};
  }
  return check_order(rules, leg.side, qty, *price);
}

double penalty_bps(const VenueCandidate& candidate, const RoutePolicy& policy, double notional) {
  double penalty = policy.rate_limit_penalty_bps * candidate.rate_limit_used +
                   policy.reject_penalty_bps * candidate.reject_rate;
  if (candidate.rate_limit == RateLimitHealth::throttled) penalty += policy.throttled_penalty_bps;
  if (candidate.latency_p95_ms) penalty += policy.latency_penalty_bps_per_s * *candidate.latency_p95_ms / 1000.0;
  if (candidate.cap_headroom_usdt > 0) penalty += policy.headroom_penalty_bps * notional / candidate.cap_headroom_usdt;
  return penalty;
}

std::variant<ScoredCandidate, RejectedCandidate> evaluate(const LegRequest& leg, const VenueCandidate& candidate,
                                                          const RoutePolicy& policy) {
  if (auto bad = check_health(candidate, policy)) return *std::move(bad);
  if (auto bad = check_book(leg, candidate, policy)) return *std::move(bad);
  const md::OrderBook& book = *candidate.book;

  OrderRules rules;
  if (candidate.rules) {
    rules = *candidate.rules;
  } else {
    auto from_spec = order_rules_from_spec(book.spec());
    if (!from_spec) return reject(candidate, RouteRejection::rules_invalid, from_spec.error().message);
    rules = *from_spec;
  }
  if (auto valid = validate_order_rules(rules); !valid) {
    return reject(candidate, RouteRejection::rules_invalid, valid.error().message);
  }

  if (leg.size.amount.sign() <= 0) {
    return reject(candidate, RouteRejection::below_min_qty, "leg size " + leg.size.amount.to_string() + " must be > 0");
  }
  const FillEstimate fill = estimate(leg, book);
  if (fill.top_price <= 0) {
    return reject(candidate, RouteRejection::book_invalid,
                  std::string(leg.side == Side::buy ? "no asks" : "no bids") + " on the book");
  }
  if (!fill.complete) return reject(candidate, RouteRejection::book_too_thin, depth_shortfall(leg, fill));

  const SizeCheck sized = size_at(leg, rules, fill.avg_price);
  if (!sized.ok()) return reject(candidate, rejection_for(sized.refusal), sized.message);

  const double slippage = fill.slippage_bps();
  if (leg.max_slippage_bps && slippage > *leg.max_slippage_bps) {
    return reject(candidate, RouteRejection::slippage_over_limit,
                  "expected slippage " + fixed(slippage, 2) + " bps over the leg's max " +
                      fixed(*leg.max_slippage_bps, 2) + " bps");
  }
  if (candidate.cap_headroom_usdt < fill.notional) {
    return reject(candidate, RouteRejection::no_cap_headroom,
                  "leg notional " + fixed(fill.notional, 2) + " over cap headroom " +
                      fixed(candidate.cap_headroom_usdt, 2));
  }
  if (candidate.reject_rate > policy.max_reject_rate) {
    return reject(candidate, RouteRejection::reject_rate_high,
                  "recent reject rate " + fixed(candidate.reject_rate, 3) + " (max " +
                      fixed(policy.max_reject_rate, 3) + ")");
  }
  if (candidate.latency_p95_ms && *candidate.latency_p95_ms > policy.max_latency_p95_ms) {
    return reject(candidate, RouteRejection::latency_high,
                  "latency p95 " + fixed(*candidate.latency_p95_ms, 1) + " ms (max " +
                      fixed(policy.max_latency_p95_ms, 1) + " ms)");
  }

  ScoredCandidate scored;
  scored.venue = candidate.venue;
  scored.slippage_bps = slippage;
  scored.price_bps = slippage;
  if (leg.reference_price && *leg.reference_price > 0) {
    // Positive = dearer than the reference for a buy, cheaper for a sell.
    const double diff = (fill.avg_price - *leg.reference_price) / *leg.reference_price * 1e4;
    scored.price_bps = leg.side == Side::buy ? diff : -diff;
  }
  scored.fee_bps = leg.role == LiquidityRole::taker ? candidate.fees.taker_bps : candidate.fees.maker_bps;
  scored.penalty_bps = penalty_bps(candidate, policy, fill.notional);
  scored.score = scored.price_bps + scored.fee_bps + scored.penalty_bps;
  scored.avg_price = fill.avg_price;
  scored.notional_usdt = fill.notional;
  return scored;
}

}  // namespace

std::string_view to_string(RateLimitHealth health) {
  switch (health) {
    case RateLimitHealth::ok: return "ok";
    case RateLimitHealth::throttled: return "throttled";
    case RateLimitHealth::backing_off: return "backing_off";
    case RateLimitHealth::quarantined: return "quarantined";
  }
  return "ok";
}

std::string_view to_string(RouteRejection rejection) {
  switch (rejection) {
    case RouteRejection::quarantined: return "quarantined";
    case RouteRejection::rate_limited: return "rate_limited";
    case RouteRejection::book_invalid: return "book_invalid";
    case RouteRejection::book_stale: return "book_stale";
    case RouteRejection::rules_invalid: return "rules_invalid";
    case RouteRejection::book_too_thin: return "book_too_thin";
    case RouteRejection::below_min_qty: return "below_min_qty";
    case RouteRejection::below_min_notional: return "below_min_notional";
    case RouteRejection::slippage_over_limit: return "slippage_over_limit";
    case RouteRejection::no_cap_headroom: return "no_cap_headroom";
    case RouteRejection::reject_rate_high: return "reject_rate_high";
    case RouteRejection::latency_high: return "latency_high";
    case RouteRejection::risk_blocked: return "risk_blocked";
  }
  return "book_invalid";
}

std::string_view to_string(RouteReason reason) {
  switch (reason) {
    case RouteReason::best_score: return "best_score";
    case RouteReason::preferred_venue: return "preferred_venue";
    case RouteReason::only_candidate: return "only_candidate";
    case RouteReason::all_venues_bad: return "all_venues_bad";
  }
  return "all_venues_bad";
}

RouteDecision route_leg(const LegRequest& leg, std::span<const VenueCandidate> candidates, const RoutePolicy& policy) {
  RouteDecision decision;
  for (const VenueCandidate& candidate : candidates) {
    auto outcome = evaluate(leg, candidate, policy);
    if (auto* scored = std::get_if<ScoredCandidate>(&outcome)) {
      decision.scored.push_back(std::move(*scored));
    } else {
      decision.rejected.push_back(std::get<RejectedCandidate>(std::move(outcome)));
    }
  }
  std::stable_sort(decision.scored.begin(), decision.scored.end(),
                   [](const ScoredCandidate& a, const ScoredCandidate& b) { return a.score < b.score; });
  if (decision.scored.empty()) return decision;

  const ScoredCandidate* chosen = &decision.scored.front();
  decision.reason = RouteReason::best_score;
  if (decision.scored.size() == 1) {
    decision.reason = RouteReason::only_candidate;
  } else if (!leg.preferred_venue.empty()) {
    for (const ScoredCandidate& candidate : decision.scored) {
      if (candidate.venue == leg.preferred_venue &&
          candidate.score <= chosen->score + policy.preferred_tolerance_bps) {
        chosen = &candidate;
        decision.reason = RouteReason::preferred_venue;
        break;
      }
    }
  }
  decision.venue = chosen->venue;
  decision.score = chosen->score;
  decision.expected_slippage_bps = chosen->slippage_bps;
  decision.expected_avg_price = chosen->avg_price;
  return decision;
}

std::optional<IncidentCode> route_incident(const RouteDecision& decision) {
  if (decision.routed()) return std::nullopt;
  return IncidentCode::route_blocked_all_venues_bad;
}

nlohmann::json route_decision_json(const LegRequest& leg, const RouteDecision& decision) {
  nlohmann::json rejected = nlohmann::json::array();
  for (const RejectedCandidate& candidate : decision.rejected) {
    rejected.push_back(
        {{"venue", candidate.venue}, {"reason", to_string(candidate.reason)}, {"detail", candidate.detail}});
  }
  nlohmann::json scored = nlohmann::json::array();
  for (const ScoredCandidate& candidate : decision.scored) {
    scored.push_back({{"venue", candidate.venue},
                      {"score_bps", fixed(candidate.score, 2)},
                      {"slippage_bps", fixed(candidate.slippage_bps, 2)},
                      {"price_bps", fixed(candidate.price_bps, 2)},
                      {"fee_bps", fixed(candidate.fee_bps, 2)},
                      {"penalty_bps", fixed(candidate.penalty_bps, 2)}});
  }
  return {{"action", "route_decision"},
          {"symbol", leg.symbol},
          {"side", to_string(leg.side)},
          {"venue", decision.routed() ? nlohmann::json(decision.venue) : nlohmann::json(nullptr)},
          {"reason", to_string(decision.reason)},
          {"expected_slippage_bps", fixed(decision.expected_slippage_bps, 2)},
          {"score_bps", fixed(decision.score, 2)},
          {"preferred_venue", leg.preferred_venue},
          {"scored", std::move(scored)},
          {"rejected", std::move(rejected)}};
}

}  // namespace propbot::exec
