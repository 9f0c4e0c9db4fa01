// The router: each candidate venue is either scored by the leg's expected all-in cost
// (book-walk slippage + fee + health penalties) or rejected with one stable reason; the
// cheapest wins, the strategy's preferred venue breaks near-ties, and when nothing is
// usable the decision is all_venues_bad with every reason and the P1 to raise.
#include "core/exec/router.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

namespace propbot::exec {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const MonoTime kNow = MonoTime{} + seconds(1000);

Decimal d(const char* text) { return *Decimal::parse(text); }

// A BTC-USDT book on `venue` (tick 0.1, lot 0.001, min notional 5) whose sides are
// given as {price, qty} in plain numbers.
struct Level {
  double price;
  double qty;
};

class RouterTest : public ::testing::Test {
 protected:
  const md::OrderBook* book(const std::string& venue, std::vector<Level> bids, std::vector<Level> asks,
                            MonoTime updated = kNow) {
    auto owned = std::make_unique<md::OrderBook>(md::InstrumentSpec{venue, "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
    auto levels = [](const std::vector<Level>& in) {
      std::vector<md::BookLevel> out;
      for (const Level& level : in) {
        out.push_back({std::llround(level.price * 10), std::llround(level.qty * 1000)});
      }
      return out;
    };
    owned->apply_snapshot(levels(bids), levels(asks), 1, updated);
    books_.push_back(std::move(owned));
    return books_.back().get();
  }

  // A healthy venue with a book 100.0 / 100.1, 1 BTC a level on five levels a side.
  VenueCandidate venue(const std::string& name) {
    VenueCandidate candidate;
    candidate.venue = name;
    candidate.book = book(name, {{100.0, 1}, {99.9, 1}, {99.8, 1}, {99.7, 1}, {99.6, 1}},
                          {{100.1, 1}, {100.2, 1}, {100.3, 1}, {100.4, 1}, {100.5, 1}});
    candidate.fees = FeeTier{4, 2};
    candidate.cap_headroom_usdt = 1'000'000;
    return candidate;
  }

  LegRequest buy(const char* base_qty) {
    LegRequest leg;
    leg.symbol = "BTC-USDT";
    leg.side = Side::buy;
    leg.size = LegSize::base_qty(d(base_qty));
    leg.now = kNow;
    return leg;
  }

  // The single candidate's rejection reason, or a failure when it was not rejected.
  RouteRejection rejection_of(const LegRequest& leg, const VenueCandidate& candidate, const RoutePolicy& policy = {}) {
    const RouteDecision decision = route_leg(leg, std::vector<VenueCandidate>{candidate}, policy);
    EXPECT_FALSE(decision.routed()) << "routed to " << decision.venue;
    EXPECT_EQ(decision.rejected.size(), 1u);
    if (decision.rejected.empty()) return RouteRejection::book_invalid;
    EXPECT_FALSE(decision.rejected.front().detail.empty());
    return decision.rejected.front().reason;
  }

  std::vector<std::unique_ptr<md::OrderBook>> books_;
};

TEST_F(RouterTest, NamesAreStable) {
  const char* health[] = {"ok", "throttled", "backing_off", "quarantined"};
  for (std::size_t i = 0; i < kAllRateLimitHealths.size(); ++i) {
    EXPECT_EQ(to_string(kAllRateLimitHealths[i]), health[i]);
  }
  const char* reasons[] = {"best_score", "preferred_venue", "only_candidate", "all_venues_bad"};
  for (std::size_t i = 0; i < kAllRouteReasons.size(); ++i) EXPECT_EQ(to_string(kAllRouteReasons[i]), reasons[i]);
  const char* rejections[] = {"quarantined",        "rate_limited",        "book_invalid",    "book_stale",
                              "rules_invalid",      "book_too_thin",       "below_min_qty",   "below_min_notional",
                              "slippage_over_limit", "no_cap_headroom",    "reject_rate_high", "latency_high",
                              "risk_blocked"};
  for (std::size_t i = 0; i < kAllRouteRejections.size(); ++i) {
    EXPECT_EQ(to_string(kAllRouteRejections[i]), rejections[i]);
  }
}

TEST_F(RouterTest, ExpectedSlippageIsTheBookWalkVwapAgainstTheTop) {
  VenueCandidate only = venue("A");
  const RouteDecision decision = route_leg(buy("1.5"), std::vector<VenueCandidate>{only});
  ASSERT_TRUE(decision.routed());
  // 1 at 100.1 + 0.5 at 100.2 → VWAP 100.1333…, (VWAP − 100.1) / 100.1 × 1e4 ≈ 3.33 bps.
  EXPECT_NEAR(decision.expected_avg_price, (100.1 + 0.5 * 100.2) / 1.5, 1e-9);
  EXPECT_NEAR(decision.expected_slippage_bps, ((100.1 + 0.5 * 100.2) / 1.5 - 100.1) / 100.1 * 1e4, 1e-9);
  EXPECT_EQ(decision.reason, RouteReason::only_candidate);

  LegRequest sell = buy("0");
  sell.side = Side::sell;
  sell.size = LegSize::notional(d("150"));  // 100 at 100.0, then 50 at 99.9
  const RouteDecision sold = route_leg(sell, std::vector<VenueCandidate>{only});
  ASSERT_TRUE(sold.routed());
  const double qty = 1.0 + 50.0 / 99.9;
  EXPECT_NEAR(sold.expected_avg_price, 150.0 / qty, 1e-9);
  EXPECT_NEAR(sold.expected_slippage_bps, (100.0 - 150.0 / qty) / 100.0 * 1e4, 1e-9);
}

TEST_F(RouterTest, TheCheapestVenueWinsAndScoresAreOrdered) {
  VenueCandidate shallow = venue("SHALLOW");
  shallow.book = book("SHALLOW", {{100.0, 1}}, {{100.1, 0.5}, {100.6, 5}});
  VenueCandidate deep = venue("DEEP");
  VenueCandidate pricey = venue("PRICEY");
  pricey.fees.taker_bps = 10;

  const RouteDecision decision = route_leg(buy("1"), std::vector<VenueCandidate>{shallow, pricey, deep});
  ASSERT_TRUE(decision.routed());
  EXPECT_EQ(decision.venue, "DEEP");
  EXPECT_EQ(decision.reason, RouteReason::best_score);
  ASSERT_EQ(decision.scored.size(), 3u);
  EXPECT_EQ(decision.scored[0].venue, "DEEP");
  EXPECT_EQ(decision.scored[1].venue, "PRICEY");  // 6 bps more in fees beats ~25 bps of slippage
  EXPECT_EQ(decision.scored[2].venue, "SHALLOW");
  EXPECT_LT(decision.scored[0].score, decision.scored[1].score);
  EXPECT_LT(decision.scored[1].score, decision.scored[2].score);
  EXPECT_DOUBLE_EQ(decision.score, decision.scored[0].score);
  EXPECT_DOUBLE_EQ(decision.scored[0].fee_bps, 4);
  EXPECT_TRUE(decision.rejected.empty());
}

TEST_F(RouterTest, AMakerLegPaysTheMakerFeeAndARebateLowersItsScore) {
  VenueCandidate normal = venue("A");
  VenueCandidate rebate = venue("B");
  rebate.fees.maker_bps = -1;
  LegRequest leg = buy("1");
  leg.role = LiquidityRole::maker;
  const RouteDecision decision = route_leg(leg, std::vector<VenueCandidate>{normal, rebate});
  ASSERT_TRUE(decision.routed());
  EXPECT_EQ(decision.venue, "B");
  EXPECT_DOUBLE_EQ(decision.expected_slippage_bps, 0);
  EXPECT_DOUBLE_EQ(decision.expected_avg_price, 100.0) << "a maker buy rests at the best bid";
  EXPECT_LT(decision.score, 0);
}

TEST_F(RouterTest, HealthPenaltiesBreakTheTieBetweenEqualBooks) {
  const std::vector<std::pair<std::string, void (*)(VenueCandidate&)>> worse = {
      {"throttled", [](VenueCandidate& c) { c.rate_limit = RateLimitHealth::throttled; }},
      {"busier rate limit", [](VenueCandidate& c) { c.rate_limit_used = 0.5; }},
      {"more rejects", [](VenueCandidate& c) { c.reject_rate = 0.1; }},
      {"slower", [](VenueCandidate& c) { c.latency_p95_ms = 400; }},
      {"less headroom", [](VenueCandidate& c) { c.cap_headroom_usdt = 150; }},
  };
  for (const auto& [what, degrade] : worse) {
    VenueCandidate degraded = venue("DEGRADED");
    degrade(degraded);
    const RouteDecision decision = route_leg(buy("1"), std::vector<VenueCandidate>{degraded, venue("HEALTHY")});
    EXPECT_EQ(decision.venue, "HEALTHY") << what;
    ASSERT_EQ(decision.scored.size(), 2u) << what;
    EXPECT_GT(decision.scored[1].penalty_bps, decision.scored[0].penalty_bps) << what;
  }
}

TEST_F(RouterTest, ThePreferredVenueWinsANearTieButNotAClearLoss) {
  VenueCandidate first = venue("FIRST");
  VenueCandidate preferred = venue("PREFERRED");
  preferred.fees.taker_bps = 4.3;  // 0.3 bps worse: within the 0.5 bps tolerance
  LegRequest leg = buy("1");
  leg.preferred_venue = "PREFERRED";
  RouteDecision decision = route_leg(leg, std::vector<VenueCandidate>{first, preferred});
  EXPECT_EQ(decision.venue, "PREFERRED");
  EXPECT_EQ(decision.reason, RouteReason::preferred_venue);

  preferred.fees.taker_bps = 5;  // 1 bps worse: a clear loss
  decision = route_leg(leg, std::vector<VenueCandidate>{first, preferred});
  EXPECT_EQ(decision.venue, "FIRST");
  EXPECT_EQ(decision.reason, RouteReason::best_score);
}

TEST_F(RouterTest, EqualScoresWithoutAPreferenceGoToTheEarlierCandidate) {
  RouteDecision decision = route_leg(buy("1"), std::vector<VenueCandidate>{venue("X"), venue("Y")});
  EXPECT_EQ(decision.venue, "X");
  decision = route_leg(buy("1"), std::vector<VenueCandidate>{venue("Y"), venue("X")});
  EXPECT_EQ(decision.venue, "Y");
}

TEST_F(RouterTest, AVenueTheRiskGovernorBlocksIsRejectedWithItsReasonAndTheOtherWins) {
  VenueCandidate blocked = venue("X");
  blocked.risk_block = "venue_maintenance: X maintenance starts in 12 min";
  EXPECT_EQ(rejection_of(buy("1"), blocked), RouteRejection::risk_blocked);
  RouteDecision decision = route_leg(buy("1"), std::vector<VenueCandidate>{blocked, venue("Y")});
  EXPECT_EQ(decision.venue, "Y");
  ASSERT_EQ(decision.rejected.size(), 1u);
  EXPECT_EQ(decision.rejected[0].detail, "venue_maintenance: X maintenance starts in 12 min");
}

TEST_F(RouterTest, ARateLimitedOrQuarantinedVenueIsRejected) {
  VenueCandidate candidate = venue("A");
  candidate.rate_limit = RateLimitHealth::quarantined;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::quarantined);
  candidate.rate_limit = RateLimitHealth::backing_off;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::rate_limited);
  candidate.rate_limit = RateLimitHealth::ok;
  candidate.rate_limit_used = 0.9;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::rate_limited);
  candidate.rate_limit_used = 0.89;
  EXPECT_TRUE(route_leg(buy("1"), std::vector<VenueCandidate>{candidate}).routed());
}

