#include "core/exec/outbox_replay.hpp"

#include <string_view>
#include <vector>

#include "core/exec/outbox_file.hpp"
#include "core/exec/outbox_record.hpp"

namespace propbot::exec {
namespace {

// The whole frames at the start of `bytes`; how many bytes followed the last one.
struct SegmentFrames {
  std::vector<OutboxRecord> records;
  std::size_t ignored_bytes = 0;
  FrameStatus stop = FrameStatus::ok;  // why reading stopped before the end, if it did
};

SegmentFrames read_segment(std::string_view bytes) {
  SegmentFrames frames;
  while (!bytes.empty()) {
    FrameRead frame = read_frame(bytes);
    if (frame.status != FrameStatus::ok) {
      frames.stop = frame.status;
      frames.ignored_bytes = bytes.size();
      break;
    }
    frames.records.push_back(std::move(frame.record));
    bytes.remove_prefix(frame.size);
  }
  return frames;
}

Status write_in_groups(JournalStore& store, const std::vector<OutboxRecord>& records, std::size_t group_records) {
  const std::span<const OutboxRecord> all(records);
  for (std::size_t start = 0; start < all.size(); start += group_records) {
    if (Status written = store.write_group(all.subspan(start, std::min(group_records, all.size() - start))); !written) {
      return written;
    }
  }
  return {};
}

}  // namespace

Result<OutboxReplay> replay_outbox(const std::string& directory, JournalStore& store, std::size_t group_records,
                                   const Logger& log) {
  Result<std::vector<OutboxSegment>> segments = list_outbox_segments(directory);
  if (!segments) return segments.error();
  OutboxReplay replay;
  for (std::size_t i = 0; i < segments->size(); ++i) {
    const OutboxSegment& segment = (*segments)[i];
    Result<std::string> bytes = read_whole_file(segment.path);
    if (!bytes) return bytes.error();
    SegmentFrames frames = read_segment(*bytes);
    const bool newest = i + 1 == segments->size();
    if (frames.ignored_bytes > 0) {
      // Only the newest segment is written to when a crash can cut a write short.
      log.log(newest ? LogLevel::warn : LogLevel::error, newest ? "journal_outbox_tail_ignored" : "journal_outbox_corrupt",
              {{"segment", segment.path},
               {"frame", frames.stop == FrameStatus::torn ? "torn" : "corrupt"},
               {"records_kept", static_cast<std::uint64_t>(frames.records.size())},
               {"ignored_bytes", static_cast<std::uint64_t>(frames.ignored_bytes)}});
    }
    if (Status written = write_in_groups(store, frames.records, group_records); !written) return written.error();
    replay.records += frames.records.size();
    replay.ignored_bytes += frames.ignored_bytes;
    replay.next_segment_number = segment.number + 1;
  }
  // Only once every segment is in the store: a crash half-way replays them all again.
  for (const OutboxSegment& segment : *segments) {
    if (Status removed = remove_file(segment.path); !removed) return removed.error();
    ++replay.segments;
  }
  if (!segments->empty()) {
    if (Status synced = sync_directory(directory); !synced) return synced.error();
    log.info("journal_outbox_replayed", {{"records", replay.records}, {"segments", replay.segments}});
  }
  return replay;
}

}  // namespace propbot::exec
