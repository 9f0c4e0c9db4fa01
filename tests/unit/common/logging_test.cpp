#include "core/common/logging.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace propbot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

class LoggingTest : public ::testing::Test {
 protected:
  Logger make(bool json, const std::string& level = "trace") {
    LogOptions options;
    options.level = level;
    options.json = json;
    options.to_stderr = false;
    options.extra_sinks.push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
    return Logger::from_options(options);
  }

  std::ostringstream captured;
};

TEST_F(LoggingTest, SecretFieldNeverReachesTheSink) {
  const Logger logger = make(false);
  logger.info("venue_connected", {{"venue", "binance"}, {"api_secret", "SEKRET123"}, {"X-MBX-APIKEY", "SEKRET123"}});
  const std::string out = captured.str();
  EXPECT_THAT(out, Not(HasSubstr("SEKRET123")));
  EXPECT_THAT(out, HasSubstr("venue_connected venue=binance api_secret=*** X-MBX-APIKEY=***"));
}

TEST_F(LoggingTest, SecretInFreeTextNeverReachesTheSink) {
  const Logger logger = make(false);
  logger.spdlog_logger()->info("connecting with api_key=SEKRET123");
  logger.warn("venue_rejected", {{"request", "POST /api/v5/trade/order\nAuthorization: Bearer SEKRET123"},
                                 {"body", R"({"code":"50113","api_secret":"SEKRET123"})"}});
  logger.spdlog_logger()->error("signed {} with signature={}", "order", "SEKRET123abcdef");
  const std::string out = captured.str();
  EXPECT_THAT(out, Not(HasSubstr("SEKRET123")));
  EXPECT_THAT(out, HasSubstr("connecting with api_key=***"));
  EXPECT_THAT(out, HasSubstr("venue_rejected"));
  EXPECT_THAT(out, HasSubstr("Bearer ***"));
  EXPECT_THAT(out, HasSubstr("signature=***"));
}

TEST_F(LoggingTest, RedactingSinkScrubsAPlainSpdlogLogger) {
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  spdlog::logger logger("raw", make_redacting_sink(inner));
  logger.set_pattern("%v");
  logger.info("OK-ACCESS-SIGN: SEKRET123");
  logger.info("token=SEKRET123&x=1");
  EXPECT_EQ(captured.str(), "OK-ACCESS-SIGN: ***\ntoken=***&x=1\n");
}

TEST_F(LoggingTest, TextLinesCarryTimestampLevelLoggerAndPayload) {
  const Logger logger = make(false);
  logger.info("order_submitted", {{"client_order_id", "abc-1"}, {"price", Decimal::from_mantissa(6500010, 2)},
                                  {"note", "value with spaces"}, {"qty", 3}, {"dry_run", true}, {"ratio", 0.25}});
  const auto lines = lines_of(captured.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], ::testing::MatchesRegex(
                            R"(^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z info propbot .*)"));
  EXPECT_THAT(lines[0], HasSubstr(R"(order_submitted client_order_id=abc-1 price=65000.10 note="value with spaces")"
                                  R"( qty=3 dry_run=true ratio=0.25)"));
}

TEST_F(LoggingTest, RenderedTextQuotesAndEscapesAwkwardValues) {
  EXPECT_EQ(render_event(LogFormat::text, "e", {{"a", ""}, {"b", "x=y"}, {"c", "say \"hi\"\n"}, {"d", -7}}),
            R"(e a="" b="x=y" c="say \"hi\"\n" d=-7)");
}

TEST_F(LoggingTest, JsonLinesAreValidJsonWithTypedFields) {
  const Logger logger = make(true);
  logger.error("hedge_failed", {{"venue", "okx"}, {"attempt", 2}, {"latency_ms", 12.5}, {"final", false},
                                {"passphrase", "SEKRET123"}, {"detail", "api_key=SEKRET123 \"quoted\""}});
  logger.spdlog_logger()->info("free text {} with Authorization: Bearer SEKRET123", 1);
  const std::string out = captured.str();
  EXPECT_THAT(out, Not(HasSubstr("SEKRET123")));
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u);

  const auto event = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(event["level"], "error");
  EXPECT_EQ(event["logger"], "propbot");
  EXPECT_EQ(event["event"], "hedge_failed");
  EXPECT_EQ(event["venue"], "okx");
  EXPECT_EQ(event["attempt"], 2);
  EXPECT_EQ(event["latency_ms"], 12.5);
  EXPECT_EQ(event["final"], false);
  EXPECT_EQ(event["passphrase"], "***");
  EXPECT_EQ(event["detail"], "api_key=*** \"quoted\"");
  EXPECT_THAT(event["ts"].get<std::string>(), ::testing::EndsWith("Z"));

  const auto free_text = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(free_text["level"], "info");
  EXPECT_EQ(free_text["msg"], "free text 1 with Authorization: Bearer ***");
}

TEST_F(LoggingTest, LevelFiltersEventsBelowIt) {
  const Logger logger = make(false, "warn");
  EXPECT_FALSE(logger.enabled(LogLevel::info));
  EXPECT_TRUE(logger.enabled(LogLevel::error));
  logger.info("not_shown");
  logger.warn("shown");
  const std::string out = captured.str();
  EXPECT_THAT(out, Not(HasSubstr("not_shown")));
  EXPECT_THAT(out, HasSubstr(" warn propbot shown"));
}

TEST(LogLevelTest, ParsesTheFiveLevels) {
  EXPECT_EQ(*parse_log_level("trace"), LogLevel::trace);
  EXPECT_EQ(*parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(*parse_log_level("INFO"), LogLevel::info);
  EXPECT_EQ(*parse_log_level("warn"), LogLevel::warn);
  EXPECT_EQ(*parse_log_level("error"), LogLevel::error);
  EXPECT_EQ(to_string(LogLevel::warn), "warn");
}

TEST(LogLevelTest, RejectsUnknownLevelNamingTheAllowedValues) {
  for (const char* text : {"verbose", "", "warning", "info "}) {
    const auto level = parse_log_level(text);
    ASSERT_FALSE(level.ok()) << text;
    EXPECT_EQ(level.error().code, Errc::invalid_argument);
    EXPECT_THAT(level.error().message, HasSubstr('"' + std::string(text) + '"'));
    EXPECT_THAT(level.error().message, HasSubstr("trace|debug|info|warn|error"));
  }
}

TEST(LogLevelTest, MakeLoggerThrowsOnABadLevel) {
  LogOptions options;
  options.level = "loud";
  options.to_stderr = false;
  EXPECT_THROW((void)make_logger(options), std::invalid_argument);
}

TEST(LogFileTest, FileSinkIsRedactedToo) {
  const std::string path = ::testing::TempDir() + "propbot_logging_test.log";
  std::remove(path.c_str());
  {
    LogOptions options;
    options.to_stderr = false;
    options.file = path;
    const Logger logger = Logger::from_options(options);
    logger.info("boot", {{"secret_key", "SEKRET123"}});
    logger.spdlog_logger()->info("password=SEKRET123");
    logger.flush();
  }
  std::ifstream in(path);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  EXPECT_THAT(content, HasSubstr("boot secret_key=***"));
  EXPECT_THAT(content, HasSubstr("password=***"));
  EXPECT_THAT(content, Not(HasSubstr("SEKRET123")));
}

}  // namespace
}  // namespace propbot
