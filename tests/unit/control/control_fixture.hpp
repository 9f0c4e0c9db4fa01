// ControlStoreTest: a fresh data directory with the real propbot.db (every builtin
// migration applied, as the daemon opens it), a SimClock, and reopen() to prove that
// what the control stores wrote survives a restart. Raw SQL helpers let tests play
// the attacker who edits the file.
#pragma once

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/common/clock.hpp"
#include "core/store/data_dir.hpp"
#include "core/store/database.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::control::test {

class ControlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    ASSERT_NO_FATAL_FAILURE(open());
  }

  void open() {
    Result<store::Database> opened = store::open_store(temp_.path(), "2023-11-14T22:13:20.000Z");
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    database_.emplace(std::move(*opened));
  }

  // Closes the connection and opens the file again (what a daemon restart does).
  void reopen() {
    database_.reset();
    ASSERT_NO_FATAL_FAILURE(open());
  }

  store::Database& db() { return *database_; }

  void exec_or_fail(const std::string& sql) {
    Status done = database_->exec(sql);
    ASSERT_TRUE(done.ok()) << sql << ": " << done.error().describe();
  }

  std::string query(const std::string& sql) { return store::test_support::query_text(*database_, sql); }

  store::test_support::TempDir temp_;
  SimClock clock_;
  std::optional<store::Database> database_;
};

}  // namespace propbot::control::test
