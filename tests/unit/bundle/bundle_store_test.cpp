// BundleStore against a real propbot.db: versions, same-hash no-op, history, diff,
// durability across reopening.
#include "core/bundle/bundle_store.hpp"

#include <gtest/gtest.h>

#include "core/store/data_dir.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot::bundle {
namespace {

constexpr const char* kNow = "2026-11-23T12:00:00.000Z";

Bundle make(Bundle::Files files) {
  Result<Bundle> bundle = Bundle::from_files(std::move(files));
  EXPECT_TRUE(bundle.ok()) << bundle.error().describe();
  return bundle.ok() ? *bundle : Bundle{};
}

class BundleStoreTest : public ::testing::Test {
 protected:
  store::Database open() {
    Result<store::Database> database = store::open_store(data_dir_.path(), kNow);
    EXPECT_TRUE(database.ok()) << database.error().describe();
    return std::move(*database);
  }

  propbot::testing::TempDir data_dir_;
  SimClock clock_;
  const Bundle v1_ = make({{"configs/paper.yaml", "profile: paper\n"}, {"strategies/a.lua", "return 1\n"}});
  const Bundle v2_ = make({{"configs/paper.yaml", "profile: paper # v2\n"}, {"policies/regime.lua", "return 2\n"}});
};

TEST_F(BundleStoreTest, SaveNumbersVersionsAndCurrentIsTheLatest) {
  store::Database database = open();
  BundleStore store(database, clock_);
  Result<std::optional<BundleVersion>> none = store.current();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  Result<std::int64_t> first = store.save(v1_, "alice", "initial");
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(*first, 1);
  Result<std::int64_t> second = store.save(v2_, "bob", "tighter");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2);

  Result<std::optional<BundleVersion>> current = store.current();
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->info.version, 2);
  EXPECT_EQ((*current)->info.author, "bob");
  EXPECT_EQ((*current)->info.message, "tighter");
  EXPECT_EQ((*current)->info.hash, v2_.hash());
  EXPECT_EQ((*current)->info.created_at, format_iso8601_ms(clock_.utc()));
  EXPECT_EQ((*current)->bundle.files(), v2_.files());

  Result<BundleVersion> old = store.get(1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->bundle.files(), v1_.files());
  EXPECT_EQ(store.get(99).error().code, Errc::not_found);
}

TEST_F(BundleStoreTest, SavingTheSameHashAgainIsANoOp) {
  store::Database database = open();
  BundleStore store(database, clock_);
  ASSERT_EQ(*store.save(v1_, "alice", "initial"), 1);
  EXPECT_EQ(*store.save(v1_, "bob", "again"), 1);
  Result<std::vector<BundleVersionInfo>> history = store.history(10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].author, "alice");
  // Going back to an older content is a change, so a new version.
  ASSERT_EQ(*store.save(v2_, "alice", "v2"), 2);
  EXPECT_EQ(*store.save(v1_, "alice", "back to v1"), 3);
}

TEST_F(BundleStoreTest, HistoryIsNewestFirstAndLimited) {
  store::Database database = open();
  BundleStore store(database, clock_);
  ASSERT_TRUE(store.save(v1_, "alice", "one").ok());
  ASSERT_TRUE(store.save(v2_, "bob", "two").ok());
  ASSERT_TRUE(store.save(v1_, "carol", "three").ok());
  Result<std::vector<BundleVersionInfo>> history = store.history(2);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].version, 3);
  EXPECT_EQ((*history)[0].message, "three");
  EXPECT_EQ((*history)[1].version, 2);
  EXPECT_EQ((*history)[1].hash, v2_.hash());
}

TEST_F(BundleStoreTest, DiffListsAddedRemovedAndChangedPaths) {
  store::Database database = open();
  BundleStore store(database, clock_);
  ASSERT_TRUE(store.save(v1_, "alice", "one").ok());
  ASSERT_TRUE(store.save(v2_, "bob", "two").ok());
  Result<BundleDiff> changes = store.diff(1, 2);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->added, std::vector<std::string>{"policies/regime.lua"});
  EXPECT_EQ(changes->removed, std::vector<std::string>{"strategies/a.lua"});
  EXPECT_EQ(changes->changed, std::vector<std::string>{"configs/paper.yaml"});
  EXPECT_TRUE(store.diff(2, 2)->empty());
  EXPECT_EQ(store.diff(1, 7).error().code, Errc::not_found);
}

TEST_F(BundleStoreTest, VersionsSurviveReopening) {
  {
    store::Database database = open();
    BundleStore store(database, clock_);
    ASSERT_TRUE(store.save(v1_, "alice", "one").ok());
    ASSERT_TRUE(store.save(v2_, "bob", "two").ok());
  }
  store::Database database = open();
  BundleStore store(database, clock_);
  Result<std::optional<BundleVersion>> current = store.current();
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->info.version, 2);
  EXPECT_EQ(store.get(1)->bundle.hash(), v1_.hash());
  EXPECT_EQ(*store.save(v2_, "carol", "same"), 2);
  EXPECT_EQ(*store.save(v1_, "carol", "new"), 3);
}

TEST_F(BundleStoreTest, SavedVersionsCannotBeEdited) {
  store::Database database = open();
  BundleStore store(database, clock_);
  ASSERT_TRUE(store.save(v1_, "alice", "one").ok());
  EXPECT_FALSE(database.exec("UPDATE config_bundles SET author = 'mallory'").ok());
}

}  // namespace
}  // namespace propbot::bundle
