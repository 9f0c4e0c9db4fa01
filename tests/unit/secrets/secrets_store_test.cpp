// SecretsStore (core/secrets/secrets_store): round trips, every way a file or key can
// be wrong, tokens and roles, the access hook, and key rotation.
#include "core/secrets/secrets_store.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/secrets/sealed_file.hpp"
#include "core/secrets/store_key.hpp"
#include "tests/unit/secrets/temp_dir.hpp"

namespace propbot::secrets {
namespace {

using testing::file_mode;
using testing::TempDir;

constexpr std::string_view kVenueKey = "venue-api-key-value-0123456789";
constexpr std::string_view kOperatorToken = "operator-token-0123456789abcdef";

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class SecretsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(write_key_file(key_file_, key_).ok());
    Result<SecretsStore> store = SecretsStore::create(store_file_, key_.clone(), clock_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store->set("binance.api_key", Secret(kVenueKey)).ok());
    ASSERT_TRUE(store->add_token("operator1", Role::operator_, Secret(kOperatorToken)).ok());
  }

  Result<SecretsStore> reopen(const Secret& key) { return SecretsStore::open(store_file_, key.clone(), clock_); }

  TempDir dir_;
  SimClock clock_;
  std::string store_file_ = dir_.file("secrets.enc");
  std::string key_file_ = dir_.file("secrets.key");
  Secret key_ = generate_store_key();
};

TEST_F(SecretsStoreTest, RoundTripsSecretsAndTokensThroughTheFile) {
  Result<SecretsStore> store = reopen(key_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  Result<Secret> value = store->get("binance.api_key", "test");
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value->reveal() == kVenueKey);
  ASSERT_EQ(store->names().size(), 1u);
  EXPECT_EQ(store->names()[0].name, "binance.api_key");
  EXPECT_EQ(store->names()[0].updated_at, format_iso8601_ms(clock_.utc()));
  ASSERT_EQ(store->tokens().size(), 1u);
  EXPECT_EQ(store->tokens()[0].name, "operator1");
  EXPECT_EQ(store->tokens()[0].role, Role::operator_);
  EXPECT_EQ(store->profile(), StoreProfile::standard);
  EXPECT_TRUE(store->authenticate(kOperatorToken).has_value());
}

TEST_F(SecretsStoreTest, KeepsNoValueOrTokenInTheFileAndWritesItWithMode0600) {
  const std::string bytes = read_bytes(store_file_);
  EXPECT_FALSE(contains(bytes, kVenueKey));
  EXPECT_FALSE(contains(bytes, kOperatorToken));
  EXPECT_FALSE(contains(bytes, "binance.api_key"));  // names are encrypted too
  EXPECT_TRUE(bytes.starts_with(kSealedMagic));
  EXPECT_EQ(file_mode(store_file_), 0600u);
  // Atomic writes leave no temp file behind.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    ++files;
    EXPECT_FALSE(contains(entry.path().filename().string(), ".tmp")) << entry.path();
  }
  EXPECT_EQ(files, 2u);
}

TEST_F(SecretsStoreTest, UsesAFreshNonceForEveryWrite) {
  const std::string before = read_bytes(store_file_);
  Result<SecretsStore> store = reopen(key_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(store->set("binance.api_key", Secret(kVenueKey)).ok());  // same value
  const std::string after = read_bytes(store_file_);
  EXPECT_NE(before.substr(16, 12), after.substr(16, 12));
}

TEST_F(SecretsStoreTest, RefusesAWrongKeyNamingTheFile) {
  Result<SecretsStore> store = reopen(generate_store_key());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::permission_denied);
  EXPECT_TRUE(contains(store.error().message, "cannot decrypt"));
  EXPECT_TRUE(contains(store.error().message, store_file_));
  EXPECT_TRUE(contains(store.error().message, "wrong key or corrupted file"));
}

TEST_F(SecretsStoreTest, RefusesTheFileWithAnySingleByteChanged) {
  const std::string original = read_bytes(store_file_);
  for (std::size_t i = 0; i < original.size(); ++i) {
    std::string damaged = original;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    write_bytes(store_file_, damaged);
    Result<SecretsStore> store = reopen(key_);
    ASSERT_FALSE(store.ok()) << "a flipped bit at byte " << i << " went unnoticed";
    EXPECT_TRUE(contains(store.error().message, store_file_)) << store.error().message;
  }
  write_bytes(store_file_, original);
  EXPECT_TRUE(reopen(key_).ok());
}

