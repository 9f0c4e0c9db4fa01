// SqliteJournal's own promises: what a reopen keeps, how the outbox is replayed (a torn
// or CRC-bad tail is ignored, never what came before it), that keys evicted from the
// in-memory index are still answered from SQLite, and that the outbox stays bounded.
#include "core/exec/sqlite_journal.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/exec/outbox_file.hpp"
#include "core/exec/outbox_record.hpp"
#include "tests/unit/exec/journal_test_support.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::exec {
namespace {

using namespace test_support;
using E = OrderEvent;
namespace fs = std::filesystem;

std::unique_ptr<SqliteJournal> open_journal(const std::string& dir, SqliteJournalOptions options = {},
                                            JournalFsync policy = JournalFsync::batch) {
  Result<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::open(dir, policy, quiet_logger(), options);
  if (!journal) {
    ADD_FAILURE() << journal.error().describe();
    return nullptr;
  }
  return std::move(*journal);
}

void record_ok(Journal& journal, OrderEntry entry) {
  Result<RecordOutcome> outcome = journal.record(entry);
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  ASSERT_EQ(*outcome, RecordOutcome::recorded) << to_string(entry.event);
}

void finish_order(Journal& journal, std::uint64_t id) {
  for (E event : {E::intent, E::new_order, E::sent}) record_ok(journal, order_entry(id, event));
  record_ok(journal, order_entry(id, E::filled, "1"));
}

void wait_for_commit(const Journal& journal) {
  for (int i = 0; i < 500 && journal.stats().committed_seq < journal.stats().last_seq; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(journal.stats().committed_seq, journal.stats().last_seq);
}

// The writer deletes segments meanwhile: a file gone between listing and sizing counts 0.
std::uintmax_t directory_bytes(const std::string& dir) {
  std::uintmax_t total = 0;
  for (const auto& item : fs::directory_iterator(dir)) {
    std::error_code gone;
    const std::uintmax_t size = fs::file_size(item.path(), gone);
    if (!gone) total += size;
  }
  return total;
}

std::size_t directory_files(const std::string& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(SqliteJournalTest, ReopenAfterCloseKeepsEveryEntryAndTheDedupeState) {
  store::test_support::TempDir dir;
  {
    auto journal = open_journal(dir.path());
    ASSERT_TRUE(journal);
    finish_order(*journal, 1);
    for (E event : {E::intent, E::new_order, E::sent, E::ack}) record_ok(*journal, order_entry(2, event));
    record_ok(*journal, order_entry(2, E::partial, "0.4"));
    FillEntry fill = fill_entry("t-1", 2);
    ASSERT_EQ(*journal->record_fill(fill), RecordOutcome::recorded);
    journal->close();
    journal->close();  // idempotent
    OrderEntry late = order_entry(3, E::intent);
    Result<RecordOutcome> refused = journal->record(late);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, Errc::unavailable);
  }
  EXPECT_EQ(directory_files(dir.file(std::string(kOutboxDirectoryName))), 0u) << "a clean close leaves no outbox";

  auto journal = open_journal(dir.path());
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->stats().last_seq, 10u);
  EXPECT_EQ(journal->stats().committed_seq, 10u);
  OrderEntry expected_last = order_entry(2, E::partial, "0.4");
  expected_last.seq = 9;
  const std::vector<OrderEntry> open = journal->unfinished();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_TRUE(same_entry(open[0], expected_last));
  OrderEntry expected_filled = order_entry(1, E::filled, "1");
  expected_filled.seq = 4;
  EXPECT_TRUE(same_entry(*journal->last("BINANCE", cid(1)), expected_filled));
  FillEntry expected_fill = fill_entry("t-1", 2);
  expected_fill.seq = 10;
  ASSERT_EQ(journal->fills().size(), 1u);
  EXPECT_TRUE(same_entry(journal->fills()[0], expected_fill));
  EXPECT_EQ(journal->max_intent_id(), 2u);
  OrderEntry filled_again = order_entry(1, E::filled, "1");
  EXPECT_EQ(journal->record(filled_again).value(), RecordOutcome::duplicate);
  OrderEntry late_ack = order_entry(2, E::ack);
  EXPECT_EQ(journal->record(late_ack).value(), RecordOutcome::stale);
}

TEST(SqliteJournalTest, KeysEvictedFromMemoryAreAnsweredFromSqlite) {
  store::test_support::TempDir dir;
  SqliteJournalOptions options;
  options.bounds = JournalBounds{4, 4, 4};
  auto journal = open_journal(dir.path(), options);
  ASSERT_TRUE(journal);
  finish_order(*journal, 1);
  FillEntry old_trade = fill_entry("old-trade", 1);
  ASSERT_EQ(*journal->record_fill(old_trade), RecordOutcome::recorded);
  wait_for_commit(*journal);
  for (std::uint64_t id = 2; id <= 12; ++id) {
    finish_order(*journal, id);
    FillEntry fill = fill_entry("trade-" + std::to_string(id), id);
    ASSERT_EQ(*journal->record_fill(fill), RecordOutcome::recorded);
  }

  std::optional<OrderEntry> first = journal->last("BINANCE", cid(1));
  ASSERT_TRUE(first.has_value()) << "evicted from memory, read from SQLite";
  EXPECT_EQ(first->event, E::filled);
  EXPECT_EQ(first->seq, 4u);
  EXPECT_EQ(journal->last_attempt(1, Leg::single), 0);
  OrderEntry late_cancel = order_entry(1, E::cancelled);
  EXPECT_EQ(journal->record(late_cancel).value(), RecordOutcome::stale);

  // Beyond the fill bound a re-reported trade is not recognised in memory, but SQLite's
  // unique key keeps one row: fills() and a restart see it once.
  FillEntry again = fill_entry("old-trade", 1);
  EXPECT_EQ(*journal->record_fill(again), RecordOutcome::recorded);
  std::size_t old_trades = 0;
  for (const FillEntry& fill : journal->fills()) old_trades += fill.trade_id == "old-trade" ? 1 : 0;
  EXPECT_EQ(old_trades, 1u);
}

TEST(SqliteJournalTest, ReplaysTheOutboxAndIgnoresATornTail) {
  store::test_support::TempDir dir;
  const std::string outbox = dir.file(std::string(kOutboxDirectoryName));
  ASSERT_TRUE(ensure_directory(outbox).ok());
  std::string bytes;
  std::uint64_t seq = 0;
  for (E event : {E::intent, E::new_order, E::sent}) {
    OrderEntry entry = order_entry(5, event);
    entry.seq = ++seq;
    ASSERT_TRUE(append_frame(bytes, entry).ok());
  }
  FillEntry fill = fill_entry("t-5", 5);
  fill.seq = ++seq;
  ASSERT_TRUE(append_frame(bytes, fill).ok());
  const std::size_t whole = bytes.size();
  OrderEntry torn = order_entry(5, E::filled, "1");
  torn.seq = ++seq;
  ASSERT_TRUE(append_frame(bytes, torn).ok());
  bytes.resize(whole + (bytes.size() - whole) / 2);  // the write a crash cut in half
  write_file(outbox_segment_path(outbox, 3), bytes);

  auto journal = open_journal(dir.path());
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->stats().last_seq, 4u);
  const std::vector<OrderEntry> open = journal->unfinished();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].event, E::sent) << "the torn fill report was never acknowledged";
  ASSERT_EQ(journal->fills().size(), 1u);
  const std::vector<OutboxSegment> segments = list_outbox_segments(outbox).value();
  ASSERT_EQ(segments.size(), 1u) << "the replayed segment is gone; a fresh one was started";
  EXPECT_EQ(segments[0].number, 4u) << "numbering continues above every segment seen";
  OrderEntry next = order_entry(5, E::filled, "1");
  EXPECT_EQ(*journal->record(next), RecordOutcome::recorded);
  EXPECT_EQ(next.seq, 5u);
}

