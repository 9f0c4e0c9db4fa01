// Helpers for the history tests: a quiet logger and the store tests' TempDir.
#pragma once

#include "core/common/logging.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::history::test_support {

using store::test_support::TempDir;

inline Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger(make_logger(options));
}

}  // namespace propbot::history::test_support
