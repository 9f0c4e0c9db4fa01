// Migrations: the numbered schema of the PropBot database. Each file
// core/store/migrations/NNNN_name.sql is embedded into the library at build time
// (core/store/CMakeLists.txt) and returned by builtin_migrations() in version order;
// apply_migrations() brings a database up to date and records what it did in
// schema_migrations(version, name, checksum, applied_at).
//
// Guarantees of apply_migrations:
// - Each missing migration runs in its own BEGIN IMMEDIATE transaction together with
//   its schema_migrations row: a failing migration leaves nothing behind and the error
//   names its file ("migration 0002_journal.sql failed: ...").
// - Idempotent: a re-run applies nothing and returns 0; two processes starting at once
//   do not apply a migration twice (the check is repeated under the write lock).
// - Refuses (Errc::conflict), before applying anything, when an applied migration's
//   checksum differs from the binary's SQL (an applied file was edited: write a new
//   migration instead), when the database holds a version this binary does not know,
//   or when its schema is newer than the binary ("database schema N is newer than this
//   binary (max M): ...").
// - A malformed list (versions not strictly increasing from 1 up) is invalid_argument.
//
// Rules for migration files: plain SQL, no BEGIN/COMMIT (each file already runs in a
// transaction), no PRAGMA that cannot run inside a transaction; never edit a file once
// it has been released — add the next number instead.
//
// Threads: runs on the caller's Database (its thread); blocks on disk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/store/database.hpp"

namespace propbot::store {

struct Migration {
  int version = 0;   // NNNN of the file name
  std::string name;  // the part after NNNN_, without .sql
  std::string sql;
};

// Every migration shipped in this binary, ordered by version (generated at build time).
const std::vector<Migration>& builtin_migrations();

// "0001_init.sql": the file a migration came from, used in messages.
std::string migration_file_name(const Migration& migration);

// FNV-1a 64 of the SQL text with CRLF read as LF (so a checkout's line endings do not
// matter), as 16 lowercase hex digits. Stored in schema_migrations.checksum.
std::string migration_checksum(std::string_view sql);

// Applies every migration of `migrations` missing from the database, in order, stamping
// applied_at with `applied_at_utc`. Returns how many were applied.
Result<int> apply_migrations(Database& database, const std::vector<Migration>& migrations,
                             std::string_view applied_at_utc);

}  // namespace propbot::store
