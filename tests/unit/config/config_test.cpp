// load_config() on the values of a file: limits on the YAML itself, defaults, types,
// ranges, enums, unknown keys, syntax errors, what live refuses, strategy files, venue
// and symbol rules, and every issue collected at once.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "tests/unit/config/config_loader_fixture.hpp"

namespace propbot::config {
namespace {

using namespace loader_test;

// A "billion laughs" in YAML: each level's list names the level below ten times.
std::string alias_bomb(int levels) {
  std::string text = "    params:\n      l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= levels; ++level) {
    const std::string below = "*l" + std::to_string(level - 1);
    text += "      l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) text += (i == 0 ? "" : ", ") + below;
    text += "]\n";
  }
  return text;
}

TEST_F(ConfigLoaderTest, AnAliasBombIsRefusedBeforeAnythingExpandsIt) {
  // Issue 10 finding 3: 7 levels took the daemon to 1.85 GB, 8 made `propbot config
  // validate` die of std::bad_alloc. 9 levels here would be 10^10 nodes.
  const auto started = std::chrono::steady_clock::now();
  LoadOutcome outcome = load(replaced(kValidPaper, "    params: {min_spread_bps: 4, label: \"4\", ratio: 0.5, on: true, list: [1, two]}\n",
                                      alias_bomb(9)));
  const auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[          ] alias bomb of 9 levels refused in " << took << " ms\n";
  EXPECT_THAT(fatal_for(outcome, "config_file"), HasSubstr("expands to more than 100000 nodes"));

  // Anchors and aliases used sparingly still work.
  LoadOutcome modest = load(replaced(kValidPaper, "    params: {min_spread_bps: 4, label: \"4\", ratio: 0.5, on: true, list: [1, two]}\n",
                                     alias_bomb(2)));
  EXPECT_TRUE(modest.issues.empty()) << all_fatal_lines(modest);
}

TEST_F(ConfigLoaderTest, DeepNestingAndHugeFilesAreRefusedWithTheFix) {
  std::string deep = "    params: {x: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  deep += "1";
  deep.append(100, ']');
  deep += "}\n";
  LoadOutcome nested = load(replaced(kValidPaper, "    params: {min_spread_bps: 4, label: \"4\", ratio: 0.5, on: true, list: [1, two]}\n", deep));
  EXPECT_THAT(fatal_for(nested, "config_file"), HasSubstr("nests deeper than 64 levels"));

  LoadOutcome huge = load(std::string(kValidPaper) + "# " + std::string(2u << 20, 'x') + "\n");
  EXPECT_THAT(fatal_for(huge, "config_file"), HasSubstr("larger than 1048576 bytes"));
}

TEST_F(ConfigLoaderTest, LoadsAValidFileWithDefaultsForUnsetKeys) {
  LoadOutcome outcome = load(kValidPaper);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  const Config& config = *outcome.config;
  EXPECT_EQ(config.profile, Profile::paper);
  EXPECT_EQ(config.source_file, config_path(Profile::paper).string());
  EXPECT_EQ(config.api.port, 8000);
  EXPECT_EQ(config.api.max_body_bytes, 1048576);
  EXPECT_EQ(config.sim.seed, 42u);
  EXPECT_EQ(config.risk.max_cancels_per_min, 600);
  EXPECT_EQ(config.logging.level, "info");
  EXPECT_TRUE(config.safe_mode);
  EXPECT_FALSE(config.dry_run_mode);
  ASSERT_EQ(config.venues.size(), 2u);
  EXPECT_EQ(config.venues[1].id, "SIM-B");
  EXPECT_EQ(config.sim.start_prices.at("ETH-USDT"), 3000);
  EXPECT_TRUE(fs::path(config.data_dir).is_absolute());
  EXPECT_EQ(config.data_dir, (fs::current_path() / "data").lexically_normal().string());
  EXPECT_EQ(fs::path(config.scripting.bundle_dir), root_.lexically_normal());
}

TEST_F(ConfigLoaderTest, StrategyParamsKeepYamlTypes) {
  LoadOutcome outcome = load(kValidPaper);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  const nlohmann::json& params = outcome.config->strategies.at(0).params;
  EXPECT_TRUE(params.at("min_spread_bps").is_number_integer());
  EXPECT_EQ(params.at("min_spread_bps"), 4);
  EXPECT_TRUE(params.at("label").is_string()) << "a quoted YAML scalar stays a string";
  EXPECT_DOUBLE_EQ(params.at("ratio").get<double>(), 0.5);
  EXPECT_EQ(params.at("on"), true);
  EXPECT_EQ(params.at("list"), nlohmann::json::parse(R"([1, "two"])"));
  EXPECT_TRUE(outcome.config->strategies.at(0).enabled);
}

// Each configured param keeps the line it was written on, so a value the strategy's
// declaration refuses can be reported there (issue 15 finding 6).
TEST_F(ConfigLoaderTest, EachStrategyParamKeepsItsLineInTheProfile) {
  const std::string block =
      "    params:\n"
      "      z_entry: 2.5\n"
      "      lookback: 20   # bars\n"
      "\n"
      "      levels: [1, 2]\n";
  const std::string text =
      replaced(kValidPaper, "    params: {min_spread_bps: 4, label: \"4\", ratio: 0.5, on: true, list: [1, two]}\n", block);
  LoadOutcome outcome = load(text);
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  const auto first = static_cast<int>(std::count(text.begin(), text.begin() + text.find("      z_entry"), '\n')) + 1;
  const std::map<std::string, int> expected{{"z_entry", first}, {"lookback", first + 1}, {"levels", first + 3}};
  EXPECT_EQ(outcome.config->strategies.at(0).param_lines, expected);

  // A flow mapping on one line: every param on that line.
  LoadOutcome flow = load(kValidPaper);
  ASSERT_TRUE(flow.config.has_value()) << all_fatal_lines(flow);
  const std::string shipped = kValidPaper;
  const auto line = static_cast<int>(std::count(shipped.begin(), shipped.begin() + shipped.find("    params:"), '\n')) + 1;
  const std::map<std::string, int>& lines = flow.config->strategies.at(0).param_lines;
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines.at("min_spread_bps"), line);
  EXPECT_EQ(lines.at("list"), line);
}

