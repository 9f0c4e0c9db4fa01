// The rate governor of both real adapters against their real simulator frontends
// (the conformance harness, tests/conformance/harness.hpp), driven by the simulator's
// fault plan (rate_limit_429_count, retry_after_s, ban_after_429s, ban_s):
//  - a 429 storm: the simulator sees one request per backoff (Retry-After honoured),
//    places are refused locally rather than sent late, held cancels go first and all
//    of them complete once the storm is over;
//  - a 429 storm that ends in a ban (Binance 418; OKX a 429 with the ban's Retry-After):
//    the venue is quarantined, held requests and every later one fail fast without
//    reaching the simulator, and the quarantine listener fires exactly once.
// Default adapter options: this is the behaviour the daemon ships with.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/conformance/fixture.hpp"

namespace propbot::venues::conformance {
namespace {

using Steady = std::chrono::steady_clock;

bool is_local(const VenueError& error) { return error.venue_code == "LOCAL"; }

class RateGovernorSimTest : public VenueConformance {
 protected:
  // A cancel the way an executor sends it: an answer of the venue's own rate limiter
  // (429, not a local refusal) is retried — the governor decides when it goes.
  void cancel_until_done(const std::string& id, int attempts_left) {
    h().venue().cancel(kSymbol, id, [this, id, attempts_left](VenueResult<OrderState> result) {
      if (!result.ok() && result.error().code == VenueErrc::rate_limited && !is_local(result.error())) {
        venue_429_at.push_back(Steady::now());
        if (attempts_left > 1) return cancel_until_done(id, attempts_left - 1);
      }
      cancel_results.emplace_back(id, std::move(result));
    });
  }
  void place(const OrderRequest& request) {
    h().venue().place(request, [this, id = request.client_order_id](VenueResult<OrderState> result) {
      place_results.emplace_back(id, std::move(result));
    });
  }
  std::uint64_t counter(const char* binance_name, const char* okx_name) {
    const auto counters = h().sim().describe().at("counters");
    return counters.at(GetParam() == "binance" ? binance_name : okx_name).get<std::uint64_t>();
  }
  std::uint64_t rate_limited_answers() {
    if (GetParam() == "okx") return counter("", "rate_limited");
    return counter("answered_429", "") + counter("answered_418", "");
  }

