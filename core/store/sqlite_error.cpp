#include "core/store/sqlite_error.hpp"

#include <sqlite3.h>

namespace propbot::store {

namespace {

// Short names for the primary result codes an operator is likely to meet.
std::string_view result_code_name(int result_code) {
  switch (result_code & 0xff) {
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL";
    case SQLITE_PERM: return "SQLITE_PERM";
    case SQLITE_ABORT: return "SQLITE_ABORT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA: return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_MISUSE: return "SQLITE_MISUSE";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    default: return "SQLITE_UNKNOWN";
  }
}

}  // namespace

Errc errc_from_sqlite(int result_code) {
  switch (result_code & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return Errc::io_error;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return Errc::permission_denied;
    default:
      return Errc::store_error;
  }
}

std::string truncate_sql(std::string_view sql) {
  if (sql.size() <= kMaxSqlInError) return std::string(sql);
  std::size_t cut = kMaxSqlInError;
  // Back off to the start of a UTF-8 sequence so the excerpt stays valid text.
  while (cut > 0 && (static_cast<unsigned char>(sql[cut]) & 0xC0) == 0x80) --cut;
  return std::string(sql.substr(0, cut)) + "...";
}

Error sqlite_error(sqlite3* db, int result_code, std::string_view action, std::string_view sql) {
  std::string message(action);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result_code);
  message += " (";
  message += result_code_name(result_code);
  message += ")";
  if (!sql.empty()) {
    message += " in SQL: ";
    message += truncate_sql(sql);
  }
  return make_error(errc_from_sqlite(result_code), std::move(message));
}

}  // namespace propbot::store
