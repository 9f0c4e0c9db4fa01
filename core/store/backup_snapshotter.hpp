// BackupSnapshotter: the rolling backups of the ledger (SPEC S-9.5). A thread of its
// own takes, every `interval`, an online backup (online_backup.hpp) of the journal
// database (<data dir>/journal.sqlite, every table in it) to
//   <backup dir>/ledger_snapshot_rolling.sqlite             the newest, replaced each time
//   <backup dir>/ledger_snapshot_YYYYMMDDTHHMMSSZ.sqlite    a dated copy of it (UTC)
// and keeps the newest `keep` dated copies, removing older ones.
//
// Guarantees:
// - A backup never blocks the journal's writer for more than one backup step, and each
//   file is replaced atomically (a reader sees the old or the new whole file), 0600.
// - The dated copy is made from the rolling file just written, with the same backup
//   API: both files hold the same committed state.
// - Retention is bounded: at most `keep` (1 … kMaxKeptSnapshots) dated copies; only
//   files named exactly ledger_snapshot_<YYYYMMDDTHHMMSSZ>.sqlite are ever removed.
// - A failure never leaves the thread (nor throws out of backup_now()): it is logged
//   (`ledger_backup_failed`) and shown by status() as error with its message; the next
//   period tries again.
// - stop() returns promptly (the thread waits on a condition variable), after a backup
//   in progress finishes.
// - interval 0 = off: start() starts nothing and status() says off.
//
// Time: timestamps and durations come from the Clock (a SimClock names the dated files
// in tests); the wait between backups is real time (`interval`, injectable).
// Threads: start/stop from the owning thread; status() and backup_now() from any thread
// (backups are serialised). Every backup blocks on disk: keep it off the engine loop.
// Uses: core/store online_backup, core/common Clock and Logger.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/store/online_backup.hpp"

namespace propbot::store {

inline constexpr std::string_view kBackupDirectoryName = "backups";
inline constexpr std::string_view kRollingSnapshotFileName = "ledger_snapshot_rolling.sqlite";
inline constexpr int kMaxKeptSnapshots = 1000;

// "20261207T214525Z": the compact UTC form used in backup file and directory names.
std::string compact_utc_timestamp(UtcTime time);
// "ledger_snapshot_20261207T214525Z.sqlite"
std::string dated_snapshot_name(UtcTime time);
// True for exactly the names dated_snapshot_name() produces.
bool is_dated_snapshot_name(std::string_view name);

enum class BackupState { pending, ok, error, off };
std::string_view to_string(BackupState state);

struct BackupSnapshotterStatus {
  BackupState status = BackupState::pending;
  std::optional<UtcTime> last_backup;  // the last successful backup
  std::string last_error;              // of the last failure; cleared by a success
  std::int64_t last_duration_ms = 0;   // of the last attempt
  std::uint64_t bytes = 0;             // size of the last successful backup
  std::uint64_t backups_taken = 0;     // successful backups since start
};

struct BackupSnapshotterOptions {
  std::string source_path;  // the live database: <data dir>/journal.sqlite
  std::string backup_dir;   // <data dir>/backups (created 0700 when missing)
  std::chrono::milliseconds interval = std::chrono::minutes(15);  // config backup.interval_min; 0 = off
  int keep = 48;            // config backup.keep; clamped to [1, kMaxKeptSnapshots]
  OnlineBackupOptions backup;
};

class BackupSnapshotter {
 public:
  BackupSnapshotter(BackupSnapshotterOptions options, const Clock& clock, Logger log);
  ~BackupSnapshotter();  // stop()
  BackupSnapshotter(const BackupSnapshotter&) = delete;
  BackupSnapshotter& operator=(const BackupSnapshotter&) = delete;

  // Starts the thread (the first backup one interval from now). No-op when off or
  // already started.
  void start();
  // Wakes and joins the thread. Idempotent.
  void stop();

  // One backup now, on the calling thread: rolling file, dated copy, retention.
  // Errors as online_backup's, plus io_error for the backup directory.
  Status backup_now();

  BackupSnapshotterStatus status() const;
  const BackupSnapshotterOptions& options() const { return options_; }

 private:
  void run();
  Status take_snapshot(std::uint64_t& bytes);
  void prune_dated_copies();

  BackupSnapshotterOptions options_;
  const Clock& clock_;
  Logger log_;

  std::mutex backup_mutex_;  // one backup at a time (thread and backup_now callers)

  mutable std::mutex state_mutex_;
  BackupSnapshotterStatus state_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace propbot::store
