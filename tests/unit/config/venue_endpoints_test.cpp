// Venue endpoints (issue 12 item 8): every rule of venue_endpoints.hpp through
// validate() on a Config built in code, then the YAML keys and the
// PROPBOT_VENUES__<ID>__<KEY> overrides through load_config().
#include "core/config/venue_endpoints.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/valid_risk.hpp"

#include "core/config/loader.hpp"
#include "core/config/schema.hpp"

namespace propbot::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

VenueConfig venue(std::string id, std::string kind) {
  VenueConfig out;
  out.id = std::move(id);
  out.kind = std::move(kind);
  return out;
}

VenueConfig binance(std::string rest, std::string ws) {
  VenueConfig out = venue("BINANCE", "binance");
  out.rest_url = std::move(rest);
  out.ws_url = std::move(ws);
  return out;
}

VenueConfig okx(std::string rest, std::string ws, std::string ws_private, bool demo = false) {
  VenueConfig out = venue("OKX", "okx");
  out.rest_url = std::move(rest);
  out.ws_url = std::move(ws);
  out.ws_private_url = std::move(ws_private);
  out.demo = demo;
  return out;
}

VenueConfig live_binance() { return binance("https://fapi.binance.com", "wss://fstream.binance.com"); }
VenueConfig live_okx() {
  return okx("https://www.okx.com", "wss://ws.okx.com:8443/ws/v5/public", "wss://ws.okx.com:8443/ws/v5/private");
}

// A Config that passes validate() but for its venues.
Config config_with(Profile profile, std::vector<VenueConfig> venues) {
  Config config;
  config.profile = profile;
  config.data_dir = "/tmp/propbot-data";
  config.symbols = {"BTC-USDT"};
  config.venues = std::move(venues);
  config.sim.start_prices = {{"BTC-USDT", 60000}};
  config.risk = testing::valid_risk();
  config.scripting.bundle_dir = "/";
  return config;
}

std::string all_lines(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const ConfigIssue& issue : issues) out += format_fatal(issue) + "\n";
  return out;
}

// The FATAL CONFIG line for `key`, or "" after recording a failure.
std::string line_for(const std::vector<ConfigIssue>& issues, const std::string& key) {
  for (const ConfigIssue& issue : issues) {
    if (issue.key == key) return format_fatal(issue);
  }
  ADD_FAILURE() << "no issue for " << key << "; got:\n" << all_lines(issues);
  return {};
}

TEST(VenueEndpointRulesTest, PaperWithoutEndpointsUsesTheEmbeddedSimulator) {
  const auto issues = validate(config_with(Profile::paper, {venue("BINANCE", "binance"), venue("OKX", "okx")}));
  EXPECT_TRUE(issues.empty()) << all_lines(issues);
}

TEST(VenueEndpointRulesTest, PaperAcceptsPlainHttpOnlyForALoopbackSimulator) {
  for (const char* host : {"127.0.0.1:9101", "127.8.0.3:9101", "localhost:9101", "[::1]:9101"}) {
    const std::string h = host;
    const auto issues = validate(config_with(
        Profile::paper, {binance("http://" + h, "ws://" + h),
                         okx("http://" + h, "ws://" + h + "/ws/v5/public", "ws://" + h + "/ws/v5/private")}));
    EXPECT_TRUE(issues.empty()) << host << "\n" << all_lines(issues);
  }
  const auto secure = validate(config_with(Profile::paper, {live_binance(), live_okx()}));
  EXPECT_TRUE(secure.empty()) << all_lines(secure);

  const auto outside = validate(config_with(
      Profile::paper, {binance("http://10.0.0.5:9101", "ws://sim.example.com:9101"), venue("OKX", "okx")}));
  EXPECT_THAT(line_for(outside, "venues[0].rest_url"),
              HasSubstr("venues[0].rest_url = 'http://10.0.0.5:9101': http:// is allowed only for a loopback host "
                        "(127.0.0.1, ::1, localhost)"));
  EXPECT_THAT(line_for(outside, "venues[0].ws_url"), HasSubstr("use wss:// for host 'sim.example.com'"));
}

TEST(VenueEndpointRulesTest, TestnetAndLiveRequireHttpsAndWssEvenOnLoopback) {
  for (Profile profile : {Profile::testnet, Profile::live}) {
    const std::string name(to_string(profile));
    const auto issues = validate(config_with(
        profile, {binance("http://127.0.0.1:9101", "https://fstream.binance.com"), live_okx()}));
    EXPECT_THAT(line_for(issues, "venues[0].rest_url"),
                HasSubstr("must start with https:// in the " + name +
                          " profile (http:// is allowed in the paper profile only, for a loopback simulator)"));
    EXPECT_THAT(line_for(issues, "venues[0].ws_url"), HasSubstr("must start with wss://"));
    EXPECT_EQ(issues.size(), profile == Profile::testnet ? 3u : 2u) << all_lines(issues);  // testnet: okx demo too
  }
}

