// BundleStore: the version history of the config bundle in the PropBot database
// (table config_bundles, migration 0003_config_bundles; SPEC S-7.5 "every version is
// stored with author, diff and hash").
//
// Guarantees:
// - Versions are numbered from 1 and only grow; a number is never reused and a saved
//   version is never edited (the table refuses UPDATE).
// - save() of a bundle whose hash equals the latest version's stores nothing and
//   returns that version: saving twice is harmless. The check and the insert run in
//   one BEGIN IMMEDIATE transaction, so two savers cannot both add the same bundle.
// - current() is the latest saved version. Applying and rolling back through the
//   engine are not this unit's job (they will name the version they run).
// - history() never loads file contents.
// - No exceptions: errors are store_error / io_error from core/store, not_found for an
//   unknown version, invalid_argument for a bundle whose contents are not UTF-8 text
//   (files_json is JSON).
//
// Threads: the Database's thread; every call blocks on disk. Keep it off the engine
// loop. The Database (with builtin migrations applied, e.g. store::open_store) must
// outlive the store.
//
// Uses: bundle.hpp, core/store (Database, Transaction), core/common (Clock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bundle/bundle.hpp"
#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/store/database.hpp"

namespace propbot::bundle {

// One version without its files (history()).
struct BundleVersionInfo {
  std::int64_t version = 0;
  std::string created_at;  // UTC ISO 8601 with milliseconds
  std::string author;
  std::string hash;
  std::string message;
};

struct BundleVersion {
  BundleVersionInfo info;
  Bundle bundle;
};

// Paths, each list sorted.
struct BundleDiff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;

  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// What changes going from `from` to `to`.
BundleDiff diff(const Bundle& from, const Bundle& to);

class BundleStore {
 public:
  BundleStore(store::Database& database, const Clock& clock) : database_(database), clock_(clock) {}

  // The version now holding `bundle`: a new one, or the latest when its hash is the same.
  Result<std::int64_t> save(const Bundle& bundle, std::string_view author, std::string_view message);
  // nullopt when nothing was ever saved.
  Result<std::optional<BundleVersion>> current();
  Result<BundleVersion> get(std::int64_t version);
  // Newest first, at most `limit` entries.
  Result<std::vector<BundleVersionInfo>> history(std::size_t limit);
  // diff(get(from).bundle, get(to).bundle).
  Result<BundleDiff> diff(std::int64_t from, std::int64_t to);

 private:
  Result<std::optional<BundleVersion>> read_one(std::string_view sql, std::optional<std::int64_t> version);

  store::Database& database_;
  const Clock& clock_;
};

}  // namespace propbot::bundle
