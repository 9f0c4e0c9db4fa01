// ScratchDir: a fresh directory under $TMPDIR (or /tmp) for a benchmark's files (the
// order journal's outbox and SQLite database), removed with everything in it when the
// object goes. path() is empty when the directory could not be made.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <stdlib.h>

namespace propbot::bench {

class ScratchDir {
 public:
  // `prefix` names the directory: <tmp>/<prefix>-XXXXXX.
  explicit ScratchDir(std::string_view prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + std::string(prefix) +
                          "-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace propbot::bench
