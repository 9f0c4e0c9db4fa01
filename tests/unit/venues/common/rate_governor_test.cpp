// RateGovernor on a SimClock: priority when the budget is short, no starvation of
// cancels, the 429 backoff (jitter inside its bounds, Retry-After honoured, one probe at
// a time), quarantine on a ban and its end, wait limits and the queue bound.
#include "core/venues/common/rate_governor.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace propbot::venues {
namespace {

using namespace std::chrono_literals;

struct Refusal {
  std::string name;
  VenueError error;
};

RateLimitFeedback ok() { return RateLimitFeedback{}; }
RateLimitFeedback status(int http, std::optional<Nanos> retry_after = std::nullopt) {
  RateLimitFeedback feedback;
  feedback.http_status = http;
  feedback.retry_after = retry_after;
  return feedback;
}

class RateGovernorTest : public ::testing::Test {
 protected:
  static RateLimitPolicy small_limits() {
    RateLimitPolicy limits;
    limits.weight_per_minute = 100;
    limits.orders_per_10s = 1000;
    limits.orders_per_minute = 1000;
    limits.base_backoff = 1s;
    limits.max_backoff = 60s;
    limits.default_ban = 120s;
    return limits;
  }

  void make(GovernorPolicy policy = {}, RateLimitPolicy limits = small_limits()) {
    governor_ = std::make_unique<Harness>(limits, policy, clock_);
  }

  // The governor plus the SimClock timers it asks for.
  struct Harness {
    Harness(RateLimitPolicy limits, GovernorPolicy policy, SimClock& clock)
        : governor("TESTVENUE", limits, policy, clock, [this, &clock](MonoTime at) {
            last_wake = at;
            clock.call_at(at, [this] { governor.on_wakeup(); });
          }) {}
    RateGovernor governor;
    MonoTime last_wake{};
  };

  RateGovernor& g() { return governor_->governor; }

  void submit(RequestPriority priority, const std::string& name, int weight = 1, bool order = false) {
    g().submit(
        priority, RequestCost{weight, order}, [this, name] { sent_.push_back(name); },
        [this, name](VenueError error) { refused_.push_back({name, std::move(error)}); });
  }

  // Uses `weight` of the budget with cancels answered at once (they always fit).
  void use_weight(int weight) {
    submit(RequestPriority::cancel, "fill", weight);
    g().on_response(ok());
    sent_.clear();
  }

  bool was_refused(const std::string& name) const {
    for (const auto& r : refused_) {
      if (r.name == name) return true;
    }
    return false;
  }
  const VenueError& refusal_of(const std::string& name) const {
    for (const auto& r : refused_) {
      if (r.name == name) return r.error;
    }
    ADD_FAILURE() << name << " was not refused";
    static const VenueError none;
    return none;
  }

