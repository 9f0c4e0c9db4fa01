#include <cmath>

#include <gtest/gtest.h>

#include "core/venues/sim/random_walk_market.hpp"
#include "core/venues/sim/random_walk_venue.hpp"

namespace propbot::venues::sim {
namespace {

RandomWalkParams params(std::uint64_t seed) {
  RandomWalkParams p;
  p.seed = seed;
  p.start_prices = {{"BTC-USDT", 60'000}, {"ETH-USDT", 3'000}};
  return p;
}

struct Recorder : MarketDataListener {
  void on_book(const md::OrderBook& book) override {
    ++count;
    last_bid = book.best_bid()->price_ticks;
    crossed |= book.crossed();
    valid &= book.valid();
  }
  int count = 0;
  std::int64_t last_bid = 0;
  bool crossed = false;
  bool valid = true;
};

TEST(RandomWalkMarketTest, SameSeedSamePath) {
  RandomWalkMarket a(params(7), {"SIM-A", "SIM-B"}, {"BTC-USDT", "ETH-USDT"});
  RandomWalkMarket b(params(7), {"SIM-A", "SIM-B"}, {"BTC-USDT", "ETH-USDT"});
  a.advance_to(500);
  b.advance_to(500);
  EXPECT_DOUBLE_EQ(a.venue_mid("SIM-B", "BTC-USDT"), b.venue_mid("SIM-B", "BTC-USDT"));
  RandomWalkMarket c(params(8), {"SIM-A", "SIM-B"}, {"BTC-USDT", "ETH-USDT"});
  c.advance_to(500);
  EXPECT_NE(a.venue_mid("SIM-B", "BTC-USDT"), c.venue_mid("SIM-B", "BTC-USDT"));
}

TEST(RandomWalkMarketTest, VenuesStayCloseButDislocateSometimes) {
  auto p = params(3);
  p.dislocation_probability = 0.05;
  RandomWalkMarket market(p, {"SIM-A", "SIM-B"}, {"BTC-USDT"});
  double widest = 0;
  for (std::uint64_t step = 1; step <= 2000; ++step) {
    market.advance_to(step);
    const double a = market.venue_mid("SIM-A", "BTC-USDT");
    const double b = market.venue_mid("SIM-B", "BTC-USDT");
    widest = std::max(widest, std::abs(a - b) / a * 1e4);
    EXPECT_LT(std::abs(a - b) / a * 1e4, p.dislocation_bps_max + 10);
  }
  EXPECT_GT(widest, p.dislocation_bps_min);
}

// A dislocation drifts in and out over a third of its steps each (a jump would read as
// volatility to the regime classifier), is split half and half between the venues (a
// drift of one venue's own series reads as a trend) and reaches its full size between
// them on its plateau.
TEST(RandomWalkMarketTest, ADislocationRampsInAndOutAndReachesItsSize) {
  auto p = params(5);
  p.volatility_bps = 0;
  p.venue_noise_bps = 0;
  p.dislocation_probability = 1.0;  // a new one as soon as the last has ended
  p.dislocation_bps_min = 30;
  p.dislocation_bps_max = 30;
  p.dislocation_steps = 30;
  RandomWalkMarket market(p, {"SIM-A", "SIM-B"}, {"BTC-USDT"});
  double previous = 0, widest = 0, largest_step = 0;
  for (std::uint64_t step = 1; step <= 300; ++step) {
    market.advance_to(step);
    const double a = market.venue_mid("SIM-A", "BTC-USDT");
    const double b = market.venue_mid("SIM-B", "BTC-USDT");
    const double reference = market.reference_mid("BTC-USDT");
    const double gap = (a - b) / reference * 1e4;
    // Each venue carries half: its own series drifts d/2, the spread between them is d.
    EXPECT_LE(std::abs(a - reference) / reference * 1e4, 15.0 + 1e-6);
    EXPECT_LE(std::abs(b - reference) / reference * 1e4, 15.0 + 1e-6);
    widest = std::max(widest, std::abs(gap));
    largest_step = std::max(largest_step, std::abs(gap - previous));
    previous = gap;
  }
  EXPECT_NEAR(widest, 30.0, 1e-6) << "the plateau holds the full size";
  EXPECT_LE(largest_step, 30.0 / 10 + 1e-6) << "never more than size / ramp (10 steps) per step";
}

TEST(RandomWalkVenueTest, PublishesValidUncrossedBooksOnEveryTick) {
  SimClock clock;
  auto market = std::make_shared<RandomWalkMarket>(params(1), std::vector<std::string>{"SIM-A"},
                                                   std::vector<std::string>{"BTC-USDT"});
  md::InstrumentSpec spec{"SIM-A", "BTC-USDT", "PERP", 0.1, 0.001, 5.0};
  RandomWalkVenue venue("SIM-A", {spec}, market, clock, RandomWalkVenueParams{});
  Recorder recorder;
  venue.start(recorder);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(recorder.count, 10);
  EXPECT_FALSE(recorder.crossed);
  EXPECT_TRUE(recorder.valid);
  EXPECT_NEAR(static_cast<double>(recorder.last_bid) * 0.1, 60'000, 600);
  venue.stop();
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(recorder.count, 10) << "no callback after stop()";
}

}  // namespace
}  // namespace propbot::venues::sim
