#include "core/store/transaction.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "core/store/database.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    ASSERT_TRUE(database_.exec("CREATE TABLE t(x INTEGER)"));
  }

  static std::string count(Database& database) {
    return test_support::query_text(database, "SELECT count(*) FROM t");
  }

  test_support::TempDir temp_;
  std::string path_ = temp_.file("t.db");
  Database database_ = test_support::open_or_fail(path_);
};

TEST_F(TransactionTest, RollsBackWhenDestroyedWithoutCommit) {
  {
    Result<Transaction> transaction = Transaction::begin(database_);
    ASSERT_TRUE(transaction.ok()) << transaction.error().describe();
    ASSERT_TRUE(database_.exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)"));
    EXPECT_EQ(count(database_), "2");  // visible inside the transaction
  }
  EXPECT_EQ(count(database_), "0");
}

TEST_F(TransactionTest, CommitMakesWritesVisibleToOtherConnections) {
  Database reader = test_support::open_or_fail(path_);
  Result<Transaction> transaction = Transaction::begin(database_);
  ASSERT_TRUE(transaction.ok());
  ASSERT_TRUE(database_.exec("INSERT INTO t VALUES (1)"));
  EXPECT_EQ(count(reader), "0");  // not before commit
  Status status = transaction->commit();
  ASSERT_TRUE(status.ok()) << status.error().describe();
  EXPECT_FALSE(transaction->active());
  EXPECT_EQ(count(reader), "1");
}

TEST_F(TransactionTest, ExplicitRollbackDiscardsWritesAndEndsTheTransaction) {
  Result<Transaction> transaction = Transaction::begin(database_);
  ASSERT_TRUE(transaction.ok());
  ASSERT_TRUE(database_.exec("INSERT INTO t VALUES (1)"));
  ASSERT_TRUE(transaction->rollback());
  EXPECT_FALSE(transaction->active());
  EXPECT_EQ(count(database_), "0");
  EXPECT_FALSE(transaction->commit().ok());  // nothing left to commit
}

TEST_F(TransactionTest, TakesTheWriteLockAtBegin) {
  OpenOptions no_wait;
  no_wait.busy_timeout_ms = 0;
  Database other = test_support::open_or_fail(path_, no_wait);
  Result<Transaction> transaction = Transaction::begin(database_);
  ASSERT_TRUE(transaction.ok());
  Result<Transaction> second = Transaction::begin(other);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("SQLITE_BUSY"), std::string::npos)
      << second.error().message;
}

TEST_F(TransactionTest, MovedTransactionIsRolledBackOnlyOnceByItsNewOwner) {
  Result<Transaction> transaction = Transaction::begin(database_);
  ASSERT_TRUE(transaction.ok());
  ASSERT_TRUE(database_.exec("INSERT INTO t VALUES (1)"));
  {
    Transaction owner = std::move(transaction).value();
    EXPECT_TRUE(owner.active());
  }
  EXPECT_EQ(count(database_), "0");
  // The database is usable again: a new transaction can begin and commit.
  Result<Transaction> next = Transaction::begin(database_);
  ASSERT_TRUE(next.ok()) << next.error().describe();
  ASSERT_TRUE(database_.exec("INSERT INTO t VALUES (2)"));
  ASSERT_TRUE(next->commit());
  EXPECT_EQ(count(database_), "1");
}

}  // namespace
}  // namespace propbot::store
