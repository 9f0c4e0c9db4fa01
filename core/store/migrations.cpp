#include "core/store/migrations.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "core/store/transaction.hpp"

namespace propbot::store {

namespace {

constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

struct AppliedMigration {
  std::string name;
  std::string checksum;
};

Error with_context(const Error& error, const std::string& context) {
  return make_error(error.code, context + ": " + error.message);
}

Status validate_list(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const Migration& migration : migrations) {
    if (migration.version <= previous) {
      return make_error(Errc::invalid_argument,
                        "migration list is malformed: " + migration_file_name(migration) +
                            " does not follow version " + std::to_string(previous) +
                            " (versions must be unique, >= 1 and increasing)");
    }
    previous = migration.version;
  }
  return {};
}

Result<std::map<int, AppliedMigration>> read_applied(Database& database) {
  Result<Statement> statement =
      database.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  if (!statement) return statement.error();
  std::map<int, AppliedMigration> applied;
  for (;;) {
    Result<bool> row = statement->step();
    if (!row) return row.error();
    if (!*row) break;
    applied[static_cast<int>(statement->column_int64(0))] =
        AppliedMigration{statement->column_text(1), statement->column_text(2)};
  }
  return applied;
}

Error checksum_changed(const Migration& migration, const std::string& stored_checksum,
                       const std::string& binary_checksum) {
  return make_error(Errc::conflict,
                    "migration " + migration_file_name(migration) +
                        " was changed after it was applied (database checksum " +
                        stored_checksum + ", this binary " + binary_checksum +
                        "): restore the released file and put the change in a new "
                        "migration");
}

// Looks the version up again under the write lock. Returns true if another process
// applied it meanwhile (with the same checksum).
Result<bool> applied_meanwhile(Database& database, const Migration& migration,
                               const std::string& checksum) {
  Result<Statement> statement =
      database.prepare("SELECT checksum FROM schema_migrations WHERE version = ?1");
  if (!statement) return statement.error();
  if (Status status = statement->bind(1, migration.version); !status) return status.error();
  Result<bool> row = statement->step();
  if (!row) return row.error();
  if (!*row) return false;
  const std::string stored = statement->column_text(0);
  if (stored != checksum) return checksum_changed(migration, stored, checksum);
  return true;
}

// Runs one migration and records it, all inside one transaction. Returns whether it ran.
Result<bool> apply_one(Database& database, const Migration& migration,
                       std::string_view applied_at_utc) {
  const std::string checksum = migration_checksum(migration.sql);
  Result<Transaction> transaction = Transaction::begin(database);
  if (!transaction) return transaction.error();

  Result<bool> already = applied_meanwhile(database, migration, checksum);
  if (!already) return already.error();
  if (*already) return false;  // the transaction rolls back: nothing was written

  if (Status status = database.exec(migration.sql); !status) return status.error();

  Result<Statement> record = database.prepare(
      "INSERT INTO schema_migrations(version, name, checksum, applied_at) "
      "VALUES (:version, :name, :checksum, :applied_at)");
  if (!record) return record.error();
  for (Status status : {record->bind(":version", migration.version),
                        record->bind(":name", migration.name),
                        record->bind(":checksum", checksum),
                        record->bind(":applied_at", applied_at_utc)}) {
    if (!status) return status.error();
  }
  if (Result<bool> done = record->step(); !done) return done.error();

  if (Status status = transaction->commit(); !status) return status.error();
  return true;
}

}  // namespace

std::string migration_file_name(const Migration& migration) {
  char version[16];
  std::snprintf(version, sizeof version, "%04d", migration.version);
  return std::string(version) + "_" + migration.name + ".sql";
}

std::string migration_checksum(std::string_view sql) {
  constexpr std::uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t hash = kOffsetBasis;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\r' && i + 1 < sql.size() && sql[i + 1] == '\n') continue;
    hash ^= static_cast<unsigned char>(sql[i]);
    hash *= kPrime;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string(hex, 16);
}

Result<int> apply_migrations(Database& database, const std::vector<Migration>& migrations,
                             std::string_view applied_at_utc) {
  if (Status status = validate_list(migrations); !status) return status.error();
  if (Status status = database.exec(kCreateSchemaMigrations); !status) {
    return with_context(status.error(), "cannot create schema_migrations");
  }
  Result<std::map<int, AppliedMigration>> applied = read_applied(database);
  if (!applied) return with_context(applied.error(), "cannot read schema_migrations");

  // Every check happens before the first change: a refused start changes nothing.
  const int max_known = migrations.empty() ? 0 : migrations.back().version;
  if (!applied->empty() && applied->rbegin()->first > max_known) {
    return make_error(Errc::conflict,
                      "database schema " + std::to_string(applied->rbegin()->first) +
                          " is newer than this binary (max " + std::to_string(max_known) +
                          "): run the matching release or restore a backup");
  }
  std::map<int, const Migration*> known;
  for (const Migration& migration : migrations) known[migration.version] = &migration;
  for (const auto& [version, row] : *applied) {
    auto found = known.find(version);
    if (found == known.end()) {
      return make_error(Errc::conflict,
                        "database has migration " + std::to_string(version) + " (" + row.name +
                            ") that this binary does not know: run the matching release or "
                            "restore a backup");
    }
    const std::string checksum = migration_checksum(found->second->sql);
    if (row.checksum != checksum) return checksum_changed(*found->second, row.checksum, checksum);
  }

  int applied_count = 0;
  for (const Migration& migration : migrations) {
    if (applied->count(migration.version) != 0) continue;
    Result<bool> ran = apply_one(database, migration, applied_at_utc);
    if (!ran) {
      return with_context(ran.error(), "migration " + migration_file_name(migration) + " failed");
    }
    if (*ran) ++applied_count;
  }
  return applied_count;
}

}  // namespace propbot::store
