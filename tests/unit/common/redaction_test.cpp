#include "core/common/redaction.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace propbot {
namespace {

TEST(RedactionTest, RecognisesSensitiveNamesCaseInsensitively) {
  for (const char* name : {"api_key", "API_SECRET", "apiKey", "X-MBX-APIKEY", "OK-ACCESS-KEY", "OK-ACCESS-SIGN",
                           "OK-ACCESS-PASSPHRASE", "signature", "Authorization", "listenToken", "password", "sig",
                           "client_credentials", "Cookie"}) {
    EXPECT_TRUE(is_sensitive_name(name)) << name;
  }
  for (const char* name : {"price", "qty", "symbol", "design", "signal", "event", "fencing_token", "FENCING-TOKEN", ""}) {
    EXPECT_FALSE(is_sensitive_name(name)) << name;
  }
}

struct RedactCase {
  const char* input;
  const char* expected;
};

void PrintTo(const RedactCase& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class RedactTest : public ::testing::TestWithParam<RedactCase> {};

TEST_P(RedactTest, HidesTheValueAndKeepsTheName) {
  const RedactCase& c = GetParam();
  EXPECT_EQ(redact(c.input), c.expected);
  // Idempotent: scrubbing twice changes nothing more.
  EXPECT_EQ(redact(redact(c.input)), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    FreeText, RedactTest,
    ::testing::Values(
        RedactCase{"connecting with api_key=SEKRET123", "connecting with api_key=***"},
        RedactCase{"secret: SEKRET123 more", "secret: *** more"},
        RedactCase{R"({"api_secret":"SEKRET123","symbol":"BTCUSDT"})", R"({"api_secret":"***","symbol":"BTCUSDT"})"},
        RedactCase{R"({"api_secret" : "SEK RET"})", R"({"api_secret" : "***"})"},
        RedactCase{R"({"nonce_token":12345,"x":1})", R"({"nonce_token":"***","x":1})"},
        RedactCase{R"(body={\"apiKey\":\"SEKRET123\"})", R"(body={\"apiKey\":\"***\"})"},
        RedactCase{"GET /api/v3/order?symbol=BTCUSDT&timestamp=1&signature=abcdef0123&recvWindow=5000",
                   "GET /api/v3/order?symbol=BTCUSDT&timestamp=1&signature=***&recvWindow=5000"},
        RedactCase{"Authorization: Bearer SEKRET123", "Authorization: Bearer ***"},
        RedactCase{"authorization=SEKRET123", "authorization=***"},
        RedactCase{"got header bearer SEKRET123 from client", "got header bearer *** from client"},
        RedactCase{"X-MBX-APIKEY: SEKRET123\r\nHost: api.binance.com",
                   "X-MBX-APIKEY: ***\r\nHost: api.binance.com"},
        RedactCase{"OK-ACCESS-SIGN: c2lnbmF0dXJl+/==", "OK-ACCESS-SIGN: ***"},
        RedactCase{"OK-ACCESS-PASSPHRASE: my pass phrase", "OK-ACCESS-PASSPHRASE: ***"},
        RedactCase{"X-Api-Key: SEKRET123 \nnext line", "X-Api-Key: *** \nnext line"},
        RedactCase{"token=abc.def.ghi; path=/", "token=***; path=/"},
        RedactCase{"'password': 'hunter2'", "'password': '***'"},
        RedactCase{"--api-key=SEKRET123", "--api-key=***"},
        RedactCase{"note=\"api_key=SEKRET123\"", "note=\"api_key=***\""}));

TEST(RedactionTest, LeavesOrdinaryTextAlone) {
  for (const char* text : {"order filled price=65000.10 qty=0.5", "fencing_token=42", "a == b", "std::key::value",
                           "keys are rotated daily", "secret", "api_key=", "basic check passed", ""}) {
    EXPECT_EQ(redact(text), text);
  }
}

TEST(RedactionTest, UnterminatedQuoteHidesTheRest) {
  EXPECT_EQ(redact(R"("secret":"SEKRET123 and more)"), R"("secret":"***)");
}

}  // namespace
}  // namespace propbot
