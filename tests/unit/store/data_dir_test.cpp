#include "core/store/data_dir.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/store/migrations.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

constexpr std::string_view kNow = "2024-05-01T12:00:00Z";

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(temp_.ok()); }

  std::string make_file(const std::string& name) {
    const std::string path = temp_.file(name);
    std::FILE* file = std::fopen(path.c_str(), "w");
    EXPECT_NE(file, nullptr) << path;
    if (file != nullptr) std::fclose(file);
    return path;
  }

  static bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
  }

  test_support::TempDir temp_;
};

TEST_F(DataDirTest, AcceptsAWritableDirectoryAndLeavesNoProbeBehind) {
  Status status = check_data_dir(temp_.path());
  ASSERT_TRUE(status.ok()) << status.error().describe();
  EXPECT_TRUE(std::filesystem::is_empty(temp_.path()));
}

TEST_F(DataDirTest, MissingDirectoryErrorNamesThePathAndTheFix) {
  const std::string missing = temp_.file("not-here");
  Status status = check_data_dir(missing);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::not_found);
  EXPECT_EQ(status.error().message, "data directory '" + missing +
                                        "' does not exist: create it (mkdir -p " + missing +
                                        ") or pass --data-dir");
}

TEST_F(DataDirTest, RegularFileIsNotADirectory) {
  const std::string file = make_file("plain-file");
  Status status = check_data_dir(file);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::invalid_argument);
  EXPECT_TRUE(contains(status.error().message, file)) << status.error().message;
  EXPECT_TRUE(contains(status.error().message, "is not a directory")) << status.error().message;
}

TEST_F(DataDirTest, PathUnderARegularFileIsRefused) {
  const std::string path = make_file("plain-file") + "/sub";
  Status status = check_data_dir(path);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.error().message, path)) << status.error().message;
  EXPECT_TRUE(contains(status.error().message, "not a directory")) << status.error().message;
}

TEST_F(DataDirTest, EmptyPathIsRefused) {
  Status status = check_data_dir("");
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(contains(status.error().message, "--data-dir"));
}

// Root ignores mode bits, so when running as root the check runs in a child process
// that has dropped to an unprivileged uid; the child's exit code carries the verdict.
TEST_F(DataDirTest, DirectoryThatIsNotWritableIsRefused) {
  const std::string read_only = temp_.file("read-only");
  ASSERT_EQ(::mkdir(read_only.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(read_only.c_str(), 0555), 0);  // umask-proof
  ASSERT_EQ(::chmod(temp_.path().c_str(), 0755), 0);  // reachable by the dropped uid

  auto verdict = [&read_only]() -> int {
    Status status = check_data_dir(read_only);
    if (status.ok()) return 10;
    if (status.error().code != Errc::permission_denied) return 11;
    if (status.error().message.find(read_only) == std::string::npos) return 12;
    if (status.error().message.find("is not writable") == std::string::npos) return 13;
    return 0;
  };

  if (::geteuid() != 0) {
    EXPECT_EQ(verdict(), 0);
    return;
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    constexpr uid_t kNobody = 65534;
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      ::_exit(20);
    }
    ::_exit(verdict());
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0)
      << "10: accepted, 11: wrong code, 12: path missing, 13: wording, 20: could not drop root";
}

TEST_F(DataDirTest, OpenStoreCreatesAWalDatabaseWithEveryMigrationApplied) {
  Result<Database> store = open_store(temp_.path(), kNow);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  EXPECT_EQ(store->path(), temp_.file("propbot.db"));
  EXPECT_TRUE(std::filesystem::exists(temp_.file("propbot.db")));
  EXPECT_EQ(test_support::query_text(*store, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(test_support::query_text(*store, "PRAGMA synchronous"), "2");
  EXPECT_EQ(test_support::query_text(*store, "SELECT count(*) FROM schema_migrations"),
            std::to_string(builtin_migrations().size()));
  EXPECT_EQ(test_support::query_text(*store, "SELECT applied_at FROM schema_migrations "
                                             "WHERE version = 1"),
            kNow);
}

TEST_F(DataDirTest, ReopeningTheStoreKeepsItsData) {
  {
    Result<Database> store = open_store(temp_.path(), kNow);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    ASSERT_TRUE(store->exec("INSERT INTO kv(key, value, updated_at) VALUES ('k', 'v', 't')"));
  }
  Result<Database> reopened = open_store(temp_.path(), "2030-01-01T00:00:00Z");
  ASSERT_TRUE(reopened.ok()) << reopened.error().describe();
  EXPECT_EQ(test_support::query_text(*reopened, "SELECT value FROM kv"), "v");
  EXPECT_EQ(test_support::query_text(*reopened, "SELECT applied_at FROM schema_migrations "
                                                "WHERE version = 1"),
            kNow);
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

TEST_F(DataDirTest, OpenStoreMakesTheDirectoryAndEveryFileInItPrivate) {
  // Issue 10 finding 9: propbot.db was created 0644 (readable by every local user).
  // A permissive umask and files an older version left readable must not matter.
  const mode_t old_umask = ::umask(022);
  ::chmod(temp_.path().c_str(), 0755);
  const std::string left_over = make_file("forensic-1.json");
  ::chmod(left_over.c_str(), 0644);
  std::filesystem::create_directories(temp_.file("exports"));
  ::chmod(temp_.file("exports").c_str(), 0755);
  {
    Result<Database> store = open_store(temp_.path(), kNow);
    ASSERT_TRUE(store.ok()) << store.error().describe();
    ASSERT_TRUE(store->exec("INSERT INTO kv(key, value, updated_at) VALUES ('k', 'v', 't')"));
    EXPECT_EQ(mode_of(temp_.path()), 0700u);
    EXPECT_EQ(mode_of(temp_.file("propbot.db")), 0600u);
    EXPECT_EQ(mode_of(temp_.file("propbot.db-wal")), 0600u);
    EXPECT_EQ(mode_of(left_over), 0600u);
    EXPECT_EQ(mode_of(temp_.file("exports")), 0700u);
  }
  ::umask(old_umask);
}

TEST_F(DataDirTest, OpenStoreRefusesAMissingDirectoryWithoutCreatingIt) {
  const std::string missing = temp_.file("not-here");
  Result<Database> store = open_store(missing, kNow);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(contains(store.error().message, "does not exist")) << store.error().message;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace propbot::store