TEST(SqliteJournalTest, AFrameFailingItsCrcEndsTheReplayOfItsSegment) {
  store::test_support::TempDir dir;
  const std::string outbox = dir.file(std::string(kOutboxDirectoryName));
  ASSERT_TRUE(ensure_directory(outbox).ok());
  std::string bytes;
  std::uint64_t seq = 0;
  std::size_t second_start = 0;
  for (E event : {E::intent, E::new_order, E::sent}) {
    if (event == E::new_order) second_start = bytes.size();
    OrderEntry entry = order_entry(6, event);
    entry.seq = ++seq;
    ASSERT_TRUE(append_frame(bytes, entry).ok());
  }
  bytes[second_start + kOutboxFrameHeaderBytes + 12] ^= 0x01;  // one bit flipped in the payload
  write_file(outbox_segment_path(outbox, 1), bytes);

  auto journal = open_journal(dir.path());
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->stats().last_seq, 1u);
  ASSERT_EQ(journal->unfinished().size(), 1u);
  EXPECT_EQ(journal->unfinished()[0].event, E::intent);
}

TEST(SqliteJournalTest, ReplayingRecordsAlreadyCommittedChangesNothing) {
  store::test_support::TempDir dir;
  std::string bytes;
  {
    auto journal = open_journal(dir.path());
    ASSERT_TRUE(journal);
    for (E event : {E::intent, E::new_order, E::sent}) {
      OrderEntry entry = order_entry(8, event);
      ASSERT_EQ(*journal->record(entry), RecordOutcome::recorded);
      ASSERT_TRUE(append_frame(bytes, entry).ok());
    }
  }
  // As if the writer had committed but the process died before deleting the segment.
  write_file(outbox_segment_path(dir.file(std::string(kOutboxDirectoryName)), 1), bytes);
  auto journal = open_journal(dir.path());
  ASSERT_TRUE(journal);
  EXPECT_EQ(journal->stats().last_seq, 3u);
  ASSERT_EQ(journal->unfinished().size(), 1u);
  EXPECT_EQ(journal->unfinished()[0].event, E::sent);
  EXPECT_EQ(journal->unfinished()[0].seq, 3u);
}

