// Bundle: the files that make up one configuration of the desk (SPEC S-7.5) — the
// profiles configs/*.yaml, the strategies strategies/*.lua and the policy scripts
// policies/*.lua — held as one value, path → content, with a content hash.
//
// Guarantees:
// - Every path is "<dir>/<name>" with dir one of configs, strategies, policies, name a
//   plain file name ([A-Za-z0-9_.-], not starting with '.') ending in .yaml for configs
//   and .lua for the other two. Nothing else can enter a Bundle, so writing one to disk
//   (write_to) can never escape its directory.
// - hash() is the lowercase hex SHA-256 over the (path, content) pairs in path order,
//   each framed by its length, so it depends on the contents only (not on the order
//   files were read or sent in) and two different bundles cannot share a framing.
// - Limits: at most kMaxFiles files of at most kMaxFileBytes each (a bundle comes from
//   an operator's upload too, not only from disk).
//
// A Bundle is a plain value: copy it, read it from any thread. read_bundle and write_to
// block on the filesystem (never call them from the engine thread).
//
// Uses: core/crypto (sha256), core/common (Result).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace propbot::bundle {

inline constexpr std::size_t kMaxFiles = 256;
inline constexpr std::size_t kMaxFileBytes = 1u << 20;

class Bundle {
 public:
  using Files = std::map<std::string, std::string, std::less<>>;

  Bundle() = default;
  // Refuses (invalid_argument, naming the path) any path outside the rules above and
  // files past the limits.
  static Result<Bundle> from_files(Files files);

  const Files& files() const { return files_; }
  std::size_t size() const { return files_.size(); }
  // nullptr when the bundle has no such file.
  const std::string* find(std::string_view path) const;
  bool has_policies() const;

  // The API's {"files": {path: content}}: a path already in the bundle is replaced, a
  // new path under strategies/ or policies/ is added; a new configs/ path, a path
  // outside the three directories or containing ".." is refused (invalid_argument,
  // naming the path). The bundle itself is not changed.
  Result<Bundle> with_overrides(const Files& overrides) const;

  std::string hash() const;

  // Writes every file under `directory` (created when missing), replacing files of the
  // same path. Files already there and not in the bundle are left alone.
  Status write_to(const std::string& directory) const;

 private:
  explicit Bundle(Files files) : files_(std::move(files)) {}
  Files files_;
};

// Why `path` may not be a bundle path, or empty when it may.
std::string check_bundle_path(std::string_view path);

// Reads configs/*.yaml, strategies/*.lua and policies/*.lua under `directory` (other
// files, e.g. README.md, and subdirectories are ignored). Errors: not_found when the
// directory or its configs/ is missing, io_error when a file cannot be read,
// invalid_argument past the limits.
Result<Bundle> read_bundle(const std::string& directory);

}  // namespace propbot::bundle