TEST_F(ConfigLoaderTest, AStrategyIsSandboxedUnlessMarkedTrusted) {
  LoadOutcome plain = load(kValidPaper);
  ASSERT_TRUE(plain.config.has_value()) << all_fatal_lines(plain);
  EXPECT_FALSE(plain.config->strategies.at(0).trusted);
  LoadOutcome trusted = load(replaced(kValidPaper, "    file: strategies/cross_exchange_arb.lua\n",
                                      "    file: strategies/cross_exchange_arb.lua\n    trusted: true\n"));
  ASSERT_TRUE(trusted.config.has_value()) << all_fatal_lines(trusted);
  EXPECT_TRUE(trusted.config->strategies.at(0).trusted);
  LoadOutcome bad = load(replaced(kValidPaper, "    file: strategies/cross_exchange_arb.lua\n",
                                  "    file: strategies/cross_exchange_arb.lua\n    trusted: maybe\n"));
  EXPECT_THAT(fatal_for(bad, "strategies[0].trusted"), HasSubstr("expected a boolean"));
}

TEST_F(ConfigLoaderTest, VenueFeesDefaultToTheCommonTierAndAreRangeChecked) {
  LoadOutcome plain = load(kValidPaper);
  ASSERT_TRUE(plain.config.has_value()) << all_fatal_lines(plain);
  EXPECT_EQ(plain.config->venues.at(0).maker_fee_bps, 2.0);
  EXPECT_EQ(plain.config->venues.at(0).taker_fee_bps, 5.0);
  LoadOutcome rebate = load(replaced(kValidPaper, "{id: SIM-A, kind: sim}", "{id: SIM-A, kind: sim, maker_fee_bps: -0.5, taker_fee_bps: 3.5}"));
  ASSERT_TRUE(rebate.config.has_value()) << all_fatal_lines(rebate);
  EXPECT_EQ(rebate.config->venues.at(0).maker_fee_bps, -0.5);
  EXPECT_EQ(rebate.config->venues.at(0).taker_fee_bps, 3.5);
  LoadOutcome bad = load(replaced(kValidPaper, "{id: SIM-A, kind: sim}", "{id: SIM-A, kind: sim, taker_fee_bps: -1}"));
  EXPECT_THAT(fatal_for(bad, "venues[0].taker_fee_bps"), HasSubstr("[0, 100]"));
  LoadOutcome text = load(replaced(kValidPaper, "{id: SIM-A, kind: sim}", "{id: SIM-A, kind: sim, maker_fee_bps: cheap}"));
  EXPECT_THAT(fatal_for(text, "venues[0].maker_fee_bps"), HasSubstr("negative = a rebate"));
}

TEST_F(ConfigLoaderTest, WrongTypeNamesKeyValueAndLine) {
  LoadOutcome outcome = load(replaced(kValidPaper, "port: 8000", "port: abc"));
  std::string line = fatal_for(outcome, "api.port");
  EXPECT_THAT(line, HasSubstr("FATAL CONFIG: api.port = 'abc': expected an integer, got 'abc'"));
  EXPECT_THAT(line, HasSubstr(config_path(Profile::paper).string() + ":5"));
  EXPECT_THAT(line, HasSubstr("PROPBOT_API__PORT"));
}

TEST_F(ConfigLoaderTest, ListWhereAScalarBelongsIsATypeError) {
  LoadOutcome outcome = load(replaced(kValidPaper, "port: 8000", "port: [1, 2]"));
  EXPECT_THAT(fatal_for(outcome, "api.port"), HasSubstr("got a list"));
}

