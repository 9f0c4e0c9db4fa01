// hex_lower and base64 (RFC 4648 §10 vectors, strict decoding).
#include "core/crypto/encoding.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace propbot::crypto {
namespace {

class EncodingTest : public ::testing::Test {};

TEST_F(EncodingTest, HexIsLowercaseTwoDigitsPerByte) {
  const std::array<std::uint8_t, 5> bytes{0x00, 0x0f, 0xa0, 0xff, 0x3c};
  EXPECT_EQ(hex_lower(bytes), "000fa0ff3c");
  EXPECT_EQ(hex_lower(std::span<const std::uint8_t>{}), "");
}

TEST_F(EncodingTest, Base64EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(std::string_view{""}), "");
  EXPECT_EQ(base64_encode(std::string_view{"f"}), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view{"fo"}), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view{"foo"}), "Zm9v");
  EXPECT_EQ(base64_encode(std::string_view{"foob"}), "Zm9vYg==");
  EXPECT_EQ(base64_encode(std::string_view{"fooba"}), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(std::string_view{"foobar"}), "Zm9vYmFy");
}

TEST_F(EncodingTest, Base64DecodesTheRfc4648Vectors) {
  for (const std::string_view text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const auto decoded = base64_decode(base64_encode(text));
    ASSERT_TRUE(decoded.ok()) << text;
    EXPECT_EQ(*decoded, text);
  }
}

TEST_F(EncodingTest, Base64RoundTripsEveryByteValue) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  for (std::size_t length = 0; length <= all.size(); length += 37) {
    const auto decoded = base64_decode(base64_encode(std::string_view{all}.substr(0, length)));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, all.substr(0, length));
  }
}

TEST_F(EncodingTest, Base64DecodeRefusesMalformedInput) {
  EXPECT_FALSE(base64_decode("Zg=").ok());        // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!A==").ok());   // character outside the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zg==").ok());   // padding in the middle
  EXPECT_FALSE(base64_decode("Z===").ok());       // three pad characters
  EXPECT_FALSE(base64_decode("Zh==").ok());       // non-zero bits under the padding
  EXPECT_FALSE(base64_decode("Zm9-").ok());       // URL-safe alphabet is not accepted
  const auto error = base64_decode("Zm9v!A==");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().code, Errc::parse_error);
  EXPECT_NE(error.error().message.find("position 4"), std::string::npos);
}

}  // namespace
}  // namespace propbot::crypto
