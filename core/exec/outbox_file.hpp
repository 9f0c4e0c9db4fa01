// Outbox files: the append-only segment files of SqliteJournal's outbox, in their own
// directory (<data_dir>/journal-outbox/), named <12-digit number>.log and written in
// number order. The driving thread appends to the newest segment; the journal's
// writer deletes a segment once every record in it is committed to SQLite; open()
// replays whatever segments a crash left behind.
//
// Guarantees of OutboxAppender::append: the frame goes to the file with write(2)
// (looping only on a short write or EINTR), so once it returns the bytes are in the
// kernel and survive kill -9; with sync_each it also fdatasyncs, so they survive
// power loss. If a write or its fdatasync fails, the file is cut back to its previous
// size (a later record must never sit behind garbage, or replay would stop before it,
// and a record reported as failed must not come back at replay); after a failed
// fdatasync, or when the cut itself fails, the appender refuses every later append
// (io_error): the desk must not send on a journal it cannot trust.
//
// Threads: one OutboxAppender on one thread; the free functions are pure file I/O.
// Everything blocks on disk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace propbot::exec {

inline constexpr std::string_view kOutboxDirectoryName = "journal-outbox";

struct OutboxSegment {
  std::uint64_t number = 0;
  std::string path;
};

// Segments in `directory`, by number; other files are ignored. Errors: io_error.
Result<std::vector<OutboxSegment>> list_outbox_segments(const std::string& directory);
std::string outbox_segment_path(const std::string& directory, std::uint64_t number);
// The whole file. Errors: io_error naming the path.
Result<std::string> read_whole_file(const std::string& path);
// mkdir (0700) unless it exists. Errors: io_error.
Status ensure_directory(const std::string& path);
// fsync of a directory, so a created or removed name survives power loss.
Status sync_directory(const std::string& path);
Status remove_file(const std::string& path);

class OutboxAppender {
 public:
  // Creates segment `number` (truncating any file of that name). With sync_each the
  // directory is fsynced too, so the new name survives power loss.
  static Result<OutboxAppender> create(const std::string& directory, std::uint64_t number, bool sync_each);

  OutboxAppender(OutboxAppender&& other) noexcept;
  OutboxAppender& operator=(OutboxAppender&& other) noexcept;
  OutboxAppender(const OutboxAppender&) = delete;
  OutboxAppender& operator=(const OutboxAppender&) = delete;
  ~OutboxAppender();

  Status append(std::string_view bytes);
  std::uint64_t size() const { return size_; }
  std::uint64_t number() const { return number_; }
  const std::string& path() const { return path_; }

 private:
  OutboxAppender(int fd, std::string path, std::uint64_t number, bool sync_each);
  void close_fd();
  Error fail(std::string_view action, int error_number);

  int fd_ = -1;
  std::string path_;
  std::uint64_t number_ = 0;
  std::uint64_t size_ = 0;
  bool sync_each_ = false;
  bool broken_ = false;
};

}  // namespace propbot::exec