TEST_F(RouterTest, AnUnusableBookIsRejected) {
  VenueCandidate candidate = venue("A");
  candidate.book = nullptr;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::book_invalid);

  md::OrderBook invalidated(md::InstrumentSpec{"A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0});
  candidate.book = &invalidated;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::book_invalid);

  candidate.book = book("A", {{100.2, 1}}, {{100.1, 1}});
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::book_invalid) << "crossed";

  candidate.book = book("A", {{100.0, 1}}, {});
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::book_invalid) << "no asks to buy from";

  LegRequest eth = buy("1");
  eth.symbol = "ETH-USDT";
  EXPECT_EQ(rejection_of(eth, venue("A")), RouteRejection::book_invalid) << "a book for another symbol";
}

TEST_F(RouterTest, AStaleBookIsRejected) {
  VenueCandidate candidate = venue("A");
  candidate.book = book("A", {{100.0, 1}}, {{100.1, 5}}, kNow - seconds(6));
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::book_stale);
  RoutePolicy lenient;
  lenient.max_book_age = seconds(10);
  EXPECT_TRUE(route_leg(buy("1"), std::vector<VenueCandidate>{candidate}, lenient).routed());
}

TEST_F(RouterTest, ABookThatCannotFillTheSizeIsTooThin) {
  VenueCandidate candidate = venue("A");
  EXPECT_EQ(rejection_of(buy("5.001"), candidate), RouteRejection::book_too_thin);
  EXPECT_TRUE(route_leg(buy("5"), std::vector<VenueCandidate>{candidate}).routed()) << "exactly the visible depth";
  LegRequest by_notional = buy("0");
  by_notional.size = LegSize::notional(d("600"));
  EXPECT_EQ(rejection_of(by_notional, candidate), RouteRejection::book_too_thin);
}

