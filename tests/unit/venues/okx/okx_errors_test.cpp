// OKX error mapping: every mapped code at top level and per order, the HTTP-status
// rules, and the simulator's reverse table round-tripping through map_error.
#include "core/venues/okx/errors.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace propbot::venues::okx {
namespace {

struct CodeCase {
  std::string_view code;
  VenueErrc expected;
};

const std::vector<CodeCase> kMappedCodes{
    {"50011", VenueErrc::rate_limited},           {"50013", VenueErrc::rate_limited},
    {"50061", VenueErrc::rate_limited},           {"60014", VenueErrc::rate_limited},
    {"50102", VenueErrc::timestamp_out_of_window}, {"50112", VenueErrc::timestamp_out_of_window},
    {"60004", VenueErrc::timestamp_out_of_window}, {"60006", VenueErrc::timestamp_out_of_window},
    {"50113", VenueErrc::bad_signature},          {"60007", VenueErrc::bad_signature},
    {"50101", VenueErrc::bad_signature},          {"50103", VenueErrc::bad_signature},
    {"50104", VenueErrc::bad_signature},          {"50105", VenueErrc::bad_signature},
    {"50106", VenueErrc::bad_signature},          {"50107", VenueErrc::bad_signature},
    {"50111", VenueErrc::bad_signature},          {"50114", VenueErrc::bad_signature},
    {"60005", VenueErrc::bad_signature},          {"60009", VenueErrc::bad_signature},
    {"60024", VenueErrc::bad_signature},          {"51008", VenueErrc::insufficient_margin},
    {"51119", VenueErrc::insufficient_margin},    {"51016", VenueErrc::duplicate_client_id},
    {"51400", VenueErrc::unknown_order},          {"51503", VenueErrc::unknown_order},
    {"51603", VenueErrc::unknown_order},          {"51020", VenueErrc::min_notional},
    {"50001", VenueErrc::maintenance},            {"50004", VenueErrc::network},
    {"50026", VenueErrc::network},
};

class OkxErrorsTest : public ::testing::Test {};

TEST_F(OkxErrorsTest, MapsEveryTableCodeAtTopLevel) {
  for (const auto& [code, expected] : kMappedCodes) {
    const std::string body = R"({"code":")" + std::string(code) + R"(","msg":"top message","data":[]})";
    const VenueError error = map_error(400, body);
    EXPECT_EQ(error.code, expected) << code;
    EXPECT_EQ(error.venue_code, code);
    EXPECT_EQ(error.venue_message, "top message");
  }
}

TEST_F(OkxErrorsTest, MapsEveryTableCodeAsAnOrderLevelSCode) {
  for (const auto& [code, expected] : kMappedCodes) {
    const std::string body = R"({"code":"1","msg":"All operations failed","data":[{"clOrdId":"b15","sCode":")" +
                             std::string(code) + R"(","sMsg":"item message"}]})";
    const VenueError error = map_error(200, body);
    EXPECT_EQ(error.code, expected) << code;
    EXPECT_EQ(error.venue_code, code);
    EXPECT_EQ(error.venue_message, "item message");
    EXPECT_EQ(error.http_status, 200);
  }
}

TEST_F(OkxErrorsTest, PartialBatchUsesTheFirstFailedItem) {
  const VenueError error = map_error(
      200, R"({"code":"2","msg":"Bulk operation partially succeeded.","data":[{"sCode":"0","sMsg":""},)"
           R"({"sCode":"51016","sMsg":"Client order ID already exists."},{"sCode":"51008","sMsg":"x"}]})");
  EXPECT_EQ(error.code, VenueErrc::duplicate_client_id);
  EXPECT_EQ(error.venue_code, "51016");
  EXPECT_EQ(error.venue_message, "Client order ID already exists.");
}

TEST_F(OkxErrorsTest, CcxtDocumentedParameterErrorIsRejected) {
  const VenueError error = map_error(
      200, R"({"code":"1","data":[{"clOrdId":"abc","ordId":"","sCode":"51000","sMsg":"Parameter posSide error ",)"
           R"("tag":"t"}],"inTime":"1701877077101064","msg":"All operations failed","outTime":"1701877077102579"})");
  EXPECT_EQ(error.code, VenueErrc::rejected);
  EXPECT_EQ(error.venue_code, "51000");
  EXPECT_EQ(error.venue_message, "Parameter posSide error ");
}

