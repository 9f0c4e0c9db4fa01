// Store keys (core/secrets/store_key): the text forms accepted, the key file's mode
// check, and messages that never carry key material.
#include "core/secrets/store_key.hpp"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <ios>
#include <string>

#include <stdlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/crypto/encoding.hpp"
#include "tests/unit/secrets/temp_dir.hpp"

namespace propbot::secrets {
namespace {

using testing::file_mode;
using testing::TempDir;

constexpr std::string_view kHexKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string key_bytes() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes += static_cast<char>(i);
  return bytes;
}

void write_text(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

class StoreKeyTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(StoreKeyTest, AcceptsHexInEitherCaseAndBase64) {
  Result<Secret> hex = parse_store_key(kHexKey, "test");
  ASSERT_TRUE(hex.ok());
  EXPECT_TRUE(hex->reveal() == key_bytes());
  std::string upper(kHexKey);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Result<Secret> upper_key = parse_store_key(upper + "\n", "test");
  ASSERT_TRUE(upper_key.ok());
  EXPECT_TRUE(*upper_key == *hex);
  Result<Secret> base64 = parse_store_key("  " + crypto::base64_encode(key_bytes()) + "\n", "test");
  ASSERT_TRUE(base64.ok());
  EXPECT_TRUE(*base64 == *hex);
}

TEST_F(StoreKeyTest, RefusesWrongLengthsWithoutEchoingTheKey) {
  const std::string short_key(kHexKey.substr(0, 62));
  Result<Secret> refused = parse_store_key(short_key, "PROPBOT_SECRETS_KEY");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  EXPECT_NE(refused.error().message.find("PROPBOT_SECRETS_KEY"), std::string::npos);
  EXPECT_NE(refused.error().message.find("62 characters"), std::string::npos);
  EXPECT_EQ(refused.error().message.find(short_key.substr(0, 16)), std::string::npos);
  EXPECT_FALSE(parse_store_key(std::string(64, 'g'), "test").ok());
  EXPECT_FALSE(parse_store_key(crypto::base64_encode(std::string(31, 'k')) + "AAAA", "test").ok());
}

TEST_F(StoreKeyTest, WritesKeyFilesWithMode0600AndReadsThemBack) {
  const Secret key = generate_store_key();
  ASSERT_EQ(key.size(), kStoreKeySize);
  const std::string path = dir_.file("store.key");
  ASSERT_TRUE(write_key_file(path, key).ok());
  EXPECT_EQ(file_mode(path), 0600u);
  Result<Secret> loaded = load_key_file(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(*loaded == key);
}

TEST_F(StoreKeyTest, NeverOverwritesAKeyFile) {
  const std::string path = dir_.file("store.key");
  ASSERT_TRUE(write_key_file(path, generate_store_key()).ok());
  const Status again = write_key_file(path, generate_store_key());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
}

TEST_F(StoreKeyTest, RefusesAKeyFileReadableByGroupOrOthersWithTheChmodFix) {
  for (const mode_t mode : {0644, 0640, 0604, 0660, 0700 | 0004}) {
    const std::string path = dir_.file("open.key");
    write_text(path, std::string(kHexKey) + "\n", mode);
    Result<Secret> refused = load_key_file(path);
    ASSERT_FALSE(refused.ok()) << std::oct << mode;
    EXPECT_EQ(refused.error().code, Errc::permission_denied);
    EXPECT_NE(refused.error().message.find(path), std::string::npos);
    EXPECT_NE(refused.error().message.find("chmod 600 " + path), std::string::npos);
    std::remove(path.c_str());
  }
  const std::string path = dir_.file("private.key");
  write_text(path, std::string(kHexKey), 0400);
  EXPECT_TRUE(load_key_file(path).ok());
}

TEST_F(StoreKeyTest, NamesAMissingKeyFile) {
  Result<Secret> missing = load_key_file(dir_.file("absent.key"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("absent.key"), std::string::npos);
}

TEST_F(StoreKeyTest, ReadsTheKeyFromTheEnvironment) {
  ::unsetenv("PROPBOT_SECRETS_KEY");
  EXPECT_FALSE(key_from_environment().has_value());
  ::setenv("PROPBOT_SECRETS_KEY", std::string(kHexKey).c_str(), 1);
  auto key = key_from_environment();
  ::unsetenv("PROPBOT_SECRETS_KEY");
  ASSERT_TRUE(key.has_value());
  ASSERT_TRUE(key->ok());
  EXPECT_TRUE((*key)->reveal() == key_bytes());
}

TEST_F(StoreKeyTest, KeyIdsTellKeysApart) {
  const Secret first = generate_store_key();
  const Secret second = generate_store_key();
  EXPECT_EQ(key_id(first).size(), 8u);
  EXPECT_EQ(key_id(first), key_id(first.clone()));
  EXPECT_NE(key_id(first), key_id(second));
}

}  // namespace
}  // namespace propbot::secrets
