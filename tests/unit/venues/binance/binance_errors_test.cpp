// Binance error mapping: every mapped code, the HTTP-status rules, and the simulator's
// reverse table round-tripping through map_error.
#include "core/venues/binance/errors.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace propbot::venues::binance {
namespace {

struct CodeCase {
  int code;
  VenueErrc expected;
};

const std::vector<CodeCase> kMappedCodes{
    {-1021, VenueErrc::timestamp_out_of_window}, {-5028, VenueErrc::timestamp_out_of_window},
    {-1022, VenueErrc::bad_signature},           {-2014, VenueErrc::bad_signature},
    {-2015, VenueErrc::bad_signature},           {-2018, VenueErrc::insufficient_margin},
    {-2019, VenueErrc::insufficient_margin},     {-4164, VenueErrc::min_notional},
    {-4004, VenueErrc::min_notional},            {-5022, VenueErrc::post_only_would_take},
    {-4116, VenueErrc::duplicate_client_id},     {-2011, VenueErrc::unknown_order},
    {-2013, VenueErrc::unknown_order},           {-1003, VenueErrc::rate_limited},
    {-1008, VenueErrc::rate_limited},            {-1015, VenueErrc::rate_limited},
    {-1001, VenueErrc::network},                 {-1006, VenueErrc::network},
    {-1007, VenueErrc::network},                 {-1016, VenueErrc::maintenance},
};

std::string body_of(int code, std::string_view msg) {
  return "{\"code\":" + std::to_string(code) + ",\"msg\":\"" + std::string(msg) + "\"}";
}

class BinanceErrorsTest : public ::testing::Test {};

TEST_F(BinanceErrorsTest, MapsEveryTableCodeFromA400Body) {
  for (const auto& [code, expected] : kMappedCodes) {
    const VenueError error = map_error(400, body_of(code, "some message"));
    EXPECT_EQ(error.code, expected) << code;
    EXPECT_EQ(error.venue_code, std::to_string(code));
    EXPECT_EQ(error.venue_message, "some message");
    EXPECT_EQ(error.http_status, 400);
  }
}

TEST_F(BinanceErrorsTest, KeepsTheVenueCodeAndMessageOfTheDocumentedBadSignature) {
  const VenueError error = map_error(400, R"({"code":-1022,"msg":"Signature for this request is not valid."})");
  EXPECT_EQ(error.code, VenueErrc::bad_signature);
  EXPECT_EQ(error.venue_code, "-1022");
  EXPECT_EQ(error.venue_message, "Signature for this request is not valid.");
}

TEST_F(BinanceErrorsTest, MapsAnUnlistedCodeToRejected) {
  const VenueError error = map_error(400, R"({"code":-1121,"msg":"Invalid symbol."})");
  EXPECT_EQ(error.code, VenueErrc::rejected);
  EXPECT_EQ(error.venue_code, "-1121");
  EXPECT_EQ(error.venue_message, "Invalid symbol.");
}

TEST_F(BinanceErrorsTest, Http429IsRateLimitedWithRetryAfterFromTheHeader) {
  const VenueError error = map_error(429, R"({"code":-1003,"msg":"Too many requests."})", "7");
  EXPECT_EQ(error.code, VenueErrc::rate_limited);
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, std::chrono::milliseconds{7000});
}

TEST_F(BinanceErrorsTest, BanEndIsReadFromTheBannedUntilMessage) {
  EXPECT_EQ(ban_end_ms(R"({"code":-1003,"msg":"Way too many requests; IP banned until 1570000000000. Please use the websocket."})"),
            std::optional<std::int64_t>(1570000000000));
  EXPECT_EQ(ban_end_ms(R"({"code":-1003,"msg":"Too many requests."})"), std::nullopt);
  EXPECT_EQ(ban_end_ms("banned until soon"), std::nullopt);
}

TEST_F(BinanceErrorsTest, Http418IsBannedEvenWithARateLimitCode) {
  const VenueError error = map_error(418, R"({"code":-1003,"msg":"Way too many requests; IP banned."})", "120");
  EXPECT_EQ(error.code, VenueErrc::banned);
  EXPECT_EQ(error.venue_code, "-1003");
  ASSERT_TRUE(error.retry_after.has_value());
  EXPECT_EQ(*error.retry_after, std::chrono::minutes{2});
}

