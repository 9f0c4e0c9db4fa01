// Order journal costs (issue 12, SPEC S-8.1 / S-13): what record() costs the driving
// thread under each JournalFsync policy, and how many records per second the writer's
// group commit sustains. Run: ./build/tests/bench/propbot_journal_bench
// (docs/PERFORMANCE.md, "Journal"). The journal lives in a scratch directory under
// $TMPDIR (or /tmp): the figures are those of that file system's disk.
//
// BM_JournalRecord/<policy>/<pace_us>: one iteration = one record() of the next event
//   of a stream of orders (intent → new → sent → ack → filled, a new order every
//   five). p50_ns, p99_ns and max_ns time record() alone (steady_clock around the
//   call). pace 0: back to back, faster than the writer commits, so the queue fills
//   and record() sometimes waits for it (backpressure) — the per-iteration time is
//   then the writer's pace, not record()'s; pace 200: one record every 200 µs
//   (5,000/s, far above a desk's order rate), so the figures are what the driving
//   thread pays in service.
// BM_JournalThroughput: one iteration = `range(0)` records on the driving thread,
//   then the wait until the writer has committed them all: records/s end to end,
//   with the mean number of records per SQLite transaction (mean_group_size).
// BM_JournalDurableWrite/<policy>: one iteration = one record() and the wait until
//   the writer has committed it to SQLite (synchronous=FULL): a single order event
//   made durable against power loss (S-13: p99 ≤ 2 ms). Under `always` the outbox
//   fdatasync already made it so when record() returned; the commit wait is shown too.
// BM_MemoryJournalRecord: the same stream into MemoryJournal: the cost of the rules
//   and index alone, no I/O.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "core/common/latency_histogram.hpp"
#include "core/exec/client_order_id.hpp"
#include "core/exec/memory_journal.hpp"
#include "core/exec/sqlite_journal.hpp"
#include "tests/bench/scratch_dir.hpp"

namespace {

using namespace propbot;
using namespace propbot::exec;

using bench::ScratchDir;

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger(make_logger(options));
}

// The next event of a stream of orders, five events each.
class OrderStream {
 public:
  OrderStream() {
    base_.venue = "BINANCE";
    base_.strategy = "cross_exchange_arb";
    base_.symbol = "BTC-USDT";
    base_.quantity = Decimal::from_mantissa(1, 0);
    base_.price = Decimal::from_mantissa(6500010, 2);
  }

  OrderEntry next() {
    static constexpr OrderEvent kEvents[] = {OrderEvent::intent, OrderEvent::new_order, OrderEvent::sent,
                                             OrderEvent::ack, OrderEvent::filled};
    if (step_ == 0) {
      ++intent_id_;
      client_order_id_ = make_client_order_id(ClientOrderIdParts{1, intent_id_, Leg::single, 0}).value();
    }
    OrderEntry entry = base_;
    entry.ts_ms = 1'700'000'000'000 + static_cast<std::int64_t>(intent_id_);
    entry.client_order_id = client_order_id_;
    entry.intent_id = entry.position_id = intent_id_;
    entry.event = kEvents[step_];
    if (entry.event == OrderEvent::filled) {
      entry.filled_quantity = base_.quantity;
      entry.average_price = *base_.price;
    }
    step_ = (step_ + 1) % 5;
    return entry;
  }

 private:
  OrderEntry base_;
  std::uint64_t intent_id_ = 0;
  std::string client_order_id_;
  int step_ = 0;
};

std::unique_ptr<SqliteJournal> open_or_skip(benchmark::State& state, const ScratchDir& dir, JournalFsync policy) {
  auto journal = SqliteJournal::open(dir.path(), policy, quiet_logger());
  if (!journal) {
    state.SkipWithError(journal.error().message.c_str());
    return nullptr;
  }
  return std::move(*journal);
}

void report_latency(benchmark::State& state, const LatencyHistogram& latency) {
  state.counters["p50_ns"] = static_cast<double>(latency.percentile(50));
  state.counters["p99_ns"] = static_cast<double>(latency.percentile(99));
  state.counters["max_ns"] = static_cast<double>(latency.max());
}

