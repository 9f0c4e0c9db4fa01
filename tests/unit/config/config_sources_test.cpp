// Where load_config() takes the configuration from: search roots and explicit files,
// the profile named in the file against the one requested, environment variables
// (generic and seed names) and command-line options, in that order of precedence.
#include <string>
#include <vector>

#include "tests/unit/config/config_loader_fixture.hpp"

namespace propbot::config {
namespace {

using namespace loader_test;

TEST_F(ConfigLoaderTest, BadEnvOverrideNamesTheVariableAndTheKey) {
  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"MAX_ORDERS_PER_MIN", "lots"}, {"PROPBOT_API__PORT", "99999"}};
  LoadOutcome outcome = load_config(opts);
  std::string orders = fatal_for(outcome, "risk.max_orders_per_min");
  EXPECT_THAT(orders, HasSubstr("risk.max_orders_per_min = 'lots': expected an integer, got 'lots'"));
  EXPECT_THAT(orders, HasSubstr("environment variable MAX_ORDERS_PER_MIN"));
  std::string port = fatal_for(outcome, "api.port");
  EXPECT_THAT(port, HasSubstr("api.port = '99999': must be an integer in [0, 65535]"));
  EXPECT_THAT(port, HasSubstr("environment variable PROPBOT_API__PORT"));
}

TEST_F(ConfigLoaderTest, UnknownPropbotVariableWithDoubleUnderscoreIsATypo) {
  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"PROPBOT_RISK__MAX_ORDER_PER_MIN", "secret-ish"},
              {"PROPBOT_HOME", "/somewhere"},
              {"PROPBOT_SOMETHING_ELSE", "x"},
              {"PATH", "/usr/bin"}};
  LoadOutcome outcome = load_config(opts);
  ASSERT_EQ(outcome.issues.size(), 1u) << all_fatal_lines(outcome);
  std::string line = fatal_for(outcome, "PROPBOT_RISK__MAX_ORDER_PER_MIN");
  EXPECT_THAT(line, HasSubstr("did you mean 'PROPBOT_RISK__MAX_ORDERS_PER_MIN'?"));
  EXPECT_THAT(line, Not(HasSubstr("secret-ish")));
}

TEST_F(ConfigLoaderTest, ProfileMismatchIsRefused) {
  write_config(kValidPaper, Profile::testnet);  // says "profile: paper" in testnet.yaml
  LoadOutcome outcome = load_config(options(Profile::testnet));
  std::string line = fatal_for(outcome, "profile");
  EXPECT_THAT(line, HasSubstr("profile = 'paper'"));
  EXPECT_THAT(line, HasSubstr("'testnet' was requested"));
}

TEST_F(ConfigLoaderTest, MissingProfileKeyIsRefused) {
  LoadOutcome outcome = load(replaced(kValidPaper, "profile: paper\n", ""));
  EXPECT_THAT(fatal_for(outcome, "profile"), HasSubstr("add 'profile: paper'"));
}

TEST_F(ConfigLoaderTest, MissingFileNamesEveryPathTried) {
  LoadOptions opts = options(Profile::testnet);
  opts.search_roots = {(root_ / "nowhere").string(), root_.string()};
  LoadOutcome outcome = load_config(opts);
  std::string line = fatal_for(outcome, "config_file");
  EXPECT_THAT(line, HasSubstr("config_file = 'configs/testnet.yaml': not found; tried: "));
  EXPECT_THAT(line, HasSubstr((root_ / "nowhere" / "configs" / "testnet.yaml").string()));
  EXPECT_THAT(line, HasSubstr(config_path(Profile::testnet).string()));
  EXPECT_THAT(line, HasSubstr("PROPBOT_HOME"));
}

TEST_F(ConfigLoaderTest, SearchRootsAreTriedInOrder) {
  fs::path second = root_ / "second";
  fs::create_directories(second / "configs");
  write(second / "configs" / "paper.yaml", replaced(kValidPaper, "port: 8000", "port: 8200"));
  write_config(replaced(kValidPaper, "port: 8000", "port: 8100"));
  LoadOptions opts = options();
  opts.search_roots = {(root_ / "missing").string(), root_.string(), second.string()};
  LoadOutcome outcome = load_config(opts);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  EXPECT_EQ(outcome.config->api.port, 8100);
}

TEST_F(ConfigLoaderTest, ExplicitConfigFileIsUsedAndMissingOneIsReported) {
  fs::path file = root_ / "configs" / "custom.yaml";
  write(file, replaced(kValidPaper, "port: 8000", "port: 8300"));
  LoadOptions opts;
  opts.config_file = file.string();
  LoadOutcome outcome = load_config(opts);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  EXPECT_EQ(outcome.config->api.port, 8300);

  opts.config_file = (root_ / "configs" / "absent.yaml").string();
  EXPECT_THAT(fatal_for(load_config(opts), "config_file"), HasSubstr("file not found: "));
}

TEST_F(ConfigLoaderTest, RequiredRiskCapMayComeFromTheEnvironment) {
  write_config(replaced(kValidPaper, "  max_total_notional_usdt: 50000\n", ""));
  LoadOptions opts = options();
  opts.env = {{"MAX_TOTAL_NOTIONAL_USDT", "12345"}};
  LoadOutcome outcome = load_config(opts);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  EXPECT_EQ(outcome.config->risk.max_total_notional_usdt, 12345);
}