TEST_F(ConfigLoaderTest, OutOfRangeSaysAllowedRangeAndWhereToSetIt) {
  LoadOutcome outcome = load(replaced(kValidPaper, "max_orders_per_min: 300", "max_orders_per_min: -3"));
  EXPECT_EQ(fatal_for(outcome, "risk.max_orders_per_min"),
            "FATAL CONFIG: risk.max_orders_per_min = '-3': must be an integer in [1, 100000]; set it in " +
                config_path(Profile::paper).string() + ":22 or MAX_ORDERS_PER_MIN");
}

TEST_F(ConfigLoaderTest, PortZeroMeansPickAFreePortButNegativeIsRefused) {
  LoadOutcome zero = load(replaced(kValidPaper, "port: 8000", "port: 0"));
  ASSERT_TRUE(zero.config.has_value()) << all_fatal_lines(zero);
  EXPECT_EQ(zero.config->api.port, 0);
  LoadOutcome too_big = load(replaced(kValidPaper, "port: 8000", "port: 65536"));
  EXPECT_THAT(fatal_for(too_big, "api.port"), HasSubstr("must be an integer in [0, 65535]"));
}

TEST_F(ConfigLoaderTest, BindMustBeAnAddressLiteralOrLocalhost) {
  for (const char* good : {"0.0.0.0", "::1", "\"::\"", "localhost"}) {
    LoadOutcome outcome = load(replaced(kValidPaper, "bind: 127.0.0.1", std::string("bind: ") + good));
    EXPECT_TRUE(outcome.config.has_value()) << good << "\n" << all_fatal_lines(outcome);
  }
  LoadOutcome outcome = load(replaced(kValidPaper, "bind: 127.0.0.1", "bind: example.com"));
  EXPECT_THAT(fatal_for(outcome, "api.bind"), HasSubstr("'example.com': must be an IPv4 or IPv6 address literal"));
}

TEST_F(ConfigLoaderTest, BodyLimitMustBeBetweenOneKibAndSixtyFourMib) {
  std::string yaml = replaced(kValidPaper, "port: 8000", "port: 8000\n  max_body_bytes: 512");
  EXPECT_THAT(fatal_for(load(yaml), "api.max_body_bytes"), HasSubstr("[1024, 67108864]"));
}

TEST_F(ConfigLoaderTest, UnknownKeyNamesItSuggestsAndListsKnownKeys) {
  LoadOutcome outcome = load(replaced(kValidPaper, "max_orders_per_min: 300", "max_order_per_min: 300"));
  std::string line = fatal_for(outcome, "risk.max_order_per_min");
  EXPECT_THAT(line, HasSubstr("risk.max_order_per_min = '300': unknown key"));
  EXPECT_THAT(line, HasSubstr("did you mean 'max_orders_per_min'?"));
  EXPECT_THAT(line, HasSubstr("known keys in 'risk': "));
  EXPECT_THAT(line, HasSubstr("max_total_notional_usdt"));
  EXPECT_THAT(line, HasSubstr("max_cancels_per_min"));
}

TEST_F(ConfigLoaderTest, UnknownTopLevelAndEntryKeysAreReported) {
  std::string yaml = replaced(kValidPaper, "data_dir: data", "data_dir: data\ndatadir: other");
  yaml = replaced(yaml, "{id: SIM-B, kind: sim}", "{id: SIM-B, kind: sim, region: eu}");
  LoadOutcome outcome = load(yaml);
  EXPECT_THAT(fatal_for(outcome, "datadir"), HasSubstr("did you mean 'data_dir'?"));
  EXPECT_THAT(fatal_for(outcome, "venues[1].region"), HasSubstr("known keys in 'venues[]': id, kind"));
}

TEST_F(ConfigLoaderTest, BadEnumsListTheAllowedValues) {
  std::string yaml = std::string(kValidPaper) + "logging:\n  level: verbose\n";
  yaml = replaced(yaml, "{id: SIM-B, kind: sim}", "{id: SIM-B, kind: bybit}");
  LoadOutcome outcome = load(yaml);
  EXPECT_THAT(fatal_for(outcome, "logging.level"),
              HasSubstr("logging.level = 'verbose': must be one of trace, debug, info, warn, error"));
  std::string kind = fatal_for(outcome, "venues[1].kind");
  EXPECT_THAT(kind, HasSubstr("venues[1].kind = 'bybit': must be 'sim' (in-process random walk), 'binance' or 'okx'"));
}

TEST_F(ConfigLoaderTest, JournalFsyncDefaultsToBatchAndIsSetByTheFileOrTheEnvironment) {
  LoadOutcome defaults = load(kValidPaper);
  ASSERT_TRUE(defaults.config.has_value()) << all_fatal_lines(defaults);
  EXPECT_EQ(defaults.config->execution.journal_fsync, "batch");
  LoadOutcome file = load(std::string(kValidPaper) + "execution:\n  journal_fsync: always\n");
  ASSERT_TRUE(file.config.has_value()) << all_fatal_lines(file);
  EXPECT_EQ(file.config->execution.journal_fsync, "always");
  LoadOutcome bad = load(std::string(kValidPaper) + "execution:\n  journal_fsync: sometimes\n");
  EXPECT_THAT(fatal_for(bad, "execution.journal_fsync"),
              HasSubstr("execution.journal_fsync = 'sometimes': must be one of always, batch, never"));

  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"PROPBOT_EXECUTION__JOURNAL_FSYNC", "never"}};
  LoadOutcome env = load_config(opts);
  ASSERT_TRUE(env.config.has_value()) << all_fatal_lines(env);
  EXPECT_EQ(env.config->execution.journal_fsync, "never");
}

