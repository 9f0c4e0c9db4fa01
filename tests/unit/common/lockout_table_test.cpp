// LockoutTable: the sliding-window failure count behind the API's brute-force lockout
// and the control plane's second-factor throttle — time from a SimClock.
#include "core/common/lockout_table.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace propbot {
namespace {

using namespace std::chrono_literals;

class LockoutTableTest : public ::testing::Test {
 protected:
  SimClock clock_;
};

TEST_F(LockoutTableTest, LocksAtMaxFailuresInsideTheWindowOnceAndForTheLockout) {
  LockoutTable table({.max_failures = 3, .window = 60s, .lockout = 120s, .max_keys = 10}, "test");
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  EXPECT_EQ(table.record_failure("bob", clock_.now()), 3);
  ASSERT_TRUE(table.locked_until("bob", clock_.now()));
  EXPECT_EQ(*table.locked_until("bob", clock_.now()), clock_.now() + 120s);
  EXPECT_FALSE(table.locked_until("carol", clock_.now()));
  // Failures while locked neither report again nor extend the lockout.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  clock_.advance(119s);
  EXPECT_TRUE(table.locked_until("bob", clock_.now()));
  clock_.advance(1s);
  EXPECT_FALSE(table.locked_until("bob", clock_.now()));
  // A clean count after the lockout.
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
}

TEST_F(LockoutTableTest, ForgetsFailuresOlderThanTheWindow) {
  LockoutTable table({.max_failures = 3, .window = 60s, .lockout = 120s, .max_keys = 10}, "test");
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  clock_.advance(60s);
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  EXPECT_FALSE(table.record_failure("bob", clock_.now()));
  EXPECT_EQ(table.record_failure("bob", clock_.now()), 3);
}

TEST_F(LockoutTableTest, StaysBoundedAndKeepsLockoutsLongest) {
  LockoutTable table({.max_failures = 2, .window = 60s, .lockout = 600s, .max_keys = 4}, "test");
  table.record_failure("locked", clock_.now());
  ASSERT_TRUE(table.record_failure("locked", clock_.now()));
  for (int i = 0; i < 100; ++i) {
    table.record_failure("key" + std::to_string(i), clock_.now());
    EXPECT_LE(table.size(), 4u);
  }
  EXPECT_TRUE(table.locked_until("locked", clock_.now())) << "new keys must not flush a running lockout";
}

TEST_F(LockoutTableTest, RefusesAnInvalidConfigurationNamingItsOwner) {
  try {
    LockoutTable table({.max_failures = 0}, "the owner");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("the owner"), std::string::npos) << error.what();
  }
  EXPECT_THROW(LockoutTable({.window = 0s}, "x"), std::invalid_argument);
  EXPECT_THROW(LockoutTable({.lockout = 0s}, "x"), std::invalid_argument);
  EXPECT_THROW(LockoutTable({.max_keys = 0}, "x"), std::invalid_argument);
}

}  // namespace
}  // namespace propbot