TEST(VenueEndpointRulesTest, TestnetAndLiveRequireEveryEndpointWithTheVenuesOwnAsExample) {
  const auto live = validate(config_with(Profile::live, {venue("BINANCE", "binance"), venue("OKX", "okx")}));
  EXPECT_THAT(line_for(live, "venues[0].rest_url"),
              HasSubstr("required for kind binance in the live profile (only paper has the embedded simulator); "
                        "e.g. https://fapi.binance.com"));
  EXPECT_THAT(line_for(live, "venues[0].ws_url"), HasSubstr("e.g. wss://fstream.binance.com"));
  EXPECT_THAT(line_for(live, "venues[1].ws_private_url"), HasSubstr("e.g. wss://ws.okx.com:8443/ws/v5/private"));

  const auto testnet = validate(config_with(Profile::testnet, {venue("BINANCE", "binance"), venue("OKX", "okx")}));
  EXPECT_THAT(line_for(testnet, "venues[0].rest_url"), HasSubstr("e.g. https://demo-fapi.binance.com"));
  EXPECT_THAT(line_for(testnet, "venues[1].ws_url"), HasSubstr("e.g. wss://wspap.okx.com:8443/ws/v5/public"));
}

TEST(VenueEndpointRulesTest, AVenueNamesAllItsUrlsOrNone) {
  VenueConfig half = venue("OKX", "okx");
  half.rest_url = "http://127.0.0.1:9102";
  const auto issues = validate(config_with(Profile::paper, {venue("BINANCE", "binance"), half}));
  for (const char* key : {"venues[1].ws_url", "venues[1].ws_private_url"}) {
    EXPECT_THAT(line_for(issues, key), HasSubstr("required once another endpoint of this venue is set"));
  }
  EXPECT_EQ(issues.size(), 2u) << all_lines(issues);

  VenueConfig socket_only = venue("BINANCE", "binance");
  socket_only.ws_url = "ws://127.0.0.1:9101";
  EXPECT_THAT(line_for(validate(config_with(Profile::paper, {socket_only, venue("OKX", "okx")})), "venues[0].rest_url"),
              HasSubstr("e.g. http://127.0.0.1:<port>"));
}

TEST(VenueEndpointRulesTest, KindSimConnectsNowhere) {
  VenueConfig sim = venue("SIM-A", "sim");
  sim.rest_url = "https://fapi.binance.com";
  sim.demo = true;
  const auto issues = validate(config_with(Profile::paper, {sim, venue("SIM-B", "sim")}));
  EXPECT_THAT(line_for(issues, "venues[0].rest_url"), HasSubstr("kind 'sim' is the in-process random walk"));
  EXPECT_THAT(line_for(issues, "venues[0].demo"), HasSubstr("remove this key, or use kind binance / okx"));
}

TEST(VenueEndpointRulesTest, BinanceTakesNeitherAPrivateUrlNorDemo) {
  VenueConfig b = live_binance();
  b.ws_private_url = "wss://fstream.binance.com/private";
  b.demo = true;
  const auto issues = validate(config_with(Profile::live, {b, live_okx()}));
  EXPECT_THAT(line_for(issues, "venues[0].ws_private_url"), HasSubstr("its user stream uses ws_url's host"));
  EXPECT_THAT(line_for(issues, "venues[0].demo"), HasSubstr("https://demo-fapi.binance.com"));
}

TEST(VenueEndpointRulesTest, OkxDemoIsRequiredOnTestnetAndRefusedLive) {
  VenueConfig demo = okx("https://www.okx.com", "wss://wspap.okx.com:8443/ws/v5/public",
                         "wss://wspap.okx.com:8443/ws/v5/private", true);
  VenueConfig test_binance = binance("https://demo-fapi.binance.com", "wss://fstream.binancefuture.com");
  const auto fine = validate(config_with(Profile::testnet, {test_binance, demo}));
  EXPECT_TRUE(fine.empty()) << all_lines(fine);

  VenueConfig not_demo = demo;
  not_demo.demo = false;
  EXPECT_THAT(line_for(validate(config_with(Profile::testnet, {test_binance, not_demo})), "venues[1].demo"),
              HasSubstr("must be true for kind okx in the testnet profile"));
  EXPECT_THAT(line_for(validate(config_with(Profile::live, {live_binance(), demo})), "venues[1].demo"),
              HasSubstr("demo trading is refused in the live profile"));
  const auto paper = validate(config_with(Profile::paper, {live_binance(), demo}));  // paper: either
  EXPECT_TRUE(paper.empty()) << all_lines(paper);
}

