// Runaway breakers: orders/min and cancels/min for the desk and each strategy over a
// 60 s window that slides second by second, trips that stay until an operator resets
// them, a place→cancel loop reported as possible_logic_loop, and state that stays
// bounded however many strategies come and go.
#include "core/risk/runaway_breaker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace propbot::risk {
namespace {

using std::chrono::milliseconds;

MonoTime at_ms(std::int64_t ms) { return MonoTime{} + milliseconds(ms); }

RunawayLimits small_limits() {
  RunawayLimits limits;
  limits.max_orders_per_min = 8;
  limits.max_cancels_per_min = 8;
  limits.strategy_max_orders_per_min = 5;
  limits.strategy_max_cancels_per_min = 5;
  limits.loop_cycles = 4;
  return limits;
}

// Rates far above what the loop tests send, so only the loop detector can trip.
RunawayLimits loop_limits() {
  RunawayLimits limits = small_limits();
  limits.strategy_max_orders_per_min = limits.max_orders_per_min = 1000;
  limits.strategy_max_cancels_per_min = limits.max_cancels_per_min = 1000;
  return limits;
}

// The verdict carries a trip of this scope and kind.
::testing::AssertionResult has_trip(const BreakerVerdict& verdict, BreakerScope scope, BreakerKind kind) {
  if (!verdict.trip) return ::testing::AssertionFailure() << "no trip";
  if (verdict.trip->scope != scope || verdict.trip->kind != kind) {
    return ::testing::AssertionFailure() << "trip is " << to_string(verdict.trip->scope) << "/"
                                         << to_string(verdict.trip->kind);
  }
  return ::testing::AssertionSuccess();
}

// `n` orders of `strategy` at `ms`, each expected to be admitted.
void place(RunawayBreaker& breaker, const std::string& strategy, int n, std::int64_t ms,
           const char* symbol = "BTC-USDT") {
  for (int i = 0; i < n; ++i) {
    const BreakerVerdict verdict = breaker.admit_order(strategy, symbol, at_ms(ms));
    ASSERT_TRUE(verdict.allowed) << strategy << " order " << i << " at " << ms << " ms: "
                                 << (verdict.trip ? verdict.trip->reason_text() : "");
  }
}

TEST(RunawayBreakerTest, NamesAreStable) {
  EXPECT_EQ(to_string(BreakerScope::global), "global");
  EXPECT_EQ(to_string(BreakerScope::strategy), "strategy");
  const char* kinds[] = {"orders_per_min", "cancels_per_min", "possible_logic_loop", "too_many_strategies"};
  for (std::size_t i = 0; i < kAllBreakerKinds.size(); ++i) EXPECT_EQ(to_string(kAllBreakerKinds[i]), kinds[i]);
}

TEST(RunawayBreakerTest, LimitsComeFromTheConfigAndAreNeverOff) {
  const RunawayLimits limits = runaway_limits_from_config(300, 600);
  EXPECT_EQ(limits.max_orders_per_min, 300u);
  EXPECT_EQ(limits.strategy_max_orders_per_min, 300u);
  EXPECT_EQ(limits.max_cancels_per_min, 600u);
  EXPECT_EQ(limits.strategy_max_cancels_per_min, 600u);
  EXPECT_THROW(RunawayBreaker(runaway_limits_from_config(0, 600)), std::invalid_argument);
  EXPECT_THROW(RunawayBreaker(runaway_limits_from_config(300, -1)), std::invalid_argument);
  RunawayLimits bad_window;
  bad_window.loop_window_seconds = 0;
  EXPECT_THROW(RunawayBreaker{bad_window}, std::invalid_argument);
}

TEST(RunawayBreakerTest, TheDefaultsAdmit300OrdersAMinuteAndTripOnThe301st) {
  RunawayBreaker breaker;
  for (int i = 0; i < 300; ++i) {
    // Spread over strategies so that only the desk's limit is in play.
    ASSERT_TRUE(breaker.admit_order("s" + std::to_string(i % 3), "SYM" + std::to_string(i), at_ms(i * 100)).allowed);
  }
  const BreakerVerdict verdict = breaker.admit_order("s0", "X", at_ms(30'000));
  ASSERT_FALSE(verdict.allowed);
  ASSERT_TRUE(verdict.trip);
  EXPECT_EQ(verdict.trip->scope, BreakerScope::global);
  EXPECT_EQ(verdict.trip->count, 301u);
  EXPECT_EQ(verdict.trip->limit, 300u);
}

TEST(RunawayBreakerTest, AStrategyOverItsLimitTripsItsOwnScopeWithAReasonForThe423) {
  RunawayBreaker breaker(small_limits());
  place(breaker, "arb", 5, 1'000);
  const BreakerVerdict verdict = breaker.admit_order("arb", "BTC-USDT", at_ms(1'500));
  ASSERT_FALSE(verdict.allowed);
  EXPECT_TRUE(verdict.tripped_now);
  ASSERT_TRUE(verdict.trip);
  const Trip& trip = *verdict.trip;
  EXPECT_EQ(trip.scope, BreakerScope::strategy);
  EXPECT_EQ(trip.kind, BreakerKind::orders_per_min);
  EXPECT_EQ(trip.strategy, "arb");
  EXPECT_EQ(trip.count, 6u);
  EXPECT_EQ(trip.limit, 5u);
  EXPECT_EQ(trip.window_seconds, 60);
  EXPECT_EQ(trip.tripped_at, at_ms(1'500));
  const std::string text = trip.reason_text();
  EXPECT_NE(text.find("'arb'"), std::string::npos) << text;
  EXPECT_NE(text.find("6 in 60 s, limit 5"), std::string::npos) << text;
  EXPECT_NE(text.find("until an operator resets"), std::string::npos) << text;

  const BreakerVerdict again = breaker.admit_order("arb", "BTC-USDT", at_ms(1'600));
  EXPECT_FALSE(again.allowed);
  EXPECT_FALSE(again.tripped_now) << "the incident is raised once";
  EXPECT_EQ(again.trip->tripped_at, at_ms(1'500));
  EXPECT_TRUE(breaker.admit_order("other", "BTC-USDT", at_ms(1'600)).allowed) << "another strategy is not stopped";
}

TEST(RunawayBreakerTest, TheWindowForgetsAnEventWhenItsSecondLeavesTheWindow) {
  // Five orders in second 10 (at 10.999 s): they count through second 69 and are gone in
  // second 70, i.e. the window is the current second and the 59 before it.
  {
    RunawayBreaker breaker(small_limits());
    place(breaker, "arb", 5, 10'999);
    EXPECT_FALSE(breaker.admit_order("arb", "BTC-USDT", at_ms(69'999)).allowed);
  }
  {
    RunawayBreaker breaker(small_limits());
    place(breaker, "arb", 5, 10'999);
    place(breaker, "arb", 5, 70'000);
    EXPECT_FALSE(breaker.admit_order("arb", "BTC-USDT", at_ms(70'001)).allowed) << "the new five fill the window";
  }
  {
    RunawayBreaker breaker(small_limits());
    place(breaker, "arb", 5, 10'000);
    place(breaker, "arb", 5, 70'000);  // an event at 10.000 s is gone at 70.000 s
  }
}

TEST(RunawayBreakerTest, TheWindowSlidesEventByEvent) {
  RunawayBreaker breaker(small_limits());
  place(breaker, "arb", 3, 0);
  place(breaker, "arb", 2, 30'000);
  place(breaker, "arb", 3, 60'000);  // the three from second 0 are gone: 2 + 3 in the window
  const BreakerVerdict verdict = breaker.admit_order("arb", "BTC-USDT", at_ms(60'500));
  ASSERT_FALSE(verdict.allowed);
  EXPECT_EQ(verdict.trip->count, 6u);
}

TEST(RunawayBreakerTest, StrategiesTogetherTripTheDeskAndTheDeskStopsEveryone) {
  RunawayBreaker breaker(small_limits());  // 5 per strategy, 8 for the desk
  place(breaker, "a", 5, 1'000);
  EXPECT_FALSE(breaker.admit_order("a", "BTC-USDT", at_ms(1'100)).allowed);  // a's own scope; not counted
  place(breaker, "b", 3, 1'200);
  const BreakerVerdict verdict = breaker.admit_order("b", "ETH-USDT", at_ms(1'300));
  ASSERT_FALSE(verdict.allowed);
  EXPECT_TRUE(verdict.tripped_now);
  EXPECT_TRUE(has_trip(verdict, BreakerScope::global, BreakerKind::orders_per_min));
  EXPECT_EQ(verdict.trip->strategy, "b");
  EXPECT_EQ(verdict.trip->count, 9u);
  EXPECT_NE(verdict.trip->reason_text().find("the desk"), std::string::npos);

  const BreakerVerdict third = breaker.admit_order("c", "BTC-USDT", at_ms(1'400));
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.trip->scope, BreakerScope::global);
  EXPECT_EQ(breaker.trips().size(), 2u);
  EXPECT_EQ(breaker.trips()[0].scope, BreakerScope::global) << "the desk's trip first";
}

TEST(RunawayBreakerTest, ATripOutlivesTheWindowUntilAnOperatorResetsIt) {
  RunawayBreaker breaker(small_limits());
  place(breaker, "a", 5, 0);
  ASSERT_FALSE(breaker.admit_order("a", "BTC-USDT", at_ms(100)).allowed);
  EXPECT_TRUE(breaker.tripped());
  EXPECT_FALSE(breaker.admit_order("a", "BTC-USDT", at_ms(3'600'000)).allowed) << "an hour later, still tripped";
  EXPECT_FALSE(breaker.reset_strategy("nobody"));
  EXPECT_TRUE(breaker.reset_strategy("a"));
  EXPECT_FALSE(breaker.tripped());
  EXPECT_TRUE(breaker.admit_order("a", "BTC-USDT", at_ms(3'600'100)).allowed);

  place(breaker, "b", 5, 3'600'200);
  EXPECT_FALSE(breaker.admit_order("b", "BTC-USDT", at_ms(3'600'300)).allowed) << "b's own 6th";
  breaker.reset();
  EXPECT_FALSE(breaker.tripped());
  EXPECT_TRUE(breaker.trips().empty());
  EXPECT_FALSE(breaker.admit_order("b", "BTC-USDT", at_ms(3'600'400)).allowed)
      << "counts are kept: still 5 in the window, the 6th trips again";
}

TEST(RunawayBreakerTest, CancelsStillGoAfterAnOrdersTripButACancelsTripStopsBoth) {
  RunawayBreaker breaker(small_limits());
  place(breaker, "a", 5, 0);
  ASSERT_FALSE(breaker.admit_order("a", "BTC-USDT", at_ms(10)).allowed);
  EXPECT_TRUE(breaker.admit_cancel("a", "BTC-USDT", at_ms(20)).allowed) << "a cancel reduces risk";

  RunawayBreaker cancels(small_limits());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cancels.admit_cancel("q", "SYM" + std::to_string(i), at_ms(i)).allowed);
  const BreakerVerdict verdict = cancels.admit_cancel("q", "BTC-USDT", at_ms(10));
  ASSERT_FALSE(verdict.allowed);
  EXPECT_TRUE(has_trip(verdict, BreakerScope::strategy, BreakerKind::cancels_per_min));
  EXPECT_FALSE(cancels.admit_cancel("q", "BTC-USDT", at_ms(20)).allowed);
  const BreakerVerdict order = cancels.admit_order("q", "BTC-USDT", at_ms(30));
  EXPECT_FALSE(order.allowed);
  EXPECT_EQ(order.trip->kind, BreakerKind::cancels_per_min);
  EXPECT_NE(order.trip->reason_text().find("orders and cancels"), std::string::npos);
}

TEST(RunawayBreakerTest, TheDesksCancelLimitTripsGlobally) {
  RunawayBreaker breaker(small_limits());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(breaker.admit_cancel("s" + std::to_string(i % 4), "X", at_ms(i)).allowed);
  const BreakerVerdict verdict = breaker.admit_cancel("s9", "X", at_ms(100));
  ASSERT_FALSE(verdict.allowed);
  EXPECT_TRUE(has_trip(verdict, BreakerScope::global, BreakerKind::cancels_per_min));
  EXPECT_FALSE(breaker.admit_order("s9", "X", at_ms(200)).allowed);
}

TEST(RunawayBreakerTest, APlaceCancelLoopOnOneSymbolIsAPossibleLogicLoop) {
  RunawayBreaker breaker(loop_limits());  // loop_cycles 4
  for (int i = 0; i < 3; ++i) {
    place(breaker, "mm", 1, i * 1'000);
    const BreakerVerdict cancel = breaker.admit_cancel("mm", "BTC-USDT", at_ms(i * 1'000 + 500));
    ASSERT_TRUE(cancel.allowed);
    EXPECT_FALSE(cancel.trip);
  }
  place(breaker, "mm", 1, 3'000);
  const BreakerVerdict fourth = breaker.admit_cancel("mm", "BTC-USDT", at_ms(3'500));
  EXPECT_TRUE(fourth.allowed) << "the cancel itself still goes";
  EXPECT_TRUE(fourth.tripped_now);
  ASSERT_TRUE(has_trip(fourth, BreakerScope::strategy, BreakerKind::possible_logic_loop));
  EXPECT_EQ(fourth.trip->symbol, "BTC-USDT");
  EXPECT_EQ(fourth.trip->count, 4u);
  EXPECT_NE(fourth.trip->reason_text().find("possible_logic_loop"), std::string::npos);

  const BreakerVerdict next = breaker.admit_order("mm", "BTC-USDT", at_ms(4'000));
  EXPECT_FALSE(next.allowed);
  EXPECT_EQ(next.trip->kind, BreakerKind::possible_logic_loop);
  EXPECT_TRUE(breaker.admit_cancel("mm", "ETH-USDT", at_ms(4'100)).allowed);
}

TEST(RunawayBreakerTest, CyclesCountPerSymbolWithinTheLoopWindowAndNeedAPlace) {
  RunawayBreaker breaker(loop_limits());
  auto cycle = [&](const char* symbol, std::int64_t ms) {
    place(breaker, "mm", 1, ms, symbol);
    return breaker.admit_cancel("mm", symbol, at_ms(ms + 100));
  };
  // Three cycles each on two symbols: six in all, but never four on one.
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(cycle("BTC-USDT", i * 1'000).trip);
    EXPECT_FALSE(cycle("ETH-USDT", i * 1'000 + 200).trip);
  }
  // Cancels with nothing placed are not cycles.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(breaker.admit_cancel("mm", "BTC-USDT", at_ms(5'000 + i)).trip);
  // The window slides: cycles leave it when their second does.
  EXPECT_FALSE(cycle("BTC-USDT", 60'500).trip) << "second 0 has left the window: 1 s, 2 s, 60 s";
  EXPECT_FALSE(cycle("BTC-USDT", 61'500).trip) << "2 s, 60 s, 61 s";
  EXPECT_TRUE(cycle("BTC-USDT", 61'700).trip) << "2 s, 60 s, 61 s, 61 s: four within the window";
}

TEST(RunawayBreakerTest, IdleStrategiesAreForgottenSoStateStaysBounded) {
  RunawayLimits limits = small_limits();
  limits.max_orders_per_min = 1000;
  RunawayBreaker breaker(limits);
  for (int i = 0; i < 10'000; ++i) {
    place(breaker, "strategy-" + std::to_string(i), 1, static_cast<std::int64_t>(i) * 1'000, "BTC-USDT");
    ASSERT_LE(breaker.tracked_strategies(), 61u) << "one a second, each idle after 60 s";
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GE(breaker.tracked_strategies(), 60u);
}

TEST(RunawayBreakerTest, TrippedStrategiesAreNeverForgotten) {
  RunawayLimits limits = small_limits();
  limits.max_orders_per_min = 1000;
  RunawayBreaker breaker(limits);
  place(breaker, "bad", 5, 0);
  ASSERT_FALSE(breaker.admit_order("bad", "X", at_ms(10)).allowed);
  for (int i = 0; i < 200; ++i) place(breaker, "s" + std::to_string(i), 1, 100'000 + i * 1'000);
  EXPECT_FALSE(breaker.admit_order("bad", "X", at_ms(400'000)).allowed);
  ASSERT_EQ(breaker.trips().size(), 1u);
  EXPECT_EQ(breaker.trips()[0].strategy, "bad");
}

TEST(RunawayBreakerTest, MoreActiveStrategiesThanTheBoundTripTheDesk) {
  RunawayLimits limits = small_limits();
  limits.max_orders_per_min = 1000;
  limits.max_strategies = 10;
  RunawayBreaker breaker(limits);
  for (int i = 0; i < 10; ++i) place(breaker, "s" + std::to_string(i), 1, i);
  EXPECT_EQ(breaker.tracked_strategies(), 10u);
  EXPECT_TRUE(breaker.admit_cancel("eleventh", "X", at_ms(20)).allowed) << "a cancel is never stopped by the bound";
  const BreakerVerdict verdict = breaker.admit_order("eleventh", "X", at_ms(30));
  ASSERT_FALSE(verdict.allowed);
  EXPECT_TRUE(has_trip(verdict, BreakerScope::global, BreakerKind::too_many_strategies));
  EXPECT_EQ(verdict.trip->limit, 10u);
  EXPECT_EQ(breaker.tracked_strategies(), 10u);
}

TEST(RunawayBreakerTest, LoopStateKeepsAtMostTheBoundOfSymbolsPerStrategy) {
  RunawayLimits limits = loop_limits();
  limits.max_symbols_per_strategy = 2;
  limits.loop_cycles = 1;  // any matched cancel is a loop: shows whose state is kept
  RunawayBreaker breaker(limits);
  // Open places on BTC, then ETH and SOL: the third symbol pushes out the least recent
  // (BTC), whose cancels then find nothing placed; ETH's state is kept.
  place(breaker, "mm", 3, 0, "BTC-USDT");
  place(breaker, "mm", 1, 1'000, "ETH-USDT");
  place(breaker, "mm", 1, 2'000, "SOL-USDT");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(breaker.admit_cancel("mm", "BTC-USDT", at_ms(3'000 + i)).trip);
  const BreakerVerdict eth = breaker.admit_cancel("mm", "ETH-USDT", at_ms(4'000));
  ASSERT_TRUE(eth.trip);
  EXPECT_EQ(eth.trip->symbol, "ETH-USDT");
}

}  // namespace
}  // namespace propbot::risk
