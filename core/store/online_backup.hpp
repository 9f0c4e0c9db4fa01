// Online backup: copies a live SQLite database into a file with SQLite's online backup
// API (sqlite3_backup_init / step / finish), never with a file copy, so the copy is a
// consistent snapshot of one committed state even while other connections write.
//
// Guarantees:
// - Consistency: the copy is taken in steps of `pages_per_step` pages; the read lock is
//   released between steps, so a writer on another connection is never held up for more
//   than one step. A write on another connection between two steps makes SQLite restart
//   the copy from page 1 (that is how the API keeps it consistent). After
//   `max_restarts` restarts the rest is copied in one step, which holds one read
//   transaction to the end: in WAL mode that does not block writers (only checkpoints),
//   so a backup of a database that is written without pause still finishes.
// - Atomic: the copy is written to `<destination>.partial` in the destination's
//   directory (created 0600), folded to one self-contained file (journal_mode=DELETE,
//   no -wal beside it), closed and renamed over `destination`, and the directory is
//   fsynced; `destination` is therefore absent, the previous file, or a whole backup.
//   A failure removes the partial file and leaves `destination` as it was.
// - The destination file has mode 0600 (the ledger is private to the daemon's user).
// - No exceptions. Errors: invalid_argument (empty path, destination is the source),
//   not_found (online_backup_file: no source file), io_error / permission_denied (the
//   destination cannot be written or renamed), store_error (SQLite), unavailable (the
//   copy stayed locked out by another connection for max_busy_retries × busy_sleep).
//   Messages name the destination and the SQLite reason.
//
// Threads: any thread; blocks on disk for the length of the copy. `source` is a
// Database, whose connection must not be used by another thread meanwhile.
// Uses: core/store Database, sqlite_error.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <string>

#include "core/common/result.hpp"
#include "core/store/database.hpp"

namespace propbot::store {

struct OnlineBackupOptions {
  int pages_per_step = 256;                      // > 0; pages copied while holding the read lock
  int max_restarts = 8;                          // >= 0; then the rest is copied in one step
  int max_busy_retries = 200;                    // steps refused with SQLITE_BUSY/LOCKED in a row
  std::chrono::milliseconds busy_sleep{25};      // wait before retrying a refused step
  // Runs after each step that copied, with the step's number from 1 (tests: a write
  // between two steps, deterministically). Empty: nothing runs.
  std::function<void(int step)> after_step;
};

struct OnlineBackupReport {
  std::uint64_t bytes = 0;  // size of the destination file
  int pages = 0;            // pages in the copy
  int steps = 0;            // sqlite3_backup_step calls that copied
  int restarts = 0;         // times the copy started over because the source changed
};

// Copies the "main" database of `source` to `destination`.
Result<OnlineBackupReport> online_backup(Database& source, const std::string& destination,
                                         const OnlineBackupOptions& options = {});

// Opens `source_path` read-only on a connection of its own (never creating, converting
// or migrating it) and copies it to `destination`. Safe next to a running daemon.
Result<OnlineBackupReport> online_backup_file(const std::string& source_path, const std::string& destination,
                                              const OnlineBackupOptions& options = {});

}  // namespace propbot::store