TEST_F(ConfigLoaderTest, ExecutionGuardKeysHaveDefaultsRangesAndTheDeadManGap) {
  LoadOutcome defaults = load(kValidPaper);
  ASSERT_TRUE(defaults.config.has_value()) << all_fatal_lines(defaults);
  EXPECT_EQ(defaults.config->execution.dead_man_timeout_ms, 60000);
  EXPECT_EQ(defaults.config->execution.post_only_max_distance_bps, 50);
  EXPECT_EQ(defaults.config->execution.post_only_max_age_ms, 60000);
  LoadOutcome set = load(std::string(kValidPaper) +
                         "execution:\n  dead_man_timeout_ms: 0\n  post_only_max_distance_bps: 12.5\n"
                         "  post_only_max_age_ms: 0\n");
  ASSERT_TRUE(set.config.has_value()) << all_fatal_lines(set);
  EXPECT_EQ(set.config->execution.dead_man_timeout_ms, 0);
  EXPECT_EQ(set.config->execution.post_only_max_distance_bps, 12.5);
  LoadOutcome too_short = load(std::string(kValidPaper) + "execution:\n  dead_man_timeout_ms: 500\n");
  EXPECT_THAT(fatal_for(too_short, "execution.dead_man_timeout_ms"),
              HasSubstr("execution.dead_man_timeout_ms = '500': must be 0 (dead-man switches off) or in [1000, 120000]"));
  LoadOutcome too_long = load(std::string(kValidPaper) + "execution:\n  dead_man_timeout_ms: 600000\n");
  EXPECT_THAT(fatal_for(too_long, "execution.dead_man_timeout_ms"), HasSubstr("[0, 120000]"));
}

TEST_F(ConfigLoaderTest, BackupKeysHaveDefaultsRangesAndZeroIsOff) {
  LoadOutcome defaults = load(kValidPaper);
  ASSERT_TRUE(defaults.config.has_value()) << all_fatal_lines(defaults);
  EXPECT_EQ(defaults.config->backup.interval_min, 15);
  EXPECT_EQ(defaults.config->backup.keep, 48);
  LoadOutcome off = load(std::string(kValidPaper) + "backup:\n  interval_min: 0\n  keep: 1\n");
  ASSERT_TRUE(off.config.has_value()) << all_fatal_lines(off);
  EXPECT_EQ(off.config->backup.interval_min, 0);
  EXPECT_EQ(off.config->backup.keep, 1);
  LoadOutcome unbounded = load(std::string(kValidPaper) + "backup:\n  keep: 0\n  interval_min: 2000\n");
  EXPECT_THAT(fatal_for(unbounded, "backup.keep"), HasSubstr("backup.keep = '0'"));
  EXPECT_THAT(fatal_for(unbounded, "backup.keep"), HasSubstr("[1, 1000]"));
  EXPECT_THAT(fatal_for(unbounded, "backup.interval_min"), HasSubstr("[0, 1440]"));
  LoadOutcome typo = load(std::string(kValidPaper) + "backup:\n  intervall_min: 5\n");
  EXPECT_FALSE(typo.config.has_value()) << "an unknown backup key is refused";

  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"PROPBOT_BACKUP__INTERVAL_MIN", "5"}};
  LoadOutcome env = load_config(opts);
  ASSERT_TRUE(env.config.has_value()) << all_fatal_lines(env);
  EXPECT_EQ(env.config->backup.interval_min, 5);
}

TEST_F(ConfigLoaderTest, ForensicsKeysHaveDefaultsRangesAndEnvironmentNames) {
  LoadOutcome defaults = load(kValidPaper);
  ASSERT_TRUE(defaults.config.has_value()) << all_fatal_lines(defaults);
  EXPECT_EQ(defaults.config->forensics.history_minutes, 15);
  EXPECT_EQ(defaults.config->forensics.max_bundles, 200);
  LoadOutcome set = load(std::string(kValidPaper) + "forensics:\n  history_minutes: 5\n  max_bundles: 20\n");
  ASSERT_TRUE(set.config.has_value()) << all_fatal_lines(set);
  EXPECT_EQ(set.config->forensics.history_minutes, 5);
  EXPECT_EQ(set.config->forensics.max_bundles, 20);
  LoadOutcome none = load(std::string(kValidPaper) + "forensics:\n  max_bundles: 0\n");
  EXPECT_THAT(fatal_for(none, "forensics.max_bundles"), HasSubstr("forensics.max_bundles = '0'"));
  EXPECT_THAT(fatal_for(none, "forensics.max_bundles"), HasSubstr("[1, 100000]"));
  LoadOutcome day = load(std::string(kValidPaper) + "forensics:\n  history_minutes: 2000\n");
  EXPECT_THAT(fatal_for(day, "forensics.history_minutes"), HasSubstr("[1, 1440]"));

  write_config(kValidPaper);
  LoadOptions opts = options();
  opts.env = {{"PROPBOT_FORENSICS__MAX_BUNDLES", "3"}};
  LoadOutcome env = load_config(opts);
  ASSERT_TRUE(env.config.has_value()) << all_fatal_lines(env);
  EXPECT_EQ(env.config->forensics.max_bundles, 3);
}