TEST_F(RouterTest, UnusableRulesAndTheMinimumsRejectAVenue) {
  VenueCandidate candidate = venue("A");
  candidate.rules = OrderRules{d("0.1"), d("0"), d("0"), d("0")};
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::rules_invalid);

  candidate.rules = OrderRules{d("0.1"), d("0.001"), d("2"), d("5")};
  EXPECT_EQ(rejection_of(buy("1.5"), candidate), RouteRejection::below_min_qty);
  candidate.rules.reset();
  EXPECT_EQ(rejection_of(buy("0.0005"), candidate), RouteRejection::below_min_qty) << "under one step";
  EXPECT_EQ(rejection_of(buy("0.049"), candidate), RouteRejection::below_min_notional) << "4.9 USDT < 5";
  EXPECT_TRUE(route_leg(buy("0.05"), std::vector<VenueCandidate>{candidate}).routed()) << "5.005 USDT";
  EXPECT_EQ(rejection_of(buy("0"), candidate), RouteRejection::below_min_qty) << "nothing to route";
}

TEST_F(RouterTest, SlippageOverTheLegsLimitIsRejected) {
  LegRequest leg = buy("3");  // 1 @100.1, 1 @100.2, 1 @100.3: ~9.99 bps
  leg.max_slippage_bps = 9;
  EXPECT_EQ(rejection_of(leg, venue("A")), RouteRejection::slippage_over_limit);
  leg.max_slippage_bps = 10;
  EXPECT_TRUE(route_leg(leg, std::vector<VenueCandidate>{venue("A")}).routed());
}

