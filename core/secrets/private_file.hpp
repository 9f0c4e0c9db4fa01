// Private files: the file operations the secrets store is built on — reading a file
// whole (optionally refusing one that group or others may read) and writing one with
// mode 0600 either atomically over an old version or as a new file only.
//
// Guarantees:
//  - write_file_atomically writes a temp file in the same directory (mkstemp, 0600),
//    fsyncs it, renames it over `path` and fsyncs the directory, so after a crash the
//    path holds either the old or the new bytes, never a mix; a failure removes the
//    temp file and leaves the old file as it was.
//  - create_private_file never replaces an existing file (O_EXCL) and is durable
//    (file and directory fsynced) when it returns ok.
//  - read_private_file checks the mode of the file it opened (fstat, not a second
//    lookup by name) and reads at most `max_bytes`.
//  - The bytes are never part of an error message; messages name the path, the
//    `what` given by the caller, and the fix.
//
// Errors: not_found (no such file — the message ends with the caller's `missing_fix`),
// permission_denied (mode too open, with the chmod fix; or EACCES), invalid_argument
// (not a regular file, larger than max_bytes), already_exists, io_error.
//
// Threads: safe from any thread; every call blocks on the disk.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::secrets {

struct ReadOptions {
  std::string_view what = "file";  // "key file", "secrets store": named in messages
  std::size_t max_bytes = 16 * 1024 * 1024;
  bool owner_only = false;          // refuse a file whose mode has any group/other bit
  std::string_view missing_fix;     // appended to the not_found message
};

// The caller owns the returned bytes (wipe them when they are secret).
Result<std::string> read_private_file(const std::string& path, const ReadOptions& options);

Status write_file_atomically(const std::string& path, std::string_view bytes);

Status create_private_file(const std::string& path, std::string_view bytes);

bool file_exists(const std::string& path);

// Hard-links `from` to `to` (or copies it when the file system has no hard links),
// fsyncing the directory. Errors: already_exists when `to` exists, io_error.
Status keep_copy(const std::string& from, const std::string& to);

Status remove_file(const std::string& path);
Status rename_file(const std::string& from, const std::string& to);

}  // namespace propbot::secrets