void record_latency(benchmark::State& state, Journal& journal, std::chrono::microseconds pace) {
  OrderStream stream;
  LatencyHistogram latency;
  auto next_slot = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (pace.count() > 0) {
      next_slot += pace;
      while (std::chrono::steady_clock::now() < next_slot) {
      }
    }
    OrderEntry entry = stream.next();
    const auto start = std::chrono::steady_clock::now();
    Result<RecordOutcome> outcome = journal.record(entry);
    const auto stop = std::chrono::steady_clock::now();
    if (!outcome || *outcome != RecordOutcome::recorded) {
      state.SkipWithError("record failed");
      return;
    }
    latency.record(std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
  }
  report_latency(state, latency);
}

void BM_JournalRecord(benchmark::State& state, JournalFsync policy) {
  ScratchDir dir("propbot-journal-bench");
  std::unique_ptr<SqliteJournal> journal = open_or_skip(state, dir, policy);
  if (!journal) return;
  record_latency(state, *journal, std::chrono::microseconds(state.range(0)));
  const JournalStats stats = journal->stats();
  state.counters["mean_group_size"] = stats.mean_group_size;
}
BENCHMARK_CAPTURE(BM_JournalRecord, always, JournalFsync::always)->Arg(0)->Arg(200)->Iterations(2'000);
BENCHMARK_CAPTURE(BM_JournalRecord, batch, JournalFsync::batch)->Arg(0)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_JournalRecord, batch, JournalFsync::batch)->Arg(200)->Iterations(10'000);
BENCHMARK_CAPTURE(BM_JournalRecord, never, JournalFsync::never)->Arg(0)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_JournalRecord, never, JournalFsync::never)->Arg(200)->Iterations(10'000);

void BM_JournalDurableWrite(benchmark::State& state, JournalFsync policy) {
  ScratchDir dir("propbot-journal-bench");
  std::unique_ptr<SqliteJournal> journal = open_or_skip(state, dir, policy);
  if (!journal) return;
  OrderStream stream;
  LatencyHistogram durable;
  for (auto _ : state) {
    OrderEntry entry = stream.next();
    const auto start = std::chrono::steady_clock::now();
    if (!journal->record(entry)) {
      state.SkipWithError("record failed");
      return;
    }
    while (journal->stats().committed_seq < entry.seq) std::this_thread::yield();
    durable.record(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  }
  report_latency(state, durable);
}
BENCHMARK_CAPTURE(BM_JournalDurableWrite, always, JournalFsync::always)->Iterations(1'000);
BENCHMARK_CAPTURE(BM_JournalDurableWrite, batch, JournalFsync::batch)->Iterations(1'000);

void BM_MemoryJournalRecord(benchmark::State& state) {
  MemoryJournal journal(100'000'000);
  record_latency(state, journal, std::chrono::microseconds(0));
}
BENCHMARK(BM_MemoryJournalRecord);

void BM_JournalThroughput(benchmark::State& state, JournalFsync policy) {
  ScratchDir dir("propbot-journal-bench");
  std::unique_ptr<SqliteJournal> journal = open_or_skip(state, dir, policy);
  if (!journal) return;
  OrderStream stream;
  const auto records = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < records; ++i) {
      OrderEntry entry = stream.next();
      benchmark::DoNotOptimize(journal->record(entry));
    }
    while (journal->stats().committed_seq < journal->stats().last_seq) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records));
  const JournalStats stats = journal->stats();
  state.counters["mean_group_size"] = stats.mean_group_size;
  state.counters["group_commits"] = static_cast<double>(stats.group_commits);
}
BENCHMARK_CAPTURE(BM_JournalThroughput, always, JournalFsync::always)->Arg(1'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_JournalThroughput, batch, JournalFsync::batch)->Arg(20'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_JournalThroughput, never, JournalFsync::never)->Arg(20'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
