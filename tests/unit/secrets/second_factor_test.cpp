// SecondFactor (core/secrets/second_factor): the approve_token_2fa entry as a TOTP or
// a static token.
#include "core/secrets/second_factor.hpp"

#include <cctype>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "core/crypto/base32.hpp"
#include "core/secrets/random_token.hpp"

namespace propbot::secrets {
namespace {

using crypto::TotpCheck;

constexpr std::string_view kRfcSeed = "12345678901234567890";

class SecondFactorTest : public ::testing::Test {
 protected:
  SimClock clock_{UtcTime{std::chrono::seconds{1234567890}}};

  std::string code_now() const {
    return crypto::totp_code(
        kRfcSeed, std::chrono::duration_cast<std::chrono::seconds>(clock_.utc().time_since_epoch()).count());
  }
};

TEST_F(SecondFactorTest, ATotpEntryAcceptsTheCurrentCodeOnce) {
  const Secret entry("totp:" + crypto::base32_unpadded(kRfcSeed));
  Result<SecondFactor> factor = SecondFactor::from_secret(entry, clock_);
  ASSERT_TRUE(factor.ok()) << factor.error().message;
  EXPECT_EQ(factor->kind(), SecondFactor::Kind::totp);
  EXPECT_EQ(factor->verify(code_now()), TotpCheck::accepted);
  EXPECT_EQ(factor->verify(code_now()), TotpCheck::replayed);
}

TEST_F(SecondFactorTest, AcceptsTheSeedAsAuthenticatorAppsShowIt) {
  std::string shown;
  for (const char c : crypto::base32_encode(kRfcSeed)) {
    shown += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (shown.size() % 5 == 4) shown += ' ';
  }
  Result<SecondFactor> factor = SecondFactor::from_secret(Secret("totp:" + shown), clock_);
  ASSERT_TRUE(factor.ok()) << factor.error().message;
  EXPECT_EQ(factor->verify(code_now()), TotpCheck::accepted);
}

TEST_F(SecondFactorTest, AGeneratedSeedWorks) {
  Result<SecondFactor> factor = SecondFactor::from_secret(random_totp_secret(), clock_);
  ASSERT_TRUE(factor.ok());
  EXPECT_EQ(factor->kind(), SecondFactor::Kind::totp);
}

TEST_F(SecondFactorTest, AnyOtherEntryIsAStaticToken) {
  Result<SecondFactor> factor = SecondFactor::from_secret(Secret(std::string_view("static-2fa-token")), clock_);
  ASSERT_TRUE(factor.ok());
  EXPECT_EQ(factor->kind(), SecondFactor::Kind::static_token);
  EXPECT_EQ(factor->verify("static-2fa-token"), TotpCheck::accepted);
  EXPECT_EQ(factor->verify("static-2fa-token"), TotpCheck::accepted);  // static: no replay memory
  EXPECT_EQ(factor->verify("static-2fa-tokeN"), TotpCheck::wrong_code);
}

TEST_F(SecondFactorTest, RefusesAnEmptyEntry) {
  Result<SecondFactor> empty = SecondFactor::from_secret(Secret(), clock_);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST_F(SecondFactorTest, RefusesABadOrShortSeedWithoutEchoingIt) {
  Result<SecondFactor> bad = SecondFactor::from_secret(Secret(std::string_view("totp:NOT-BASE32!")), clock_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("NOT-BASE32"), std::string::npos);
  Result<SecondFactor> short_seed =
      SecondFactor::from_secret(Secret("totp:" + crypto::base32_unpadded("short")), clock_);
  ASSERT_FALSE(short_seed.ok());
  EXPECT_NE(short_seed.error().message.find("40 bits"), std::string::npos);
}

}  // namespace
}  // namespace propbot::secrets
