// SqliteJournal: the durable Journal of a running desk (SPEC S-8.1). record() and
// record_fill() append one framed record to the outbox (outbox_record.hpp,
// outbox_file.hpp) with a single write(2) on the driving thread — with fdatasync under
// JournalFsync::always — and hand the entry to a writer thread, which commits what has
// gathered in one SQLite transaction (group commit) into <data_dir>/journal.sqlite
// (journal_store.hpp). Once a segment's records are all committed the writer deletes
// the segment, so the outbox holds only what SQLite may not have yet. The writer looks
// at its queue every group_window (1 ms) rather than being woken per record, so
// record() costs the driving thread no wake-up; a commit starts at most that late.
//
// What survives (docs/PERFORMANCE.md, "Journal"):
// - kill -9, any policy: every record whose record() returned — it is in the outbox
//   file (kernel page cache) or already in SQLite; open() replays the outbox.
// - power loss: always — every acknowledged record (outbox fdatasynced before return);
//   batch — every record of a committed group (synchronous=FULL), not those
//   acknowledged in the last few ms (group window + one commit); never — whatever
//   the OS had flushed (SQLite synchronous=NORMAL: consistent, but recent commits
//   may be gone).
//
// open(): checks the data directory, brings the schema up to date, replays every
// leftover outbox segment into SQLite in order — each stops at its first torn or
// CRC-bad frame, which by construction was never acknowledged (a bad frame in an
// older segment is logged as an error) — deletes the segments, then loads what
// the readers need: every unfinished order's last entry, the newest finished orders,
// fill keys and attempts (JournalBounds), the highest intent id and seq.
//
// Bounds: the writer's queue holds at most max_pending_records entries — beyond it
// record() waits for the writer (backpressure; the driving thread blocks, it never
// drops) — so the outbox holds at most that backlog plus one segment of
// outbox_segment_bytes. The in-memory index keeps JournalBounds of finished orders,
// fills and attempts; older keys are answered from SQLite by last() and
// last_attempt(). Beyond the fill bound, a fill re-reported by a venue is answered
// `recorded` again, but SQLite's UNIQUE (venue, symbol, trade_id) keeps one row, so
// fills() and a restart see it once; likewise an order evicted from the index that
// gets a late report is `stale`, and one that gets a second `new` is kept out of
// SQLite by UNIQUE (venue, client_order_id, event, filled_quantity) (in memory it
// then shows as unfinished until the next open).
//
// Threads: record*, the readers and close() on the driving thread; stats() from any
// thread. fills() waits (at most 5 s) for the writer to commit what was recorded, then
// reads SQLite: a start-up call, not for the hot path. A writer failure (disk full) is
// logged (journal_commit_failed) and counted in stats().writer_errors; the writer
// retries with backoff and nothing acknowledged is lost (it is in the outbox).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/common/logging.hpp"
#include "core/exec/indexed_journal.hpp"
#include "core/exec/journal_store.hpp"
#include "core/exec/outbox_file.hpp"
#include "core/exec/outbox_record.hpp"

namespace propbot::exec {

struct SqliteJournalOptions {
  std::size_t outbox_segment_bytes = 1 << 20;  // start a new segment beyond this
  std::size_t max_pending_records = 65'536;    // writer backlog before record() waits
  std::size_t max_group_records = 4'096;       // most records in one SQLite transaction
  // How often the writer looks for records (it is woken early only for a full group):
  // the most a record waits before its group commit starts.
  std::chrono::microseconds group_window{1000};
  JournalBounds bounds;                        // the in-memory index
};

class SqliteJournal final : public IndexedJournal {
 public:
  // Errors: those of check_data_dir (not_found, invalid_argument, permission_denied,
  // io_error) and of the store (io_error, store_error, conflict for a journal schema
  // newer than this binary).
  static Result<std::unique_ptr<SqliteJournal>> open(const std::string& data_dir, JournalFsync policy, Logger log,
                                                     SqliteJournalOptions options = {});

  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;
  ~SqliteJournal() override;

  // Drains: commits everything recorded, stops the writer and deletes the outbox
  // segments it committed. record() answers unavailable afterwards. Idempotent.
  void close();

  std::vector<FillEntry> fills() const override;
  // Both wait (up to 5 s) for the writer to commit what was recorded, then read SQLite:
  // for start-up, not the hot path.
  std::vector<OrderEntry> orders_of(std::uint64_t intent_id) const override;
  std::vector<OrderEntry> events_of(std::uint64_t intent_id) const override;
  std::optional<OrderEntry> by_venue_order_id(std::string_view venue, std::string_view venue_order_id) const override;
  JournalStats stats() const override;

  const std::string& outbox_directory() const { return outbox_directory_; }

 private:
  // One item of the writer's queue: an entry to commit, or a segment to delete once
  // everything before it is committed.
  using QueueItem = std::variant<OutboxRecord, std::string>;

  SqliteJournal(JournalFsync policy, Logger log, SqliteJournalOptions options, std::string outbox_directory);

  Status load_state();
  void start_writer(std::unique_ptr<JournalStore> store);
  void writer_loop(std::unique_ptr<JournalStore> store);
  Status commit_with_retry(JournalStore& store, const std::vector<OutboxRecord>& records);
  template <typename Entry>
  Status persist_entry(const Entry& entry);
  void enqueue(QueueItem item);
  void rotate_segment_if_full();
  bool wait_committed(std::uint64_t seq, std::chrono::milliseconds timeout) const;

  Status persist(const OrderEntry& entry) override;
  Status persist(const FillEntry& fill) override;
  std::uint64_t evictable_seq() const override { return committed_seq_.load(std::memory_order_acquire); }
  std::optional<OrderEntry> load_last(std::string_view venue, std::string_view client_order_id) const override;
  std::optional<int> load_last_attempt(std::uint64_t intent_id, Leg leg) const override;

  JournalFsync policy_;
  Logger log_;
  SqliteJournalOptions options_;
  std::string outbox_directory_;
  std::uint64_t next_segment_number_ = 1;

  // Driving thread only.
  std::optional<OutboxAppender> appender_;
  std::unique_ptr<JournalStore> reader_;
  std::string frame_buffer_;
  bool closed_ = false;

  // Shared with the writer thread.
  mutable std::mutex mutex_;
  mutable std::condition_variable work_ready_;   // writer waits: queue not empty, or stopping
  mutable std::condition_variable progress_;     // driving thread waits: room in the queue, or a commit
  std::deque<QueueItem> queue_;
  std::size_t queued_records_ = 0;
  bool stopping_ = false;
  std::thread writer_;
  std::atomic<std::uint64_t> committed_seq_{0};
  std::atomic<std::uint64_t> group_commits_{0};
  std::atomic<std::uint64_t> grouped_records_{0};
  std::atomic<std::uint64_t> writer_errors_{0};
};

}  // namespace propbot::exec
