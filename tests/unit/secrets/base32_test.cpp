// base32 (core/crypto/base32) against the RFC 4648 §10 test vectors, plus the strict
// decoder's refusals.
#include "core/crypto/base32.hpp"

#include <string>

#include <gtest/gtest.h>

namespace propbot::crypto {
namespace {

class Base32Test : public ::testing::Test {};

struct Vector {
  const char* plain;
  const char* encoded;
};
constexpr Vector kRfc4648[] = {
    {"", ""},
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
};

TEST_F(Base32Test, EncodesTheRfc4648Vectors) {
  for (const Vector& vector : kRfc4648) EXPECT_EQ(base32_encode(std::string(vector.plain)), vector.encoded);
}

TEST_F(Base32Test, DecodesTheRfc4648Vectors) {
  for (const Vector& vector : kRfc4648) {
    const Result<std::string> decoded = base32_decode(vector.encoded);
    ASSERT_TRUE(decoded.ok()) << vector.encoded << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, vector.plain);
  }
}

TEST_F(Base32Test, DecodesTheUnpaddedFormAuthenticatorAppsUse) {
  for (const Vector& vector : kRfc4648) {
    const std::string unpadded = base32_unpadded(vector.plain);
    EXPECT_EQ(unpadded, std::string(vector.encoded).substr(0, std::string(vector.encoded).find('=')));
    const Result<std::string> decoded = base32_decode(unpadded);
    ASSERT_TRUE(decoded.ok()) << unpadded;
    EXPECT_EQ(*decoded, vector.plain);
  }
}

TEST_F(Base32Test, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t length = 0; length <= bytes.size(); length += 7) {
    const std::string input = bytes.substr(0, length);
    const Result<std::string> decoded = base32_decode(base32_encode(input));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, input);
  }
}

TEST_F(Base32Test, RefusesCharactersOutsideTheAlphabetNamingThePosition) {
  const Result<std::string> lower = base32_decode("mzxw6ytb");
  ASSERT_FALSE(lower.ok());
  EXPECT_EQ(lower.error().code, Errc::parse_error);
  EXPECT_NE(lower.error().message.find("position 0"), std::string::npos);
  EXPECT_FALSE(base32_decode("MZXW6YT1").ok());  // '1' is not base32
  EXPECT_FALSE(base32_decode("MZXW=YTB").ok());  // padding in the middle
}

TEST_F(Base32Test, RefusesLengthsNoEncoderProduces) {
  EXPECT_FALSE(base32_decode("M").ok());
  EXPECT_FALSE(base32_decode("MZX").ok());
  EXPECT_FALSE(base32_decode("MZXW6Y").ok());
  EXPECT_FALSE(base32_decode("MY=====").ok());    // padding short of a full group
  EXPECT_FALSE(base32_decode("MZXW6YTB========").ok());  // a whole group of padding
}

TEST_F(Base32Test, RefusesNonZeroUnusedBits) {
  // "MY" is 'f'; "MZ" sets a bit past the 8 that 'f' uses.
  EXPECT_TRUE(base32_decode("MY").ok());
  EXPECT_FALSE(base32_decode("MZ").ok());
}

}  // namespace
}  // namespace propbot::crypto