TEST_F(RouterTest, TooLittleCapHeadroomAHighRejectRateOrHighLatencyRejectAVenue) {
  VenueCandidate candidate = venue("A");
  candidate.cap_headroom_usdt = 100;  // the leg is 100.1
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::no_cap_headroom);

  candidate = venue("A");
  candidate.reject_rate = 0.25;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::reject_rate_high);

  candidate = venue("A");
  candidate.latency_p95_ms = 1500;
  EXPECT_EQ(rejection_of(buy("1"), candidate), RouteRejection::latency_high);
}

TEST_F(RouterTest, WhenEveryVenueIsBadTheDecisionNamesEveryReasonAndTheIncident) {
  VenueCandidate banned = venue("BANNED");
  banned.rate_limit = RateLimitHealth::quarantined;
  VenueCandidate thin = venue("THIN");
  thin.book = book("THIN", {{100.0, 1}}, {{100.1, 0.1}});
  VenueCandidate capped = venue("CAPPED");
  capped.cap_headroom_usdt = 0;

  const LegRequest leg = buy("1");
  const RouteDecision decision = route_leg(leg, std::vector<VenueCandidate>{banned, thin, capped});
  EXPECT_FALSE(decision.routed());
  EXPECT_EQ(decision.reason, RouteReason::all_venues_bad);
  EXPECT_TRUE(decision.venue.empty());
  ASSERT_EQ(decision.rejected.size(), 3u);
  EXPECT_EQ(decision.rejected[0].venue, "BANNED");
  EXPECT_EQ(decision.rejected[0].reason, RouteRejection::quarantined);
  EXPECT_EQ(decision.rejected[1].reason, RouteRejection::book_too_thin);
  EXPECT_EQ(decision.rejected[2].reason, RouteRejection::no_cap_headroom);
  EXPECT_EQ(route_incident(decision), IncidentCode::route_blocked_all_venues_bad);

  const nlohmann::json audit = route_decision_json(leg, decision);
  EXPECT_EQ(audit["action"], "route_decision");
  EXPECT_TRUE(audit["venue"].is_null());
  EXPECT_EQ(audit["reason"], "all_venues_bad");
  ASSERT_EQ(audit["rejected"].size(), 3u);
  EXPECT_EQ(audit["rejected"][1]["venue"], "THIN");
  EXPECT_EQ(audit["rejected"][1]["reason"], "book_too_thin");

  EXPECT_FALSE(route_leg(leg, std::vector<VenueCandidate>{}).routed()) << "no candidate at all";
}

