// Transaction: RAII write transaction on a Database. begin() issues BEGIN IMMEDIATE
// (the write lock is taken up front, so a conflict shows up at begin, within the busy
// timeout, not half-way through the work); the destructor rolls back unless commit()
// succeeded.
//
// Guarantees: no exceptions; all-or-nothing — if commit() is never reached or fails,
// nothing written inside the transaction is visible to anyone. A failed commit (e.g.
// SQLITE_BUSY, disk full) leaves the transaction open so the caller may retry commit()
// or let the destructor roll back.
//
// Ownership and threads: holds a pointer to the Database, which must outlive the
// Transaction and must not be moved or used from another thread while it is open.
// Transactions do not nest (SQLite would refuse the second BEGIN).
#pragma once

#include "core/common/result.hpp"
#include "core/store/database.hpp"

namespace propbot::store {

class Transaction {
 public:
  static Result<Transaction> begin(Database& database);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // COMMIT. On success the transaction is finished; on failure it stays open.
  Status commit();
  // ROLLBACK now (the destructor does the same when still open).
  Status rollback();
  // True from begin() until a successful commit() or rollback().
  bool active() const { return database_ != nullptr; }

 private:
  explicit Transaction(Database& database) : database_(&database) {}

  Database* database_ = nullptr;
};

}  // namespace propbot::store