TEST_F(ConfigLoaderTest, MarketHistoryKeysHaveDefaultsRangesAndZeroSwitchesItOff) {
  LoadOutcome defaults = load(kValidPaper);
  ASSERT_TRUE(defaults.config.has_value()) << all_fatal_lines(defaults);
  EXPECT_EQ(defaults.config->market_history.interval_s, 10);
  EXPECT_EQ(defaults.config->market_history.retention_h, 72);
  EXPECT_EQ(defaults.config->market_history.std_samples, 30);
  LoadOutcome set = load(std::string(kValidPaper) + "market_history:\n  interval_s: 0\n  retention_h: 24\n  std_samples: 5\n");
  ASSERT_TRUE(set.config.has_value()) << all_fatal_lines(set);
  EXPECT_EQ(set.config->market_history.interval_s, 0);
  EXPECT_EQ(set.config->market_history.retention_h, 24);
  EXPECT_EQ(set.config->market_history.std_samples, 5);
  LoadOutcome no_retention = load(std::string(kValidPaper) + "market_history:\n  retention_h: 0\n");
  EXPECT_THAT(fatal_for(no_retention, "market_history.retention_h"), HasSubstr("market_history.retention_h = '0'"));
  LoadOutcome typo = load(std::string(kValidPaper) + "market_history:\n  interval: 5\n");
  EXPECT_FALSE(typo.config.has_value());
}

TEST_F(ConfigLoaderTest, StpModeIsCheckedInTheVenueKindsOwnWords) {
  const std::string adapters = replaced(replaced(kValidPaper, "{id: SIM-A, kind: sim}", "{id: BINANCE, kind: binance, stp_mode: EXPIRE_BOTH}"),
                                        "{id: SIM-B, kind: sim}", "{id: OKX, kind: okx, stp_mode: cancel_taker}");
  LoadOutcome good = load(adapters);
  ASSERT_TRUE(good.config.has_value()) << all_fatal_lines(good);
  EXPECT_EQ(good.config->venues[0].stp_mode, "EXPIRE_BOTH");
  EXPECT_EQ(good.config->venues[1].stp_mode, "cancel_taker");

  LoadOutcome crossed = load(replaced(replaced(adapters, "stp_mode: EXPIRE_BOTH", "stp_mode: cancel_maker"),
                                      "stp_mode: cancel_taker", "stp_mode: EXPIRE_MAKER"));
  EXPECT_THAT(fatal_for(crossed, "venues[0].stp_mode"),
              HasSubstr("venues[0].stp_mode = 'cancel_maker': must be one of EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH "
                        "(kind binance, in the venue's own words)"));
  EXPECT_THAT(fatal_for(crossed, "venues[1].stp_mode"),
              HasSubstr("venues[1].stp_mode = 'EXPIRE_MAKER': must be one of cancel_maker, cancel_taker, cancel_both "
                        "(kind okx, in the venue's own words)"));
  LoadOutcome none = load(replaced(adapters, "stp_mode: EXPIRE_BOTH", "stp_mode: NONE"));
  EXPECT_THAT(fatal_for(none, "venues[0].stp_mode"), HasSubstr("NONE is refused by Binance futures since 2024-12-10"));
  LoadOutcome sim = load(replaced(kValidPaper, "{id: SIM-A, kind: sim}", "{id: SIM-A, kind: sim, stp_mode: cancel_maker}"));
  EXPECT_THAT(fatal_for(sim, "venues[0].stp_mode"), HasSubstr("only binance and okx venues take a self-trade prevention mode"));
}

TEST_F(ConfigLoaderTest, AdapterVenueKindsAreAcceptedInPaperOnceEach) {
  std::string yaml = replaced(std::string(kValidPaper), "{id: SIM-B, kind: sim}", "{id: BINANCE, kind: binance}");
  EXPECT_TRUE(load(yaml).issues.empty());
  yaml = replaced(yaml, "{id: SIM-A, kind: sim}", "{id: BINANCE-2, kind: binance}");
  EXPECT_THAT(fatal_for(load(yaml), "venues[1].kind"), HasSubstr("hosts one binance venue"));
}

