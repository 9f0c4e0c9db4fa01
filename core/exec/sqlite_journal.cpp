#include "core/exec/sqlite_journal.hpp"

#include <algorithm>
#include <chrono>

#include "core/exec/outbox_replay.hpp"
#include "core/store/data_dir.hpp"

namespace propbot::exec {
namespace {

constexpr std::chrono::milliseconds kFirstRetryDelay{10};
constexpr std::chrono::milliseconds kMaxRetryDelay{1000};
// close() gives a failing store this many tries; what stays uncommitted is still in the
// outbox, which the next open() replays.
constexpr int kCloseCommitTries = 3;
constexpr std::chrono::milliseconds kFillsWait{5000};

store::Synchronous synchronous_for(JournalFsync policy) {
  return policy == JournalFsync::never ? store::Synchronous::normal : store::Synchronous::full;
}

}  // namespace

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::open(const std::string& data_dir, JournalFsync policy, Logger log,
                                                            SqliteJournalOptions options) {
  if (Status checked = store::check_data_dir(data_dir); !checked) return checked.error();
  if (options.outbox_segment_bytes == 0 || options.max_pending_records == 0 || options.max_group_records == 0 ||
      options.group_window.count() <= 0) {
    return make_error(Errc::invalid_argument,
                      "journal options: segment size, pending and group limits and the group window must be > 0");
  }
  std::string outbox_directory = data_dir + "/" + std::string(kOutboxDirectoryName);
  if (Status created = ensure_directory(outbox_directory); !created) return created.error();
  const std::string database_path = data_dir + "/" + std::string(kJournalDatabaseFileName);

  Result<std::unique_ptr<JournalStore>> writer_store = JournalStore::open_writer(database_path, synchronous_for(policy));
  if (!writer_store) return writer_store.error();
  Result<OutboxReplay> replay = replay_outbox(outbox_directory, **writer_store, options.max_group_records, log);
  if (!replay) return replay.error();

  std::unique_ptr<SqliteJournal> journal(new SqliteJournal(policy, log, options, outbox_directory));
  journal->next_segment_number_ = replay->next_segment_number;
  Result<std::unique_ptr<JournalStore>> reader = JournalStore::open_reader(database_path);
  if (!reader) return reader.error();
  journal->reader_ = std::move(*reader);
  if (Status loaded = journal->load_state(); !loaded) return loaded.error();

  Result<OutboxAppender> appender =
      OutboxAppender::create(outbox_directory, journal->next_segment_number_++, policy == JournalFsync::always);
  if (!appender) return appender.error();
  journal->appender_.emplace(std::move(*appender));
  journal->start_writer(std::move(*writer_store));
  log.info("journal_opened", {{"data_dir", data_dir},
                              {"fsync", to_string(policy)},
                              {"last_seq", journal->last_seq()},
                              {"unfinished", static_cast<std::uint64_t>(journal->unfinished().size())},
                              {"outbox_records_replayed", replay->records}});
  return journal;
}

SqliteJournal::SqliteJournal(JournalFsync policy, Logger log, SqliteJournalOptions options,
                             std::string outbox_directory)
    : IndexedJournal(options.bounds),
      policy_(policy),
      log_(std::move(log)),
      options_(options),
      outbox_directory_(std::move(outbox_directory)) {}

SqliteJournal::~SqliteJournal() { close(); }

Status SqliteJournal::load_state() {
  JournalStore& store = *reader_;
  Result<std::uint64_t> max_seq = store.max_seq();
  if (!max_seq) return max_seq.error();
  Result<std::uint64_t> max_intent = store.max_intent_id();
  if (!max_intent) return max_intent.error();
  Result<std::vector<OrderEntry>> open_orders = store.unfinished_orders();
  if (!open_orders) return open_orders.error();
  Result<std::vector<OrderEntry>> finished = store.recent_finished_orders(options_.bounds.recent_terminal_orders);
  if (!finished) return finished.error();
  Result<std::vector<FillEntry>> fills = store.recent_fills(options_.bounds.recent_fills);
  if (!fills) return fills.error();

  // In seq order, as they were recorded, so the index's eviction order is the same.
  std::vector<OrderEntry> orders = std::move(*finished);
  orders.insert(orders.end(), open_orders->begin(), open_orders->end());
  std::sort(orders.begin(), orders.end(), [](const OrderEntry& a, const OrderEntry& b) { return a.seq < b.seq; });
  for (const OrderEntry& entry : orders) index().apply(entry);
  for (const FillEntry& fill : *fills) index().apply(fill);
  index().raise_max_intent_id(*max_intent);
  restore_last_seq(*max_seq);
  committed_seq_.store(*max_seq, std::memory_order_release);
  index().trim(*max_seq);
  return {};
}

void SqliteJournal::start_writer(std::unique_ptr<JournalStore> store) {
  writer_ = std::thread([this, writer_store = std::move(store)]() mutable { writer_loop(std::move(writer_store)); });
}

template <typename Entry>
Status SqliteJournal::persist_entry(const Entry& entry) {
  if (closed_ || !appender_) return make_error(Errc::unavailable, "journal is closed");
  frame_buffer_.clear();
  if (Status framed = append_frame(frame_buffer_, entry); !framed) return framed;
  if (Status appended = appender_->append(frame_buffer_); !appended) {
    log_.error("journal_outbox_write_failed", {{"error", appended.error().message}});
    return appended;
  }
  enqueue(OutboxRecord(entry));
  rotate_segment_if_full();
  return {};
}

Status SqliteJournal::persist(const OrderEntry& entry) { return persist_entry(entry); }
Status SqliteJournal::persist(const FillEntry& fill) { return persist_entry(fill); }

void SqliteJournal::enqueue(QueueItem item) {
  bool group_full = false;
  {
    std::unique_lock lock(mutex_);
    if (std::holds_alternative<OutboxRecord>(item)) {
      progress_.wait(lock, [this] { return queued_records_ < options_.max_pending_records; });
      group_full = ++queued_records_ == options_.max_group_records;
    }
    queue_.push_back(std::move(item));
  }
  // The writer looks at the queue every group_window anyway: waking it for each record
  // would cost the driving thread a futex call and, on a busy machine, its CPU.
  if (group_full) work_ready_.notify_one();
}

void SqliteJournal::rotate_segment_if_full() {
  if (appender_->size() < options_.outbox_segment_bytes) return;
  Result<OutboxAppender> next =
      OutboxAppender::create(outbox_directory_, next_segment_number_, policy_ == JournalFsync::always);
  if (!next) {
    // Keep appending to the full segment: it grows past its size, nothing is lost.
    log_.error("journal_outbox_rotate_failed", {{"error", next.error().message}});
    return;
  }
  ++next_segment_number_;
  std::string closed_path = appender_->path();
  appender_.emplace(std::move(*next));
  enqueue(QueueItem(std::move(closed_path)));
}

Status SqliteJournal::commit_with_retry(JournalStore& store, const std::vector<OutboxRecord>& records) {
  std::chrono::milliseconds delay = kFirstRetryDelay;
  int tries_after_stop = 0;
  while (true) {
    Status committed = store.write_group(records);
    if (committed) return committed;
    writer_errors_.fetch_add(1, std::memory_order_relaxed);
    log_.error("journal_commit_failed", {{"records", static_cast<std::uint64_t>(records.size())},
                                         {"error", committed.error().message}});
    std::unique_lock lock(mutex_);
    if (stopping_ && ++tries_after_stop >= kCloseCommitTries) return committed;
    work_ready_.wait_for(lock, delay, [this] { return stopping_; });
    delay = std::min(delay * 2, kMaxRetryDelay);
  }
}

void SqliteJournal::writer_loop(std::unique_ptr<JournalStore> store) {
  std::vector<OutboxRecord> records;
  std::vector<std::string> closed_segments;
  while (true) {
    records.clear();
    closed_segments.clear();
    {
      std::unique_lock lock(mutex_);
      while (queue_.empty() && !stopping_) work_ready_.wait_for(lock, options_.group_window);
      if (queue_.empty()) return;  // stopping, and everything is committed
      while (!queue_.empty() && records.size() < options_.max_group_records) {
        if (auto* record = std::get_if<OutboxRecord>(&queue_.front())) {
          records.push_back(std::move(*record));
        } else {
          closed_segments.push_back(std::move(std::get<std::string>(queue_.front())));
        }
        queue_.pop_front();
      }
    }
    if (!records.empty()) {
      if (Status committed = commit_with_retry(*store, records); !committed) {
        // Given up at close: these records (and any still queued) stay in the outbox.
        std::lock_guard lock(mutex_);
        queue_.clear();
        queued_records_ = 0;
        progress_.notify_all();
        return;
      }
      group_commits_.fetch_add(1, std::memory_order_relaxed);
      grouped_records_.fetch_add(records.size(), std::memory_order_relaxed);
      committed_seq_.store(record_seq(records.back()), std::memory_order_release);
    }
    {
      std::lock_guard lock(mutex_);
      queued_records_ -= records.size();
    }
    progress_.notify_all();
    // Every record of these segments is committed now (they were queued after them).
    for (const std::string& path : closed_segments) {
      if (Status removed = remove_file(path); !removed) {
        log_.warn("journal_outbox_remove_failed", {{"error", removed.error().message}});
      }
    }
  }
}

void SqliteJournal::close() {
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
  const bool drained = committed_seq_.load(std::memory_order_acquire) == last_seq();
  if (appender_) {
    const std::string path = appender_->path();
    appender_.reset();
    if (drained) {
      if (Status removed = remove_file(path); !removed) {
        log_.warn("journal_outbox_remove_failed", {{"error", removed.error().message}});
      }
    }
  }
  if (!drained) {
    log_.error("journal_closed_with_outbox", {{"last_seq", last_seq()},
                                              {"committed_seq", committed_seq_.load(std::memory_order_acquire)}});
  }
  reader_.reset();
}

bool SqliteJournal::wait_committed(std::uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, timeout, [&] { return committed_seq_.load(std::memory_order_acquire) >= seq; });
}

