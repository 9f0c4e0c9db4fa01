// OKX signing: the three vectors of protocols.md B3 byte-exact, timestamps, the
// header set, WS login and the simulator-side verification.
#include "core/venues/okx/signing.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "core/common/json_util.hpp"

namespace propbot::venues::okx {
namespace {

constexpr std::string_view kSecret = "22582BD0CFF14C41EDBF1AB98506286D";
constexpr std::string_view kTimestamp = "2020-12-08T09:08:57.715Z";
constexpr std::string_view kOrderBody =
    R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy","ordType":"limit","px":"2.15","sz":"2"})";

UtcTime example_instant() {
  using namespace std::chrono;
  return UtcTime{sys_days{year{2020} / 12 / 8}.time_since_epoch() + hours{9} + minutes{8} + seconds{57} +
                 milliseconds{715} + microseconds{999}};
}

Credentials example_credentials(bool demo) { return Credentials{"my-api-key", std::string(kSecret), "my-pass", demo}; }

class OkxSigningTest : public ::testing::Test {};

TEST_F(OkxSigningTest, SignsTheDocumentedGetRequestExactly) {
  EXPECT_EQ(sign(crypto::HmacSha256(kSecret), kTimestamp, "GET", "/api/v5/account/balance?ccy=BTC", ""),
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=");
}

TEST_F(OkxSigningTest, SignsTheDocumentedPostRequestExactly) {
  EXPECT_EQ(sign(crypto::HmacSha256(kSecret), kTimestamp, "POST", "/api/v5/trade/order", kOrderBody),
            "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=");
}

TEST_F(OkxSigningTest, SignsTheDocumentedWebSocketLoginExactly) {
  EXPECT_EQ(sign(crypto::HmacSha256(kSecret), "1538054050", kLoginMethod, kLoginPath, ""),
            "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=");
}

TEST_F(OkxSigningTest, FormatsTimestampsAsIsoMillisecondsAndUnixSeconds) {
  EXPECT_EQ(format_timestamp(example_instant()), kTimestamp);
  EXPECT_EQ(format_login_timestamp(UtcTime{std::chrono::milliseconds{1538054050999}}), "1538054050");
}

TEST_F(OkxSigningTest, HeaderSetCarriesKeySignTimestampPassphraseInOrder) {
  const RequestSigner signer(example_credentials(false));
  const auto headers = signer.headers(example_instant(), "GET", "/api/v5/account/balance?ccy=BTC", "");
  ASSERT_EQ(headers.size(), 5u);
  EXPECT_EQ(headers[0].name, "OK-ACCESS-KEY");
  EXPECT_EQ(headers[0].value, "my-api-key");
  EXPECT_EQ(headers[1].name, "OK-ACCESS-SIGN");
  EXPECT_EQ(headers[1].value, "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=");
  EXPECT_EQ(headers[2].name, "OK-ACCESS-TIMESTAMP");
  EXPECT_EQ(headers[2].value, kTimestamp);
  EXPECT_EQ(headers[3].name, "OK-ACCESS-PASSPHRASE");
  EXPECT_EQ(headers[3].value, "my-pass");
  EXPECT_EQ(headers[4].name, "Content-Type");
  EXPECT_EQ(headers[4].value, "application/json");
}

TEST_F(OkxSigningTest, DemoHeaderSetAddsSimulatedTrading) {
  const RequestSigner signer(example_credentials(true));
  const auto headers = signer.headers(kTimestamp, "POST", "/api/v5/trade/order", kOrderBody);
  ASSERT_EQ(headers.size(), 6u);
  EXPECT_EQ(headers[1].value, "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=");
  EXPECT_EQ(headers[5].name, "x-simulated-trading");
  EXPECT_EQ(headers[5].value, "1");
}

TEST_F(OkxSigningTest, HeadersNeverCarryTheSecret) {
  const RequestSigner signer(example_credentials(true));
  for (const auto& header : signer.headers(kTimestamp, "GET", "/api/v5/account/balance", "")) {
    EXPECT_EQ(header.value.find(kSecret), std::string::npos) << header.name;
  }
}

TEST_F(OkxSigningTest, LoginArgsSignTheSecondsTimestampWithGetUsersSelfVerify) {
  const RequestSigner signer(example_credentials(false));
  const LoginArgs args = signer.login_args(UtcTime{std::chrono::seconds{1538054050}});
  EXPECT_EQ(args.api_key, "my-api-key");
  EXPECT_EQ(args.passphrase, "my-pass");
  EXPECT_EQ(args.timestamp, "1538054050");
  EXPECT_EQ(args.sign, "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=");
}

TEST_F(OkxSigningTest, LoginMessageIsTheDocumentedJsonShape) {
  const RequestSigner signer(example_credentials(false));
  const std::string message = signer.login_message(UtcTime{std::chrono::seconds{1538054050}});
  EXPECT_EQ(message,
            R"({"op":"login","args":[{"apiKey":"my-api-key","passphrase":"my-pass","timestamp":"1538054050",)"
            R"("sign":"+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="}]})");
  EXPECT_TRUE(parse_json(message).ok());
}

TEST_F(OkxSigningTest, VerifyAcceptsTheDocumentedSignatures) {
  EXPECT_TRUE(verify_signature(kSecret, kTimestamp, "POST", "/api/v5/trade/order", kOrderBody,
                               "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ="));
  EXPECT_TRUE(verify_signature(kSecret, "1538054050", kLoginMethod, kLoginPath, "",
                               "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="));
}

TEST_F(OkxSigningTest, VerifyRejectsAOneByteChangeInAnyPart) {
  const std::string_view good = "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=";
  std::string body(kOrderBody);
  body[body.size() - 3] = '3';  // "sz":"3"
  EXPECT_FALSE(verify_signature(kSecret, kTimestamp, "POST", "/api/v5/trade/order", body, good));
  EXPECT_FALSE(verify_signature(kSecret, "2020-12-08T09:08:57.716Z", "POST", "/api/v5/trade/order", kOrderBody, good));
  EXPECT_FALSE(verify_signature(kSecret, kTimestamp, "post", "/api/v5/trade/order", kOrderBody, good));
  EXPECT_FALSE(verify_signature(kSecret, kTimestamp, "POST", "/api/v5/trade/orders", kOrderBody, good));
  std::string signature(good);
  signature[0] = 'e';
  EXPECT_FALSE(verify_signature(kSecret, kTimestamp, "POST", "/api/v5/trade/order", kOrderBody, signature));
  std::string secret(kSecret);
  secret[5] = 'E';
  EXPECT_FALSE(verify_signature(secret, kTimestamp, "POST", "/api/v5/trade/order", kOrderBody, good));
  EXPECT_FALSE(verify_signature(kSecret, kTimestamp, "POST", "/api/v5/trade/order", kOrderBody, ""));
}

}  // namespace
}  // namespace propbot::venues::okx
