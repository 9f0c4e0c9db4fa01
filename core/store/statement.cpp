#include "core/store/statement.hpp"

#include <sqlite3.h>

#include <string>

#include "core/store/sqlite_error.hpp"

namespace propbot::store {

namespace {

std::string_view statement_sql(sqlite3_stmt* statement) {
  const char* sql = statement != nullptr ? sqlite3_sql(statement) : nullptr;
  return sql != nullptr ? std::string_view(sql) : std::string_view();
}

}  // namespace

void Statement::Finalizer::operator()(sqlite3_stmt* statement) const {
  // The result code repeats the last step error, which step() already reported.
  sqlite3_finalize(statement);
}

Statement::Statement(sqlite3_stmt* statement) : statement_(statement) {}

Status Statement::check_bind(int result_code, int index) const {
  if (result_code == SQLITE_OK) return {};
  sqlite3_stmt* statement = statement_.get();
  sqlite3* db = statement != nullptr ? sqlite3_db_handle(statement) : nullptr;
  return sqlite_error(db, result_code, "bind parameter " + std::to_string(index) + " failed",
                      statement_sql(statement));
}

Error Statement::out_of_range_error(int index) const {
  return make_error(Errc::out_of_range,
                    "bind parameter " + std::to_string(index) +
                        ": unsigned value does not fit SQLite's signed 64-bit INTEGER in SQL: " +
                        truncate_sql(statement_sql(statement_.get())));
}

Status Statement::bind(int index, std::int64_t value) {
  return check_bind(sqlite3_bind_int64(statement_.get(), index, value), index);
}

Status Statement::bind(int index, double value) {
  return check_bind(sqlite3_bind_double(statement_.get(), index, value), index);
}

Status Statement::bind(int index, std::string_view text) {
  // A non-null pointer even for an empty view: a null pointer would bind SQL NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  return check_bind(sqlite3_bind_text64(statement_.get(), index, data, text.size(),
                                        SQLITE_TRANSIENT, SQLITE_UTF8),
                    index);
}

Status Statement::bind(int index, std::nullptr_t) {
  return check_bind(sqlite3_bind_null(statement_.get(), index), index);
}

Status Statement::bind(int index, std::span<const std::byte> blob) {
  if (blob.empty()) {
    return check_bind(sqlite3_bind_zeroblob(statement_.get(), index, 0), index);
  }
  return check_bind(
      sqlite3_bind_blob64(statement_.get(), index, blob.data(), blob.size(), SQLITE_TRANSIENT),
      index);
}

Result<int> Statement::parameter_index(std::string_view name) const {
  std::string lookup(name);
  if (!lookup.empty() && lookup.front() != ':' && lookup.front() != '@' &&
      lookup.front() != '$') {
    lookup.insert(lookup.begin(), ':');
  }
  const int index = sqlite3_bind_parameter_index(statement_.get(), lookup.c_str());
  if (index == 0) {
    return make_error(Errc::invalid_argument,
                      "no SQL parameter named '" + lookup +
                          "' in SQL: " + truncate_sql(statement_sql(statement_.get())));
  }
  return index;
}

int Statement::parameter_count() const { return sqlite3_bind_parameter_count(statement_.get()); }

Result<bool> Statement::step() {
  const int result_code = sqlite3_step(statement_.get());
  if (result_code == SQLITE_ROW) return true;
  if (result_code == SQLITE_DONE) return false;
  sqlite3_stmt* statement = statement_.get();
  sqlite3* db = statement != nullptr ? sqlite3_db_handle(statement) : nullptr;
  return sqlite_error(db, result_code, "step failed", statement_sql(statement));
}

void Statement::reset() { sqlite3_reset(statement_.get()); }

void Statement::clear_bindings() { sqlite3_clear_bindings(statement_.get()); }

int Statement::column_count() const { return sqlite3_column_count(statement_.get()); }

std::string Statement::column_name(int column) const {
  const char* name = sqlite3_column_name(statement_.get(), column);
  return name != nullptr ? std::string(name) : std::string();
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(statement_.get(), column);
}

std::string Statement::column_text(int column) const {
  // Text first, then bytes: that order gives the length of the UTF-8 form just read.
  const auto* text = sqlite3_column_text(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  if (text == nullptr || size <= 0) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::vector<std::byte> Statement::column_blob(int column) const {
  const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(statement_.get(), column));
  const int size = sqlite3_column_bytes(statement_.get(), column);
  if (data == nullptr || size <= 0) return {};
  return std::vector<std::byte>(data, data + size);
}

std::string Statement::sql() const { return std::string(statement_sql(statement_.get())); }

}  // namespace propbot::store
