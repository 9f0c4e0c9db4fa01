// The paper development store (core/secrets/paper_store): made once with every
// credential a paper desk needs, reused afterwards, and readable by show-dev only
// when it really is a paper store.
#include "core/secrets/paper_store.hpp"

#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "core/secrets/store_key.hpp"
#include "tests/unit/secrets/temp_dir.hpp"

namespace propbot::secrets {
namespace {

using testing::file_mode;
using testing::TempDir;

class PaperStoreTest : public ::testing::Test {
 protected:
  TempDir dir_;
  SimClock clock_;
};

TEST_F(PaperStoreTest, FirstCallMakesAStoreWithEveryPaperCredential) {
  Result<PaperStore> paper = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(paper.ok()) << paper.error().message;
  EXPECT_TRUE(paper->created);
  EXPECT_EQ(paper->store_file, dir_.file("secrets.enc"));
  EXPECT_EQ(paper->key_file, dir_.file("secrets.key"));
  EXPECT_EQ(file_mode(paper->store_file), 0600u);
  EXPECT_EQ(file_mode(paper->key_file), 0600u);

  SecretsStore& store = paper->store;
  EXPECT_EQ(store.profile(), StoreProfile::paper);
  std::map<std::string, Role> roles;
  for (const TokenInfo& token : store.tokens()) roles[token.name] = token.role;
  EXPECT_EQ(roles, (std::map<std::string, Role>{{"auditor1", Role::auditor},
                                                {"operator1", Role::operator_},
                                                {"operator2", Role::operator_},
                                                {"viewer1", Role::viewer}}));
  // Each kept plain-text token authenticates as its own name.
  for (const auto& [name, role] : roles) {
    Result<Secret> token = store.get("dev." + name, "test");
    ASSERT_TRUE(token.ok());
    EXPECT_TRUE(token->starts_with("pbt_"));
    const auto identity = store.authenticate(token->reveal());
    ASSERT_TRUE(identity.has_value()) << name;
    EXPECT_EQ(identity->name, name);
    EXPECT_EQ(identity->role, role);
  }
  Result<Secret> approve = store.get("approve_token", "test");
  ASSERT_TRUE(approve.ok());
  EXPECT_GE(approve->size(), 64u);
  Result<Secret> two_factor = store.get("approve_token_2fa", "test");
  ASSERT_TRUE(two_factor.ok());
  EXPECT_TRUE(two_factor->starts_with("totp:"));
  EXPECT_EQ(two_factor->size(), 5u + 32u);  // 160-bit seed, base32 unpadded
  EXPECT_FALSE(store.authenticate(approve->reveal()).has_value());  // not an API token
}

TEST_F(PaperStoreTest, LaterCallsReuseTheStoreUnchanged) {
  Result<PaperStore> first = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(first.ok());
  const Secret approve = first->store.get("approve_token", "test").value();
  const auto mtime = std::filesystem::last_write_time(first->store_file);
  Result<PaperStore> second = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_TRUE(*second->store.get("approve_token", "test") == approve);
  EXPECT_EQ(std::filesystem::last_write_time(second->store_file), mtime);
}

TEST_F(PaperStoreTest, CompletesAStoreAFirstStartLeftHalfMade) {
  const Secret key = generate_store_key();
  ASSERT_TRUE(write_key_file(dir_.file("secrets.key"), key).ok());
  ASSERT_TRUE(SecretsStore::create(dir_.file("secrets.enc"), key.clone(), clock_, StoreProfile::paper).ok());
  Result<PaperStore> paper = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(paper.ok()) << paper.error().message;
  EXPECT_EQ(paper->store.tokens().size(), 4u);
  EXPECT_TRUE(paper->store.contains("approve_token_2fa"));
}

TEST_F(PaperStoreTest, LeavesAStandardStoreInTheDataDirectoryAlone) {
  const Secret key = generate_store_key();
  ASSERT_TRUE(write_key_file(dir_.file("secrets.key"), key).ok());
  ASSERT_TRUE(SecretsStore::create(dir_.file("secrets.enc"), key.clone(), clock_).ok());
  Result<PaperStore> paper = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(paper.ok());
  EXPECT_TRUE(paper->store.tokens().empty());
  const auto credentials = read_paper_credentials(paper->store, "test");
  ASSERT_FALSE(credentials.ok());
  EXPECT_EQ(credentials.error().code, Errc::permission_denied);
  EXPECT_NE(credentials.error().message.find("not paper"), std::string::npos);
}

TEST_F(PaperStoreTest, RefusesAKeyFileWithoutItsStore) {
  ASSERT_TRUE(write_key_file(dir_.file("secrets.key"), generate_store_key()).ok());
  Result<PaperStore> paper = ensure_paper_store(dir_.path(), clock_);
  ASSERT_FALSE(paper.ok());
  EXPECT_EQ(paper.error().code, Errc::conflict);
  EXPECT_NE(paper.error().message.find(dir_.file("secrets.key")), std::string::npos);
}

TEST_F(PaperStoreTest, ShowDevReadsTokensThenApproveTokensAndAuditsEachRead) {
  Result<PaperStore> paper = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(paper.ok());
  std::vector<std::string> reads;
  paper->store.set_access_observer(
      [&](const SecretAccess& access) { reads.push_back(std::string(access.name) + "/" + std::string(access.actor)); });
  Result<std::vector<PaperCredential>> credentials = read_paper_credentials(paper->store, "cli:show-dev");
  ASSERT_TRUE(credentials.ok());
  std::vector<std::string> names;
  for (const PaperCredential& credential : *credentials) names.push_back(credential.name);
  EXPECT_EQ(names, (std::vector<std::string>{"auditor1", "operator1", "operator2", "viewer1", "approve_token",
                                             "approve_token_2fa"}));
  EXPECT_EQ(reads.size(), 6u);
  EXPECT_EQ(reads.front(), "dev.auditor1/cli:show-dev");
  EXPECT_TRUE(paper->store.authenticate((*credentials)[1].value.reveal()).has_value());
}

}  // namespace
}  // namespace propbot::secrets
