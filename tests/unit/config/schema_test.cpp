// The schema table and validate() on a Config built in code (no YAML involved).
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/valid_risk.hpp"

#include "core/config/schema.hpp"

namespace propbot::config {
namespace {

using ::testing::HasSubstr;

TEST(SchemaTableTest, EveryKeyIsKnownInItsSectionAndHasAGenericEnvName) {
  std::set<std::string> envs;
  for (const ScalarField& field : scalar_fields()) {
    auto dot = field.key.find('.');
    std::string section = dot == std::string::npos ? "" : field.key.substr(0, dot);
    std::string name = dot == std::string::npos ? field.key : field.key.substr(dot + 1);
    auto known = known_keys(section);
    EXPECT_NE(std::find(known.begin(), known.end(), name), known.end()) << field.key;
    EXPECT_EQ(field.env.rfind("PROPBOT_", 0), 0u) << field.key;
    EXPECT_TRUE(envs.insert(field.env).second) << "duplicate env name " << field.env;
    if (!field.seed_env.empty()) {
      EXPECT_TRUE(envs.insert(field.seed_env).second) << field.seed_env;
    }
    EXPECT_EQ(find_field(field.key), &field);
    if (!section.empty()) {
      EXPECT_TRUE(is_section(section)) << section;
    }
  }
  EXPECT_EQ(find_field("risk.max_total_notional_usdt")->env, "PROPBOT_RISK__MAX_TOTAL_NOTIONAL_USDT");
  EXPECT_EQ(find_field("data_dir")->env, "PROPBOT_DATA_DIR");
  EXPECT_EQ(find_field("risk.daily_loss_cap_usdt")->seed_env, "MAX_DAILY_LOSS_USDT");
  EXPECT_EQ(find_field("risk.clock_skew_hold_ms")->seed_env, "CLOCK_SKEW_HOLD_THRESHOLD_MS");
  EXPECT_EQ(preferred_env(*find_field("api.port")), "PROPBOT_API__PORT");
  EXPECT_EQ(preferred_env(*find_field("safe_mode")), "SAFE_MODE");
  EXPECT_EQ(find_field("autopilot.enabled")->env, "PROPBOT_AUTOPILOT__ENABLED");
  EXPECT_EQ(preferred_env(*find_field("autopilot.enabled")), "AUTOPILOT_ENABLE");
  EXPECT_EQ(find_field("nope"), nullptr);
}

TEST(SchemaParseTest, IntegersNumbersAndBooleans) {
  EXPECT_EQ(parse_integer("42"), 42);
  EXPECT_EQ(parse_integer("+7"), 7);
  EXPECT_EQ(parse_integer("-3"), -3);
  EXPECT_FALSE(parse_integer("1.5"));
  EXPECT_FALSE(parse_integer("1e3"));
  EXPECT_FALSE(parse_integer(""));
  EXPECT_FALSE(parse_integer("12abc"));
  EXPECT_FALSE(parse_integer("99999999999999999999"));
  EXPECT_FALSE(parse_unsigned("-1"));
  EXPECT_EQ(parse_unsigned("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_number("1e3"), 1000.0);
  EXPECT_EQ(parse_number("0.25"), 0.25);
  EXPECT_FALSE(parse_number("nan"));
  EXPECT_FALSE(parse_number("inf"));
  EXPECT_FALSE(parse_number("1,5"));
  EXPECT_EQ(parse_boolean("TRUE"), true);
  EXPECT_EQ(parse_boolean("off"), false);
  EXPECT_EQ(parse_boolean("0"), false);
  EXPECT_FALSE(parse_boolean("maybe"));
}

TEST(SchemaParseTest, AssignFieldReportsTypeErrors) {
  Config config;
  EXPECT_EQ(assign_field(*find_field("api.port"), "9000", config), std::nullopt);
  EXPECT_EQ(config.api.port, 9000);
  EXPECT_EQ(assign_field(*find_field("api.port"), "x", config), "expected an integer, got 'x'");
  EXPECT_EQ(assign_field(*find_field("api.port"), "", config), "expected an integer, got an empty value");
  EXPECT_THAT(*assign_field(*find_field("api.port"), "99999999999", config), HasSubstr("[0, 65535]"));
  EXPECT_EQ(assign_field(*find_field("safe_mode"), "perhaps", config), "expected a boolean (true or false), got 'perhaps'");
  EXPECT_EQ(assign_field(*find_field("sim.volatility_bps"), "2.5", config), std::nullopt);
  EXPECT_EQ(config.sim.volatility_bps, 2.5);
  EXPECT_EQ(read_field(*find_field("sim.volatility_bps"), config), "2.5");
  EXPECT_EQ(read_field(*find_field("api.port"), config), "9000");
}

TEST(SchemaParseTest, PlaceholdersAreRecognised) {
  for (const char* text : {"TODO", "set TODO later", "change-me", "CHANGE-ME", "CHANGEME", "<api-key>", "x<y>z"}) {
    EXPECT_TRUE(is_placeholder(text)) << text;
  }
  for (const char* text : {"", "data", "127.0.0.1", "mastodon", "a < b"}) {
    EXPECT_FALSE(is_placeholder(text)) << text;
  }
}

TEST(SchemaRangeTest, DescribesRangesPerProfile) {
  EXPECT_EQ(describe_range(*find_field("risk.max_orders_per_min"), Profile::paper), "an integer in [1, 100000]");
  EXPECT_EQ(describe_range(*find_field("risk.max_leverage_per_venue"), Profile::paper), "a number in (0, 125]");
  EXPECT_EQ(describe_range(*find_field("risk.max_total_notional_usdt"), Profile::paper),
            "a number in [0, 1000000000]");
  EXPECT_EQ(describe_range(*find_field("risk.max_total_notional_usdt"), Profile::live),
            "a number in (0, 1000000000]");
  EXPECT_EQ(describe_range(*find_field("risk.max_open_positions"), Profile::live), "an integer in [1, 10000]");
  EXPECT_EQ(describe_range(*find_field("sim.dislocation_probability"), Profile::paper), "a number in [0, 1]");
}

// A Config built in code that passes validate(): no strategies, so no files needed
// except bundle_dir itself.
Config valid_config() {
  Config config;
  config.data_dir = "/tmp/propbot-data";
  config.symbols = {"BTC-USDT"};
  config.venues = {{"SIM-A", "sim"}, {"SIM-B", "sim"}};
  config.sim.start_prices = {{"BTC-USDT", 60000}};
  config.risk = testing::valid_risk();
  config.scripting.bundle_dir = "/";
  return config;
}

TEST(SchemaValidateTest, AcceptsAValidConfig) {
  auto issues = validate(valid_config());
  EXPECT_TRUE(issues.empty()) << (issues.empty() ? "" : format_fatal(issues[0]));
}

TEST(SchemaValidateTest, UsesFixHintsAndSkipsAlreadyReportedKeys) {
  Config config = valid_config();
  config.api.port = -1;
  config.engine.snapshot_interval_ms = 1;
  ValidationContext context;
  context.fix_hints["api.port"] = "set it in here.yaml:3 or PROPBOT_API__PORT";
  context.already_reported.insert("engine.snapshot_interval_ms");
  auto issues = validate(config, context);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(format_fatal(issues[0]),
            "FATAL CONFIG: api.port = '-1': must be an integer in [0, 65535]; set it in here.yaml:3 or PROPBOT_API__PORT");
}

TEST(SchemaValidateTest, WithoutHintsNamesTheEnvironmentVariable) {
  Config config = valid_config();
  config.risk.max_orders_per_min = 0;
  auto issues = validate(config);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].message, HasSubstr("MAX_ORDERS_PER_MIN"));
}

TEST(SchemaValidateTest, ParentKeyAlreadyReportedSilencesChildren) {
  Config config = valid_config();
  config.venues = {{"bad id", "okx"}};
  ValidationContext context;
  context.already_reported.insert("venues");
  EXPECT_TRUE(validate(config, context).empty());
}

}  // namespace
}  // namespace propbot::config
