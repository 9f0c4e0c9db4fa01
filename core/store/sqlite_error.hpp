// Store errors: turns a SQLite result code into a propbot::Error. Internal to
// core/store (Database, Statement, Transaction, migrations use it); other areas only
// see the resulting Error.
//
// Guarantees: the message names what was being done, SQLite's own message and result
// code name, and the SQL involved (truncated to a readable length on a UTF-8 boundary),
// e.g. `prepare failed: no such table: nope (SQLITE_ERROR) in SQL: SELECT * FROM nope`.
// Codes: SQLITE_CANTOPEN / IOERR / FULL -> io_error, SQLITE_PERM / READONLY / AUTH ->
// permission_denied, everything else -> store_error.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"

struct sqlite3;

namespace propbot::store {

// Longest SQL excerpt (in bytes) quoted in an error message.
inline constexpr std::size_t kMaxSqlInError = 200;

Errc errc_from_sqlite(int result_code);

// `sql` longer than kMaxSqlInError is cut and ends with "...".
std::string truncate_sql(std::string_view sql);

// Reads the connection's current error message when `db` is not null, otherwise uses
// sqlite3_errstr(result_code). `sql` may be empty.
Error sqlite_error(sqlite3* db, int result_code, std::string_view action, std::string_view sql);

}  // namespace propbot::store
