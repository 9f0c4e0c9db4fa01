// HmacSha256 against RFC 4231 (HMAC-SHA256 test cases 1–7), plus reuse and move.
#include "core/crypto/hmac.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/crypto/constant_time.hpp"
#include "core/crypto/encoding.hpp"

namespace propbot::crypto {
namespace {

std::string repeat(unsigned char byte, std::size_t count) { return std::string(count, static_cast<char>(byte)); }

std::string hex_of(const HmacSha256& hmac, std::string_view data) { return hex_lower(hmac.sign(data)); }

class HmacSha256Test : public ::testing::Test {};

TEST_F(HmacSha256Test, MatchesRfc4231TestCase1) {
  EXPECT_EQ(hex_of(HmacSha256(repeat(0x0b, 20)), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_F(HmacSha256Test, MatchesRfc4231TestCase2WithAShortKey) {
  EXPECT_EQ(hex_of(HmacSha256("Jefe"), "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(HmacSha256Test, MatchesRfc4231TestCase3) {
  EXPECT_EQ(hex_of(HmacSha256(repeat(0xaa, 20)), repeat(0xdd, 50)),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST_F(HmacSha256Test, MatchesRfc4231TestCase4) {
  std::string key;
  for (int byte = 1; byte <= 25; ++byte) key += static_cast<char>(byte);
  EXPECT_EQ(hex_of(HmacSha256(key), repeat(0xcd, 50)),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST_F(HmacSha256Test, MatchesRfc4231TestCase5Truncated) {
  EXPECT_EQ(hex_of(HmacSha256(repeat(0x0c, 20)), "Test With Truncation").substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
}

TEST_F(HmacSha256Test, MatchesRfc4231TestCase6WithAKeyLongerThanTheBlock) {
  EXPECT_EQ(hex_of(HmacSha256(repeat(0xaa, 131)), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_F(HmacSha256Test, MatchesRfc4231TestCase7WithLongKeyAndData) {
  EXPECT_EQ(hex_of(HmacSha256(repeat(0xaa, 131)),
                   "This is a test using a larger than block-size key and a larger than block-size data. "
                   "The key needs to be hashed before being used by the HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_F(HmacSha256Test, SignsWithAnEmptyKey) {
  EXPECT_EQ(hex_of(HmacSha256(""), ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_F(HmacSha256Test, ReusedObjectGivesTheSameResultAsOneShotAcrossManySigns) {
  const HmacSha256 reused("Jefe");
  for (int i = 0; i < 1000; ++i) {
    const std::string data = "message-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), 'x');
    ASSERT_EQ(reused.sign(data), HmacSha256("Jefe").sign(data)) << "iteration " << i;
  }
  EXPECT_EQ(hex_lower(reused.sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(HmacSha256Test, MovedObjectKeepsSigningWithTheSameKey) {
  HmacSha256 original("Jefe");
  HmacSha256 moved(std::move(original));
  EXPECT_EQ(hex_of(moved, "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  HmacSha256 assigned(repeat(0x0b, 20));
  assigned = std::move(moved);
  EXPECT_EQ(hex_of(assigned, "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(HmacSha256Test, MovedFromObjectSignsAllZeros) {
  HmacSha256 original("Jefe");
  HmacSha256 moved(std::move(original));
  EXPECT_EQ(original.sign("x"), Digest256{});  // NOLINT(bugprone-use-after-move): documented state
}

TEST_F(HmacSha256Test, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

}  // namespace
}  // namespace propbot::crypto