std::vector<FillEntry> SqliteJournal::fills() const {
  if (!reader_) return {};
  if (!wait_committed(last_seq(), kFillsWait)) {
    log_.warn("journal_fills_uncommitted", {{"last_seq", last_seq()},
                                            {"committed_seq", committed_seq_.load(std::memory_order_acquire)}});
  }
  Result<std::vector<FillEntry>> fills = reader_->all_fills();
  if (!fills) {
    log_.error("journal_read_failed", {{"what", "fills"}, {"error", fills.error().message}});
    return {};
  }
  return std::move(*fills);
}

std::vector<OrderEntry> SqliteJournal::orders_of(std::uint64_t intent_id) const {
  if (!reader_) return {};
  (void)wait_committed(last_seq(), kFillsWait);
  Result<std::vector<OrderEntry>> rows = reader_->orders_of_intent(intent_id);
  if (!rows) {
    log_.error("journal_read_failed", {{"what", "orders_of"}, {"error", rows.error().message}});
    return {};
  }
  return std::move(*rows);
}

std::optional<OrderEntry> SqliteJournal::by_venue_order_id(std::string_view venue,
                                                          std::string_view venue_order_id) const {
  if (!reader_ || venue_order_id.empty()) return std::nullopt;
  (void)wait_committed(last_seq(), kFillsWait);
  Result<std::optional<OrderEntry>> row = reader_->order_by_venue_id(venue, venue_order_id);
  if (!row) {
    log_.error("journal_read_failed", {{"what", "by_venue_order_id"}, {"error", row.error().message}});
    return std::nullopt;
  }
  return std::move(*row);
}

