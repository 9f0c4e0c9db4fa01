// Router: picks the venue for one leg (SPEC S-8.4). Each candidate venue is either
// rejected with one stable reason, or scored by what the leg is expected to cost there
// — slippage for the size from a walk of that venue's book, its fee tier, and
// penalties for thin cap headroom, rate-limit pressure, recent rejects and latency —
// and the cheapest wins. When no candidate is usable the decision is `all_venues_bad`
// with every candidate's reason: the executor drops the trade before leg A and raises
// P1 `route_blocked_all_venues_bad` (route_incident()). Each decision renders as the
// audit record `{action: route_decision, venue, reason, expected_slippage_bps}`.
//
// Guarantees:
//  - Pure and deterministic: the same request, candidates and policy give the same
//    decision; no I/O, no clock (time comes in LegRequest::now), no state.
//  - Every candidate appears exactly once in the decision, in `scored` or `rejected`.
//  - Ties: the preferred venue (the one the strategy named) wins when it is usable
//    and within RoutePolicy::preferred_tolerance_bps of the best score; otherwise the
//    lowest score, and among equal scores the earlier candidate.
//  - A usable candidate can fill the whole size from its visible book, within the
//    leg's max slippage, above the instrument's minimums (order_rules.hpp) and within
//    its cap headroom; the executor still checks the final order with check_pair.
//
// Thread: the engine thread (it reads the books). Allocates the decision's vectors.
// Uses book_walk, order_rules, md::OrderBook.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/common/incident_code.hpp"
#include "core/common/side.hpp"
#include "core/exec/book_walk.hpp"
#include "core/exec/order_rules.hpp"
#include "core/md/order_book.hpp"