TEST_F(ConfigLoaderTest, AdapterVenueKindsOutsidePaperNeedEndpointsOfTheirOwn) {
  std::string yaml = replaced(std::string(kValidPaper), "{id: SIM-B, kind: sim}", "{id: OKX, kind: okx}");
  yaml = replaced(yaml, "profile: paper", "profile: testnet");
  EXPECT_THAT(fatal_for(load(yaml, Profile::testnet), "venues[1].rest_url"),
              HasSubstr("required for kind okx in the testnet profile (only paper has the embedded simulator)"));
}

TEST_F(ConfigLoaderTest, YamlSyntaxErrorGivesLineAndColumnAndDoesNotThrow) {
  LoadOutcome outcome = load("profile: paper\napi:\n  port: 8000\n  bind: [127.0.0.1\nsymbols: [BTC-USDT]\n");
  ASSERT_EQ(outcome.issues.size(), 1u) << all_fatal_lines(outcome);
  std::string line = fatal_for(outcome, "config_file");
  EXPECT_THAT(line, HasSubstr("YAML syntax error at line "));
  EXPECT_THAT(line, HasSubstr(config_path(Profile::paper).string() + ":"));
}

TEST_F(ConfigLoaderTest, SyntaxErrorLineNumberPointsAtTheBadLine) {
  LoadOutcome outcome = load("profile: paper\ndata_dir: data\napi:\n  bind: a: b\n  port: 8000\n");
  std::string line = fatal_for(outcome, "config_file");
  EXPECT_THAT(line, HasSubstr("at line 4,"));
}

TEST_F(ConfigLoaderTest, EmptyOrNonMappingFileIsReported) {
  EXPECT_THAT(fatal_for(load(""), "config_file"), HasSubstr("the file is empty"));
  EXPECT_THAT(fatal_for(load("- just\n- a list\n"), "config_file"), HasSubstr("top level must be a mapping"));
}

TEST_F(ConfigLoaderTest, GarbageInputNeverThrows) {
  for (const char* text : {"\t\tprofile: paper", "{{{{", "profile: paper\n? [a, b]\n: c\n", "\x01\x02\xff\xfe",
                           "profile: paper\napi: 5\nrisk: [1]\nvenues: {a: 1}\nstrategies: 3\nsymbols: {a: b}\n"}) {
    LoadOutcome outcome;
    EXPECT_NO_THROW(outcome = load(text)) << text;
    EXPECT_FALSE(outcome.config.has_value());
    EXPECT_FALSE(outcome.issues.empty());
  }
}

TEST_F(ConfigLoaderTest, DuplicateKeyIsReported) {
  LoadOutcome outcome = load(replaced(kValidPaper, "port: 8000", "port: 8000\n  port: 8001"));
  EXPECT_THAT(fatal_for(outcome, "api.port"), HasSubstr("duplicate key"));
}

TEST_F(ConfigLoaderTest, LiveRefusesPlaceholders) {
  std::string yaml = replaced(kValidPaper, "profile: paper", "profile: live");
  yaml = replaced(yaml, "data_dir: data", "data_dir: TODO");
  yaml = replaced(yaml, "bind: 127.0.0.1", "bind: change-me");
  yaml = replaced(yaml, "label: \"4\"", "label: \"<your label>\"");
  yaml = replaced(yaml, "id: SIM-A", "id: CHANGEME");
  LoadOutcome outcome = load(yaml, Profile::live);
  EXPECT_THAT(fatal_for(outcome, "data_dir"), HasSubstr("data_dir = 'TODO': placeholder value refused in the live profile"));
  EXPECT_THAT(fatal_for(outcome, "api.bind"), HasSubstr("api.bind = 'change-me': placeholder"));
  EXPECT_THAT(fatal_for(outcome, "strategies[0].params.label"), HasSubstr("'<your label>': placeholder"));
  EXPECT_THAT(fatal_for(outcome, "venues[0].id"), HasSubstr("'CHANGEME': placeholder"));
  EXPECT_EQ(outcome.issues.size(), 4u) << "one issue per key:\n" << all_fatal_lines(outcome);
}

TEST_F(ConfigLoaderTest, PaperDoesNotCareAboutPlaceholderLookingParams) {
  LoadOutcome outcome = load(replaced(kValidPaper, "label: \"4\"", "label: \"<your label>\""));
  EXPECT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
}

TEST_F(ConfigLoaderTest, LiveRefusesZeroLimitsThatPaperTreatsAsDisabledGuards) {
  std::string paper = replaced(kValidPaper, "daily_loss_cap_usdt: 1000", "daily_loss_cap_usdt: 0");
  paper = replaced(paper, "max_open_positions: 10", "max_open_positions: 0");
  LoadOutcome paper_outcome = load(paper);
  ASSERT_TRUE(paper_outcome.config.has_value()) << all_fatal_lines(paper_outcome);
  EXPECT_EQ(paper_outcome.config->risk.daily_loss_cap_usdt, 0);

  LoadOutcome live = load(replaced(paper, "profile: paper", "profile: live"), Profile::live);
  EXPECT_THAT(fatal_for(live, "risk.daily_loss_cap_usdt"),
              HasSubstr("risk.daily_loss_cap_usdt = '0': must be a number in (0, 1000000000] (0 would disable this "
                        "guard, which the live profile refuses)"));
  EXPECT_THAT(fatal_for(live, "risk.max_open_positions"), HasSubstr("must be an integer in [1, 10000]"));
  EXPECT_EQ(live.issues.size(), 2u) << all_fatal_lines(live);
}

