// ExportFile: a file an export writes once (SPEC S-5.4). Everything goes to
// `<path>.partial`; commit() flushes and fsyncs it and only then puts it at `path`, so
// `path` is never seen half written, and a failed or abandoned export leaves nothing
// behind (the destructor removes the partial file).
//
// commit(replace = false) refuses an existing `path` atomically (link(2) fails with
// EEXIST, so a file created meanwhile is not overwritten either): already_exists.
// commit(replace = true) renames over it (the `--force` of the CLI).
//
// Errors: io_error with the path and strerror. Threads: one owner, any thread. Blocks
// on disk.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::control {

class ExportFile {
 public:
  static Result<ExportFile> create(std::string path);

  ExportFile(ExportFile&& other) noexcept;
  ExportFile& operator=(ExportFile&&) = delete;
  ExportFile(const ExportFile&) = delete;
  ExportFile& operator=(const ExportFile&) = delete;
  ~ExportFile();

  Status write(std::string_view text);
  Status commit(bool replace);

  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(std::FILE* file) const;
  };
  ExportFile(std::string path, std::FILE* file);
  std::string partial() const { return path_ + ".partial"; }

  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
  bool owns_partial_ = true;  // false once committed or moved from
};

}  // namespace propbot::control
