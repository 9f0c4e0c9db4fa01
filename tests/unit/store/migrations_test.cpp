#include "core/store/migrations.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/store/database.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

constexpr std::string_view kAppliedAt = "2024-05-01T12:00:00Z";

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(temp_.ok()); }

  std::string query(const std::string& sql) { return test_support::query_text(database_, sql); }

  bool table_exists(const std::string& name) {
    return query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name +
                 "'") == "1";
  }

  static std::vector<Migration> two_migrations() {
    return {{1, "first", "CREATE TABLE first_table(x INTEGER);"},
            {2, "second", "CREATE TABLE second_table(y TEXT);"}};
  }

  test_support::TempDir temp_;
  Database database_ = test_support::open_or_fail(temp_.file("m.db"));
};

TEST_F(MigrationsTest, BuiltinMigrationsStartWithInitAndAreOrdered) {
  const std::vector<Migration>& migrations = builtin_migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(migrations.front().name, "init");
  EXPECT_EQ(migration_file_name(migrations.front()), "0001_init.sql");
  EXPECT_NE(migrations.front().sql.find("CREATE TABLE daemon_starts"), std::string::npos);
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
}

TEST_F(MigrationsTest, ChecksumIsFnv1a64InHexAndIgnoresCarriageReturns) {
  EXPECT_EQ(migration_checksum(""), "cbf29ce484222325");  // FNV-1a 64 offset basis
  EXPECT_EQ(migration_checksum("a"), "af63dc4c8601ec8c");  // published test vector
  EXPECT_EQ(migration_checksum("CREATE TABLE a(x);\r\nCREATE TABLE b(y);\r\n"),
            migration_checksum("CREATE TABLE a(x);\nCREATE TABLE b(y);\n"));
  EXPECT_NE(migration_checksum("CREATE TABLE a(x);"), migration_checksum("CREATE TABLE a(y);"));
}

TEST_F(MigrationsTest, AppliesBuiltinMigrationsToAFreshDatabase) {
  Result<int> applied = apply_migrations(database_, builtin_migrations(), kAppliedAt);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(*applied, static_cast<int>(builtin_migrations().size()));
  EXPECT_TRUE(table_exists("daemon_starts"));
  EXPECT_TRUE(table_exists("kv"));
  EXPECT_EQ(query("SELECT name || ' ' || checksum || ' ' || applied_at FROM schema_migrations "
                  "WHERE version = 1"),
            "init " + migration_checksum(builtin_migrations().front().sql) + " " +
                std::string(kAppliedAt));
  ASSERT_TRUE(database_.exec("INSERT INTO daemon_starts(started_at, version, build, profile, pid) "
                             "VALUES ('2024-05-01T12:00:00Z', '0.1.0', 'abc', 'paper', 42)"));
  Status missing_pid = database_.exec(
      "INSERT INTO daemon_starts(started_at, version, build, profile) VALUES ('t', 'v', 'b', 'p')");
  EXPECT_FALSE(missing_pid.ok());  // NOT NULL constraints are in place
}

TEST_F(MigrationsTest, ReRunAppliesNothingAndKeepsData) {
  ASSERT_TRUE(apply_migrations(database_, builtin_migrations(), kAppliedAt).ok());
  ASSERT_TRUE(database_.exec("INSERT INTO kv(key, value, updated_at) VALUES ('k', 'v', 't')"));

  Result<int> again = apply_migrations(database_, builtin_migrations(), "2030-01-01T00:00:00Z");
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(query("SELECT value FROM kv WHERE key = 'k'"), "v");
  EXPECT_EQ(query("SELECT applied_at FROM schema_migrations WHERE version = 1"), kAppliedAt);
}

TEST_F(MigrationsTest, AppliesOnlyTheMissingMigrations) {
  std::vector<Migration> migrations = two_migrations();
  ASSERT_EQ(*apply_migrations(database_, {migrations.front()}, kAppliedAt), 1);
  Result<int> applied = apply_migrations(database_, migrations, kAppliedAt);
  ASSERT_TRUE(applied.ok()) << applied.error().describe();
  EXPECT_EQ(*applied, 1);
  EXPECT_TRUE(table_exists("second_table"));
  EXPECT_EQ(query("SELECT group_concat(version) FROM schema_migrations"), "1,2");
}

TEST_F(MigrationsTest, FailingMigrationLeavesNoPartialTableAndNamesItsFile) {
  std::vector<Migration> migrations = two_migrations();
  migrations.push_back({3, "broken",
                        "CREATE TABLE half_done(x INTEGER);\n"
                        "INSERT INTO no_such_table VALUES (1);"});
  Result<int> applied = apply_migrations(database_, migrations, kAppliedAt);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("0003_broken.sql"), std::string::npos)
      << applied.error().message;
  EXPECT_NE(applied.error().message.find("no such table: no_such_table"), std::string::npos);
  EXPECT_FALSE(table_exists("half_done"));
  EXPECT_TRUE(table_exists("second_table"));  // earlier migrations stay applied
  EXPECT_EQ(query("SELECT max(version) FROM schema_migrations"), "2");
}

TEST_F(MigrationsTest, RefusesWhenAnAppliedMigrationWasEdited) {
  std::vector<Migration> migrations = two_migrations();
  ASSERT_EQ(*apply_migrations(database_, {migrations.front()}, kAppliedAt), 1);
  migrations.front().sql = "CREATE TABLE first_table(x INTEGER, extra TEXT);";
  Result<int> applied = apply_migrations(database_, migrations, kAppliedAt);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, Errc::conflict);
  EXPECT_NE(applied.error().message.find("0001_first.sql was changed after it was applied"),
            std::string::npos)
      << applied.error().message;
  EXPECT_FALSE(table_exists("second_table"));  // refused before applying anything
}

TEST_F(MigrationsTest, RefusesADatabaseSchemaNewerThanTheBinary) {
  ASSERT_EQ(*apply_migrations(database_, two_migrations(), kAppliedAt), 2);
  Result<int> applied = apply_migrations(database_, {two_migrations().front()}, kAppliedAt);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, Errc::conflict);
  EXPECT_EQ(applied.error().message,
            "database schema 2 is newer than this binary (max 1): run the matching release or "
            "restore a backup");
}

TEST_F(MigrationsTest, RefusesAnAppliedVersionTheBinaryDoesNotKnow) {
  std::vector<Migration> migrations = two_migrations();
  migrations.push_back({3, "third", "CREATE TABLE third_table(z);"});
  ASSERT_EQ(*apply_migrations(database_, migrations, kAppliedAt), 3);
  migrations.erase(migrations.begin() + 1);  // the binary lacks version 2
  Result<int> applied = apply_migrations(database_, migrations, kAppliedAt);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("migration 2 (second)"), std::string::npos)
      << applied.error().message;
}

TEST_F(MigrationsTest, RejectsAListWithDuplicateOrUnorderedVersions) {
  std::vector<Migration> migrations = two_migrations();
  migrations.back().version = 1;
  Result<int> applied = apply_migrations(database_, migrations, kAppliedAt);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, Errc::invalid_argument);
  EXPECT_FALSE(table_exists("first_table"));
}

}  // namespace
}  // namespace propbot::store