  SimClock clock_;
  std::unique_ptr<Harness> governor_;
  std::vector<std::string> sent_;
  std::vector<Refusal> refused_;
};

TEST_F(RateGovernorTest, AdmitsAtOnceWhenTheBudgetAllows) {
  make();
  submit(RequestPriority::place, "p1", 1, true);
  submit(RequestPriority::query, "q1", 5);
  EXPECT_EQ(sent_, (std::vector<std::string>{"p1", "q1"}));
  EXPECT_TRUE(refused_.empty());
  EXPECT_EQ(g().in_flight(), 2u);
  EXPECT_EQ(g().health().state, RateHealthState::ok);
  EXPECT_NEAR(g().health().used_weight_fraction, 0.06, 1e-9);
}

TEST_F(RateGovernorTest, LowerClassesAreHeldFirstWhenTheBudgetIsShort) {
  make();
  use_weight(85);  // above the place (80 %) and query (60 %) ceilings, below close (90 %)
  submit(RequestPriority::query, "q1");
  submit(RequestPriority::place, "p1", 1, true);
  submit(RequestPriority::close, "k1", 1, true);
  submit(RequestPriority::cancel, "c1");
  EXPECT_EQ(sent_, (std::vector<std::string>{"k1", "c1"}));
  EXPECT_EQ(g().health().queued, 2u);
  EXPECT_EQ(g().health().state, RateHealthState::throttled);
}

TEST_F(RateGovernorTest, HeldRequestsGoHighestClassFirstWhenTheBudgetFrees) {
  GovernorPolicy policy;
  policy.max_wait = {120s, 120s, 120s, 120s};
  make(policy);
  use_weight(100);  // everything must wait for the minute window to move on
  submit(RequestPriority::query, "q1");
  submit(RequestPriority::place, "p1", 1, true);
  submit(RequestPriority::close, "k1", 1, true);
  submit(RequestPriority::cancel, "c1");
  submit(RequestPriority::place, "p2", 1, true);
  submit(RequestPriority::cancel, "c2");
  EXPECT_TRUE(sent_.empty());
  clock_.advance(61s);
  EXPECT_EQ(sent_, (std::vector<std::string>{"c1", "c2", "k1", "p1", "p2", "q1"}));
  EXPECT_TRUE(refused_.empty());
}

TEST_F(RateGovernorTest, CancelsAreNeverStarvedByPlaces) {
  GovernorPolicy policy;
  policy.max_wait = {120s, 120s, 120s, 120s};
  make(policy);
  for (int i = 0; i < 200; ++i) submit(RequestPriority::place, "p" + std::to_string(i), 1, true);
  // Places stop at their ceiling and queue up; the rest of the budget is the cancels'.
  EXPECT_EQ(sent_.size(), 80u);
  EXPECT_EQ(g().health().queued, 120u);
  sent_.clear();
  submit(RequestPriority::cancel, "c1");
  submit(RequestPriority::cancel, "c2");
  EXPECT_EQ(sent_, (std::vector<std::string>{"c1", "c2"})) << "a cancel waited behind held places";
}

TEST_F(RateGovernorTest, A429HoldsEverythingUntilRetryAfterThenProbesOneAtATime) {
  make();
  submit(RequestPriority::cancel, "c0");
  g().on_response(status(429, 2s));  // Retry-After 2 s beats the jittered first backoff (≤ 1 s)
  EXPECT_EQ(g().health().state, RateHealthState::backing_off);
  EXPECT_EQ(g().health().recent_429, 1u);

  submit(RequestPriority::cancel, "c1");
  submit(RequestPriority::close, "k1", 1, true);
  submit(RequestPriority::cancel, "c2");
  submit(RequestPriority::place, "p1", 1, true);
  submit(RequestPriority::query, "q1");
  // Places and queries are refused at once rather than sent late; nothing else leaves.
  ASSERT_TRUE(was_refused("p1") && was_refused("q1"));
  EXPECT_EQ(refusal_of("p1").code, VenueErrc::rate_limited);
  EXPECT_EQ(refusal_of("p1").venue_code, "LOCAL");
  EXPECT_EQ(refusal_of("p1").retry_after, std::chrono::milliseconds(2000));
  EXPECT_EQ(sent_, (std::vector<std::string>{"c0"}));

  clock_.advance(1999ms);
  EXPECT_EQ(sent_, (std::vector<std::string>{"c0"})) << "a request left before Retry-After passed";
  clock_.advance(1ms);
  EXPECT_EQ(sent_, (std::vector<std::string>{"c0", "c1"})) << "one probe, the first cancel";
  clock_.advance(10s);
  EXPECT_EQ(sent_.size(), 2u) << "a second request left before the probe was answered";
  g().on_response(ok());
  EXPECT_EQ(sent_, (std::vector<std::string>{"c0", "c1", "c2", "k1"}));
  EXPECT_EQ(g().health().state, RateHealthState::ok);
}

// Backoff n (after n 429s in a row) lies in [base·2^(n-1) / 2, base·2^(n-1)], capped.
std::vector<Nanos> backoffs(std::uint64_t seed) {
  SimClock clock;
  RateLimitPolicy limits;
  limits.base_backoff = 1s;
  limits.max_backoff = 16s;
  GovernorPolicy policy;
  policy.jitter_seed = seed;
  std::vector<std::string> sent;
  std::unique_ptr<RateGovernor> governor;
  governor = std::make_unique<RateGovernor>("TESTVENUE", limits, policy, clock, [&](MonoTime at) {
    clock.call_at(at, [&] { governor->on_wakeup(); });
  });
  auto submit = [&](const std::string& name) {
    governor->submit(RequestPriority::cancel, {}, [&, name] { sent.push_back(name); }, [](VenueError) {});
  };
  std::vector<Nanos> waits;
  submit("probe0");
  for (int n = 1; n <= 7; ++n) {
    governor->on_response(status(429));
    const MonoTime answered = clock.now();
    const std::string next = "probe" + std::to_string(n);
    submit(next);
    while (sent.back() != next) clock.advance(1ms);
    waits.push_back(clock.now() - answered);
  }
  return waits;
}

TEST_F(RateGovernorTest, BackoffGrowsExponentiallyWithJitterInsideItsBounds) {
  const auto waits = backoffs(7);
  int below_ceiling = 0;
  for (std::size_t i = 0; i < waits.size(); ++i) {
    const Nanos ceiling = std::min<Nanos>(16s, Nanos(1s) * (std::int64_t{1} << i));
    EXPECT_GE(waits[i], ceiling / 2) << "backoff " << i + 1;
    EXPECT_LE(waits[i], ceiling + 1ms) << "backoff " << i + 1;
    below_ceiling += waits[i] + 1ms < ceiling ? 1 : 0;
  }
  EXPECT_GT(below_ceiling, 0) << "no jitter: every backoff sat on its ceiling";
  EXPECT_GT(waits[4], waits[0] * 2) << "the backoff did not grow";
  EXPECT_EQ(backoffs(7), waits) << "the same seed must give the same backoffs";
  EXPECT_NE(backoffs(8), waits) << "the jitter does not depend on the seed";
}

TEST_F(RateGovernorTest, A418QuarantinesUntilTheBanEndsAndFailsEveryRequestFast) {
  make();
  std::vector<RateHealth> reported;
  g().on_quarantine([&](const RateHealth& health) { reported.push_back(health); });
  submit(RequestPriority::cancel, "c0");
  submit(RequestPriority::place, "p0", 1, true);
  g().on_response(status(429, 1s));
  submit(RequestPriority::cancel, "held");
  g().on_response(status(418, 120s));

  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].state, RateHealthState::quarantined);
  ASSERT_TRUE(reported[0].quarantined_until.has_value());
  EXPECT_EQ(*reported[0].quarantined_until, clock_.utc() + 120s);
  ASSERT_TRUE(was_refused("held")) << "a held cancel survived the ban";
  EXPECT_EQ(refusal_of("held").code, VenueErrc::banned);

  submit(RequestPriority::cancel, "c1");
  ASSERT_TRUE(was_refused("c1"));
  EXPECT_EQ(refusal_of("c1").code, VenueErrc::banned);
  EXPECT_EQ(refusal_of("c1").venue_code, "LOCAL");
  EXPECT_EQ(refusal_of("c1").retry_after, std::chrono::milliseconds(120000));
  EXPECT_EQ(sent_, (std::vector<std::string>{"c0", "p0"}));

  clock_.advance(60s);
  submit(RequestPriority::query, "q1");
  EXPECT_TRUE(was_refused("q1"));
  EXPECT_EQ(g().health().state, RateHealthState::quarantined);

  clock_.advance(60s);
  EXPECT_NE(g().health().state, RateHealthState::quarantined);
  EXPECT_FALSE(g().health().quarantined_until.has_value());
  submit(RequestPriority::cancel, "after");
  EXPECT_EQ(sent_.back(), "after") << "the venue stayed quarantined after the ban ended";
  EXPECT_EQ(reported.size(), 1u);

  g().on_response(status(418, 120s));  // banned again: a new quarantine, reported again
  EXPECT_EQ(reported.size(), 2u);
}

