#include "core/history/market_history_store.hpp"

#include <filesystem>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/unit/history/history_test_support.hpp"

namespace propbot::history {
namespace {

using test_support::quiet_logger;
using test_support::TempDir;

MarketSample sample_at(UtcTime ts, double binance_mid) {
  MarketSample sample;
  sample.ts = ts;
  SymbolSample btc;
  btc.symbol = "BTC-USDT";
  VenueMarket binance;
  binance.venue = "BINANCE";
  binance.mid = binance_mid;
  binance.funding_rate = 0.0001;
  binance.next_funding_unix_ms = 1'800'000'000'000;
  binance.mark_price = 100.5;
  binance.index_price = 100.0;
  binance.basis_bps = 50.0;
  VenueMarket okx;
  okx.venue = "OKX";  // no book yet: every figure unknown
  btc.venues = {binance, okx};
  btc.spread_bps = 12.5;
  btc.spread_pair = "BINANCE/OKX";
  sample.symbols.push_back(btc);
  SymbolSample eth;
  eth.symbol = "ETH-USDT";
  sample.symbols.push_back(eth);
  sample.ws_gap_p95_ms = {{"BINANCE", 101.0}, {"OKX", 250.0}};
  sample.hedge_latency_p95_ms = 42.0;
  sample.breaker_flags = {"ws_gap"};
  return sample;
}

class MarketHistoryStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<MarketHistoryStore> open_store(MarketHistoryOptions options = {}) {
    auto store = MarketHistoryStore::open(dir.path(), clock, options, quiet_logger());
    EXPECT_TRUE(store.ok()) << store.error().describe();
    return store ? std::move(*store) : nullptr;
  }

  TempDir dir;
  SimClock clock{UtcTime{std::chrono::seconds{1'800'000'000}}};
};

TEST_F(MarketHistoryStoreTest, WritesOneRowPerSymbolAndReadsThemBack) {
  auto store = open_store();
  ASSERT_TRUE(store);
  store->on_market_sample(sample_at(clock.utc(), 100.25));
  store->close();
  EXPECT_EQ(store->stats().samples_written, 1u);
  EXPECT_EQ(store->stats().rows_written, 2u);

  auto rows = store->recent(std::chrono::minutes(5));
  ASSERT_TRUE(rows.ok()) << rows.error().describe();
  ASSERT_EQ(rows->size(), 2u);
  const nlohmann::json& btc = (*rows)[0]["symbol"] == "BTC-USDT" ? (*rows)[0] : (*rows)[1];
  EXPECT_EQ(btc["ts_ms"], to_unix_ms(clock.utc()));
  EXPECT_DOUBLE_EQ(btc["venues"]["BINANCE"]["mid"].get<double>(), 100.25);
  EXPECT_DOUBLE_EQ(btc["venues"]["BINANCE"]["basis_bps"].get<double>(), 50.0);
  EXPECT_EQ(btc["venues"]["BINANCE"]["next_funding_ts"], 1'800'000'000'000);
  EXPECT_TRUE(btc["venues"]["OKX"]["mid"].is_null());
  EXPECT_DOUBLE_EQ(btc["spread_bps"].get<double>(), 12.5);
  EXPECT_EQ(btc["spread_pair"], "BINANCE/OKX");
  EXPECT_TRUE(btc["std_spread_bps"].is_null());
  EXPECT_DOUBLE_EQ(btc["ws_gap_p95_ms"]["OKX"].get<double>(), 250.0);
  EXPECT_DOUBLE_EQ(btc["hedge_latency_p95_ms"].get<double>(), 42.0);
  EXPECT_EQ(btc["breaker_flags"], nlohmann::json::array({"ws_gap"}));
}

TEST_F(MarketHistoryStoreTest, KeepsTheDirectoryPrivate) {
  auto store = open_store();
  ASSERT_TRUE(store);
  struct stat info {};
  ASSERT_EQ(::stat((std::filesystem::path(dir.path()) / "market_history").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(store->path(), market_history_path(dir.path()));
  EXPECT_TRUE(std::filesystem::exists(store->path()));
}

TEST_F(MarketHistoryStoreTest, RecentReadsOnlyItsWindowAndItsRowLimitNewestFirstKept) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const UtcTime now = clock.utc();
  for (int minutes_ago : {30, 8, 4, 2, 1}) store->on_market_sample(sample_at(now - std::chrono::minutes(minutes_ago), minutes_ago));
  store->close();
  auto window = store->recent(std::chrono::minutes(5));
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->size(), 6u);  // 3 samples × 2 symbols
  auto limited = store->recent(std::chrono::minutes(60), 4);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 4u);
  // The newest two samples, oldest first.
  EXPECT_EQ((*limited)[0]["ts_ms"], to_unix_ms(now - std::chrono::minutes(2)));
  EXPECT_EQ((*limited)[3]["ts_ms"], to_unix_ms(now - std::chrono::minutes(1)));
}

TEST_F(MarketHistoryStoreTest, PrunesRowsOlderThanTheRetention) {
  MarketHistoryOptions options;
  options.retention = std::chrono::hours(1);
  std::uint64_t pruned = 0;
  {
    auto store = open_store(options);
    ASSERT_TRUE(store);
    store->on_market_sample(sample_at(clock.utc() - std::chrono::minutes(90), 1));
    store->on_market_sample(sample_at(clock.utc() - std::chrono::minutes(10), 2));
    store->close();
    pruned += store->stats().rows_pruned;
  }
  auto reopened = open_store(options);  // prunes at its first pass
  ASSERT_TRUE(reopened);
  reopened->close();
  pruned += reopened->stats().rows_pruned;
  EXPECT_EQ(pruned, 2u);  // the 90-minute-old sample's two rows, by whichever pass saw them
  auto rows = read_market_history(market_history_path(dir.path()), UtcTime{}, 100);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0]["ts_ms"], to_unix_ms(clock.utc() - std::chrono::minutes(10)));
}

TEST_F(MarketHistoryStoreTest, ReadingWithoutADatabaseIsNotFound) {
  auto rows = read_market_history(market_history_path(dir.path()), UtcTime{}, 10);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, Errc::not_found);
}

}  // namespace
}  // namespace propbot::history
