#include "core/store/backup_snapshotter.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "tests/unit/store/test_support.hpp"

namespace propbot::store {
namespace {

using namespace std::chrono_literals;
using test_support::open_or_fail;
using test_support::query_text;

class BackupSnapshotterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    source_path_ = temp_.file("journal.sqlite");
    backup_dir_ = temp_.file("backups");
    Database source = open_or_fail(source_path_);
    ASSERT_TRUE(source.exec("CREATE TABLE fills(seq INTEGER PRIMARY KEY, qty TEXT);"
                            "CREATE TABLE ledger_entries(id INTEGER PRIMARY KEY, amount TEXT);"
                            "INSERT INTO fills VALUES (1, '0.5'), (2, '0.25');"
                            "INSERT INTO ledger_entries VALUES (1, '-1.25')"));
  }

  BackupSnapshotterOptions options(std::chrono::milliseconds interval = 15min, int keep = 48) const {
    BackupSnapshotterOptions result;
    result.source_path = source_path_;
    result.backup_dir = backup_dir_;
    result.interval = interval;
    result.keep = keep;
    return result;
  }

  static Logger quiet_log() {
    LogOptions log_options;
    log_options.level = "error";
    log_options.to_stderr = false;
    return Logger::from_options(log_options);
  }

  std::set<std::string> backup_files() const {
    std::set<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(backup_dir_, error)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  test_support::TempDir temp_;
  std::string source_path_;
  std::string backup_dir_;
  SimClock clock_{UtcTime{std::chrono::seconds{1'700'000'000}}};  // 2023-11-14T22:13:20Z
};

TEST(BackupSnapshotNames, AreCompactUtcAndRecognisedExactly) {
  const UtcTime time{std::chrono::seconds{1'700'000'000} + 999ms};
  EXPECT_EQ(compact_utc_timestamp(time), "20231114T221320Z");
  EXPECT_EQ(dated_snapshot_name(time), "ledger_snapshot_20231114T221320Z.sqlite");
  EXPECT_TRUE(is_dated_snapshot_name("ledger_snapshot_20231114T221320Z.sqlite"));
  EXPECT_FALSE(is_dated_snapshot_name("ledger_snapshot_rolling.sqlite"));
  EXPECT_FALSE(is_dated_snapshot_name("ledger_snapshot_20231114T221320Z.sqlite.partial"));
  EXPECT_FALSE(is_dated_snapshot_name("ledger_snapshot_2023111xT221320Z.sqlite"));
  EXPECT_EQ(to_string(BackupState::pending), "pending");
  EXPECT_EQ(to_string(BackupState::off), "off");
}

TEST_F(BackupSnapshotterTest, WritesTheRollingFileAndADatedCopyOfEveryTable) {
  BackupSnapshotter snapshotter(options(), clock_, quiet_log());
  EXPECT_EQ(snapshotter.status().status, BackupState::pending);
  clock_.advance(250ms);  // the backup itself takes no simulated time
  Status written = snapshotter.backup_now();
  ASSERT_TRUE(written) << written.error().describe();

  EXPECT_EQ(backup_files(), (std::set<std::string>{"ledger_snapshot_rolling.sqlite",
                                                   "ledger_snapshot_20231114T221320Z.sqlite"}));
  for (const std::string name : {"ledger_snapshot_rolling.sqlite", "ledger_snapshot_20231114T221320Z.sqlite"}) {
    Database copy = open_or_fail(backup_dir_ + "/" + name, OpenOptions{.create = false, .read_only = true});
    EXPECT_EQ(query_text(copy, "SELECT group_concat(qty, ',') FROM fills"), "0.5,0.25") << name;
    EXPECT_EQ(query_text(copy, "SELECT amount FROM ledger_entries"), "-1.25") << name;
    struct stat info {};
    ASSERT_EQ(::stat((backup_dir_ + "/" + name).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u) << name;
  }
  struct stat directory {};
  ASSERT_EQ(::stat(backup_dir_.c_str(), &directory), 0);
  EXPECT_EQ(directory.st_mode & 0777, 0700u);

  const BackupSnapshotterStatus status = snapshotter.status();
  EXPECT_EQ(status.status, BackupState::ok);
  ASSERT_TRUE(status.last_backup.has_value());
  EXPECT_EQ(format_iso8601_ms(*status.last_backup), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(status.bytes, std::filesystem::file_size(backup_dir_ + "/ledger_snapshot_rolling.sqlite"));
  EXPECT_EQ(status.backups_taken, 1u);
  EXPECT_TRUE(status.last_error.empty());
}

TEST_F(BackupSnapshotterTest, KeepsOnlyTheNewestDatedCopiesAndNothingElseIsRemoved) {
  std::filesystem::create_directories(backup_dir_);
  for (const std::string name : {"ledger_snapshot_notes.sqlite", "README"}) {
    std::ofstream(backup_dir_ + "/" + name) << "operator's file";
  }
  BackupSnapshotter snapshotter(options(15min, 3), clock_, quiet_log());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(snapshotter.backup_now());
    clock_.advance(15min);
  }
  EXPECT_EQ(backup_files(), (std::set<std::string>{"README", "ledger_snapshot_notes.sqlite",
                                                   "ledger_snapshot_rolling.sqlite",
                                                   "ledger_snapshot_20231114T224320Z.sqlite",
                                                   "ledger_snapshot_20231114T225820Z.sqlite",
                                                   "ledger_snapshot_20231114T231320Z.sqlite"}));
  EXPECT_EQ(snapshotter.status().backups_taken, 5u);
}

TEST_F(BackupSnapshotterTest, AFailureIsAnErrorStatusAndTheNextSuccessClearsIt) {
  std::filesystem::rename(source_path_, source_path_ + ".away");
  BackupSnapshotter snapshotter(options(), clock_, quiet_log());
  Status failed = snapshotter.backup_now();
  ASSERT_FALSE(failed);
  BackupSnapshotterStatus status = snapshotter.status();
  EXPECT_EQ(status.status, BackupState::error);
  EXPECT_NE(status.last_error.find(source_path_), std::string::npos) << status.last_error;
  EXPECT_FALSE(status.last_backup.has_value());
  EXPECT_FALSE(std::filesystem::exists(source_path_)) << "a missing ledger is never created by a backup";

  std::filesystem::rename(source_path_ + ".away", source_path_);
  ASSERT_TRUE(snapshotter.backup_now());
  status = snapshotter.status();
  EXPECT_EQ(status.status, BackupState::ok);
  EXPECT_TRUE(status.last_error.empty());
}

TEST_F(BackupSnapshotterTest, TheThreadBacksUpEveryIntervalAndStopsPromptly) {
  BackupSnapshotter snapshotter(options(20ms), clock_, quiet_log());
  snapshotter.start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (snapshotter.status().backups_taken < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(snapshotter.status().backups_taken, 2u);
  snapshotter.stop();
  const std::uint64_t taken = snapshotter.status().backups_taken;
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(snapshotter.status().backups_taken, taken) << "stopped means stopped";

  BackupSnapshotter hourly(options(1h), clock_, quiet_log());
  hourly.start();
  const auto before = std::chrono::steady_clock::now();
  hourly.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s) << "stop wakes the waiting thread";
  EXPECT_EQ(hourly.status().status, BackupState::pending) << "the first backup is one interval after start";
}

TEST_F(BackupSnapshotterTest, AZeroIntervalIsOff) {
  BackupSnapshotter snapshotter(options(0ms), clock_, quiet_log());
  snapshotter.start();
  snapshotter.stop();
  EXPECT_EQ(snapshotter.status().status, BackupState::off);
  EXPECT_FALSE(std::filesystem::exists(backup_dir_));
}

}  // namespace
}  // namespace propbot::store