TEST_F(RateGovernorTest, LateBanAnswersOfRequestsInFlightReportTheQuarantineOnce) {
  make();
  int reported = 0;
  g().on_quarantine([&](const RateHealth&) { ++reported; });
  for (int i = 0; i < 3; ++i) submit(RequestPriority::place, "p" + std::to_string(i), 1, true);
  for (int i = 0; i < 3; ++i) g().on_response(status(418, 120s));
  EXPECT_EQ(reported, 1);
  EXPECT_EQ(g().in_flight(), 0u);
}

TEST_F(RateGovernorTest, A429WithALongRetryAfterIsABan) {
  make();
  int reported = 0;
  g().on_quarantine([&](const RateHealth&) { ++reported; });
  submit(RequestPriority::query, "q0");
  g().on_response(status(429, 120s));  // OKX answers a ban with 429 + a long Retry-After
  EXPECT_EQ(reported, 1);
  EXPECT_EQ(g().health().state, RateHealthState::quarantined);
  submit(RequestPriority::cancel, "c1");
  EXPECT_EQ(refusal_of("c1").code, VenueErrc::banned);
}

TEST_F(RateGovernorTest, HeldRequestIsRefusedWhenItsWaitLimitPasses) {
  GovernorPolicy policy;
  policy.max_wait[static_cast<std::size_t>(RequestPriority::place)] = 3s;
  make(policy);
  use_weight(85);
  submit(RequestPriority::place, "p1", 1, true);  // the window frees in a minute
  ASSERT_FALSE(was_refused("p1"));
  EXPECT_EQ(g().health().queued, 1u);
  clock_.advance(2999ms);
  EXPECT_FALSE(was_refused("p1"));
  clock_.advance(1ms);
  ASSERT_TRUE(was_refused("p1"));
  EXPECT_EQ(refusal_of("p1").code, VenueErrc::rate_limited);
  EXPECT_EQ(g().health().queued, 0u);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(RateGovernorTest, HeldPlaceGoesWhenTheOrderBudgetFreesWithinItsWait) {
  GovernorPolicy policy;
  policy.max_wait[static_cast<std::size_t>(RequestPriority::place)] = 10s;
  RateLimitPolicy limits = small_limits();
  limits.orders_per_10s = 5;  // places stop at 4 (80 %)
  make(policy, limits);
  for (int i = 0; i < 5; ++i) submit(RequestPriority::place, "p" + std::to_string(i), 0, true);
  EXPECT_EQ(sent_.size(), 4u);
  clock_.advance(9s);
  EXPECT_EQ(sent_.size(), 4u);
  clock_.advance(1s);  // the ten-second window moved on, exactly at the wait limit
  EXPECT_EQ(sent_.back(), "p4") << "the held place was refused at its deadline instead of going";
  EXPECT_TRUE(refused_.empty());
}

TEST_F(RateGovernorTest, RequestWhoseWaitWouldExceedItsLimitIsRefusedAtOnce) {
  GovernorPolicy policy;
  policy.max_wait[static_cast<std::size_t>(RequestPriority::cancel)] = 500ms;
  make(policy);
  use_weight(100);
  submit(RequestPriority::cancel, "c1");  // the budget is looked at again in a second
  ASSERT_TRUE(was_refused("c1"));
  EXPECT_EQ(refusal_of("c1").code, VenueErrc::rate_limited);
  EXPECT_EQ(refusal_of("c1").retry_after, std::chrono::milliseconds(1000));
}

TEST_F(RateGovernorTest, AFullQueueRefusesTheNextRequest) {
  GovernorPolicy policy;
  policy.max_queued_per_class = 2;
  make(policy);
  use_weight(85);
  for (int i = 0; i < 3; ++i) submit(RequestPriority::query, "q" + std::to_string(i));
  EXPECT_FALSE(was_refused("q0"));
  EXPECT_FALSE(was_refused("q1"));
  ASSERT_TRUE(was_refused("q2"));
  EXPECT_NE(refusal_of("q2").venue_message.find("queue full"), std::string::npos);
}

TEST_F(RateGovernorTest, AProbeWithoutAnswerFreesTheWayForTheNext) {
  make();
  submit(RequestPriority::cancel, "c0");
  g().on_response(status(429, 1s));
  submit(RequestPriority::cancel, "c1");
  submit(RequestPriority::cancel, "c2");
  clock_.advance(1s);
  ASSERT_EQ(sent_.back(), "c1");
  g().on_no_response();  // the probe's connection failed: it tells nothing about the limit
  EXPECT_EQ(sent_.back(), "c2") << "a transport failure blocked the queue";
  EXPECT_EQ(g().health().state, RateHealthState::backing_off) << "still probing";
}

TEST_F(RateGovernorTest, RefuseAllEmptiesTheQueues) {
  make();
  use_weight(85);
  submit(RequestPriority::place, "p1", 1, true);
  VenueError closed{VenueErrc::network, "NOT_SENT", "closed", 0, std::nullopt};
  g().refuse_all(closed);
  ASSERT_TRUE(was_refused("p1"));
  EXPECT_EQ(refusal_of("p1").code, VenueErrc::network);
  EXPECT_EQ(g().health().queued, 0u);
}

}  // namespace
}  // namespace propbot::venues
