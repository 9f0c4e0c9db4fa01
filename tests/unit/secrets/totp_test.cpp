// HOTP/TOTP (core/crypto/totp) against RFC 4226 Appendix D and the SHA-1 rows of RFC
// 6238 Appendix B, and the verifier's window and replay rules on a SimClock.
#include "core/crypto/totp.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace propbot::crypto {
namespace {

// The RFC's shared secret: the ASCII string "12345678901234567890" (20 bytes).
constexpr std::string_view kRfcSeed = "12345678901234567890";

UtcTime at_seconds(std::int64_t seconds) { return UtcTime{std::chrono::seconds{seconds}}; }

class TotpTest : public ::testing::Test {};

TEST_F(TotpTest, MatchesTheRfc4226HotpValues) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(hotp_code(kRfcSeed, counter), expected[counter]) << "counter " << counter;
  }
}

TEST_F(TotpTest, MatchesTheRfc6238Sha1Vectors) {
  struct Row {
    std::int64_t time;
    std::uint64_t step;
    const char* code;
  };
  constexpr Row kRows[] = {
      {59, 0x1, "94287082"},
      {1111111109, 0x23523EC, "07081804"},
      {1111111111, 0x23523ED, "14050471"},
      {1234567890, 0x273EF07, "89005924"},
      {2000000000, 0x3F940AA, "69279037"},
      {20000000000, 0x27BC86AA, "65353130"},
  };
  TotpParameters eight_digits;
  eight_digits.digits = 8;
  for (const Row& row : kRows) {
    EXPECT_EQ(totp_step(row.time), row.step) << "T=" << row.time;
    EXPECT_EQ(totp_code(kRfcSeed, row.time, eight_digits), row.code) << "T=" << row.time;
  }
}

TEST_F(TotpTest, SixDigitCodesAreTheLastSixOfTheEightDigitOnes) {
  EXPECT_EQ(totp_code(kRfcSeed, 59), "287082");
  EXPECT_EQ(totp_code(kRfcSeed, 1111111109), "081804");
}

class TotpVerifierTest : public ::testing::Test {
 protected:
  SimClock clock_{at_seconds(1111111111)};  // 1 s into step 0x23523ED
  TotpVerifier verifier_{std::string(kRfcSeed), clock_};

  std::string code_at_step_offset(int offset) const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.utc().time_since_epoch()).count();
    return totp_code(kRfcSeed, now + 30 * offset);
  }
};

TEST_F(TotpVerifierTest, AcceptsTheCurrentCode) {
  EXPECT_EQ(verifier_.verify(code_at_step_offset(0)), TotpCheck::accepted);
}

TEST_F(TotpVerifierTest, AcceptsTheNeighbouringStepsButNotFurther) {
  TotpVerifier previous(std::string(kRfcSeed), clock_);
  EXPECT_EQ(previous.verify(code_at_step_offset(-1)), TotpCheck::accepted);
  TotpVerifier next(std::string(kRfcSeed), clock_);
  EXPECT_EQ(next.verify(code_at_step_offset(1)), TotpCheck::accepted);
  TotpVerifier stale(std::string(kRfcSeed), clock_);
  EXPECT_EQ(stale.verify(code_at_step_offset(-2)), TotpCheck::wrong_code);
  EXPECT_EQ(stale.verify(code_at_step_offset(2)), TotpCheck::wrong_code);
}

TEST_F(TotpVerifierTest, RefusesACodeUsedOnceAlready) {
  const std::string code = code_at_step_offset(0);
  ASSERT_EQ(verifier_.verify(code), TotpCheck::accepted);
  EXPECT_EQ(verifier_.verify(code), TotpCheck::replayed);
  clock_.advance(std::chrono::seconds{30});  // still inside the window as the previous step
  EXPECT_EQ(verifier_.verify(code), TotpCheck::replayed);
  EXPECT_EQ(verifier_.verify(code_at_step_offset(0)), TotpCheck::accepted);
}

TEST_F(TotpVerifierTest, RefusesAnOlderCodeAfterANewerOneWasAccepted) {
  const std::string older = code_at_step_offset(-1);
  ASSERT_EQ(verifier_.verify(code_at_step_offset(0)), TotpCheck::accepted);
  EXPECT_EQ(verifier_.verify(older), TotpCheck::replayed);
}

TEST_F(TotpVerifierTest, RefusesACodeOnceItsWindowHasPassed) {
  const std::string code = code_at_step_offset(0);
  clock_.advance(std::chrono::seconds{60});
  EXPECT_EQ(verifier_.verify(code), TotpCheck::wrong_code);
}

TEST_F(TotpVerifierTest, CallsAnythingButSixDigitsMalformed) {
  EXPECT_EQ(verifier_.verify(""), TotpCheck::malformed);
  EXPECT_EQ(verifier_.verify("12345"), TotpCheck::malformed);
  EXPECT_EQ(verifier_.verify("1234567"), TotpCheck::malformed);
  EXPECT_EQ(verifier_.verify("12a456"), TotpCheck::malformed);
  EXPECT_EQ(to_string(TotpCheck::replayed), "replayed");
}

}  // namespace
}  // namespace propbot::crypto
