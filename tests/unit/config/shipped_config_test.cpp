// The configs shipped in configs/ (paper, testnet, live) load, say what the docs say,
// point at the venues' own endpoints and keep live tighter than paper.
#include <string>
#include <vector>

#include "tests/unit/config/config_loader_fixture.hpp"

namespace propbot::config {
namespace {

using namespace loader_test;

class ShippedConfigTest : public ConfigLoaderTest {
 protected:
  // Copies the repository's configs/ (and strategies/, if written yet) into the temp
  // root, adding a stand-in strategy file when the real one does not exist yet.
  void SetUp() override {
    ConfigLoaderTest::SetUp();
    fs::path source = fs::path(PROPBOT_SOURCE_DIR);
    for (const char* name : {"paper.yaml", "testnet.yaml", "live.yaml"}) {
      fs::copy_file(source / "configs" / name, root_ / "configs" / name, fs::copy_options::overwrite_existing);
    }
    // Every shipped strategy: the profiles list all of them, enabled or not, and the
    // loader requires each listed file to exist.
    for (const auto& entry : fs::directory_iterator(source / "strategies")) {
      if (entry.path().extension() != ".lua") continue;
      fs::copy_file(entry.path(), root_ / "strategies" / entry.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
};

TEST_F(ShippedConfigTest, PaperLoadsAsDocumented) {
  LoadOutcome outcome = load_config(options(Profile::paper));
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  const Config& config = *outcome.config;
  EXPECT_EQ(config.api.bind, "127.0.0.1");
  EXPECT_EQ(config.api.port, 8000);
  EXPECT_EQ(config.symbols, (std::vector<std::string>{"BTC-USDT", "ETH-USDT"}));
  ASSERT_EQ(config.venues.size(), 2u);
  EXPECT_EQ(config.venues[0].id, "BINANCE");
  EXPECT_EQ(config.venues[1].id, "OKX");
  EXPECT_EQ(config.venues[0].kind, "binance");
  EXPECT_EQ(config.venues[1].kind, "okx");
  EXPECT_EQ(config.sim.start_prices.at("BTC-USDT"), 60000);
  EXPECT_EQ(config.sim.start_prices.at("ETH-USDT"), 3000);
  EXPECT_EQ(config.risk.max_total_notional_usdt, 50000);
  ASSERT_EQ(config.strategies.size(), 3u);
  const StrategyConfig& arb = config.strategies[0];
  EXPECT_EQ(config.strategies[1].name, "funding_basis");
  EXPECT_TRUE(config.strategies[1].enabled);
  EXPECT_EQ(config.strategies[2].name, "quoting");
  EXPECT_FALSE(config.strategies[2].enabled);
  EXPECT_EQ(arb.name, "cross_exchange_arb");
  EXPECT_EQ(arb.file, "strategies/cross_exchange_arb.lua");
  EXPECT_EQ(arb.params.at("min_spread_bps"), 4);
  EXPECT_EQ(arb.params.at("exit_spread_bps"), 1);
  EXPECT_EQ(arb.params.at("notional_usdt"), 1000);
  EXPECT_EQ(arb.params.at("taker_fee_bps"), 4);
  EXPECT_EQ(fs::path(config.data_dir).filename(), "data");
  // One dislocation about every 10 s across both symbols: more often and the venues'
  // realised volatility reads `volatile` to policies/regime.lua (docs/PAPER_RUN_REPORT.md).
  double mean_interval_ms = config.sim.tick_ms / (config.sim.dislocation_probability * config.symbols.size());
  EXPECT_NEAR(mean_interval_ms, 10000, 2500);
}

TEST_F(ShippedConfigTest, TestnetAndLiveLoad) {
  for (Profile profile : {Profile::testnet, Profile::live}) {
    LoadOutcome outcome = load_config(options(profile));
    ASSERT_TRUE(outcome.config.has_value()) << to_string(profile) << "\n" << all_fatal_lines(outcome);
    EXPECT_EQ(outcome.config->profile, profile);
    EXPECT_TRUE(outcome.config->safe_mode);
  }
}

// {kind, rest_url, ws_url, ws_private_url, demo} of one venue entry, for comparing.
std::string endpoints_of(const VenueConfig& venue) {
  return venue.kind + " " + venue.rest_url + " " + venue.ws_url + " " + venue.ws_private_url +
         (venue.demo ? " demo" : "");
}

TEST_F(ShippedConfigTest, TestnetAndLivePointAtTheVenuesOwnEndpoints) {
  LoadOutcome paper = load_config(options(Profile::paper));
  LoadOutcome testnet = load_config(options(Profile::testnet));
  LoadOutcome live = load_config(options(Profile::live));
  ASSERT_TRUE(paper.config && testnet.config && live.config);
  for (const VenueConfig& venue : paper.config->venues) EXPECT_FALSE(has_endpoint(venue)) << venue.id;  // embedded

  ASSERT_EQ(testnet.config->venues.size(), 2u);
  EXPECT_EQ(endpoints_of(testnet.config->venues[0]),
            "binance https://demo-fapi.binance.com wss://fstream.binancefuture.com ");
  EXPECT_EQ(endpoints_of(testnet.config->venues[1]),
            "okx https://www.okx.com wss://wspap.okx.com:8443/ws/v5/public wss://wspap.okx.com:8443/ws/v5/private demo");
  ASSERT_EQ(live.config->venues.size(), 2u);
  EXPECT_EQ(endpoints_of(live.config->venues[0]), "binance https://fapi.binance.com wss://fstream.binance.com ");
  EXPECT_EQ(endpoints_of(live.config->venues[1]),
            "okx https://www.okx.com wss://ws.okx.com:8443/ws/v5/public wss://ws.okx.com:8443/ws/v5/private");
}

TEST_F(ShippedConfigTest, LiveCapsAreTighterThanPaper) {
  LoadOutcome paper = load_config(options(Profile::paper));
  LoadOutcome live = load_config(options(Profile::live));
  ASSERT_TRUE(paper.config && live.config);
  EXPECT_LT(live.config->risk.max_total_notional_usdt, paper.config->risk.max_total_notional_usdt);
  EXPECT_LT(live.config->risk.daily_loss_cap_usdt, paper.config->risk.daily_loss_cap_usdt);
  EXPECT_LE(live.config->strategies.at(0).params.at("notional_usdt").get<double>(),
            live.config->risk.max_notional_per_position_usdt);
}

}  // namespace
}  // namespace propbot::config
