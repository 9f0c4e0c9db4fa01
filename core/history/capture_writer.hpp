// CaptureWriter: records raw venue messages into a capture file (capture_file.hpp)
// from the venue adapters' taps, on its own writer thread.
//
// Guarantees:
// - tap(venue) gives each venue adapter a RawMessageTap; calling it copies the message
//   with its receive time (the Clock's UTC, read in the call) into a DropOldestQueue
//   and returns — it never waits for the disk. When the writer falls behind by more
//   than `queue_messages` messages or `queue_bytes` bytes the oldest are dropped and
//   counted (stats().dropped).
// - The file is created new (an existing file is refused: a capture is never
//   overwritten or mixed with another run's) and private (0600). Frames are appended
//   whole; a crash leaves at most one torn frame at the end, which CaptureReader stops
//   before.
// - Size bound: the file never grows beyond `max_bytes`. The first frame that would
//   cross it stops the capture for good (one warning logged, stats().bound_reached);
//   later messages are counted in stats().refused, not written.
// - The writer flushes after every batch: what was tapped is in the file within `poll`
//   (20 ms) or sooner under load.
//
// Threads: tap functions from any thread (the engine thread in the daemon); stats()
// from any; close()/the destructor drain the queue and join the writer.
// Uses capture_file, drop_oldest_queue, core/common/clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/logging.hpp"
#include "core/common/raw_message_tap.hpp"
#include "core/common/result.hpp"
#include "core/history/writer_thread.hpp"

namespace propbot::history {

struct CaptureOptions {
  std::string path;
  std::vector<std::string> venues;           // the header's venue table; tap() indexes it
  std::uint64_t max_bytes = 1024ull << 20;   // --capture-max-mb (default 1024)
  std::size_t queue_messages = 65'536;
  std::size_t queue_bytes = 64u << 20;
  // The writer polls every `poll` and is woken early at `wake_at` queued messages (the
  // taps never pay for a wake-up below that).
  std::chrono::milliseconds poll{20};
  std::size_t wake_at = 4096;
};

struct CaptureStats {
  std::uint64_t frames_written = 0;
  std::uint64_t message_bytes = 0;  // the messages' own bytes
  std::uint64_t file_bytes = 0;     // header + frames
  std::uint64_t dropped = 0;        // lost in the queue (writer behind)
  std::uint64_t refused = 0;        // not written after the size bound was reached
  std::uint64_t write_errors = 0;
  bool bound_reached = false;
};

class CaptureWriter {
 public:
  // Creates the file and writes the header. Errors: already_exists (the file exists),
  // invalid_argument (venue table), io_error.
  static Result<std::unique_ptr<CaptureWriter>> open(CaptureOptions options, const Clock& clock, Logger log);
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // The tap of venue `venue` (a name of the venue table); an unknown venue gets an
  // empty tap (nothing is captured for it). The tap refers to this writer: the writer
  // must outlive every adapter holding it (run_command declares it before the engine).
  RawMessageTap tap(const std::string& venue);
  // Records one message now (what a tap calls).
  void record(std::uint8_t venue, RawChannel channel, std::string_view message);

  CaptureStats stats() const;
  const std::string& path() const { return options_.path; }
  void close();

 private:
  struct Pending {
    std::int64_t recv_unix_ns = 0;
    std::uint8_t venue = 0;
    RawChannel channel = RawChannel::market_ws;
    std::string message;
  };
  CaptureWriter(CaptureOptions options, const Clock& clock, Logger log, std::FILE* file, std::uint64_t header_bytes);
  void write_batch(const std::vector<Pending>& batch);

  CaptureOptions options_;
  const Clock& clock_;
  Logger log_;
  std::FILE* file_;
  std::string buffer_;  // the writer thread's, reused per batch
  mutable std::mutex stats_mutex_;
  CaptureStats stats_;
  WriterThread<Pending> writer_;  // last: its thread stops first
};

}  // namespace propbot::history