TEST_F(ConfigLoaderTest, NegativeRiskCapIsRefusedEverywhere) {
  LoadOutcome outcome = load(replaced(kValidPaper, "max_unrealized_loss_usdt: 500", "max_unrealized_loss_usdt: -1"));
  EXPECT_THAT(fatal_for(outcome, "risk.max_unrealized_loss_usdt"),
              HasSubstr("must be a number in [0, 1000000000] (0 disables this guard; allowed in paper/testnet only)"));
}

TEST_F(ConfigLoaderTest, LeverageMustBeAboveZeroAndAtMost125) {
  EXPECT_THAT(fatal_for(load(replaced(kValidPaper, "max_leverage_per_venue: 3", "max_leverage_per_venue: 0")),
                        "risk.max_leverage_per_venue"),
              HasSubstr("must be a number in (0, 125]"));
  EXPECT_TRUE(load(replaced(kValidPaper, "max_leverage_per_venue: 3", "max_leverage_per_venue: 125")).config);
}

TEST_F(ConfigLoaderTest, MissingRequiredRiskCapIsReported) {
  LoadOutcome outcome = load(replaced(kValidPaper, "  max_total_notional_usdt: 50000\n", ""));
  std::string line = fatal_for(outcome, "risk.max_total_notional_usdt");
  EXPECT_THAT(line, HasSubstr("risk.max_total_notional_usdt = '': required and has no default"));
  EXPECT_THAT(line, HasSubstr("MAX_TOTAL_NOTIONAL_USDT"));
}


TEST_F(ConfigLoaderTest, CollectsEveryIssueAtOnce) {
  std::string yaml = replaced(kValidPaper, "port: 8000", "port: abc");
  yaml = replaced(yaml, "max_orders_per_min: 300", "max_orders_per_min: 0");
  yaml = replaced(yaml, "{id: SIM-B, kind: sim}", "{id: SIM-B, kind: ftx}");
  yaml += "bogus: 1\n";
  write_config(yaml);
  LoadOptions opts = options();
  opts.env = {{"SAFE_MODE", "maybe"}};
  LoadOutcome outcome = load_config(opts);
  EXPECT_FALSE(outcome.config.has_value());
  for (const char* key : {"api.port", "risk.max_orders_per_min", "venues[1].kind", "bogus", "safe_mode"}) {
    EXPECT_NE(find_issue(outcome, key), nullptr) << key << " missing from:\n" << all_fatal_lines(outcome);
  }
  EXPECT_EQ(outcome.issues.size(), 5u) << all_fatal_lines(outcome);
}

TEST_F(ConfigLoaderTest, StrategyFileMustBeLuaAndExistInsideTheBundle) {
  std::string yaml = std::string(kValidPaper) +
                     "  - {name: missing_file, file: strategies/nope.lua}\n"
                     "  - {name: not_lua, file: strategies/readme.txt}\n"
                     "  - {name: escapes, file: ../outside.lua}\n"
                     "  - {name: cross_exchange_arb, file: strategies/cross_exchange_arb.lua}\n"
                     "  - {name: Bad-Name, file: strategies/cross_exchange_arb.lua}\n";
  LoadOutcome outcome = load(yaml);
  EXPECT_THAT(fatal_for(outcome, "strategies[1].file"),
              HasSubstr("file not found: " + (root_ / "strategies" / "nope.lua").string()));
  EXPECT_THAT(fatal_for(outcome, "strategies[2].file"), HasSubstr("ending in .lua"));
  EXPECT_THAT(fatal_for(outcome, "strategies[3].file"), HasSubstr("stays inside it"));
  EXPECT_THAT(fatal_for(outcome, "strategies[4].name"), HasSubstr("duplicate strategy name"));
  EXPECT_THAT(fatal_for(outcome, "strategies[5].name"), HasSubstr("snake_case"));
}

TEST_F(ConfigLoaderTest, BundleDirDefaultsToTheParentOfConfigsAndRelativeIsTakenFromThere) {
  fs::create_directories(root_ / "bundle" / "strategies");
  write(root_ / "bundle" / "strategies" / "cross_exchange_arb.lua", "return {}\n");
  LoadOutcome outcome = load(std::string(kValidPaper) + "scripting:\n  bundle_dir: bundle\n");
  ASSERT_TRUE(outcome.config.has_value()) << all_fatal_lines(outcome);
  EXPECT_EQ(outcome.config->scripting.bundle_dir, (root_ / "bundle").lexically_normal().string());

  LoadOutcome missing = load(std::string(kValidPaper) + "scripting:\n  bundle_dir: /no/such/dir\n");
  EXPECT_THAT(fatal_for(missing, "scripting.bundle_dir"), HasSubstr("must be an existing directory"));
}

