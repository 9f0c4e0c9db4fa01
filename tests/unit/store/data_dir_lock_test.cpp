#include "core/store/data_dir_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

class DataDirLockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(temp_.ok()); }
  test_support::TempDir temp_;
};

TEST_F(DataDirLockTest, ASecondHolderIsRefusedWithTheDirectoryNamed) {
  Result<DataDirLock> first = DataDirLock::acquire(temp_.path());
  ASSERT_TRUE(first) << first.error().describe();
  // A separate open() is a separate lock owner, as another process would be.
  Result<DataDirLock> second = DataDirLock::acquire(temp_.path());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::conflict);
  const std::string& message = second.error().message;
  EXPECT_NE(message.find("another propbot is running on data dir '" + temp_.path() + "'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
}

TEST_F(DataDirLockTest, IsReleasedWhenTheHolderGoesAndTheFileIsPrivate) {
  {
    Result<DataDirLock> held = DataDirLock::acquire(temp_.path());
    ASSERT_TRUE(held);
    DataDirLock moved = std::move(*held);  // the moved-from object releases nothing
    EXPECT_FALSE(DataDirLock::acquire(temp_.path()));
  }
  Result<DataDirLock> again = DataDirLock::acquire(temp_.path());
  ASSERT_TRUE(again) << again.error().describe();
  struct stat info {};
  ASSERT_EQ(::stat(temp_.file("propbot.lock").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(DataDirLockTest, IsExclusiveAcrossProcessesAndFreedWhenTheHolderIsKilled) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    Result<DataDirLock> held = DataDirLock::acquire(temp_.path());
    const char byte = held ? 'y' : 'n';
    [[maybe_unused]] const ssize_t written = ::write(ready[1], &byte, 1);
    while (true) ::pause();  // holds the lock until killed
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, 'y') << "the child could not take the lock";

  Result<DataDirLock> refused = DataDirLock::acquire(temp_.path());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("pid " + std::to_string(child)), std::string::npos)
      << refused.error().message;

  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  Result<DataDirLock> taken = DataDirLock::acquire(temp_.path());
  EXPECT_TRUE(taken) << "SIGKILL leaves no stale lock: " << (taken ? "" : taken.error().describe());
}

TEST_F(DataDirLockTest, AMissingDirectoryIsNotFound) {
  Result<DataDirLock> missing = DataDirLock::acquire(temp_.file("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find(temp_.file("nope")), std::string::npos);
}

}  // namespace
}  // namespace propbot::store
