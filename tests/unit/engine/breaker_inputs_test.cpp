// BreakerInputs: the circuit-breaker metrics the core computes, against hand numbers —
// the cross-venue spread std, the gap p95 and its bounded ring, staleness, crossed
// books, mark/index/last/funding/basis, depeg, the global snapshot and the routes'
// order — and, on the shipped rules, a calm paper-like market that trips nothing.
#include "core/engine/breaker_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

#include "core/venues/sim/random_walk_market.hpp"

namespace propbot::engine {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const MonoTime kStart = MonoTime{} + std::chrono::hours(1);
const UtcTime kUtc = UtcTime{} + std::chrono::hours(24 * 365 * 56);

md::OrderBook make_book(const std::string& venue, const std::string& symbol, double bid, double ask, MonoTime at,
                        double tick = 0.01) {
  md::InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = symbol;
  spec.tick_size = tick;
  spec.lot_size = 0.001;
  md::OrderBook book(spec);
  const std::vector<md::BookLevel> bids{{std::llround(bid / tick), 1'000}};
  const std::vector<md::BookLevel> asks{{std::llround(ask / tick), 1'000}};
  book.apply_snapshot(bids, asks, 1, at);
  return book;
}

venues::FundingInfo funding(const std::string& symbol, const char* mark, const char* index, const char* rate) {
  venues::FundingInfo info;
  info.symbol = symbol;
  info.mark_price = *Decimal::parse(mark);
  info.index_price = *Decimal::parse(index);
  info.funding_rate = *Decimal::parse(rate);
  return info;
}

class BreakerInputsTest : public ::testing::Test {
 protected:
  // One book message as the engine delivers it: board, features, breaker inputs.
  void feed(const std::string& venue, const std::string& symbol, double bid, double ask, MonoTime at,
            double tick = 0.01) {
    const md::OrderBook& held = board_.on_book(make_book(venue, symbol, bid, ask, at, tick));
    stage_.on_book(held, at);
    inputs_.on_book(held, at);
  }
  void feed_mid(const std::string& venue, double mid, MonoTime at) { feed(venue, "BTC-USDT", mid - 0.01, mid + 0.01, at); }

  const std::vector<scripting::BreakerMetrics>& collect(MonoTime now, const DeskBreakerFigures& desk = {}) {
    inputs_.collect(board_, stage_, desk, venues_, symbols_, now, out_);
    return out_;
  }
  const scripting::BreakerMetrics& route(MonoTime now) {
    collect(now);
    EXPECT_EQ(out_.size(), 2u);
    return out_.back();
  }

  BookBoard board_;
  PolicyStage stage_;
  BreakerInputs inputs_;
  std::vector<std::string> venues_{"BINANCE", "OKX"};
  std::vector<std::string> symbols_{"BTC-USDT"};
  std::vector<scripting::BreakerMetrics> out_;
};

TEST_F(BreakerInputsTest, CrossSpreadStdIsThePopulationStdOfAHandSeries) {
  // OKX at 100 throughout; BINANCE at 100, 100.1, 100.2, 100.1: spreads 0, 10, 20, 10 bps
  // (BINANCE − OKX, the venues in name order) → mean 10, variance 50.
  feed_mid("OKX", 100.0, kStart);  // alone: no sample yet
  feed_mid("BINANCE", 100.0, kStart + milliseconds(100));
  feed_mid("BINANCE", 100.1, kStart + milliseconds(200));
  feed_mid("BINANCE", 100.2, kStart + milliseconds(300));
  feed_mid("BINANCE", 100.1, kStart + milliseconds(400));
  const scripting::BreakerMetrics& m = route(kStart + seconds(1));
  EXPECT_EQ(m.scope, scripting::BreakerScope::route);
  EXPECT_EQ(m.symbol, "BTC-USDT");
  EXPECT_EQ(m.venues, "BINANCE/OKX");
  EXPECT_NEAR(m.spread_std_bps, std::sqrt(50.0), 1e-6);
}

TEST_F(BreakerInputsTest, CrossSpreadSamplesOlderThanTheWindowDropOut) {
  feed_mid("OKX", 100.0, kStart);
  feed_mid("BINANCE", 105.0, kStart);  // 500 bps, a minute before the rest
  feed_mid("BINANCE", 100.0, kStart + seconds(61));
  feed_mid("BINANCE", 100.2, kStart + seconds(62));  // 0 and 20 bps: std 10
  EXPECT_NEAR(route(kStart + seconds(62)).spread_std_bps, 10.0, 1e-6);
}

TEST_F(BreakerInputsTest, AnInvalidBookStopsFeedingTheCrossSpread) {
  feed_mid("OKX", 100.0, kStart);
  feed_mid("BINANCE", 100.0, kStart);
  board_.on_book_state("OKX", "BTC-USDT", false, "gap", kUtc);
  collect(kStart + milliseconds(100));  // drops OKX's last mid
  feed_mid("BINANCE", 101.0, kStart + milliseconds(200));  // would be 100 bps against the stale OKX mid
  EXPECT_DOUBLE_EQ(route(kStart + milliseconds(300)).spread_std_bps, 0.0) << "one sample only";
}

TEST_F(BreakerInputsTest, GapP95IsTheNearestRankOfTheLastGapsOfTheWorseVenue) {
  // BINANCE: gaps of 100, 200, …, 2000 ms (20 gaps): nearest-rank p95 = the 19th = 1900.
  MonoTime at = kStart;
  feed_mid("BINANCE", 100.0, at);
  for (int i = 1; i <= 20; ++i) feed_mid("BINANCE", 100.0, at += milliseconds(100 * i));
  // OKX: steady 10 ms gaps.
  MonoTime okx = kStart;
  for (int i = 0; i < 50; ++i) feed_mid("OKX", 100.0, okx += milliseconds(10));
  EXPECT_DOUBLE_EQ(route(at).ws_gap_ms_p95, 1900.0);

  // The ring keeps the last 256 gaps: 300 more of 50 ms push every long gap out.
  for (int i = 0; i < 300; ++i) feed_mid("BINANCE", 100.0, at += milliseconds(50));
  EXPECT_DOUBLE_EQ(route(at).ws_gap_ms_p95, 50.0);
}

TEST_F(BreakerInputsTest, StalenessIsTheOlderBookAndTheGlobalCarriesTheWorst) {
  feed_mid("BINANCE", 100.0, kStart + seconds(1));
  feed_mid("OKX", 100.0, kStart + seconds(3));
  const auto& out = collect(kStart + seconds(10));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[1].book_staleness_ms, 9'000.0);
  EXPECT_DOUBLE_EQ(out[0].book_staleness_ms, 9'000.0);
  EXPECT_DOUBLE_EQ(out[0].ws_gap_ms, 9'000.0) << "the worst valid book's age, as before";
}

TEST_F(BreakerInputsTest, CrossedBooksCountBidAtOrAboveAskAndFeedVerdictsOfCrossed) {
  feed("BINANCE", "BTC-USDT", 100.0, 101.0, kStart);
  feed("OKX", "BTC-USDT", 100.0, 101.0, kStart);
  EXPECT_DOUBLE_EQ(route(kStart).crossed_books, 0.0);
  feed("BINANCE", "BTC-USDT", 101.0, 100.5, kStart + milliseconds(1));  // bid > ask
  EXPECT_DOUBLE_EQ(route(kStart + milliseconds(1)).crossed_books, 1.0);
  board_.on_book_state("OKX", "BTC-USDT", false, "gap", kUtc);
  EXPECT_DOUBLE_EQ(route(kStart + milliseconds(1)).crossed_books, 1.0) << "a gap is not a crossed book";
  board_.on_book_state("OKX", "BTC-USDT", false, "crossed", kUtc);
  EXPECT_DOUBLE_EQ(route(kStart + milliseconds(1)).crossed_books, 2.0);
}

TEST_F(BreakerInputsTest, FundingFiguresTakeTheWorseVenueAndReadZeroWhenUnknown) {
  feed_mid("BINANCE", 100.5, kStart);
  feed_mid("OKX", 100.0, kStart);
  EXPECT_DOUBLE_EQ(route(kStart).mark_index_divergence_bps, 0.0) << "no funding info yet";
  // BINANCE: mark 101, index 100, mid 100.5, rate 5 bps.
  board_.on_funding("BINANCE", funding("BTC-USDT", "101", "100", "0.0005"));
  // OKX: mark 100 = its mid, index unknown (0), rate -10 bps.
  board_.on_funding("OKX", funding("BTC-USDT", "100", "0", "-0.001"));
  const scripting::BreakerMetrics& m = route(kStart);
  EXPECT_NEAR(m.mark_index_divergence_bps, 100.0, 1e-9);               // |101 − 100| / 100
  EXPECT_NEAR(m.mark_last_divergence_bps, 0.5 / 100.5 * 1e4, 1e-9);    // |101 − 100.5| / 100.5
  EXPECT_NEAR(m.basis_bps, 50.0, 1e-9);                                 // |100.5 − 100| / 100
  EXPECT_NEAR(m.funding_rate_abs_bps, 10.0, 1e-9);                      // OKX's |−0.001|
}

TEST_F(BreakerInputsTest, DepegIsZeroWithoutAStablecoinPairAndMeasuredWithOne) {
  feed_mid("BINANCE", 100.0, kStart);
  feed_mid("OKX", 100.0, kStart);
  EXPECT_DOUBLE_EQ(collect(kStart).front().depeg_bps, 0.0);
  symbols_.push_back("USDC-USDT");
  feed("BINANCE", "USDC-USDT", 0.9989, 0.9991, kStart, 0.0001);  // mid 0.9990: 10 bps off
  feed("OKX", "USDC-USDT", 0.9994, 0.9996, kStart, 0.0001);      // 5 bps
  const auto& out = collect(kStart);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_NEAR(out[0].depeg_bps, 10.0, 1e-6);
  EXPECT_NEAR(out[1].depeg_bps, 10.0, 1e-6) << "every route sees it too";
}

TEST_F(BreakerInputsTest, GlobalFirstWithTheDeskFiguresThenRoutesInOrderOfListedBooksOnly) {
  venues_ = {"OKX", "BINANCE", "BYBIT"};
  symbols_ = {"ETH-USDT", "BTC-USDT"};
  for (const char* venue : {"OKX", "BINANCE", "BYBIT"}) {
    feed(venue, "ETH-USDT", 3'000, 3'000.1, kStart);
    feed(venue, "BTC-USDT", 60'000, 60'000.1, kStart);
  }
  feed("KRAKEN", "BTC-USDT", 60'000, 60'000.1, kStart);  // not a listed venue
  DeskBreakerFigures desk;
  desk.drawdown_usdt = 12;
  desk.reject_rate = 0.1;
  desk.cancel_fail_rate = 0.2;
  desk.hedge_latency_ms_p95 = 30;
  desk.hedge_latency_ms_p99 = 40;
  desk.consecutive_losses = 3;
  desk.loss_today_usdt = 55;
  const auto& out = collect(kStart + seconds(1), desk);
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(out[0].scope, scripting::BreakerScope::global);
  EXPECT_TRUE(out[0].symbol.empty());
  EXPECT_TRUE(out[0].venues.empty());
  EXPECT_DOUBLE_EQ(out[0].drawdown_usdt, 12);
  EXPECT_DOUBLE_EQ(out[0].reject_rate, 0.1);
  EXPECT_DOUBLE_EQ(out[0].cancel_fail_rate, 0.2);
  EXPECT_DOUBLE_EQ(out[0].hedge_latency_ms_p95, 30);
  EXPECT_DOUBLE_EQ(out[0].hedge_latency_ms_p99, 40);
  EXPECT_DOUBLE_EQ(out[0].consecutive_losses, 3);
  EXPECT_DOUBLE_EQ(out[0].loss_today_usdt, 55);
  const char* expected[][2] = {{"BTC-USDT", "BINANCE/BYBIT"}, {"BTC-USDT", "BINANCE/OKX"}, {"BTC-USDT", "BYBIT/OKX"},
                               {"ETH-USDT", "BINANCE/BYBIT"}, {"ETH-USDT", "BINANCE/OKX"}, {"ETH-USDT", "BYBIT/OKX"}};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(out[i + 1].scope, scripting::BreakerScope::route);
    EXPECT_EQ(out[i + 1].symbol, expected[i][0]);
    EXPECT_EQ(out[i + 1].venues, expected[i][1]);
    EXPECT_DOUBLE_EQ(out[i + 1].drawdown_usdt, 0) << "desk figures are the global scope's";
  }
  // A reused vector: a smaller universe shrinks it, the next collect refills it.
  symbols_ = {"ETH-USDT"};
  EXPECT_EQ(collect(kStart + seconds(1)).size(), 4u);
}

TEST_F(BreakerInputsTest, VolatilityIsTheWorseVenuesRealisedVol) {
  MonoTime at = kStart;
  for (int i = 0; i < 50; ++i) {
    at += milliseconds(100);
    feed_mid("BINANCE", 100.0 + (i % 2) * 0.1, at);  // 10 bps wiggle
    feed_mid("OKX", 100.0 + (i % 2) * 0.02, at);     // 2 bps wiggle
  }
  scripting::RegimeFeatures binance, okx;
  ASSERT_TRUE(stage_.features_of("BINANCE", "BTC-USDT", at, binance));
  ASSERT_TRUE(stage_.features_of("OKX", "BTC-USDT", at, okx));
  ASSERT_GT(binance.realised_vol_bps, okx.realised_vol_bps);
  EXPECT_DOUBLE_EQ(route(at).volatility_bps, binance.realised_vol_bps);
}

TEST_F(BreakerInputsTest, NoRouteUntilBothBooksHaveSpoken) {
  feed_mid("BINANCE", 100.0, kStart);
  const auto& out = collect(kStart);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].scope, scripting::BreakerScope::global);
  EXPECT_EQ(inputs_.routes(), 0u);
}

// The shipped rules on a paper-like market (configs/paper.yaml sim: 0.3 bps a tick,
// 0.3 bps venue noise, one 10..45 bps dislocation of 3 s at a time) and on its worst
// case (45 bps dislocations back to back, random sides): no rule fires.
class CalmMarketTest : public ::testing::TestWithParam<double> {};

TEST_P(CalmMarketTest, TheShippedRulesStayQuiet) {
  auto bundle = bundle::read_bundle(PROPBOT_SOURCE_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.error().describe();
  SimClock clock;
  config::Config config;
  auto loaded = PolicyStage::build(config, &*bundle, clock);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  PolicyStage stage;
  stage.install(std::move(*loaded));
  BookBoard board;
  BreakerInputs inputs;
  const std::vector<std::string> venues{"BINANCE", "OKX"};
  const std::vector<std::string> symbols{"BTC-USDT", "ETH-USDT"};
  venues::sim::RandomWalkParams params;
  params.volatility_bps = 0.3;
  params.dislocation_probability = GetParam();
  params.dislocation_bps_min = GetParam() >= 1 ? 45 : 10;
  params.dislocation_bps_max = 45;
  params.dislocation_steps = 30;
  params.start_prices = {{"BTC-USDT", 60'000}, {"ETH-USDT", 3'000}};
  venues::sim::RandomWalkMarket market(params, venues, symbols);
  std::vector<scripting::BreakerMetrics> out;
  double worst_spread_std = 0, worst_vol = 0;
  for (std::uint64_t step = 1; step <= 3'000; ++step) {  // 5 minutes of 100 ms ticks
    market.advance_to(step);
    const MonoTime now = kStart + milliseconds(100 * step);
    for (const auto& symbol : symbols) {
      for (const auto& venue : venues) {
        const double mid = market.venue_mid(venue, symbol);
        const double half = mid * 0.5e-4;  // 1 bps spread
        const md::OrderBook& held = board.on_book(make_book(venue, symbol, mid - half, mid + half, now));
        stage.on_book(held, now);
        inputs.on_book(held, now);
      }
    }
    if (step % 10 != 0) continue;  // one evaluation a second
    inputs.collect(board, stage, DeskBreakerFigures{}, venues, symbols, now, out);
    ASSERT_EQ(out.size(), 3u);
    for (const auto& m : out) {
      worst_spread_std = std::max(worst_spread_std, m.spread_std_bps);
      worst_vol = std::max(worst_vol, m.volatility_bps);
    }
    stage.evaluate_breakers(out);
    for (const auto& verdict : stage.breaker_verdicts()) {
      ADD_FAILURE() << "step " << step << ": " << verdict.rule << " on " << verdict.symbol << " " << verdict.venues
                    << ": " << verdict.reason;
    }
  }
  EXPECT_GT(worst_spread_std, 0.0);
  RecordProperty("worst_spread_std_bps", std::to_string(worst_spread_std));
  RecordProperty("worst_volatility_bps", std::to_string(worst_vol));
  std::printf("dislocation probability %.3f: worst spread std %.1f bps, worst volatility %.1f bps\n", GetParam(),
              worst_spread_std, worst_vol);
}

INSTANTIATE_TEST_SUITE_P(PaperAndWorstCase, CalmMarketTest, ::testing::Values(0.005, 1.0));

}  // namespace
}  // namespace propbot::engine
