// VenueStats: the router's recent history per venue — refused and unanswered orders as a
// share of the window, the p95 of answer latency — bounded in count and in age.
#include "core/exec/venue_stats.hpp"

#include <gtest/gtest.h>

namespace propbot::exec {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

const MonoTime kStart = MonoTime{} + minutes(100);

TEST(VenueStatsTest, AQuietVenueIsNotABadOne) {
  VenueStats stats;
  const VenueHealthView view = stats.health("BINANCE", kStart);
  EXPECT_EQ(view.samples, 0u);
  EXPECT_EQ(view.reject_rate, 0);
  EXPECT_FALSE(view.latency_p95_ms);
}

TEST(VenueStatsTest, RefusedAndUnansweredOrdersMakeTheRejectRateAndAnswersTheLatency) {
  VenueStats stats;
  for (int i = 1; i <= 18; ++i) stats.record("OKX", OrderAnswer::accepted, milliseconds(i), kStart);
  stats.record("OKX", OrderAnswer::rejected, milliseconds(100), kStart);
  stats.record("OKX", OrderAnswer::failed, milliseconds(5000), kStart);  // no answer: no latency sample
  const VenueHealthView view = stats.health("OKX", kStart);
  EXPECT_EQ(view.samples, 20u);
  EXPECT_DOUBLE_EQ(view.reject_rate, 0.1);
  ASSERT_TRUE(view.latency_p95_ms);
  // 19 answers (1..18 ms and 100 ms): the nearest-rank p95 is the 19th, 100 ms.
  EXPECT_DOUBLE_EQ(*view.latency_p95_ms, 100.0);
  EXPECT_EQ(stats.health("BINANCE", kStart).samples, 0u) << "venues are kept apart";
}

TEST(VenueStatsTest, OnlyTheWindowCountsAndTheCapacityBoundsWhatIsKept) {
  VenueStats stats(/*capacity=*/10, /*window=*/minutes(5));
  for (int i = 0; i < 10; ++i) stats.record("OKX", OrderAnswer::rejected, milliseconds(1), kStart);
  EXPECT_DOUBLE_EQ(stats.health("OKX", kStart).reject_rate, 1.0);
  // Six minutes on the rejects are out of the window: the venue recovers.
  EXPECT_EQ(stats.health("OKX", kStart + minutes(6)).samples, 0u);
  EXPECT_DOUBLE_EQ(stats.health("OKX", kStart + minutes(6)).reject_rate, 0.0);
  // Inside the window the newest `capacity` outcomes are kept: ten accepts push the
  // rejects out.
  for (int i = 0; i < 10; ++i) stats.record("OKX", OrderAnswer::accepted, milliseconds(1), kStart + minutes(1));
  const VenueHealthView view = stats.health("OKX", kStart + minutes(1));
  EXPECT_EQ(view.samples, 10u);
  EXPECT_DOUBLE_EQ(view.reject_rate, 0.0);
}

}  // namespace
}  // namespace propbot::exec