TEST_F(SecretsStoreTest, RefusesAnEditedCiphertextAsAnAuthenticationFailure) {
  std::string damaged = read_bytes(store_file_);
  damaged[kSealedHeaderSize + 3] = static_cast<char>(damaged[kSealedHeaderSize + 3] ^ 0x80);
  write_bytes(store_file_, damaged);
  Result<SecretsStore> store = reopen(key_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::parse_error);
  EXPECT_TRUE(contains(store.error().message, "wrong key or corrupted file"));
  EXPECT_TRUE(contains(store.error().message, "authentication failed"));
}

TEST_F(SecretsStoreTest, RefusesATruncatedFile) {
  const std::string original = read_bytes(store_file_);
  for (const std::size_t length : {std::size_t{0}, std::size_t{3}, std::size_t{27}, kSealedHeaderSize + kGcmTagSize - 1,
                                   kSealedHeaderSize + kGcmTagSize, original.size() / 2, original.size() - 1}) {
    write_bytes(store_file_, original.substr(0, length));
    Result<SecretsStore> store = reopen(key_);
    ASSERT_FALSE(store.ok()) << "truncated to " << length;
    EXPECT_TRUE(contains(store.error().message, store_file_));
  }
  write_bytes(store_file_, original.substr(0, 10));
  EXPECT_TRUE(contains(reopen(key_).error().message, "truncated"));
}

TEST_F(SecretsStoreTest, RefusesAFileThatIsNotAStore) {
  write_bytes(store_file_, "{\"secrets\": {}}  this is plain JSON, not a sealed store");
  Result<SecretsStore> store = reopen(key_);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(contains(store.error().message, "not a PropBot secrets store"));
}

TEST_F(SecretsStoreTest, SaysHowToCreateAMissingStore) {
  std::filesystem::remove(store_file_);
  Result<SecretsStore> store = reopen(key_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::not_found);
  EXPECT_TRUE(contains(store.error().message, "propbot secrets init --store " + store_file_));
}

TEST_F(SecretsStoreTest, CreateNeverOverwritesAStore) {
  Result<SecretsStore> again = SecretsStore::create(store_file_, generate_store_key(), clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::already_exists);
  EXPECT_TRUE(reopen(key_).ok());
}

TEST_F(SecretsStoreTest, AuthenticatesTheRightTokenOnly) {
  Result<SecretsStore> store = reopen(key_);
  ASSERT_TRUE(store->add_token("viewer1", Role::viewer, Secret(std::string_view("viewer-token-0123456789"))).ok());
  const auto op = store->authenticate(kOperatorToken);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->name, "operator1");
  EXPECT_EQ(op->role, Role::operator_);
  const auto viewer = store->authenticate("viewer-token-0123456789");
  ASSERT_TRUE(viewer.has_value());
  EXPECT_EQ(viewer->role, Role::viewer);
  EXPECT_FALSE(store->authenticate("viewer-token-012345678").has_value());
  EXPECT_FALSE(store->authenticate("").has_value());
  EXPECT_FALSE(store->authenticate(std::string(kOperatorToken) + " ").has_value());
}

TEST_F(SecretsStoreTest, ReissuingATokenRevokesTheOldOne) {
  Result<SecretsStore> store = reopen(key_);
  ASSERT_TRUE(store->add_token("operator1", Role::auditor, Secret(std::string_view("a-brand-new-token-0000"))).ok());
  EXPECT_FALSE(store->authenticate(kOperatorToken).has_value());
  Result<SecretsStore> reopened = reopen(key_);
  const auto identity = reopened->authenticate("a-brand-new-token-0000");
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->role, Role::auditor);
  EXPECT_EQ(reopened->tokens().size(), 1u);
}

TEST_F(SecretsStoreTest, RefusesWeakOrSharedTokens) {
  Result<SecretsStore> store = reopen(key_);
  const Status too_short = store->add_token("viewer1", Role::viewer, Secret(std::string_view("short")));
  ASSERT_FALSE(too_short.ok());
  EXPECT_EQ(too_short.error().code, Errc::invalid_argument);
  EXPECT_FALSE(contains(too_short.error().message, "short\""));
  EXPECT_FALSE(store->add_token("viewer1", Role::viewer, Secret(std::string_view("has a space in it!!"))).ok());
  const Status shared = store->add_token("operator2", Role::operator_, Secret(kOperatorToken));
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error().code, Errc::already_exists);
  EXPECT_FALSE(contains(shared.error().message, kOperatorToken));
  EXPECT_FALSE(store->add_token("bad name", Role::viewer, Secret(std::string_view("0123456789abcdefgh"))).ok());
}

