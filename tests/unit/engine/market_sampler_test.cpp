// MarketSampler: the market-history sample built from the engine's boards, against hand
// numbers — mids, the widest spread and its pair, its rolling std over the last N
// samples, funding and basis, gap p95 per venue, breaker flags — and the interval gate.
#include "core/engine/market_sampler.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/unit/engine/test_books.hpp"

namespace propbot::engine {
namespace {

const MonoTime kStart = MonoTime{} + std::chrono::hours(1);
const UtcTime kUtc = UtcTime{} + std::chrono::hours(24 * 365 * 56);

class MarketSamplerTest : public ::testing::Test {
 protected:
  void feed(const std::string& venue, const std::string& symbol, double mid, MonoTime at) {
    inputs_.on_book(board_.on_book(testing::book_around(venue, symbol, mid, at)), at);
  }
  history::MarketSample sample(MonoTime now, std::size_t std_samples = 3) {
    PolicyStage stage;
    std::vector<scripting::BreakerMetrics> metrics;
    inputs_.collect(board_, stage, {}, venues_, symbols_, now, metrics);  // refreshes the gap p95s
    const MarketSampleInputs inputs{board_, inputs_, venues_, symbols_, hedge_latency_, verdicts_};
    return sampler_.build(kUtc, inputs, std_samples);
  }

  BookBoard board_;
  BreakerInputs inputs_;
  MarketSampler sampler_;
  std::vector<std::string> venues_{"BINANCE", "OKX", "SIM"};
  std::vector<std::string> symbols_{"BTC-USDT", "ETH-USDT"};
  std::optional<double> hedge_latency_;
  std::vector<scripting::BreakerVerdict> verdicts_;
};

TEST_F(MarketSamplerTest, TakesTheWidestSpreadOverEveryVenuePair) {
  feed("BINANCE", "BTC-USDT", 100.00, kStart);
  feed("OKX", "BTC-USDT", 100.50, kStart);
  feed("SIM", "BTC-USDT", 99.80, kStart);
  const history::MarketSample got = sample(kStart);
  ASSERT_EQ(got.symbols.size(), 2u);
  const history::SymbolSample& btc = got.symbols[0];
  EXPECT_EQ(btc.symbol, "BTC-USDT");
  ASSERT_EQ(btc.venues.size(), 3u);
  EXPECT_DOUBLE_EQ(*btc.venues[1].mid, 100.50);
  ASSERT_TRUE(btc.spread_bps);
  EXPECT_NEAR(*btc.spread_bps, (100.50 - 99.80) / 99.80 * 1e4, 1e-9);
  EXPECT_EQ(btc.spread_pair, "OKX/SIM");
  EXPECT_FALSE(btc.std_spread_bps);  // one sample: no std yet
  // No book for ETH anywhere: every figure unknown, not zero.
  const history::SymbolSample& eth = got.symbols[1];
  EXPECT_FALSE(eth.spread_bps);
  EXPECT_FALSE(eth.venues[0].mid);
  EXPECT_EQ(got.ts, kUtc);
}

TEST_F(MarketSamplerTest, StdSpreadIsOverTheLastNSamplesOnly) {
  const double spreads_bps[] = {100, 10, 20, 30};  // the first falls out of a 3-sample window
  MonoTime at = kStart;
  std::optional<double> last_std;
  for (double bps : spreads_bps) {
    feed("BINANCE", "BTC-USDT", 100.0, at);
    feed("OKX", "BTC-USDT", 100.0 * (1 + bps / 1e4), at);
    last_std = sample(at, 3).symbols[0].std_spread_bps;
    at += std::chrono::seconds(10);
  }
  ASSERT_TRUE(last_std);
  // Population std of {10, 20, 30} (the books' tick rounding aside).
  EXPECT_NEAR(*last_std, std::sqrt(200.0 / 3.0), 0.05);
}

TEST_F(MarketSamplerTest, CarriesFundingBasisGapsLatencyAndBreakerFlags) {
  feed("BINANCE", "BTC-USDT", 100.0, kStart);
  feed("BINANCE", "BTC-USDT", 100.0, kStart + std::chrono::milliseconds(250));
  venues::FundingInfo funding;
  funding.symbol = "BTC-USDT";
  funding.mark_price = *Decimal::parse("101");
  funding.index_price = *Decimal::parse("100");
  funding.funding_rate = *Decimal::parse("0.0003");
  funding.next_funding_time = kUtc + std::chrono::hours(2);
  board_.on_funding("BINANCE", funding);
  hedge_latency_ = 87.5;
  scripting::BreakerVerdict global;
  global.rule = "drawdown";
  scripting::BreakerVerdict route;
  route.rule = "ws_gap";
  route.scope = scripting::BreakerScope::route;
  route.symbol = "BTC-USDT";
  route.venues = "BINANCE/OKX";
  verdicts_ = {global, route, global};

  const history::MarketSample got = sample(kStart + std::chrono::seconds(1));
  const history::VenueMarket& binance = got.symbols[0].venues[0];
  EXPECT_DOUBLE_EQ(*binance.funding_rate, 0.0003);
  EXPECT_EQ(*binance.next_funding_unix_ms, to_unix_ms(kUtc + std::chrono::hours(2)));
  EXPECT_NEAR(*binance.basis_bps, 100.0, 1e-9);  // (101 − 100) / 100 · 1e4
  EXPECT_FALSE(got.symbols[0].venues[1].basis_bps);
  ASSERT_EQ(got.ws_gap_p95_ms.size(), 3u);
  EXPECT_EQ(got.ws_gap_p95_ms[0].venue, "BINANCE");
  EXPECT_DOUBLE_EQ(got.ws_gap_p95_ms[0].value, 250.0);
  EXPECT_DOUBLE_EQ(got.ws_gap_p95_ms[1].value, 0.0);
  EXPECT_EQ(got.hedge_latency_p95_ms, 87.5);
  EXPECT_EQ(got.breaker_flags, (std::vector<std::string>{"drawdown", "ws_gap:BTC-USDT:BINANCE/OKX"}));
}

TEST_F(MarketSamplerTest, IsDueOncePerIntervalAndNeverWhenOff) {
  EXPECT_FALSE(sampler_.due(kStart, std::chrono::seconds(0)));
  EXPECT_TRUE(sampler_.due(kStart, std::chrono::seconds(10)));
  EXPECT_FALSE(sampler_.due(kStart + std::chrono::seconds(9), std::chrono::seconds(10)));
  EXPECT_TRUE(sampler_.due(kStart + std::chrono::seconds(10), std::chrono::seconds(10)));
}

}  // namespace
}  // namespace propbot::engine