std::vector<OrderEntry> SqliteJournal::events_of(std::uint64_t intent_id) const {
  if (!reader_) return {};
  (void)wait_committed(last_seq(), kFillsWait);
  Result<std::vector<OrderEntry>> rows = reader_->events_of_intent(intent_id);
  if (!rows) {
    log_.error("journal_read_failed", {{"what", "events_of"}, {"error", rows.error().message}});
    return {};
  }
  return std::move(*rows);
}

std::optional<OrderEntry> SqliteJournal::load_last(std::string_view venue, std::string_view client_order_id) const {
  if (!reader_) return std::nullopt;
  Result<std::optional<OrderEntry>> entry = reader_->order(venue, client_order_id);
  if (!entry) {
    log_.error("journal_read_failed", {{"what", "order"}, {"error", entry.error().message}});
    return std::nullopt;
  }
  return std::move(*entry);
}

std::optional<int> SqliteJournal::load_last_attempt(std::uint64_t intent_id, Leg leg) const {
  if (!reader_) return std::nullopt;
  Result<std::optional<int>> attempt = reader_->last_attempt(intent_id, leg);
  if (!attempt) {
    log_.error("journal_read_failed", {{"what", "attempt"}, {"error", attempt.error().message}});
    return std::nullopt;
  }
  return *attempt;
}

JournalStats SqliteJournal::stats() const {
  JournalStats stats = IndexedJournal::stats();
  stats.committed_seq = committed_seq_.load(std::memory_order_acquire);
  stats.group_commits = group_commits_.load(std::memory_order_relaxed);
  const std::uint64_t grouped = grouped_records_.load(std::memory_order_relaxed);
  stats.mean_group_size = stats.group_commits == 0 ? 0.0 : static_cast<double>(grouped) / stats.group_commits;
  stats.writer_errors = writer_errors_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace propbot::exec