TEST_F(ConfigLoaderTest, VenueRules) {
  std::string one = replaced(kValidPaper, "  - {id: SIM-B, kind: sim}\n", "");
  EXPECT_THAT(fatal_for(load(one), "venues"), HasSubstr("at least 2 venues"));
  std::string dup = replaced(kValidPaper, "id: SIM-B", "id: SIM-A");
  EXPECT_THAT(fatal_for(load(dup), "venues[1].id"), HasSubstr("duplicate venue id"));
  std::string lower = replaced(kValidPaper, "id: SIM-B", "id: sim_b");
  EXPECT_THAT(fatal_for(load(lower), "venues[1].id"), HasSubstr("upper-case letters, digits or '-'"));
  std::string empty = replaced(kValidPaper, "{id: SIM-B, kind: sim}", "{kind: sim}");
  EXPECT_THAT(fatal_for(load(empty), "venues[1].id"), HasSubstr("venues[1].id = ''"));
}

TEST_F(ConfigLoaderTest, SymbolRules) {
  EXPECT_THAT(fatal_for(load(replaced(kValidPaper, "[BTC-USDT, ETH-USDT]", "[]")), "symbols"),
              HasSubstr("at least one symbol"));
  EXPECT_THAT(fatal_for(load(replaced(kValidPaper, "[BTC-USDT, ETH-USDT]", "[BTC-USDT, BTCUSDT]")), "symbols[1]"),
              HasSubstr("BASE-QUOTE"));
  EXPECT_THAT(fatal_for(load(replaced(kValidPaper, "[BTC-USDT, ETH-USDT]", "[BTC-USDT, BTC-USDT]")), "symbols[1]"),
              HasSubstr("duplicate symbol"));
}

TEST_F(ConfigLoaderTest, StartPricesMustCoverEverySymbolAndBePositive) {
  LoadOutcome missing = load(replaced(kValidPaper, "{BTC-USDT: 60000, ETH-USDT: 3000}", "{BTC-USDT: 60000}"));
  EXPECT_THAT(fatal_for(missing, "sim.start_prices.ETH-USDT"), HasSubstr("need a start price for every symbol"));
  LoadOutcome negative = load(replaced(kValidPaper, "ETH-USDT: 3000}", "ETH-USDT: -5}"));
  EXPECT_THAT(fatal_for(negative, "sim.start_prices.ETH-USDT"), HasSubstr("must be a number > 0"));
  LoadOutcome stray = load(replaced(kValidPaper, "ETH-USDT: 3000}", "ETH-USDT: 3000, SOL-USDT: 150}"));
  EXPECT_THAT(fatal_for(stray, "sim.start_prices.SOL-USDT"), HasSubstr("not in 'symbols'"));
}

TEST_F(ConfigLoaderTest, DislocationMinMustNotExceedMax) {
  LoadOutcome outcome = load(replaced(kValidPaper, "sim:\n", "sim:\n  dislocation_bps_min: 50\n  dislocation_bps_max: 10\n"));
  EXPECT_THAT(fatal_for(outcome, "sim.dislocation_bps_max"), HasSubstr("must be >= sim.dislocation_bps_min (50)"));
  LoadOutcome probability = load(replaced(kValidPaper, "sim:\n", "sim:\n  dislocation_probability: 1.5\n"));
  EXPECT_THAT(fatal_for(probability, "sim.dislocation_probability"), HasSubstr("must be a number in [0, 1]"));
  LoadOutcome tick = load(replaced(kValidPaper, "sim:\n", "sim:\n  tick_ms: 5\n"));
  EXPECT_THAT(fatal_for(tick, "sim.tick_ms"), HasSubstr("[10, 60000]"));
}

TEST_F(ConfigLoaderTest, PerPositionCapMayNotExceedTheTotalCap) {
  LoadOutcome outcome =
      load(replaced(kValidPaper, "max_notional_per_position_usdt: 5000", "max_notional_per_position_usdt: 60000"));
  EXPECT_THAT(fatal_for(outcome, "risk.max_notional_per_position_usdt"), HasSubstr("must not exceed"));
}

TEST(ConfigFatalTest, FormatFatalIsOneLine) {
  ConfigIssue issue{"api.bind", "a\nb\tc\x01", "must be x"};
  EXPECT_EQ(format_fatal(issue), "FATAL CONFIG: api.bind = 'a\\nb\\tc\\x01': must be x");
  ConfigIssue long_value{"data_dir", std::string(1000, 'x'), "too long"};
  EXPECT_LT(format_fatal(long_value).size(), 300u);
}

}  // namespace
}  // namespace propbot::config