TEST_F(RouterTest, TheAuditRecordCarriesTheDecisionWithoutFloats) {
  LegRequest leg = buy("1.5");
  leg.preferred_venue = "A";
  VenueCandidate stale = venue("B");
  stale.book = book("B", {{100.0, 1}}, {{100.1, 5}}, kNow - seconds(30));
  const RouteDecision decision = route_leg(leg, std::vector<VenueCandidate>{venue("A"), stale});
  ASSERT_TRUE(decision.routed());
  EXPECT_EQ(route_incident(decision), std::nullopt);

  const nlohmann::json audit = route_decision_json(leg, decision);
  EXPECT_EQ(audit["action"], "route_decision");
  EXPECT_EQ(audit["venue"], "A");
  EXPECT_EQ(audit["reason"], "only_candidate");
  EXPECT_EQ(audit["expected_slippage_bps"], "3.33");
  EXPECT_EQ(audit["symbol"], "BTC-USDT");
  EXPECT_EQ(audit["side"], "buy");
  EXPECT_EQ(audit["preferred_venue"], "A");
  EXPECT_EQ(audit["rejected"][0]["reason"], "book_stale");
  std::function<void(const nlohmann::json&)> no_floats = [&](const nlohmann::json& value) {
    EXPECT_FALSE(value.is_number_float()) << value.dump();
    if (!value.is_structured()) return;  // iterating a primitive yields itself
    for (const auto& child : value) no_floats(child);
  };
  no_floats(audit);
}

TEST_F(RouterTest, WithAReferencePriceAVenueWhoseBookIsCheaperWinsAcrossVenues) {
  // NEAR's ask is the reference (the strategy looked there); FAR's book is a full 2.0
  // lower but two levels deep: more slippage against its own touch, a better price.
  VenueCandidate near = venue("NEAR");
  VenueCandidate far = venue("FAR");
  far.book = book("FAR", {{97.9, 1}}, {{98.0, 0.5}, {98.1, 1}});
  LegRequest leg = buy("1");
  leg.preferred_venue = "NEAR";

  const RouteDecision by_slippage = route_leg(leg, std::vector<VenueCandidate>{near, far});
  ASSERT_TRUE(by_slippage.routed());
  EXPECT_EQ(by_slippage.venue, "NEAR") << "without a reference each venue is judged against its own touch";

  leg.reference_price = 100.1;
  const RouteDecision by_price = route_leg(leg, std::vector<VenueCandidate>{near, far});
  ASSERT_TRUE(by_price.routed());
  EXPECT_EQ(by_price.venue, "FAR");
  EXPECT_EQ(by_price.reason, RouteReason::best_score);
  ASSERT_EQ(by_price.scored.size(), 2u);
  EXPECT_LT(by_price.scored[0].price_bps, -190) << "about 2.0 below 100.1, in bps";
  EXPECT_GT(by_price.scored[0].slippage_bps, 0) << "the slippage is still reported";
  EXPECT_NEAR(by_price.scored[1].price_bps, 0, 1e-9) << "the reference venue fills at its touch";

  // A sell compares the other way: a higher bid is the better price.
  LegRequest sell = leg;
  sell.side = Side::sell;
  sell.reference_price = 100.0;
  const RouteDecision selling = route_leg(sell, std::vector<VenueCandidate>{near, far});
  EXPECT_EQ(selling.venue, "NEAR");
}

}  // namespace
}  // namespace propbot::exec