TEST(SqliteJournalTest, TheOutboxStaysBoundedUnderSustainedRecording) {
  store::test_support::TempDir dir;
  SqliteJournalOptions options;
  options.outbox_segment_bytes = 16 * 1024;
  options.max_pending_records = 256;
  auto journal = open_journal(dir.path(), options, JournalFsync::never);
  ASSERT_TRUE(journal);
  std::string one_frame;
  ASSERT_TRUE(append_frame(one_frame, order_entry(1, E::filled, "1")).ok());
  // Queued records plus the segment being written (and the frame that crossed its limit).
  const std::uintmax_t bound = options.outbox_segment_bytes + (options.max_pending_records + 1) * 2 * one_frame.size();
  std::uintmax_t largest = 0;
  const std::string outbox = journal->outbox_directory();
  for (std::uint64_t id = 1; id <= 5000; ++id) {
    finish_order(*journal, id);
    if (id % 100 == 0) largest = std::max(largest, directory_bytes(outbox));
  }
  EXPECT_LE(largest, bound);
  EXPECT_GT(journal->stats().orders_recorded * one_frame.size() / 2, 10 * bound) << "the test wrote far more than the bound";
  const JournalStats stats = journal->stats();
  EXPECT_GT(stats.group_commits, 0u);
  EXPECT_GE(stats.mean_group_size, 1.0);
  journal->close();
  EXPECT_EQ(directory_files(outbox), 0u);
  EXPECT_EQ(journal->stats().committed_seq, 20000u);
}

TEST(SqliteJournalTest, OpenNamesAMissingDataDirectory) {
  Result<std::unique_ptr<SqliteJournal>> journal =
      SqliteJournal::open("/nonexistent/propbot-journal", JournalFsync::batch, quiet_logger());
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.error().code, Errc::not_found);
  EXPECT_NE(journal.error().message.find("/nonexistent/propbot-journal"), std::string::npos);
}

}  // namespace
}  // namespace propbot::exec