namespace propbot::exec {

// A venue's rate-limit state as its governor reports it (venues::RateLimitState maps
// banned → quarantined).
enum class RateLimitHealth { ok, throttled, backing_off, quarantined };
inline constexpr std::array<RateLimitHealth, 4> kAllRateLimitHealths = {
    RateLimitHealth::ok, RateLimitHealth::throttled, RateLimitHealth::backing_off, RateLimitHealth::quarantined};
std::string_view to_string(RateLimitHealth health);

// Taker takes the book (slippage counts); maker rests on it (post-only: no slippage,
// the maker fee, priced at the top of its own side).
enum class LiquidityRole { taker, maker };

// Fees in basis points of the notional; a rebate is negative.
struct FeeTier {
  double taker_bps = 0;
  double maker_bps = 0;
};

// One venue the leg could go to, with what the desk knows about it right now.
struct VenueCandidate {
  std::string venue;
  const md::OrderBook* book = nullptr;  // not owned, read during route_leg only; null = no book
  std::optional<OrderRules> rules;      // the instrument's exact rules; absent: from book->spec()
  FeeTier fees;
  double cap_headroom_usdt = 0;         // notional the risk caps still allow on this venue
  RateLimitHealth rate_limit = RateLimitHealth::ok;
  double rate_limit_used = 0;           // share of the tightest venue limit in use, 0..1+
  double reject_rate = 0;               // recent share of orders rejected, 0..1
  std::optional<double> latency_p95_ms; // recent order round trip; absent = no sample
  std::optional<std::string> risk_block; // why the risk governor keeps the venue out of routing
};

struct LegRequest {
  std::string symbol;                      // canonical BASE-QUOTE; each book must be for it
  Side side = Side::buy;
  LegSize size;
  LiquidityRole role = LiquidityRole::taker;
  std::string preferred_venue;             // the venue the strategy named; may be empty
  std::optional<double> max_slippage_bps;  // absent: no slippage bound
  MonoTime now{};                          // for the books' age
  // The price the leg is compared against across venues (the preferred venue's touch,
  // or the strategy's price). When set, a candidate's price term is its expected
  // average price against it (what the leg costs there compared with where the
  // strategy looked) instead of its slippage against its own touch; absent: slippage.
  std::optional<double> reference_price;
};

// Thresholds and weights of the score. Penalties are in bps, so a score reads as an
// expected all-in cost of the leg in basis points: price term + fee + penalties.
struct RoutePolicy {
  Nanos max_book_age = std::chrono::seconds(5);  // older → book_stale; 0 = not checked
  double max_rate_limit_used = 0.9;              // at or above → rate_limited
  double max_reject_rate = 0.2;                  // above → reject_rate_high
  double max_latency_p95_ms = 1000;              // above → latency_high
  double throttled_penalty_bps = 2;              // a throttled venue delays what we send
  double rate_limit_penalty_bps = 2;             // × rate_limit_used
  double reject_penalty_bps = 20;                // × reject_rate
  double latency_penalty_bps_per_s = 5;          // × latency_p95 in seconds
  double headroom_penalty_bps = 1;               // × leg notional / cap headroom
  double preferred_tolerance_bps = 0.5;          // the preferred venue wins within this of the best
};

// Why a candidate is not usable. Checked in this order; a candidate gets the first
// that applies.
enum class RouteRejection {
  quarantined,          // the venue banned us (418) or is quarantined
  rate_limited,         // backing off, or rate_limit_used >= max_rate_limit_used
  book_invalid,         // no book, invalidated, crossed, another symbol, or the side is empty
  book_stale,           // last update older than max_book_age
  rules_invalid,        // the instrument's rules are unusable
  book_too_thin,        // the visible depth cannot fill the size
  below_min_qty,        // the size, on the venue's step, is under its minimum quantity
  below_min_notional,   // ... under its minimum notional
  slippage_over_limit,  // expected slippage above the leg's max_slippage_bps
  no_cap_headroom,      // the leg's notional exceeds what the caps allow there
  reject_rate_high,
  latency_high,
  risk_blocked,         // the risk governor took the venue out of routing (clock skew, maintenance)
};
inline constexpr std::array<RouteRejection, 13> kAllRouteRejections = {
    RouteRejection::quarantined,        RouteRejection::rate_limited,        RouteRejection::book_invalid,
    RouteRejection::book_stale,         RouteRejection::rules_invalid,       RouteRejection::book_too_thin,
    RouteRejection::below_min_qty,      RouteRejection::below_min_notional,  RouteRejection::slippage_over_limit,
    RouteRejection::no_cap_headroom,    RouteRejection::reject_rate_high,    RouteRejection::latency_high,
    RouteRejection::risk_blocked};
std::string_view to_string(RouteRejection rejection);

// Why the chosen venue was chosen, or that none was.
enum class RouteReason { best_score, preferred_venue, only_candidate, all_venues_bad };
inline constexpr std::array<RouteReason, 4> kAllRouteReasons = {
    RouteReason::best_score, RouteReason::preferred_venue, RouteReason::only_candidate, RouteReason::all_venues_bad};
std::string_view to_string(RouteReason reason);

struct ScoredCandidate {
  std::string venue;
  double score = 0;           // slippage + fee + penalties, bps; lower is better
  double slippage_bps = 0;
  double price_bps = 0;       // the price term of the score: vs reference_price, or the slippage
  double fee_bps = 0;
  double penalty_bps = 0;
  double avg_price = 0;       // expected average fill price
  double notional_usdt = 0;   // expected notional of the leg there
};

struct RejectedCandidate {
  std::string venue;
  RouteRejection reason = RouteRejection::book_invalid;
  std::string detail;         // the numbers behind the reason
};

struct RouteDecision {
  RouteReason reason = RouteReason::all_venues_bad;
  std::string venue;                 // empty when all_venues_bad
  double score = 0;                  // the chosen candidate's
  double expected_slippage_bps = 0;
  double expected_avg_price = 0;
  std::vector<ScoredCandidate> scored;      // usable candidates, best score first
  std::vector<RejectedCandidate> rejected;  // in candidate order

  bool routed() const { return reason != RouteReason::all_venues_bad; }
};

RouteDecision route_leg(const LegRequest& leg, std::span<const VenueCandidate> candidates,
                        const RoutePolicy& policy = {});

// P1 route_blocked_all_venues_bad for an all_venues_bad decision, nothing otherwise.
std::optional<IncidentCode> route_incident(const RouteDecision& decision);

// The audit record of a decision: {"action": "route_decision", "symbol", "side",
// "venue" (null when none), "reason", "expected_slippage_bps", "score_bps",
// "preferred_venue", "rejected": [{"venue", "reason", "detail"}]}. Fractions are
// decimal strings with two places ("1.25"): audit details carry no floats
// (core/control/canonical_json.hpp).
nlohmann::json route_decision_json(const LegRequest& leg, const RouteDecision& decision);

}  // namespace propbot::exec
