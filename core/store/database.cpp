#include "core/store/database.hpp"

#include <sqlite3.h>

#include <utility>

#include "core/store/online_backup.hpp"
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
  Result<OnlineBackupReport> copied = online_backup(*this, path);
  if (!copied) return copied.error();
  return {};
}

}  // namespace propbot::store