TEST_F(SecretsStoreTest, RefusesBadNamesAndEmptyValues) {
  Result<SecretsStore> store = reopen(key_);
  EXPECT_FALSE(store->set("", Secret(std::string_view("v"))).ok());
  EXPECT_FALSE(store->set(".hidden", Secret(std::string_view("v"))).ok());
  EXPECT_FALSE(store->set("has space", Secret(std::string_view("v"))).ok());
  EXPECT_FALSE(store->set("binance/api_key", Secret(std::string_view("v"))).ok());
  EXPECT_FALSE(store->set("approve_token", Secret()).ok());
  EXPECT_TRUE(store->set("okx.passphrase", Secret(std::string_view("v"))).ok());
}

TEST_F(SecretsStoreTest, ReportsEveryReadToTheAccessObserver) {
  Result<SecretsStore> store = reopen(key_);
  std::vector<std::string> seen;
  store->set_access_observer([&](const SecretAccess& access) {
    seen.push_back(std::string(access.name) + " by " + std::string(access.actor) + (access.found ? "" : " (missing)"));
  });
  ASSERT_TRUE(store->get("binance.api_key", "venue:binance").ok());
  const Result<Secret> missing = store->get("okx.api_key", "operator1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(seen, (std::vector<std::string>{"binance.api_key by venue:binance", "okx.api_key by operator1 (missing)"}));
}

TEST_F(SecretsStoreTest, StoresAnyBytesAsAValue) {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  {
    Result<SecretsStore> store = reopen(key_);
    ASSERT_TRUE(store->set("binary", Secret(binary)).ok());
  }
  Result<SecretsStore> store = reopen(key_);
  EXPECT_TRUE(store->get("binary", "test")->reveal() == binary);
}

TEST_F(SecretsStoreTest, RotateMakesTheOldKeyUselessAndTheNewKeyWork) {
  Result<SecretsStore> store = reopen(key_);
  clock_.advance(std::chrono::hours{24});
  ASSERT_TRUE(store->rotate(key_file_).ok());
  EXPECT_EQ(store->key_rotated_at(), format_iso8601_ms(clock_.utc()));
  EXPECT_EQ(file_mode(key_file_), 0600u);
  EXPECT_FALSE(std::filesystem::exists(store_file_ + ".bak"));
  EXPECT_FALSE(std::filesystem::exists(key_file_ + ".bak"));
  EXPECT_FALSE(std::filesystem::exists(key_file_ + ".new"));

  Result<SecretsStore> with_old = reopen(key_);
  ASSERT_FALSE(with_old.ok());
  EXPECT_TRUE(contains(with_old.error().message, "wrong key or corrupted file"));

  Result<Secret> new_key = load_key_file(key_file_);
  ASSERT_TRUE(new_key.ok());
  EXPECT_FALSE(*new_key == key_);
  Result<SecretsStore> with_new = reopen(*new_key);
  ASSERT_TRUE(with_new.ok()) << with_new.error().message;
  EXPECT_TRUE(with_new->get("binance.api_key", "test")->reveal() == kVenueKey);
  EXPECT_TRUE(with_new->authenticate(kOperatorToken).has_value());
  EXPECT_EQ(with_new->key_rotated_at(), format_iso8601_ms(clock_.utc()));
  // The rotated store object keeps working with the new key.
  ASSERT_TRUE(store->set("okx.api_key", Secret(std::string_view("okx-key"))).ok());
  EXPECT_TRUE(reopen(*new_key)->contains("okx.api_key"));
}

TEST_F(SecretsStoreTest, RotateRefusesWhileAnInterruptedRotationLeftFilesBehind) {
  write_bytes(store_file_ + ".bak", "leftover");
  Result<SecretsStore> store = reopen(key_);
  const Status rotated = store->rotate(key_file_);
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.error().code, Errc::conflict);
  EXPECT_TRUE(contains(rotated.error().message, store_file_ + ".bak"));
  EXPECT_TRUE(reopen(key_).ok());  // untouched
  EXPECT_EQ(read_bytes(store_file_ + ".bak"), "leftover");
}

}  // namespace
}  // namespace propbot::secrets
