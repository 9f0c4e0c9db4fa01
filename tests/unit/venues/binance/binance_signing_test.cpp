// Binance signing: the official HMAC vector (protocols.md A5), parameter encoding,
// and the simulator-side verification.
#include "core/venues/binance/signing.hpp"

#include <cctype>
#include <string>

#include <gtest/gtest.h>

namespace propbot::venues::binance {
namespace {

constexpr std::string_view kSecret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
constexpr std::string_view kTotalParams =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp="
    "1591702613943";
constexpr std::string_view kSignature = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";

const std::vector<QueryParam> kExampleParams{{"symbol", "BTCUSDT"}, {"side", "BUY"},    {"type", "LIMIT"},
                                             {"quantity", "1"},     {"price", "9000"}, {"timeInForce", "GTC"}};

class BinanceSigningTest : public ::testing::Test {};

TEST_F(BinanceSigningTest, SignPayloadReproducesTheDocumentedSignature) {
  EXPECT_EQ(sign_payload(crypto::HmacSha256(kSecret), kTotalParams), kSignature);
}

TEST_F(BinanceSigningTest, SignPayloadReproducesTheSpotReferenceVector) {
  EXPECT_EQ(sign_payload(crypto::HmacSha256("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"),
                         "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
                         "timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST_F(BinanceSigningTest, SignerBuildsTheDocumentedQueryByteForByte) {
  const RequestSigner signer(kSecret, 5000);
  EXPECT_EQ(signer.sign_params(kExampleParams, 1591702613943),
            std::string(kTotalParams) + "&signature=" + std::string(kSignature));
}

TEST_F(BinanceSigningTest, MixedRequestSignsQueryThenBodyWithNoSeparator) {
  // protocols.md A5 Example 3 without the doc's stray space.
  const RequestSigner signer(kSecret, 5000);
  const std::string body = signer.sign_params({{"quantity", "1"}, {"price", "9000"}}, 1591702613943,
                                              "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC");
  EXPECT_EQ(body,
            "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943&signature="
            "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4");
}

TEST_F(BinanceSigningTest, DocumentedExample3SignatureCoversTheStraySpace) {
  EXPECT_EQ(sign_payload(crypto::HmacSha256(kSecret),
                         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=9000&recvWindow=5000&"
                         "timestamp= 1591702613943"),
            "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2");
}

TEST_F(BinanceSigningTest, SignerOmitsRecvWindowWhenUnset) {
  const RequestSigner signer(kSecret, std::nullopt);
  const std::string query = signer.sign_params({{"symbol", "BTCUSDT"}}, 42);
  EXPECT_TRUE(query.starts_with("symbol=BTCUSDT&timestamp=42&signature=")) << query;
  EXPECT_EQ(query.find("recvWindow"), std::string::npos);
}

TEST_F(BinanceSigningTest, SignatureCoversTheEncodedBytes) {
  const RequestSigner signer(kSecret, std::nullopt);
  const std::string query = signer.sign_params({{"newClientOrderId", "a b/c:d"}}, 1);
  const std::string signed_part = "newClientOrderId=a%20b%2Fc%3Ad&timestamp=1";
  EXPECT_EQ(query, signed_part + "&signature=" + sign_payload(crypto::HmacSha256(kSecret), signed_part));
}

TEST_F(BinanceSigningTest, UrlEncodeKeepsUnreservedAndPercentEncodesTheRest) {
  EXPECT_EQ(url_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(url_encode("a b&c=d+e/f:g%"), "a%20b%26c%3Dd%2Be%2Ff%3Ag%25");
  EXPECT_EQ(url_encode("[\"BTCUSDT\"]"), "%5B%22BTCUSDT%22%5D");
  EXPECT_EQ(url_encode("\xc3\xa9"), "%C3%A9");
}

TEST_F(BinanceSigningTest, VerifyAcceptsTheDocumentedSignatureInEitherCase) {
  EXPECT_TRUE(verify_signature(kSecret, kTotalParams, kSignature));
  std::string upper(kSignature);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verify_signature(kSecret, kTotalParams, upper));
}

TEST_F(BinanceSigningTest, VerifyRejectsAOneByteChangeInParamsSignatureOrSecret) {
  std::string params(kTotalParams);
  params[params.size() - 1] = '4';
  EXPECT_FALSE(verify_signature(kSecret, params, kSignature));

  std::string signature(kSignature);
  signature[10] = signature[10] == '0' ? '1' : '0';
  EXPECT_FALSE(verify_signature(kSecret, kTotalParams, signature));

  std::string secret(kSecret);
  secret[0] = '3';
  EXPECT_FALSE(verify_signature(secret, kTotalParams, kSignature));

  EXPECT_FALSE(verify_signature(kSecret, kTotalParams, kSignature.substr(1)));
  EXPECT_FALSE(verify_signature(kSecret, kTotalParams, ""));
}

TEST_F(BinanceSigningTest, SplitSignatureFindsItAtTheEndOfTheQuery) {
  const auto parts = split_signature(std::string(kTotalParams) + "&signature=" + std::string(kSignature), "");
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  EXPECT_EQ(parts->total_params, kTotalParams);
  EXPECT_EQ(parts->signature, kSignature);
  EXPECT_TRUE(verify_signature(kSecret, parts->total_params, parts->signature));
}

TEST_F(BinanceSigningTest, SplitSignatureJoinsQueryAndBodyForAMixedRequest) {
  const RequestSigner signer(kSecret, 5000);
  const std::string query = "symbol=BTCUSDT&side=BUY";
  const std::string body = signer.sign_params({{"quantity", "1"}}, 7, query);
  const auto parts = split_signature(query, body);
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  EXPECT_EQ(parts->total_params, "symbol=BTCUSDT&side=BUYquantity=1&recvWindow=5000&timestamp=7");
  EXPECT_TRUE(verify_signature(kSecret, parts->total_params, parts->signature));
}

TEST_F(BinanceSigningTest, SplitSignatureHandlesASignatureAsTheOnlyParameter) {
  const auto parts = split_signature("signature=abc", "");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->total_params, "");
  EXPECT_EQ(parts->signature, "abc");
}

TEST_F(BinanceSigningTest, SplitSignatureRefusesAMissingOrMisplacedSignature) {
  EXPECT_FALSE(split_signature("symbol=BTCUSDT&timestamp=1", "").ok());
  EXPECT_FALSE(split_signature("signature=abc&timestamp=1", "").ok());
  EXPECT_FALSE(split_signature("timestamp=1&signature=abc", "quantity=1").ok());
  EXPECT_FALSE(split_signature("", "").ok());
  EXPECT_FALSE(split_signature("a=1&mysignature=abc", "").ok());
}

}  // namespace
}  // namespace propbot::venues::binance
