#include "core/store/statement.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/store/database.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    ASSERT_TRUE(database_.exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB)"));
  }

  Statement prepare_ok(const std::string& sql) {
    Result<Statement> statement = database_.prepare(sql);
    if (!statement) {
      ADD_FAILURE() << statement.error().describe();
      return std::move(database_.prepare("SELECT NULL")).value();
    }
    return std::move(statement).value();
  }

  test_support::TempDir temp_;
  Database database_ = test_support::open_or_fail(temp_.file("s.db"));
};

TEST_F(StatementTest, RoundTripsIntegerDoubleUnicodeTextAndNull) {
  const std::string unicode = "Grüße, 日本語, ₿ and 🚀";
  Statement insert = prepare_ok("INSERT INTO t(i, d, s, b) VALUES (?1, ?2, ?3, ?4)");
  ASSERT_TRUE(insert.bind(1, std::numeric_limits<std::int64_t>::min()));
  ASSERT_TRUE(insert.bind(2, 0.1));
  ASSERT_TRUE(insert.bind(3, unicode));
  ASSERT_TRUE(insert.bind(4, nullptr));
  Result<bool> done = insert.step();
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_FALSE(*done);

  Statement select = prepare_ok("SELECT i, d, s, b FROM t");
  Result<bool> row = select.step();
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row);
  EXPECT_EQ(select.column_int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(select.column_double(1), 0.1);  // bit-exact: REAL is an IEEE double
  EXPECT_EQ(select.column_text(2), unicode);
  EXPECT_TRUE(select.column_is_null(3));
  EXPECT_FALSE(select.column_is_null(0));
  EXPECT_EQ(select.column_text(3), "");
  Result<bool> end = select.step();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST_F(StatementTest, BindsEveryIntegerTypeAsInteger) {
  Statement select = prepare_ok("SELECT ?1, ?2, ?3, typeof(?1)");
  ASSERT_TRUE(select.bind(1, 42));  // int
  ASSERT_TRUE(select.bind(2, 7u));  // unsigned
  ASSERT_TRUE(select.bind(3, std::numeric_limits<std::int64_t>::max()));
  ASSERT_TRUE(*select.step());
  EXPECT_EQ(select.column_int64(0), 42);
  EXPECT_EQ(select.column_int64(1), 7);
  EXPECT_EQ(select.column_int64(2), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(select.column_text(3), "integer");
}

TEST_F(StatementTest, RefusesUnsignedValuesAboveInt64Max) {
  Statement select = prepare_ok("SELECT ?1");
  Status status = select.bind(1, std::numeric_limits<std::uint64_t>::max());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::out_of_range);
}

TEST_F(StatementTest, RoundTripsBlobsIncludingEmptyOnes) {
  const std::vector<std::byte> bytes = {std::byte{0x00}, std::byte{0xff}, std::byte{0x10}};
  Statement select = prepare_ok("SELECT ?1, ?2, typeof(?2)");
  ASSERT_TRUE(select.bind(1, std::span<const std::byte>(bytes)));
  ASSERT_TRUE(select.bind(2, std::span<const std::byte>()));
  ASSERT_TRUE(*select.step());
  EXPECT_EQ(select.column_blob(0), bytes);
  EXPECT_FALSE(select.column_is_null(1));
  EXPECT_EQ(select.column_text(2), "blob");
}

TEST_F(StatementTest, BindsByNameWithOrWithoutThePrefix) {
  Statement insert = prepare_ok("INSERT INTO t(i, s, d) VALUES (:qty, :symbol, @price)");
  ASSERT_TRUE(insert.bind(":qty", 5));
  ASSERT_TRUE(insert.bind("symbol", std::string("BTC-USDT")));
  ASSERT_TRUE(insert.bind("@price", 64000.5));
  ASSERT_TRUE(insert.step().ok());

  Statement select = prepare_ok("SELECT i, s, d FROM t WHERE s = :symbol");
  ASSERT_TRUE(select.bind(":symbol", "BTC-USDT"));
  ASSERT_TRUE(*select.step());
  EXPECT_EQ(select.column_int64(0), 5);
  EXPECT_EQ(select.column_text(1), "BTC-USDT");
  EXPECT_EQ(select.column_double(2), 64000.5);
}

TEST_F(StatementTest, UnknownParameterNameIsAnErrorNamingIt) {
  Statement select = prepare_ok("SELECT :known");
  Status status = select.bind(":unknown", 1);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::invalid_argument);
  EXPECT_NE(status.error().message.find(":unknown"), std::string::npos);
}

TEST_F(StatementTest, BindingAnOutOfRangeIndexIsAnError) {
  Statement select = prepare_ok("SELECT ?1");
  Status status = select.bind(2, 1);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("SQLITE_RANGE"), std::string::npos)
      << status.error().message;
}

TEST_F(StatementTest, BoundTextIsCopiedSoTheCallersBufferMayDie) {
  // Allocated before the bound buffer, so it cannot reuse the freed block below.
  const std::string expected(100, 'a');
  Statement select = prepare_ok("SELECT ?1");
  {
    std::string temporary = expected;
    ASSERT_TRUE(select.bind(1, temporary));
    temporary.assign(100, 'z');  // overwrite, then free, the bound buffer
  }
  ASSERT_TRUE(*select.step());
  EXPECT_EQ(select.column_text(0), expected);
}

TEST_F(StatementTest, ResetRerunsWithNewBindingsAndClearBindingsSetsNull) {
  Statement select = prepare_ok("SELECT ?1");
  ASSERT_TRUE(select.bind(1, 1));
  ASSERT_TRUE(*select.step());
  EXPECT_EQ(select.column_int64(0), 1);

  select.reset();
  ASSERT_TRUE(select.bind(1, 2));
  ASSERT_TRUE(*select.step());
  EXPECT_EQ(select.column_int64(0), 2);

  select.reset();
  select.clear_bindings();
  ASSERT_TRUE(*select.step());
  EXPECT_TRUE(select.column_is_null(0));
}

TEST_F(StatementTest, ReportsColumnNamesAndCount) {
  Statement select = prepare_ok("SELECT i AS quantity, s AS symbol FROM t");
  EXPECT_EQ(select.column_count(), 2);
  EXPECT_EQ(select.column_name(0), "quantity");
  EXPECT_EQ(select.column_name(1), "symbol");
  EXPECT_EQ(select.sql(), "SELECT i AS quantity, s AS symbol FROM t");
}

TEST_F(StatementTest, StepReportsConstraintViolationWithSql) {
  ASSERT_TRUE(database_.exec("CREATE TABLE u(k TEXT PRIMARY KEY)"));
  Statement insert = prepare_ok("INSERT INTO u(k) VALUES (?1)");
  ASSERT_TRUE(insert.bind(1, "key"));
  ASSERT_TRUE(insert.step().ok());
  insert.reset();
  Result<bool> duplicate = insert.step();
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, Errc::store_error);
  EXPECT_NE(duplicate.error().message.find("UNIQUE constraint failed"), std::string::npos)
      << duplicate.error().message;
  EXPECT_NE(duplicate.error().message.find("SQLITE_CONSTRAINT"), std::string::npos);
  EXPECT_NE(duplicate.error().message.find("INSERT INTO u(k)"), std::string::npos);
}

}  // namespace
}  // namespace propbot::store
