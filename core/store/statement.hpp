// Statement: one RAII prepared SQLite statement (finalized on destruction), created by
// Database::prepare. Bind parameters by 1-based index or by name, step through rows,
// read columns, reset to run again.
//
// Guarantees:
// - No exceptions; bind and step report failures as Error (store_error,
//   permission_denied for writes to a read-only database, io_error for disk
//   failures; invalid_argument for an unknown parameter name; out_of_range for an
//   unsigned value above INT64_MAX). Messages carry SQLite's text and the SQL.
// - Text and blobs are bound with SQLITE_TRANSIENT: SQLite copies them, so the caller's
//   buffer may die right after bind().
// - Column getters never fail: a NULL reads as 0, 0.0 or an empty string/blob, so check
//   column_is_null() when NULL is meaningful. Column indexes are 0-based; parameter
//   indexes are 1-based (SQLite's convention).
//
// Ownership and threads: a Statement must not outlive the Database that prepared it
// and is used on that Database's thread only. Moving the Database is fine (the
// connection itself does not move). Stepping allocates inside SQLite; do not prepare
// per event on a hot path — prepare once, then reset() + bind per use.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

struct sqlite3_stmt;

namespace propbot::store {

class Database;

class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() = default;

  // --- Binding (1-based index) ---------------------------------------------------
  Status bind(int index, std::int64_t value);
  Status bind(int index, double value);
  Status bind(int index, std::string_view text);
  Status bind(int index, std::nullptr_t);
  Status bind(int index, std::span<const std::byte> blob);

  // Any other integer type (int, unsigned, bool, long long, ...) binds as INTEGER.
  template <std::integral T>
  Status bind(int index, T value) {
    if constexpr (std::unsigned_integral<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (value > static_cast<T>(std::numeric_limits<std::int64_t>::max())) {
        return out_of_range_error(index);
      }
    }
    return bind(index, static_cast<std::int64_t>(value));
  }

  // --- Binding by name -----------------------------------------------------------
  // `name` as written in the SQL (":qty", "@qty", "$qty"); a bare "qty" is looked up
  // as ":qty". Unknown names are an invalid_argument error.
  template <typename Value>
  Status bind(std::string_view name, Value&& value) {
    Result<int> index = parameter_index(name);
    if (!index) return index.error();
    return bind(*index, std::forward<Value>(value));
  }

  Result<int> parameter_index(std::string_view name) const;
  int parameter_count() const;

  // --- Execution -----------------------------------------------------------------
  // true: a row is available to read; false: the statement has finished. After an
  // error or after false, call reset() before stepping again.
  Result<bool> step();
  // Rewinds to before the first row; bindings are kept.
  void reset();
  // Sets every parameter back to NULL.
  void clear_bindings();

  // --- Columns of the current row (0-based) --------------------------------------
  int column_count() const;
  std::string column_name(int column) const;
  bool column_is_null(int column) const;
  std::int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::vector<std::byte> column_blob(int column) const;

  // The SQL this statement was prepared from.
  std::string sql() const;

 private:
  friend class Database;

  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const;
  };

  explicit Statement(sqlite3_stmt* statement);

  Status check_bind(int result_code, int index) const;
  Error out_of_range_error(int index) const;

  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
};

}  // namespace propbot::store
