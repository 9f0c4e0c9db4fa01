// ForensicStore: the bundles on disk, <data dir>/incidents_forensic/<incident id>/
// (SPEC S-4.3, S-9.4) — one directory per P0, its JSON files and a manifest.json that
// lists every file with its size and SHA-256, the incident id and the capture time.
//
// Guarantees:
//  - A bundle appears whole or not at all: its files are written and fsynced in a
//    temporary directory (".partial-<id>" next to the bundles), the manifest last, and
//    the directory is renamed into place (then the parent fsynced). A crash leaves at
//    most a ".partial-*" directory, which the next write() or sweep removes. An existing
//    bundle is never replaced (already_exists).
//  - Private: directories 0700, files 0600, whatever the umask.
//  - Bounded: each file at most max_file_bytes (a larger document is replaced by
//    {"truncated": true, "original_bytes", "max_file_bytes", "head"}: the first bytes of
//    its text, so the file stays JSON); at most max_bundles bundles — after each write
//    the oldest (lowest incident id) beyond the bound are removed. Worst case on disk:
//    max_bundles × 9 files × max_file_bytes.
//  - No secret: every document goes through redacted() (redacted_json.hpp) first.
//
// Errors: io_error naming the path and the errno text, already_exists.
// Threads: one thread at a time (the writer's); every call blocks on the disk.
// Uses: forensic_capture (documents), redacted_json, core/crypto (SHA-256),
// core/exec/outbox_file (sync_directory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/forensics/forensic_capture.hpp"

namespace propbot::forensics {

inline constexpr std::string_view kForensicDirName = "incidents_forensic";
inline constexpr std::string_view kManifestName = "manifest.json";
inline constexpr std::size_t kDefaultMaxBundles = 200;
inline constexpr std::size_t kDefaultMaxFileBytes = 4 * 1024 * 1024;

struct ForensicStoreOptions {
  std::string root;  // <data dir>/incidents_forensic (created 0700 when missing)
  std::size_t max_bundles = kDefaultMaxBundles;      // >= 1
  std::size_t max_file_bytes = kDefaultMaxFileBytes;  // >= 4096
};

struct WrittenBundle {
  std::string path;             // <root>/<incident id>
  std::string manifest_sha256;  // of manifest.json's bytes
  std::uint64_t bytes = 0;      // every file, manifest included
  std::size_t pruned = 0;       // older bundles removed to keep the bound
};

class ForensicStore {
 public:
  explicit ForensicStore(ForensicStoreOptions options);

  Result<WrittenBundle> write(std::int64_t incident_id, const std::vector<BundleDocument>& documents,
                              UtcTime captured_at);
  // The bundles kept, oldest first (incident ids).
  std::vector<std::int64_t> bundle_ids() const;
  // <root>/<incident id>
  std::string bundle_path(std::int64_t incident_id) const;
  // Removes ".partial-*" directories and the oldest bundles beyond max_bundles; returns
  // how many bundles it removed.
  std::size_t sweep();

  const ForensicStoreOptions& options() const { return options_; }

 private:
  ForensicStoreOptions options_;
};

}  // namespace propbot::forensics
