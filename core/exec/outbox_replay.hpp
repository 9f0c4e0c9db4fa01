// Outbox replay: what SqliteJournal::open() does with the outbox segments a previous
// run left behind (a crash, or a close() whose last commit failed). Every segment is
// read in number order and its records, up to its first torn or CRC-bad frame, are
// written to the journal store (idempotent: records already committed are ignored by
// their keys); then the segments are deleted.
//
// A bad frame (torn, or failing its CRC) in the newest segment is what a crash during
// a write(2) — or power loss before the page reached the disk — leaves; its record
// was never acknowledged (or, power loss under batch/never, is one the policy does not
// promise): logged at warn (journal_outbox_tail_ignored). A bad frame in an older
// segment cannot come from a crash of this design (a segment is closed only after its
// last write returned) and is logged at error (journal_outbox_corrupt). Either way the
// records before it are kept and the rest of that segment is ignored.
//
// Thread: start-up, the caller's; blocks on disk.
#pragma once

#include <cstdint>
#include <string>

#include "core/common/logging.hpp"
#include "core/common/result.hpp"
#include "core/exec/journal_store.hpp"

namespace propbot::exec {

struct OutboxReplay {
  std::uint64_t records = 0;           // frames read and written to the store
  std::uint64_t segments = 0;          // files replayed and deleted
  std::uint64_t ignored_bytes = 0;     // after the first bad frame of each segment
  std::uint64_t next_segment_number = 1;  // above every segment seen
};

Result<OutboxReplay> replay_outbox(const std::string& directory, JournalStore& store, std::size_t group_records,
                                   const Logger& log);

}  // namespace propbot::exec
