// Helpers for the store tests: TempDir, a fresh directory under $TMPDIR (or /tmp)
// removed with everything in it when the test ends, and open_or_fail(), which opens a
// Database or records a test failure.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "core/store/database.hpp"

namespace propbot::store::test_support {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/propbot-store-test-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    // A test may have made the tree read-only; make it removable again first.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// On failure records it and returns an in-memory database so the test fails on its
// expectations instead of crashing.
inline Database open_or_fail(const std::string& path, const OpenOptions& options = {}) {
  Result<Database> database = Database::open(path, options);
  if (!database) {
    ADD_FAILURE() << "open " << path << ": " << database.error().describe();
    return std::move(Database::open(":memory:")).value();
  }
  return std::move(database).value();
}

// First column of the first row as text, or a description of what went wrong.
inline std::string query_text(Database& database, const std::string& sql) {
  Result<Statement> statement = database.prepare(sql);
  if (!statement) return "prepare failed: " + statement.error().message;
  Result<bool> row = statement->step();
  if (!row) return "step failed: " + row.error().message;
  if (!*row) return "no row";
  return statement->column_text(0);
}

}  // namespace propbot::store::test_support
