// Data-directory lock: one daemon per data directory. DataDirLock holds an exclusive
// flock(2) on <data dir>/propbot.lock for as long as the object lives (the daemon keeps
// it for the life of the process); `propbot restore` takes the same lock, so it cannot
// replace the ledger under a running daemon, and a daemon cannot start mid-restore.
//
// Guarantees:
// - Exclusive across processes and across separate open()s in one process (flock locks
//   belong to the open file description). The kernel drops the lock when the holder
//   dies, even by SIGKILL: there is no stale lock to clean up.
// - The lock file is created with mode 0600 and O_CLOEXEC (a child process started with
//   exec does not inherit the lock). It holds the holder's pid, for the message a second
//   holder gets; the file is never removed (removing it would let two processes lock two
//   different files of the same name).
// - acquire() never blocks. Errors: conflict — "another propbot is running on data dir
//   '<dir>' (<dir>/propbot.lock is locked by pid N): stop it or pass another --data-dir";
//   not_found / permission_denied / io_error when the lock file cannot be opened.
//
// Threads: acquire from any thread; the object is move-only. Blocks on nothing but the
// open(2) of the lock file.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::store {

inline constexpr std::string_view kDataDirLockFileName = "propbot.lock";

class DataDirLock {
 public:
  static Result<DataDirLock> acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock

  const std::string& data_dir() const { return data_dir_; }
  // <data dir>/propbot.lock
  const std::string& lock_path() const { return lock_path_; }

 private:
  DataDirLock(int fd, std::string data_dir, std::string lock_path);
  void release();

  int fd_ = -1;
  std::string data_dir_;
  std::string lock_path_;
};

}  // namespace propbot::store