TEST_F(BinanceErrorsTest, MissingOrMalformedRetryAfterLeavesItEmpty) {
  EXPECT_FALSE(map_error(429, "", "").retry_after.has_value());
  EXPECT_FALSE(map_error(429, "", "soon").retry_after.has_value());
  EXPECT_FALSE(map_error(429, "", "-5").retry_after.has_value());
}

TEST_F(BinanceErrorsTest, Http5xxWithoutACodeIsNetworkBecauseTheOutcomeIsUnknown) {
  for (const int status : {500, 502, 503, 504}) {
    const VenueError error = map_error(status, "Unknown error, please check your request or try again later.");
    EXPECT_EQ(error.code, VenueErrc::network) << status;
    EXPECT_EQ(error.venue_code, "HTTP " + std::to_string(status));
  }
}

TEST_F(BinanceErrorsTest, Http408BackendTimeoutIsNetwork) {
  EXPECT_EQ(map_error(408, "").code, VenueErrc::network);
}

TEST_F(BinanceErrorsTest, Http503ThrottleCodeIsRateLimited) {
  const VenueError error = map_error(503, body_of(-1008, "Request throttled by system-level protection."));
  EXPECT_EQ(error.code, VenueErrc::rate_limited);
}

TEST_F(BinanceErrorsTest, Http403WafLimitIsBanned) {
  EXPECT_EQ(map_error(403, "<html>Forbidden</html>").code, VenueErrc::banned);
}

TEST_F(BinanceErrorsTest, UnparseableClientErrorIsRejectedWithTheBodyAsMessage) {
  const VenueError error = map_error(400, "Bad Request");
  EXPECT_EQ(error.code, VenueErrc::rejected);
  EXPECT_EQ(error.venue_code, "HTTP 400");
  EXPECT_EQ(error.venue_message, "Bad Request");
}

TEST_F(BinanceErrorsTest, MessageIsRedactedAndBounded) {
  const VenueError error = map_error(400, R"({"code":-1102,"msg":"bad param signature=abcdef"})");
  EXPECT_EQ(error.venue_message.find("abcdef"), std::string::npos) << error.venue_message;
  EXPECT_LE(map_error(502, std::string(10'000, 'x')).venue_message.size(), 512u);
}

TEST_F(BinanceErrorsTest, ErrorBodyRoundTripsThroughMapErrorForEveryTableCode) {
  for (const auto& [code, expected] : kMappedCodes) {
    const auto [status, body] = error_body(code);
    const VenueError error = map_error(status, body);
    EXPECT_EQ(error.code, expected) << code << " " << body;
    EXPECT_EQ(error.venue_code, std::to_string(code));
    EXPECT_FALSE(error.venue_message.empty()) << code;
  }
}

TEST_F(BinanceErrorsTest, ErrorBodyUsesTheDocumentedShapeAndStatus) {
  EXPECT_EQ(error_body(-1022), (std::pair<int, std::string>{
                                   400, R"({"code":-1022,"msg":"Signature for this request is not valid."})"}));
  EXPECT_EQ(error_body(-4116).second, R"({"code":-4116,"msg":"clientOrderId is duplicated"})");
  EXPECT_EQ(error_body(-1003).first, 429);
  EXPECT_EQ(error_body(-1121, "Invalid symbol.").second, R"({"code":-1121,"msg":"Invalid symbol."})");
  EXPECT_EQ(error_body(-2010, "say \"no\"").second, R"({"code":-2010,"msg":"say \"no\""})");
}

TEST_F(BinanceErrorsTest, CodeForEachCategoryMapsBackToThatCategory) {
  for (int i = 0; i <= static_cast<int>(VenueErrc::network); ++i) {
    const auto category = static_cast<VenueErrc>(i);
    const auto code = code_for(category);
    if (!code) continue;
    const auto [status, body] = error_body(*code);
    EXPECT_EQ(map_error(status, body).code, category) << to_string(category);
  }
  EXPECT_EQ(code_for(VenueErrc::duplicate_client_id), -4116);
  EXPECT_EQ(code_for(VenueErrc::post_only_would_take), -5022);
}

}  // namespace
}  // namespace propbot::venues::binance
