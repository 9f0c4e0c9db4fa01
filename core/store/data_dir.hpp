// Data directory: the checks run before PropBot touches its data directory, and
// open_store(), the one call the daemon uses to get its database
// (<data_dir>/propbot.db, WAL, synchronous=FULL, every builtin migration applied, the
// directory and its files made private to the daemon's user: 0700 / 0600).
//
// Guarantees: no exceptions; each refusal says what is wrong with which path and how
// to fix it —
//   not_found          "data directory '/x' does not exist: create it (mkdir -p /x) or pass --data-dir"
//   invalid_argument   empty path; the path (or one of its parents) is not a directory
//   permission_denied  the directory cannot be searched or written by this process
//   io_error           any other failure (read-only file system, disk full, ...)
// Writability is proven by creating and removing a probe file (root ignores mode bits,
// and a read-only mount or full disk only shows up on a real write), in addition to
// access(W_OK).
//
// Threads: call at start-up, from one thread; blocks on disk.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/store/database.hpp"

namespace propbot::store {

// File name of the database inside the data directory.
inline constexpr std::string_view kDatabaseFileName = "propbot.db";

Status check_data_dir(const std::string& dir);

// The data directory holds the journal, the audit chain, the signed state and the
// secrets: nobody but the daemon's user may read it. Takes group and other permission
// bits off `dir` (0700) and everything under it (files 0600), up to
// kMaxRestrictedEntries entries; symbolic links are not followed. Best effort: an entry
// this process may not chmod (not its owner) is left as it is. The daemon also runs
// with umask 077, so what it creates later is private from the start.
inline constexpr std::size_t kMaxRestrictedEntries = 100'000;
void restrict_data_dir(const std::string& dir);

// check_data_dir + Database::open(<dir>/propbot.db) + apply_migrations(builtin), with
// `now_utc` as the applied_at of any migration applied.
Result<Database> open_store(const std::string& data_dir, std::string_view now_utc);

}  // namespace propbot::store
