#include "core/store/database.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(temp_.ok()); }

  Database open_ok(const std::string& path, const OpenOptions& options = {}) {
    return test_support::open_or_fail(path, options);
  }

  static std::string pragma(Database& database, const std::string& sql) {
    return test_support::query_text(database, sql);
  }

  static std::int64_t count_rows(Database& database, const std::string& table) {
    Result<Statement> statement = database.prepare("SELECT count(*) FROM " + table);
    if (!statement) return -1;
    Result<bool> row = statement->step();
    return row && *row ? statement->column_int64(0) : -1;
  }

  test_support::TempDir temp_;
};

TEST_F(DatabaseTest, OpensFileDatabaseInWalModeWithFullSyncAndForeignKeys) {
  Database database = open_ok(temp_.file("a.db"));
  EXPECT_EQ(pragma(database, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma(database, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(pragma(database, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(pragma(database, "PRAGMA busy_timeout"), "5000");
  EXPECT_EQ(database.path(), temp_.file("a.db"));
}

TEST_F(DatabaseTest, HonoursSynchronousAndBusyTimeoutOptions) {
  OpenOptions options;
  options.synchronous = Synchronous::normal;
  options.busy_timeout_ms = 1234;
  Database database = open_ok(temp_.file("a.db"), options);
  EXPECT_EQ(pragma(database, "PRAGMA synchronous"), "1");  // NORMAL
  EXPECT_EQ(pragma(database, "PRAGMA busy_timeout"), "1234");
}

TEST_F(DatabaseTest, LeavesRollbackJournalWhenWalIsOff) {
  OpenOptions options;
  options.wal = false;
  Database database = open_ok(temp_.file("a.db"), options);
  EXPECT_EQ(pragma(database, "PRAGMA journal_mode"), "delete");
}

TEST_F(DatabaseTest, ExecRunsSeveralStatements) {
  Database database = open_ok(temp_.file("a.db"));
  ASSERT_TRUE(database.exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1); "
                            "INSERT INTO t VALUES (2);"));
  EXPECT_EQ(count_rows(database, "t"), 2);
}

TEST_F(DatabaseTest, ExecErrorCarriesSqliteMessageAndSql) {
  Database database = open_ok(temp_.file("a.db"));
  Status status = database.exec("INSERT INTO missing_table VALUES (1)");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::store_error);
  EXPECT_NE(status.error().message.find("no such table: missing_table"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("INSERT INTO missing_table"), std::string::npos);
}

TEST_F(DatabaseTest, ErrorMessagesTruncateLongSql) {
  Database database = open_ok(temp_.file("a.db"));
  const std::string long_sql = "SELECT nope FROM nowhere WHERE x = '" + std::string(5000, 'y') + "'";
  Result<Statement> statement = database.prepare(long_sql);
  ASSERT_FALSE(statement.ok());
  EXPECT_LT(statement.error().message.size(), 600u);
  EXPECT_NE(statement.error().message.find("SELECT nope FROM nowhere"), std::string::npos);
  EXPECT_NE(statement.error().message.find("..."), std::string::npos);
}

TEST_F(DatabaseTest, PrepareRejectsBadSqlWithMessageAndSql) {
  Database database = open_ok(temp_.file("a.db"));
  Result<Statement> statement = database.prepare("SELEC 1");
  ASSERT_FALSE(statement.ok());
  EXPECT_NE(statement.error().message.find("syntax error"), std::string::npos)
      << statement.error().message;
  EXPECT_NE(statement.error().message.find("SELEC 1"), std::string::npos);
}

TEST_F(DatabaseTest, PrepareRejectsASecondStatementButAcceptsATrailingComment) {
  Database database = open_ok(temp_.file("a.db"));
  Result<Statement> two = database.prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code, Errc::invalid_argument);
  EXPECT_TRUE(database.prepare("SELECT 1; -- the answer\n").ok());
  EXPECT_FALSE(database.prepare("").ok());
}

TEST_F(DatabaseTest, OpenWithoutCreateFailsForMissingFileAndNamesIt) {
  OpenOptions options;
  options.create = false;
  const std::string path = temp_.file("absent.db");
  Result<Database> database = Database::open(path, options);
  ASSERT_FALSE(database.ok());
  EXPECT_EQ(database.error().code, Errc::io_error);
  EXPECT_NE(database.error().message.find(path), std::string::npos) << database.error().message;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(DatabaseTest, OpenRefusesAFileThatIsNotADatabase) {
  const std::string path = temp_.file("garbage.db");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs(std::string(8192, 'x').c_str(), file);
    std::fclose(file);
  }
  Result<Database> database = Database::open(path);
  ASSERT_FALSE(database.ok());
  EXPECT_NE(database.error().message.find("not a database"), std::string::npos)
      << database.error().message;
}

TEST_F(DatabaseTest, ReadOnlyConnectionCannotWrite) {
  const std::string path = temp_.file("a.db");
  Database writer = open_ok(path);
  ASSERT_TRUE(writer.exec("CREATE TABLE t(x)"));
  OpenOptions options;
  options.read_only = true;
  Database reader = open_ok(path, options);
  Status status = reader.exec("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::permission_denied) << status.error().describe();
}

TEST_F(DatabaseTest, ReaderOnItsOwnConnectionSeesCommittedRows) {
  const std::string path = temp_.file("a.db");
  Database writer = open_ok(path);
  ASSERT_TRUE(writer.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)"));
  OpenOptions options;
  options.read_only = true;
  Database reader = open_ok(path, options);
  EXPECT_EQ(count_rows(reader, "t"), 1);
  ASSERT_TRUE(writer.exec("INSERT INTO t VALUES (2)"));
  EXPECT_EQ(count_rows(reader, "t"), 2);
}

TEST_F(DatabaseTest, LastInsertRowidAndChangesDescribeTheLastWrite) {
  Database database = open_ok(temp_.file("a.db"));
  ASSERT_TRUE(database.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, x)"));
  ASSERT_TRUE(database.exec("INSERT INTO t(id, x) VALUES (41, 'a')"));
  EXPECT_EQ(database.last_insert_rowid(), 41);
  ASSERT_TRUE(database.exec("INSERT INTO t(x) VALUES ('b')"));
  EXPECT_EQ(database.last_insert_rowid(), 42);
  ASSERT_TRUE(database.exec("UPDATE t SET x = 'c'"));
  EXPECT_EQ(database.changes(), 2);
}

TEST_F(DatabaseTest, ForeignKeysAreEnforced) {
  Database database = open_ok(temp_.file("a.db"));
  ASSERT_TRUE(database.exec("CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                            "CREATE TABLE child(parent_id INTEGER REFERENCES parent(id));"));
  Status status = database.exec("INSERT INTO child VALUES (7)");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("FOREIGN KEY"), std::string::npos)
      << status.error().message;
}

TEST_F(DatabaseTest, MovedFromDatabaseReportsClosedInsteadOfCrashing) {
  Database database = open_ok(temp_.file("a.db"));
  Database moved = std::move(database);
  EXPECT_TRUE(moved.is_open());
  EXPECT_FALSE(database.is_open());  // NOLINT(bugprone-use-after-move): the point of the test
  Status status = database.exec("SELECT 1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::unavailable);
  EXPECT_FALSE(database.prepare("SELECT 1").ok());
  EXPECT_TRUE(moved.exec("SELECT 1"));
}

TEST_F(DatabaseTest, BackupToProducesADatabaseWithTheSameRows) {
  Database database = open_ok(temp_.file("a.db"));
  ASSERT_TRUE(database.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);"
                            "INSERT INTO t(name) VALUES ('alpha'), ('beta'), ('gamma');"));
  const std::string backup_path = temp_.file("backup.db");
  Status status = database.backup_to(backup_path);
  ASSERT_TRUE(status.ok()) << status.error().describe();
  EXPECT_FALSE(std::filesystem::exists(backup_path + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(backup_path + "-wal"));

  Database copy = open_ok(backup_path);
  Result<Statement> rows = copy.prepare("SELECT id, name FROM t ORDER BY id");
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> names;
  for (;;) {
    Result<bool> row = rows->step();
    ASSERT_TRUE(row.ok());
    if (!*row) break;
    EXPECT_EQ(rows->column_int64(0), static_cast<std::int64_t>(names.size() + 1));
    names.push_back(rows->column_text(1));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta", "gamma"}));
}

TEST_F(DatabaseTest, BackupReplacesAnOlderBackup) {
  Database database = open_ok(temp_.file("a.db"));
  ASSERT_TRUE(database.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)"));
  const std::string backup_path = temp_.file("backup.db");
  ASSERT_TRUE(database.backup_to(backup_path));
  ASSERT_TRUE(database.exec("INSERT INTO t VALUES (2)"));
  ASSERT_TRUE(database.backup_to(backup_path));
  Database copy = open_ok(backup_path);
  EXPECT_EQ(count_rows(copy, "t"), 2);
}

TEST_F(DatabaseTest, BackupIntoAMissingDirectoryFailsAndLeavesNothing) {
  Database database = open_ok(temp_.file("a.db"));
  const std::string backup_path = temp_.file("no-such-dir/backup.db");
  Status status = database.backup_to(backup_path);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find(backup_path), std::string::npos)
      << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(backup_path));
}

TEST_F(DatabaseTest, BackupRefusesToOverwriteTheDatabaseItself) {
  const std::string path = temp_.file("a.db");
  Database database = open_ok(path);
  Status status = database.backup_to(path);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace propbot::store