  std::vector<Steady::time_point> venue_429_at;
  std::vector<std::pair<std::string, VenueResult<OrderState>>> cancel_results;
  std::vector<std::pair<std::string, VenueResult<OrderState>>> place_results;
};

TEST_P(RateGovernorSimTest, StormCostsOneRequestPerBackoffAndHeldCancelsGoBeforePlaces) {
  for (const char* id : {"rgRest1", "rgRest2", "rgRest3"}) ASSERT_NO_FATAL_FAILURE(rest(id));
  set_faults([](sim::FaultPlan& plan) {
    plan.rate_limit_429_count = 3;
    plan.retry_after_s = 1;
    plan.ban_after_429s = 0;
  });
  const std::uint64_t requests_before = h().server_requests();
  const std::uint64_t limited_before = rate_limited_answers();
  const auto started = Steady::now();

  auto first = h().balances_and_wait();
  ASSERT_FALSE(first.ok());
  ASSERT_EQ(first.error().code, VenueErrc::rate_limited) << first.error().describe();
  ASSERT_FALSE(is_local(first.error())) << "the storm's first request must reach the venue";
  venue_429_at.push_back(Steady::now());
  ASSERT_TRUE(h().venue().rate_health().has_value());
  EXPECT_EQ(h().venue().rate_health()->state, RateHealthState::backing_off);

  // Mixed work arrives while the venue backs off: places and cancels interleaved.
  place(limit_order("rgPlace1", OrderSide::buy, "49000.0"));
  cancel_until_done("rgRest1", 5);
  place(limit_order("rgPlace2", OrderSide::buy, "49000.0"));
  cancel_until_done("rgRest2", 5);
  cancel_until_done("rgRest3", 5);
  ASSERT_TRUE(h().run_until([&] { return cancel_results.size() == 3; }, 20s)) << "the cancels never completed";

  // Places were refused at once, locally: none was sent late into the storm.
  ASSERT_EQ(place_results.size(), 2u);
  for (const auto& [id, result] : place_results) {
    ASSERT_FALSE(result.ok()) << id << " was sent during the backoff";
    EXPECT_EQ(result.error().code, VenueErrc::rate_limited) << id;
    EXPECT_TRUE(is_local(result.error())) << id << ": " << result.error().describe();
  }
  for (const auto& [id, result] : cancel_results) {
    ASSERT_TRUE(result.ok()) << id << ": " << result.error().describe();
    EXPECT_EQ(result.value().status, OrderStatus::canceled) << id;
  }
  // The simulator answered exactly its three 429s, each after the previous one's
  // Retry-After (1 s): one request per backoff, no storm.
  EXPECT_EQ(rate_limited_answers() - limited_before, 3u);
  ASSERT_EQ(venue_429_at.size(), 3u);
  for (std::size_t i = 1; i < venue_429_at.size(); ++i) {
    EXPECT_GE(venue_429_at[i] - venue_429_at[i - 1], 950ms) << "429 " << i << " came before Retry-After passed";
  }
  EXPECT_GE(Steady::now() - started, 2900ms);
  // Balances + 5 cancel attempts (+ OKX's state read after each accepted cancel).
  const std::uint64_t expected = GetParam() == "okx" ? 1 + 5 + 3 : 1 + 5;
  EXPECT_EQ(h().server_requests() - requests_before, expected);

  // The storm is over: the venue is healthy, a place goes and only it rests.
  auto open = h().open_orders_and_wait();
  ASSERT_TRUE(open.ok()) << open.error().describe();
  EXPECT_TRUE(open.value().empty()) << "a held cancel never reached the venue, or a refused place did";
  ASSERT_NO_FATAL_FAILURE(rest("rgAfter"));
  EXPECT_NE(h().venue().rate_health()->state, RateHealthState::quarantined);
}

TEST_P(RateGovernorSimTest, StormEndingInABanQuarantinesTheVenueAndReportsItOnce) {
  ASSERT_NO_FATAL_FAILURE(rest("rgBanRest"));
  std::vector<RateHealth> quarantines;
  h().venue().set_quarantine_listener([&](const RateHealth& health) { quarantines.push_back(health); });
  set_faults([](sim::FaultPlan& plan) {
    plan.rate_limit_429_count = 10;
    plan.retry_after_s = 1;
    plan.ban_after_429s = 2;  // Binance: the 3rd storm request is banned (418); OKX: the 2nd (429 + ban)
    plan.ban_s = 120;
  });
  const std::uint64_t requests_before = h().server_requests();

  auto first = h().balances_and_wait();
  ASSERT_FALSE(first.ok());
  ASSERT_FALSE(is_local(first.error()));

  // Held while backing off: a cancel, a reduce-only close and a cancel_all.
  std::optional<VenueResult<int>> cancelled_all;
  cancel_until_done("rgBanRest", 5);
  OrderRequest close = market_order("rgClose1", OrderSide::sell);
  close.reduce_only = true;
  place(close);
  h().venue().cancel_all(kSymbol, [&](VenueResult<int> result) { cancelled_all.emplace(std::move(result)); });
  ASSERT_TRUE(h().run_until([&] { return !quarantines.empty(); }, 15s)) << "the ban never quarantined the venue";
  ASSERT_TRUE(h().run_until([&] { return cancel_results.size() == 1 && place_results.size() == 1 && cancelled_all; }))
      << "a held request was neither sent nor refused";

  ASSERT_EQ(quarantines.size(), 1u);
  EXPECT_EQ(quarantines[0].state, RateHealthState::quarantined);
  ASSERT_TRUE(quarantines[0].quarantined_until.has_value());
  const auto ban_left = *quarantines[0].quarantined_until - RealClock().utc();
  EXPECT_GT(ban_left, 100s);
  EXPECT_LE(ban_left, 125s);
  // The ban was revealed by the first or second probe: the simulator saw balances + at
  // most two requests, spaced by the backoff.
  const std::uint64_t storm_requests = h().server_requests() - requests_before;
  EXPECT_LE(storm_requests, GetParam() == "binance" ? 3u : 2u);
  // What was still held failed with the ban, locally.
  ASSERT_FALSE(place_results[0].second.ok()) << "the close went out into the ban";
  EXPECT_EQ(place_results[0].second.error().code, VenueErrc::banned) << place_results[0].second.error().describe();
  EXPECT_TRUE(is_local(place_results[0].second.error()));
  ASSERT_FALSE(cancel_results[0].second.ok());
  ASSERT_FALSE(cancelled_all->ok());

  // Quarantined: everything fails fast and nothing reaches the simulator.
  const std::uint64_t banned_at = h().server_requests();
  const auto asked = Steady::now();
  auto placed = h().place_and_wait(limit_order("rgBanned1", OrderSide::buy, "49000.0"));
  auto cancelled = h().cancel_and_wait("rgBanRest");
  auto balances = h().balances_and_wait();
  EXPECT_LT(Steady::now() - asked, 500ms) << "a refusal waited";
  ASSERT_FALSE(placed.ok());
  ASSERT_FALSE(cancelled.ok());
  ASSERT_FALSE(balances.ok());
  for (const VenueError* error : {&placed.error(), &cancelled.error(), &balances.error()}) {
    EXPECT_EQ(error->code, VenueErrc::banned) << error->describe();
    EXPECT_TRUE(is_local(*error)) << error->describe();
    ASSERT_TRUE(error->retry_after.has_value());
    EXPECT_GT(*error->retry_after, 100s);
  }
  EXPECT_EQ(h().server_requests(), banned_at) << "a request reached the venue during the quarantine";
  const auto health = h().venue().rate_health();
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->state, RateHealthState::quarantined);
  EXPECT_GE(health->recent_429, 1u);
  EXPECT_EQ(quarantines.size(), 1u) << "the quarantine was reported more than once";
}

INSTANTIATE_TEST_SUITE_P(BothVenues, RateGovernorSimTest, ::testing::Values("binance", "okx"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace propbot::venues::conformance