TEST_F(ConfigLoaderTest, PrecedenceIsFileThenEnvironmentThenCommandLine) {
  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"PROPBOT_API__PORT", "9000"}, {"PROPBOT_API__BIND", "0.0.0.0"}, {"PROPBOT_DATA_DIR", "/tmp/env-data"},
              {"PROPBOT_SIM__SEED", "7"}, {"PROPBOT_LOGGING__LEVEL", "debug"}};
  LoadOutcome env_only = load_config(opts);
  ASSERT_TRUE(env_only.config.has_value()) << all_fatal_lines(env_only);
  EXPECT_EQ(env_only.config->api.port, 9000);
  EXPECT_EQ(env_only.config->api.bind, "0.0.0.0");
  EXPECT_EQ(env_only.config->data_dir, "/tmp/env-data");
  EXPECT_EQ(env_only.config->sim.seed, 7u);
  EXPECT_EQ(env_only.config->logging.level, "debug");

  opts.port = 9100;
  opts.bind = "::1";
  opts.data_dir = "/tmp/cli-data";
  LoadOutcome with_cli = load_config(opts);
  ASSERT_TRUE(with_cli.config.has_value()) << all_fatal_lines(with_cli);
  EXPECT_EQ(with_cli.config->api.port, 9100);
  EXPECT_EQ(with_cli.config->api.bind, "::1");
  EXPECT_EQ(with_cli.config->data_dir, "/tmp/cli-data");
  EXPECT_EQ(with_cli.config->sim.seed, 7u);
}

TEST_F(ConfigLoaderTest, BadCommandLineValueNamesTheOption) {
  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.port = 70000;
  EXPECT_THAT(fatal_for(load_config(opts), "api.port"), HasSubstr("command-line option --port"));
}

TEST_F(ConfigLoaderTest, SeedEnvironmentNamesMapToTheirKeys) {
  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"MAX_TOTAL_NOTIONAL_USDT", "40000"},      {"MAX_NOTIONAL_PER_POSITION_USDT", "4000"},
              {"MAX_OPEN_POSITIONS", "7"},               {"MAX_DAILY_LOSS_USDT", "900"},
              {"MAX_UNREALIZED_LOSS_USDT", "400"},       {"CLOCK_SKEW_HOLD_THRESHOLD_MS", "750"},
              {"MAX_ORDERS_PER_MIN", "100"},             {"MAX_CANCELS_PER_MIN", "200"},
              {"SAFE_MODE", "false"},                    {"DRY_RUN_MODE", "yes"},
              {"AUTOPILOT_ENABLE", "true"}};
  LoadOutcome outcome = load_config(opts);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  const RiskConfig& risk = outcome.config->risk;
  EXPECT_EQ(risk.max_total_notional_usdt, 40000);
  EXPECT_EQ(risk.max_notional_per_position_usdt, 4000);
  EXPECT_EQ(risk.max_open_positions, 7);
  EXPECT_EQ(risk.daily_loss_cap_usdt, 900);
  EXPECT_EQ(risk.max_unrealized_loss_usdt, 400);
  EXPECT_EQ(risk.clock_skew_hold_ms, 750);
  EXPECT_EQ(risk.max_orders_per_min, 100);
  EXPECT_EQ(risk.max_cancels_per_min, 200);
  EXPECT_FALSE(outcome.config->safe_mode);
  EXPECT_TRUE(outcome.config->dry_run_mode);
  EXPECT_TRUE(outcome.config->autopilot_enabled);
}

TEST_F(ConfigLoaderTest, SeedAndGenericNamesThatDisagreeAreRefused) {
  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"MAX_ORDERS_PER_MIN", "100"}, {"PROPBOT_RISK__MAX_ORDERS_PER_MIN", "200"}};
  EXPECT_THAT(fatal_for(load_config(opts), "risk.max_orders_per_min"),
              HasSubstr("set by both MAX_ORDERS_PER_MIN='100' and PROPBOT_RISK__MAX_ORDERS_PER_MIN='200'"));
  opts.env = {{"MAX_ORDERS_PER_MIN", "100"}, {"PROPBOT_RISK__MAX_ORDERS_PER_MIN", "100"}};
  EXPECT_TRUE(load_config(opts).config.has_value());
}

TEST(ConfigEnvironmentTest, EnvironmentFromParsesNameValuePairsFirstWins) {
  std::string a = "A=1", b = "B=x=y", dup = "A=2", bare = "NOEQUALS", empty = "EMPTY=";
  std::vector<char*> envp = {a.data(), b.data(), dup.data(), bare.data(), empty.data(), nullptr};
  auto env = environment_from(envp.data());
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "x=y");
  EXPECT_EQ(env.at("EMPTY"), "");
  EXPECT_EQ(env.count("NOEQUALS"), 0u);
  EXPECT_TRUE(environment_from(nullptr).empty());
}

TEST(ConfigProfileTest, ParsesAndPrintsProfiles) {
  for (Profile profile : {Profile::paper, Profile::testnet, Profile::live}) {
    auto parsed = parse_profile(to_string(profile));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, profile);
  }
  auto bad = parse_profile("shadow");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::config_invalid);
  EXPECT_THAT(bad.error().message, HasSubstr("paper, testnet, live"));
}

}  // namespace
}  // namespace propbot::config
