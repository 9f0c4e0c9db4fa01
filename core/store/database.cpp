#include "core/store/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "core/store/sqlite_error.hpp"

namespace propbot::store {

namespace {

std::string_view synchronous_pragma(Synchronous level) {
  switch (level) {
    case Synchronous::off: return "PRAGMA synchronous=OFF";
    case Synchronous::normal: return "PRAGMA synchronous=NORMAL";
    case Synchronous::full: return "PRAGMA synchronous=FULL";
    case Synchronous::extra: return "PRAGMA synchronous=EXTRA";
  }
  return "PRAGMA synchronous=FULL";
}

Error closed_error() {
  return make_error(Errc::unavailable, "database connection is closed (used after move)");
}

// Runs a whole script on a raw connection; used before a Database exists.
Status exec_on(sqlite3* connection, std::string_view sql) {
  const std::string script(sql);  // sqlite3_exec needs a NUL-terminated string
  char* message = nullptr;
  const int result_code = sqlite3_exec(connection, script.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // the same text is still available from sqlite3_errmsg
  if (result_code != SQLITE_OK) return sqlite_error(connection, result_code, "exec failed", sql);
  return {};
}

// Makes a completed rename durable: the directory entry must reach the disk too.
void sync_parent_directory(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string directory =
      slash == std::string::npos ? std::string(".") : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void Database::Closer::operator()(sqlite3* connection) const {
  // close_v2 defers the real close until the last Statement is finalized, so a
  // Statement outliving its Database is a leak, not a use-after-free.
  sqlite3_close_v2(connection);
}

Database::Database(sqlite3* connection, std::string path)
    : connection_(connection), path_(std::move(path)) {}

Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
  if (path.empty()) {
    return make_error(Errc::invalid_argument,
                      "database path is empty: pass a file path (or \":memory:\")");
  }
  if (options.busy_timeout_ms < 0) {
    return make_error(Errc::invalid_argument, "busy_timeout_ms must be >= 0");
  }
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* connection = nullptr;
  const int result_code = sqlite3_open_v2(path.c_str(), &connection, flags, nullptr);
  // SQLite allocates a handle even on failure; wrapping it first closes it either way.
  Database database(connection, path);
  if (result_code != SQLITE_OK) {
    if (connection == nullptr) {
      return make_error(Errc::store_error, "cannot open database '" + path + "': out of memory");
    }
    return sqlite_error(connection, result_code, "cannot open database '" + path + "'", "");
  }
  if (Status status = database.configure(options); !status) {
    return make_error(status.error().code,
                      "cannot open database '" + path + "': " + status.error().message);
  }
  return database;
}

Status Database::configure(const OpenOptions& options) {
  sqlite3* connection = connection_.get();
  sqlite3_extended_result_codes(connection, 1);
  if (const int result_code = sqlite3_busy_timeout(connection, options.busy_timeout_ms);
      result_code != SQLITE_OK) {
    return sqlite_error(connection, result_code, "setting busy_timeout failed", "");
  }
  // Reading the schema here turns "file is not a database" into an open() error
  // instead of a surprise at the first query.
  if (Result<std::string> mode = query_pragma("PRAGMA journal_mode"); !mode) return mode.error();

  if (Status status = exec_on(connection, "PRAGMA foreign_keys=ON"); !status) return status;
  if (Status status = exec_on(connection, synchronous_pragma(options.synchronous)); !status) {
    return status;
  }
  if (options.wal && !options.read_only) {
    Result<std::string> mode = query_pragma("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    const bool in_memory = sqlite3_db_filename(connection, "main") == nullptr ||
                           *sqlite3_db_filename(connection, "main") == '\0';
    if (*mode != "wal" && !in_memory) {
      return make_error(Errc::store_error, "journal_mode=WAL was refused (mode is '" + *mode +
                                               "'): the file system may not support "
                                               "shared memory (network file system?)");
    }
  }
  return {};
}

Result<std::string> Database::query_pragma(std::string_view pragma) {
  Result<Statement> statement = prepare(pragma);
  if (!statement) return statement.error();
  Result<bool> row = statement->step();
  if (!row) return row.error();
  if (!*row) return std::string();
  return statement->column_text(0);
}

Status Database::exec(std::string_view sql) {
  if (!connection_) return closed_error();
  return exec_on(connection_.get(), sql);
}

Result<Statement> Database::prepare(std::string_view sql) {
  if (!connection_) return closed_error();
  if (sql.empty()) return make_error(Errc::invalid_argument, "prepare: SQL is empty");
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int result_code = sqlite3_prepare_v3(connection_.get(), sql.data(),
                                             static_cast<int>(sql.size()), 0, &raw, &tail);
  Statement statement(raw);  // finalizes on every path below
  if (result_code != SQLITE_OK) {
    return sqlite_error(connection_.get(), result_code, "prepare failed", sql);
  }
  if (raw == nullptr) {
    return make_error(Errc::invalid_argument,
                      "prepare: SQL contains no statement: '" + truncate_sql(sql) + "'");
  }
  // Anything but whitespace or comments after the first statement would be ignored.
  const std::string_view rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
  if (!rest.empty()) {
    sqlite3_stmt* extra = nullptr;
    const std::string remaining(rest);
    if (sqlite3_prepare_v3(connection_.get(), remaining.c_str(), -1, 0, &extra, nullptr) !=
            SQLITE_OK ||
        extra != nullptr) {
      sqlite3_finalize(extra);
      return make_error(Errc::invalid_argument,
                        "prepare takes one statement (use exec for scripts) in SQL: " +
                            truncate_sql(sql));
    }
  }
  return statement;
}

std::int64_t Database::last_insert_rowid() const {
  return connection_ ? sqlite3_last_insert_rowid(connection_.get()) : 0;
}

int Database::changes() const { return connection_ ? sqlite3_changes(connection_.get()) : 0; }

Status Database::backup_to(const std::string& path) {
  if (!connection_) return closed_error();
  if (path.empty()) return make_error(Errc::invalid_argument, "backup path is empty");
  if (path == path_) {
    return make_error(Errc::invalid_argument,
                      "backup path '" + path + "' is the database itself");
  }
  const std::string partial = path + ".partial";
  std::remove(partial.c_str());  // a leftover from an interrupted backup

  sqlite3* target = nullptr;
  int result_code = sqlite3_open_v2(partial.c_str(), &target,
                                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                                    nullptr);
  Database target_database(target, partial);  // closes the target on every path
  const std::string action = "backup to '" + path + "' failed";
  if (result_code != SQLITE_OK) {
    Error error = target != nullptr ? sqlite_error(target, result_code, action, "")
                                    : make_error(Errc::store_error, action + ": out of memory");
    target_database = Database(nullptr, "");
    std::remove(partial.c_str());
    return error;
  }

  sqlite3_backup* backup = sqlite3_backup_init(target, "main", connection_.get(), "main");
  if (backup == nullptr) {
    Error error = sqlite_error(target, sqlite3_errcode(target), action, "");
    target_database = Database(nullptr, "");
    std::remove(partial.c_str());
    return error;
  }
  // Copy everything in one pass; retry while another connection holds a lock. Each
  // retry restarts cheaply, and the busy handler is not used by the backup API.
  constexpr int kMaxBusyRetries = 200;
  int retries = 0;
  do {
    result_code = sqlite3_backup_step(backup, -1);
    if (result_code == SQLITE_BUSY || result_code == SQLITE_LOCKED) sqlite3_sleep(25);
  } while ((result_code == SQLITE_OK || result_code == SQLITE_BUSY ||
            result_code == SQLITE_LOCKED) &&
           ++retries < kMaxBusyRetries);
  sqlite3_backup_finish(backup);
  if (result_code != SQLITE_DONE) {
    Error error = sqlite_error(target, result_code, action, "");
    target_database = Database(nullptr, "");
    std::remove(partial.c_str());
    return error;
  }
  // The copy keeps the source's WAL flag; fold the target's WAL into the main file so
  // the backup is one self-contained file once closed.
  if (Status status = exec_on(target, "PRAGMA journal_mode=DELETE"); !status) {
    target_database = Database(nullptr, "");
    std::remove(partial.c_str());
    return make_error(status.error().code, action + ": " + status.error().message);
  }
  target_database = Database(nullptr, "");  // close before the rename
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const int error_number = errno;
    std::remove(partial.c_str());
    return make_error(error_number == EACCES || error_number == EPERM ? Errc::permission_denied
                                                                      : Errc::io_error,
                      action + ": rename from '" + partial + "': " +
                          std::strerror(error_number));
  }
  sync_parent_directory(path);
  return {};
}

}  // namespace propbot::store