TEST_F(OkxErrorsTest, WebSocketLoginErrorEventIsMapped) {
  const VenueError error = map_error(0, R"({"event":"error","code":"60007","msg":"Invalid sign","connId":"a4d3ae55"})");
  EXPECT_EQ(error.code, VenueErrc::bad_signature);
  EXPECT_EQ(error.venue_code, "60007");
}

TEST_F(OkxErrorsTest, Http429WithoutACodeIsRateLimited) {
  const VenueError error = map_error(429, "Too Many Requests");
  EXPECT_EQ(error.code, VenueErrc::rate_limited);
  EXPECT_EQ(error.venue_code, "HTTP 429");
  EXPECT_FALSE(error.retry_after.has_value());
  EXPECT_EQ(map_error(429, "", "3").retry_after, std::chrono::milliseconds{3000});
}

TEST_F(OkxErrorsTest, Http5xxWithAnUnlistedCodeOrNoBodyIsNetwork) {
  EXPECT_EQ(map_error(502, "<html>Bad Gateway</html>").code, VenueErrc::network);
  EXPECT_EQ(map_error(500, R"({"code":"59999","msg":"?"})").code, VenueErrc::network);
}

TEST_F(OkxErrorsTest, UnlistedClientErrorIsRejected) {
  const VenueError error = map_error(400, R"({"code":"51001","msg":"Instrument ID doesn't exist"})");
  EXPECT_EQ(error.code, VenueErrc::rejected);
  EXPECT_EQ(error.venue_code, "51001");
}

TEST_F(OkxErrorsTest, NumericCodeIsTolerated) {
  EXPECT_EQ(map_error(401, R"({"code":50113,"msg":"Invalid Sign"})").code, VenueErrc::bad_signature);
}

TEST_F(OkxErrorsTest, MessageIsRedacted) {
  const VenueError error = map_error(400, R"({"code":"50000","msg":"bad header OK-ACCESS-SIGN: abcdef"})");
  EXPECT_EQ(error.venue_message.find("abcdef"), std::string::npos) << error.venue_message;
}

TEST_F(OkxErrorsTest, ErrorBodyRoundTripsThroughMapErrorForEveryTableCode) {
  for (const auto& [code, expected] : kMappedCodes) {
    const auto [status, body] = error_body(code);
    const VenueError error = map_error(status, body);
    EXPECT_EQ(error.code, expected) << code << " " << body;
    EXPECT_EQ(error.venue_code, code);
    EXPECT_FALSE(error.venue_message.empty()) << code;
  }
}

TEST_F(OkxErrorsTest, ErrorBodyUsesTheDocumentedShapes) {
  EXPECT_EQ(error_body("51016"),
            (std::pair<int, std::string>{200, R"({"code":"1","msg":"All operations failed","data":[{"clOrdId":"",)"
                                              R"("ordId":"","sCode":"51016","sMsg":"Client order ID already exists.",)"
                                              R"("tag":""}]})"}));
  EXPECT_EQ(error_body("50113"),
            (std::pair<int, std::string>{401, R"({"code":"50113","msg":"Invalid signature","data":[]})"}));
  EXPECT_EQ(error_body("50011").first, 429);
  EXPECT_EQ(error_body("50001").first, 503);
  EXPECT_EQ(error_body("60009"),
            (std::pair<int, std::string>{0, R"({"event":"error","code":"60009","msg":"Login failure"})"}));
}

TEST_F(OkxErrorsTest, CodeForEachCategoryMapsBackToThatCategory) {
  for (int i = 0; i <= static_cast<int>(VenueErrc::network); ++i) {
    const auto category = static_cast<VenueErrc>(i);
    const auto code = code_for(category);
    if (!code) continue;
    const auto [status, body] = error_body(*code);
    EXPECT_EQ(map_error(status, body).code, category) << to_string(category);
  }
  EXPECT_EQ(code_for(VenueErrc::duplicate_client_id), "51016");
  EXPECT_FALSE(code_for(VenueErrc::post_only_would_take).has_value());
}

}  // namespace
}  // namespace propbot::venues::okx
