#include "core/store/transaction.hpp"

#include <sqlite3.h>

#include <utility>

namespace propbot::store {

Result<Transaction> Transaction::begin(Database& database) {
  if (Status status = database.exec("BEGIN IMMEDIATE"); !status) return status.error();
  return Transaction(database);
}

Transaction::Transaction(Transaction&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    if (active()) (void)rollback();
    database_ = std::exchange(other.database_, nullptr);
  }
  return *this;
}

Transaction::~Transaction() {
  if (active()) (void)rollback();  // nothing useful to do with a failure here
}

Status Transaction::commit() {
  if (!active()) return make_error(Errc::conflict, "commit: transaction is not active");
  Status status = database_->exec("COMMIT");
  // Some errors (e.g. SQLITE_FULL during commit) make SQLite roll back by itself; then
  // there is nothing left to roll back.
  if (status || sqlite3_get_autocommit(database_->native_handle()) != 0) database_ = nullptr;
  return status;
}

Status Transaction::rollback() {
  if (!active()) return make_error(Errc::conflict, "rollback: transaction is not active");
  Database* database = std::exchange(database_, nullptr);
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); a second
  // ROLLBACK would fail with "no transaction is active".
  if (!database->is_open() || sqlite3_get_autocommit(database->native_handle()) != 0) return {};
  return database->exec("ROLLBACK");
}

}  // namespace propbot::store
