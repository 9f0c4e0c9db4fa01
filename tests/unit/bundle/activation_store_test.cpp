// ActivationStore against a real propbot.db: the running version, tokens that work
// once, and rows that cannot be edited or deleted.
#include "core/bundle/activation_store.hpp"

#include <gtest/gtest.h>

#include "core/bundle/bundle_store.hpp"
#include "core/store/data_dir.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot::bundle {
namespace {

constexpr const char* kNow = "2026-11-23T12:00:00.000Z";

class ActivationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = store::open_store(data_dir_.path(), kNow);
    ASSERT_TRUE(database.ok()) << database.error().describe();
    database_.emplace(std::move(*database));
    BundleStore versions(*database_, clock_);
    for (const char* text : {"a", "b", "c"}) {
      auto bundle = Bundle::from_files({{"configs/paper.yaml", std::string("profile: paper # ") + text + "\n"}});
      ASSERT_TRUE(bundle.ok());
      ASSERT_TRUE(versions.save(*bundle, "alice", text).ok());
    }
  }

  NewActivation row(std::int64_t version, std::optional<std::int64_t> from, std::string source,
                    std::optional<std::string> token) {
    return NewActivation{version, from, std::move(source), "operator1", "why", "diskhash", std::move(token)};
  }

  propbot::testing::TempDir data_dir_;
  SimClock clock_;
  std::optional<store::Database> database_;
};

TEST_F(ActivationStoreTest, TheLatestRowIsTheRunningVersion) {
  ActivationStore store(*database_, clock_);
  auto none = store.latest();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store.record(row(1, std::nullopt, "startup", std::nullopt)).ok());
  clock_.advance(std::chrono::seconds(1));
  auto applied = store.record(row(2, 1, "apply", "pbr_token_one"));
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  auto latest = store.latest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->version, 2);
  EXPECT_EQ((*latest)->from_version, 1);
  EXPECT_EQ((*latest)->source, "apply");
  EXPECT_EQ((*latest)->disk_hash, "diskhash");
  EXPECT_EQ((*latest)->created_at, format_iso8601_ms(clock_.utc()));
  auto recent = store.recent(10);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].version, 2);  // newest first
  EXPECT_FALSE((*recent)[1].from_version.has_value());
}

TEST_F(ActivationStoreTest, ATokenIsFoundAndWorksOnce) {
  ActivationStore store(*database_, clock_);
  auto applied = store.record(row(2, 1, "apply", "pbr_token_one"));
  ASSERT_TRUE(applied.ok());
  auto found = store.find_token("pbr_token_one");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, applied->id);
  EXPECT_FALSE((*found)->rolled_back_at.has_value());
  auto missing = store.find_token("pbr_other");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(store.mark_rolled_back(applied->id).ok());
  auto twice = store.mark_rolled_back(applied->id);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  EXPECT_TRUE((*store.find_token("pbr_token_one"))->rolled_back_at.has_value());
  // Two activations cannot share a token.
  EXPECT_FALSE(store.record(row(3, 2, "apply", "pbr_token_one")).ok());
}

TEST_F(ActivationStoreTest, HistoryCannotBeEditedOrDeleted) {
  ActivationStore store(*database_, clock_);
  ASSERT_TRUE(store.record(row(2, 1, "apply", "pbr_token_one")).ok());
  EXPECT_FALSE(database_->exec("UPDATE config_activations SET version = 3").ok());
  EXPECT_FALSE(database_->exec("UPDATE config_activations SET actor = 'mallory'").ok());
  EXPECT_FALSE(database_->exec("DELETE FROM config_activations").ok());
  EXPECT_FALSE(database_->exec("INSERT INTO config_activations (created_at, version, source, actor, message, disk_hash) "
                               "VALUES ('x', 1, 'sneaky', 'a', 'm', 'h')").ok())
      << "an unknown source is refused";
  EXPECT_FALSE(database_->exec("INSERT INTO config_activations (created_at, version, source, actor, message, disk_hash) "
                               "VALUES ('x', 99, 'apply', 'a', 'm', 'h')").ok())
      << "a version that was never saved is refused (foreign key)";
}

}  // namespace
}  // namespace propbot::bundle
