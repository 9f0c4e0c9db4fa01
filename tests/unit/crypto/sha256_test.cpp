// sha256 / sha256_hex against the FIPS 180-2 example vectors.
#include "core/crypto/sha256.hpp"

#include <string>

#include <gtest/gtest.h>

#include "core/crypto/encoding.hpp"

namespace propbot::crypto {
namespace {

class Sha256Test : public ::testing::Test {};

TEST_F(Sha256Test, HashesTheEmptyString) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(Sha256Test, HashesAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(Sha256Test, HashesTheTwoBlockMessage) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_F(Sha256Test, HashesOneMillionAs) {
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_F(Sha256Test, RawDigestMatchesItsHex) {
  EXPECT_EQ(hex_lower(sha256("abc")), sha256_hex("abc"));
}

}  // namespace
}  // namespace propbot::crypto
