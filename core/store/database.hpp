// Database: one RAII SQLite connection (closed on destruction), the only way the rest
// of PropBot talks to SQLite. Opens with the durability settings the ledger needs
// (journal_mode=WAL, synchronous=FULL, foreign_keys=ON, a busy timeout), runs SQL
// scripts, prepares Statements and takes online backups.
//
// Guarantees:
// - No exceptions: every failure is an Error whose message carries SQLite's message,
//   the result code name and the SQL (truncated). Codes: io_error (cannot open, disk
//   I/O, disk full), permission_denied (read-only database or file), store_error
//   (everything else), invalid_argument (bad call), unavailable (closed/moved-from).
// - open() fails rather than silently running without WAL on a file database: a
//   journal that is not in WAL would break the "readers on their own connections"
//   design. In-memory databases (":memory:") have no WAL and are accepted.
// - backup_to() is online_backup() (online_backup.hpp) with its default options: the
//   SQLite online backup API in steps (never a file copy of a live database), written
//   to `<path>.partial` first and renamed into place only when complete, so `path` is
//   either absent, the old file, or a whole backup (mode 0600).
//
// Threads: one Database per thread. The connection is opened SQLITE_OPEN_NOMUTEX, so it
// must never be used by two threads at once; it may be moved to another thread between
// uses. Readers (API, exports) open their own read_only connections; WAL lets them read
// while the journal writer commits. Every call may block on disk (fsync at commit with
// synchronous=FULL) and, under contention, up to busy_timeout_ms: keep it off the engine
// loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/store/statement.hpp"

struct sqlite3;

namespace propbot::store {

// PRAGMA synchronous levels. full: every commit is fsynced (the journal's "durable
// before send" rule); normal: a WAL commit may be lost on power failure, never corrupt.
enum class Synchronous { off, normal, full, extra };

struct OpenOptions {
  bool create = true;          // create the file when missing (ignored when read_only)
  bool read_only = false;      // SQLITE_OPEN_READONLY; journal mode is left as stored
  int busy_timeout_ms = 5000;  // wait this long for another connection's lock
  bool wal = true;             // journal_mode=WAL (persistent in the file)
  Synchronous synchronous = Synchronous::full;
};

class Database {
 public:
  static Result<Database> open(const std::string& path, const OpenOptions& options = {});

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() = default;

  // Runs one or more ';'-separated statements, discarding any rows. Not for values
  // from outside: use prepare() + bind() for those.
  Status exec(std::string_view sql);

  // Compiles exactly one statement; trailing statements are an invalid_argument error
  // (they would be silently ignored otherwise).
  Result<Statement> prepare(std::string_view sql);

  // Row id of the most recent successful INSERT on this connection (0 if none).
  std::int64_t last_insert_rowid() const;
  // Rows changed by the most recent INSERT/UPDATE/DELETE on this connection.
  int changes() const;

  // Copies the whole database into a new file at `path` (replacing any file there)
  // with the online backup API; other connections may keep writing meanwhile.
  Status backup_to(const std::string& path);

  // The file this connection opened ("" for an in-memory database).
  const std::string& path() const { return path_; }
  bool is_open() const { return connection_ != nullptr; }

  // Escape hatch for SQLite features this wrapper does not cover (hooks, pragmas with
  // callbacks). The connection stays owned by this Database.
  sqlite3* native_handle() const { return connection_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* connection) const;
  };

  Database(sqlite3* connection, std::string path);

  Status configure(const OpenOptions& options);
  Result<std::string> query_pragma(std::string_view pragma);

  std::unique_ptr<sqlite3, Closer> connection_;
  std::string path_;
};

}  // namespace propbot::store