TEST(VenueEndpointRulesTest, MalformedUrlsAreRefusedWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fapi.binance.com", "must be a URL: scheme://host[:port][/path]"},
      {"https://", "has no host"},
      {"https://key:secret@fapi.binance.com", "must not carry user-info"},
      {"https://fapi.binance.com/?x=1", "must not carry a query or a fragment"},
      {"https://fapi.binance.com:99999", "has a port that is not a number in [1, 65535]"},
      {"https://fapi.binance.com:", "has a port that is not a number"},
      {"https://fapi binance.com", "must not contain spaces or control characters"},
      {"https://[::1", "without its closing ']'"},
      {"ftp://fapi.binance.com", "must start with https:// (or http:// for a loopback simulator)"},
  };
  for (const auto& [url, problem] : cases) {
    const auto issues = validate(config_with(Profile::paper, {binance(url, "wss://fstream.binance.com"), live_okx()}));
    EXPECT_THAT(line_for(issues, "venues[0].rest_url"), HasSubstr(problem)) << url;
  }
}

TEST(VenueEndpointRulesTest, TheEmbeddedSimulatorRuleCountsOnlyVenuesWithoutEndpoints) {
  VenueConfig second = binance("http://127.0.0.1:9101", "ws://127.0.0.1:9101");
  second.id = "BINANCE-2";
  const auto fine = validate(config_with(Profile::paper, {venue("BINANCE", "binance"), second}));
  EXPECT_TRUE(fine.empty()) << all_lines(fine);
  const auto twice = validate(config_with(Profile::paper, {venue("BINANCE", "binance"), venue("BINANCE-2", "binance")}));
  EXPECT_THAT(line_for(twice, "venues[1].kind"), HasSubstr("give the other one its own rest_url / ws_url"));
}

TEST(VenueEndpointRulesTest, StartPricesAreNotNeededWhenNoVenueIsSimulated) {
  Config config = config_with(Profile::paper, {live_binance(), live_okx()});
  config.sim.start_prices.clear();
  EXPECT_TRUE(validate(config).empty()) << all_lines(validate(config));
  config.venues[1] = venue("OKX", "okx");  // back on the embedded simulator
  EXPECT_THAT(line_for(validate(config), "sim.start_prices.BTC-USDT"), HasSubstr("need a start price"));
}

TEST(VenueEndpointRulesTest, LiveRefusesAPlaceholderUrl) {
  VenueConfig b = binance("https://<binance-host>", "wss://fstream.binance.com");
  EXPECT_THAT(line_for(validate(config_with(Profile::live, {b, live_okx()})), "venues[0].rest_url"),
              HasSubstr("placeholder value refused in the live profile"));
}

TEST(VenueEndpointRulesTest, EnvironmentNamesWriteTheIdsDashAsUnderscore) {
  EXPECT_EQ(venue_env_name("OKX-DEMO", kVenueWsPrivateUrl), "PROPBOT_VENUES__OKX_DEMO__WS_PRIVATE_URL");
  EXPECT_EQ(venue_env_name("BINANCE", kVenueRestUrl), "PROPBOT_VENUES__BINANCE__REST_URL");
  EXPECT_EQ(venue_endpoint_keys().size(), 4u);
}

// ---- through the loader: YAML keys and environment overrides --------------------------

constexpr const char* kTwoVenues = R"(profile: paper
symbols: [BTC-USDT]
venues:
  - id: BINANCE
    kind: binance
    rest_url: http://127.0.0.1:9101
    ws_url: ws://127.0.0.1:9101
  - id: OKX-DEMO
    kind: okx
    rest_url: http://127.0.0.1:9102
    ws_url: ws://127.0.0.1:9102/ws/v5/public
    ws_private_url: ws://127.0.0.1:9102/ws/v5/private
    demo: true
risk:
  max_total_notional_usdt: 1000
  max_open_positions: 1
  max_notional_per_position_usdt: 100
  max_exposure_per_symbol_usdt: 100
  max_exposure_per_venue_usdt: 100
  max_leverage_per_venue: 1
  daily_loss_cap_usdt: 10
  max_unrealized_loss_usdt: 10
  clock_skew_hold_ms: 1000
)";

class VenueEndpointLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("propbot_venue_endpoints_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "configs");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  LoadOutcome load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    std::ofstream(root_ / "configs" / "paper.yaml", std::ios::trunc) << yaml;
    LoadOptions options;
    options.profile = Profile::paper;
    options.search_roots = {root_.string()};
    options.env = std::move(env);
    return load_config(options);
  }

  fs::path root_;
};

TEST_F(VenueEndpointLoaderTest, ReadsEveryEndpointKeyFromTheFile) {
  LoadOutcome outcome = load(kTwoVenues);
  ASSERT_TRUE(outcome.config.has_value()) << all_lines(outcome.issues);
  const VenueConfig& b = outcome.config->venues.at(0);
  const VenueConfig& o = outcome.config->venues.at(1);
  EXPECT_EQ(b.rest_url, "http://127.0.0.1:9101");
  EXPECT_EQ(b.ws_url, "ws://127.0.0.1:9101");
  EXPECT_TRUE(b.ws_private_url.empty());
  EXPECT_FALSE(b.demo);
  EXPECT_TRUE(has_endpoint(b));
  EXPECT_EQ(o.ws_url, "ws://127.0.0.1:9102/ws/v5/public");
  EXPECT_EQ(o.ws_private_url, "ws://127.0.0.1:9102/ws/v5/private");
  EXPECT_TRUE(o.demo);
}

TEST_F(VenueEndpointLoaderTest, DemoMustBeABooleanAndNamesItsLine) {
  std::string yaml = kTwoVenues;
  yaml.replace(yaml.find("demo: true"), 10, "demo: maybe");
  LoadOutcome outcome = load(yaml);
  EXPECT_THAT(line_for(outcome.issues, "venues[1].demo"),
              HasSubstr("venues[1].demo = 'maybe': expected a boolean (true or false); fix it at "));
}

TEST_F(VenueEndpointLoaderTest, TheEnvironmentOverridesOneVenuesEndpoint) {
  LoadOutcome outcome = load(kTwoVenues, {{"PROPBOT_VENUES__OKX_DEMO__REST_URL", "http://127.0.0.1:9200"},
                                          {"PROPBOT_VENUES__OKX_DEMO__DEMO", "false"}});
  ASSERT_TRUE(outcome.config.has_value()) << all_lines(outcome.issues);
  EXPECT_EQ(outcome.config->venues.at(1).rest_url, "http://127.0.0.1:9200");
  EXPECT_FALSE(outcome.config->venues.at(1).demo);
  EXPECT_EQ(outcome.config->venues.at(0).rest_url, "http://127.0.0.1:9101");

  // A bad value from the environment is reported with the variable to fix.
  LoadOutcome bad = load(kTwoVenues, {{"PROPBOT_VENUES__BINANCE__WS_URL", "ws://203.0.113.9:9101"}});
  const std::string line = line_for(bad.issues, "venues[0].ws_url");
  EXPECT_THAT(line, HasSubstr("allowed only for a loopback host"));
  EXPECT_THAT(line, HasSubstr("it comes from environment variable PROPBOT_VENUES__BINANCE__WS_URL: fix or unset it"));
}

TEST_F(VenueEndpointLoaderTest, AVariableForNoListedVenueIsRefusedWithoutItsValue) {
  LoadOutcome outcome = load(kTwoVenues, {{"PROPBOT_VENUES__OKX__REST_URL", "https://secret-host.example"}});
  const std::string line = line_for(outcome.issues, "PROPBOT_VENUES__OKX__REST_URL");
  EXPECT_THAT(line, HasSubstr("no venue endpoint matches this variable (value not shown)"));
  EXPECT_THAT(line, HasSubstr("did you mean 'PROPBOT_VENUES__OKX_DEMO__REST_URL'"));
  EXPECT_THAT(line, Not(HasSubstr("secret-host")));
}

TEST_F(VenueEndpointLoaderTest, TheKnownKeysOfAVenueListTheEndpointKeys) {
  std::string yaml = kTwoVenues;
  yaml.replace(yaml.find("    demo: true"), 14, "    ws_privat_url: ws://127.0.0.1:9102/ws/v5/private");
  const std::string line = line_for(load(yaml).issues, "venues[1].ws_privat_url");
  EXPECT_THAT(line, HasSubstr("did you mean 'ws_private_url'"));
  EXPECT_THAT(line, HasSubstr("rest_url, ws_url, ws_private_url, demo"));
}

}  // namespace
}  // namespace propbot::config
