// kill -9 against SqliteJournal: a child process records a deterministic stream of
// order events and fills and reports every seq record() returned through a pipe; the
// parent kills it with SIGKILL at a random point. After reopening, every acknowledged
// entry must be there, and the journal must equal a MemoryJournal fed the same
// stream up to the last seq found (at most one entry past the last acknowledged: the
// one whose write(2) returned just before the kill).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <random>
#include <variant>

#include <gtest/gtest.h>

#include "core/exec/memory_journal.hpp"
#include "core/exec/outbox_file.hpp"
#include "core/exec/sqlite_journal.hpp"
#include "tests/unit/exec/journal_test_support.hpp"
#include "tests/unit/store/test_support.hpp"

namespace propbot::exec {
namespace {

using namespace test_support;
using E = OrderEvent;

constexpr std::uint64_t kStreamLength = 400'000;  // the child never gets to the end

// Entry i of the stream: three orders at a time, each intent → new → sent → ack →
// partial → (its fill) → filled, interleaved.
std::variant<OrderEntry, FillEntry> stream_entry(std::uint64_t i) {
  const std::uint64_t block = i / 21;
  const std::uint64_t within = i % 21;
  const std::uint64_t id = block * 3 + within % 3 + 1;
  switch (within / 3) {
    case 0: return order_entry(id, E::intent);
    case 1: return order_entry(id, E::new_order);
    case 2: return order_entry(id, E::sent);
    case 3: return order_entry(id, E::ack);
    case 4: return order_entry(id, E::partial, "0.4");
    case 5: return fill_entry("trade-" + std::to_string(id), id);
    default: return order_entry(id, E::filled, "1");
  }
}

Result<RecordOutcome> record_stream_entry(Journal& journal, std::uint64_t i) {
  auto entry = stream_entry(i);
  if (auto* order = std::get_if<OrderEntry>(&entry)) return journal.record(*order);
  return journal.record_fill(std::get<FillEntry>(entry));
}

[[noreturn]] void run_child(const std::string& dir, JournalFsync policy, int pipe_out) {
  Result<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::open(dir, policy, quiet_logger());
  if (!journal) ::_exit(3);
  for (std::uint64_t i = 0; i < kStreamLength; ++i) {
    auto entry = stream_entry(i);
    std::uint64_t seq = 0;
    if (auto* order = std::get_if<OrderEntry>(&entry)) {
      if (!(*journal)->record(*order)) ::_exit(4);
      seq = order->seq;
    } else {
      if (!(*journal)->record_fill(std::get<FillEntry>(entry))) ::_exit(4);
      seq = std::get<FillEntry>(entry).seq;
    }
    if (::write(pipe_out, &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) ::_exit(5);
    // Now and then let the writer catch up, so kills also land while SQLite holds part
    // of the stream and the outbox the rest (not only before the first group commit).
    if (i % 2000 == 1999) ::usleep(20'000);
  }
  ::_exit(0);
}

// Reads acknowledged seqs until `kill_after` of them, kills the child, reads the rest.
std::vector<std::uint64_t> kill_child_after(pid_t child, int pipe_in, std::uint64_t kill_after) {
  std::vector<std::uint64_t> acknowledged;
  bool killed = false;
  std::uint64_t seq = 0;
  std::size_t have = 0;
  while (true) {
    const ssize_t n = ::read(pipe_in, reinterpret_cast<char*>(&seq) + have, sizeof seq - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child is gone and the pipe drained
    have += static_cast<std::size_t>(n);
    if (have < sizeof seq) continue;
    acknowledged.push_back(seq);
    have = 0;
    if (!killed && acknowledged.size() >= kill_after) {
      ::kill(child, SIGKILL);
      killed = true;
    }
  }
  if (!killed) ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child stopped by itself: " << status;
  return acknowledged;
}

void expect_same_journal(const Journal& recovered, const Journal& oracle) {
  const std::vector<OrderEntry> open = recovered.unfinished();
  const std::vector<OrderEntry> expected_open = oracle.unfinished();
  ASSERT_EQ(open.size(), expected_open.size());
  for (std::size_t i = 0; i < open.size(); ++i) EXPECT_TRUE(same_entry(open[i], expected_open[i])) << i;
  const std::vector<FillEntry> fills = recovered.fills();
  const std::vector<FillEntry> expected_fills = oracle.fills();
  ASSERT_EQ(fills.size(), expected_fills.size());
  for (std::size_t i = 0; i < fills.size(); ++i) EXPECT_TRUE(same_entry(fills[i], expected_fills[i])) << i;
  for (std::uint64_t id = 1; id <= oracle.max_intent_id(); ++id) {
    std::optional<OrderEntry> last = recovered.last("BINANCE", cid(id));
    std::optional<OrderEntry> expected = oracle.last("BINANCE", cid(id));
    ASSERT_EQ(last.has_value(), expected.has_value()) << id;
    if (last) {
      EXPECT_TRUE(same_entry(*last, *expected)) << id;
    }
  }
  EXPECT_EQ(recovered.max_intent_id(), oracle.max_intent_id());
}

class JournalCrashTest : public ::testing::TestWithParam<JournalFsync> {};

TEST_P(JournalCrashTest, EveryAcknowledgedEntrySurvivesKillNine) {
  std::mt19937_64 random(std::random_device{}());
  for (int round = 0; round < 4; ++round) {
    store::test_support::TempDir dir;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    // fdatasync per record makes `always` slow on a real disk: kill it sooner.
    const std::uint64_t latest_kill = GetParam() == JournalFsync::always ? 400 : 20'000;
    const std::uint64_t kill_after = std::uniform_int_distribution<std::uint64_t>(1, latest_kill)(random);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_child(dir.path(), GetParam(), fds[1]);
    }
    ::close(fds[1]);
    const std::vector<std::uint64_t> acknowledged = kill_child_after(child, fds[0], kill_after);
    ::close(fds[0]);
    ASSERT_GE(acknowledged.size(), kill_after);
    for (std::size_t i = 0; i < acknowledged.size(); ++i) ASSERT_EQ(acknowledged[i], i + 1) << "seqs are 1, 2, 3, ...";

    std::uintmax_t outbox_bytes = 0;
    for (const auto& item : std::filesystem::directory_iterator(dir.file(std::string(kOutboxDirectoryName)))) {
      outbox_bytes += item.file_size();
    }
    Result<std::unique_ptr<SqliteJournal>> recovered = SqliteJournal::open(dir.path(), GetParam(), quiet_logger());
    ASSERT_TRUE(recovered.ok()) << recovered.error().describe();
    const std::uint64_t found = (*recovered)->stats().last_seq;
    SCOPED_TRACE("round " + std::to_string(round) + ": killed after " + std::to_string(acknowledged.size()) +
                 " acknowledged, " + std::to_string(found) + " found, " + std::to_string(outbox_bytes) +
                 " outbox bytes replayed");
    std::printf("[ crash    ] %s round %d: %zu acknowledged, %llu found, %ju outbox bytes replayed\n",
                std::string(to_string(GetParam())).c_str(), round, acknowledged.size(),
                static_cast<unsigned long long>(found), outbox_bytes);
    ASSERT_GE(found, acknowledged.size()) << "an acknowledged entry was lost";
    ASSERT_LE(found, acknowledged.size() + 1) << "more entries than the child could have written";

    MemoryJournal oracle;
    for (std::uint64_t i = 0; i < found; ++i) ASSERT_TRUE(record_stream_entry(oracle, i).ok());
    expect_same_journal(**recovered, oracle);

    // The journal goes on where it stopped.
    OrderEntry next = order_entry(1'000'000, E::intent);
    ASSERT_EQ(*(*recovered)->record(next), RecordOutcome::recorded);
    EXPECT_EQ(next.seq, found + 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, JournalCrashTest,
                         ::testing::Values(JournalFsync::batch, JournalFsync::never, JournalFsync::always),
                         [](const ::testing::TestParamInfo<JournalFsync>& info) {
                           return std::string(to_string(info.param));
                         });

}  // namespace
}  // namespace propbot::exec
