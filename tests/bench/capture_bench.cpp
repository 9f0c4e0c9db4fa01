// Capture costs (issue 14 item 6, SPEC S-9.6): what `run --capture` costs the thread that
// receives venue messages, how fast the writer drains, and the bytes a captured event
// takes on disk. Run: ./build/tests/bench/propbot_capture_bench (docs/PERFORMANCE.md,
// "Capture"). The file lives in a scratch directory under $TMPDIR (or /tmp).
//
// Messages: Binance USD-M depthUpdate frames in the venue's real format
// (binance_frames.hpp: 10 levels each, ~330 bytes), the densest stream the desk takes.
//
// BM_CaptureTap/<pace_us>: one iteration = one tap call (what the adapter's on_message
//   pays: the clock read, one copy of the text, the queue push). p50_ns / p99_ns /
//   max_ns time the call alone. pace 0: back to back (the writer competes for the
//   cores); pace 100: 10,000 messages/s, far above a desk's rate.
// BM_CaptureThroughput: one iteration = range(0) messages tapped back to back, then
//   close() (the writer drains and flushes): messages/s end to end; bytes_per_event =
//   file bytes ÷ frames (header included), overhead_per_event = what the frame adds to
//   the message, dropped = messages the queue shed (writer behind).
// BM_CaptureEncodeFrame: append_capture_frame alone (header fields + CRC-32 of the
//   payload), per message.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/common/latency_histogram.hpp"
#include "core/history/capture_file.hpp"
#include "core/history/capture_writer.hpp"
#include "tests/bench/binance_frames.hpp"
#include "tests/bench/scratch_dir.hpp"

namespace {

using namespace propbot;
using namespace propbot::history;

const bench::BinanceFrames& frames() {
  static const bench::BinanceFrames built;
  return built;
}

Logger quiet_logger() {
  LogOptions options;
  options.level = "error";
  return Logger(make_logger(options));
}

std::unique_ptr<CaptureWriter> open_or_skip(benchmark::State& state, const bench::ScratchDir& dir, int run) {
  CaptureOptions options;
  options.path = dir.path() + "/bench-" + std::to_string(run) + ".pbcap";
  options.venues = {"BINANCE", "OKX"};
  static RealClock clock;
  auto writer = CaptureWriter::open(options, clock, quiet_logger());
  if (!writer) {
    state.SkipWithError(writer.error().message.c_str());
    return nullptr;
  }
  return std::move(*writer);
}

void BM_CaptureTap(benchmark::State& state) {
  bench::ScratchDir dir("propbot-capture-bench");
  auto writer = open_or_skip(state, dir, 0);
  if (!writer) return;
  const RawMessageTap tap = writer->tap("BINANCE");
  const std::chrono::microseconds pace(state.range(0));
  LatencyHistogram latency;
  std::size_t next = 0;
  auto slot = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (pace.count() > 0) {
      slot += pace;
      std::this_thread::sleep_until(slot);
    }
    const std::string& message = frames().frames[next++ % frames().frames.size()];
    const auto start = std::chrono::steady_clock::now();
    tap(RawChannel::market_ws, message);
    latency.record(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  }
  writer->close();
  state.counters["p50_ns"] = static_cast<double>(latency.percentile(50));
  state.counters["p99_ns"] = static_cast<double>(latency.percentile(99));
  state.counters["max_ns"] = static_cast<double>(latency.max());
  state.counters["dropped"] = static_cast<double>(writer->stats().dropped);
}
BENCHMARK(BM_CaptureTap)->Arg(0)->Arg(100)->Iterations(20'000)->UseRealTime();

void BM_CaptureThroughput(benchmark::State& state) {
  bench::ScratchDir dir("propbot-capture-bench");
  const auto messages = static_cast<std::size_t>(state.range(0));
  CaptureStats stats;
  int run = 0;
  for (auto _ : state) {
    auto writer = open_or_skip(state, dir, run++);
    if (!writer) return;
    const RawMessageTap tap = writer->tap("BINANCE");
    for (std::size_t i = 0; i < messages; ++i) tap(RawChannel::market_ws, frames().frames[i % frames().frames.size()]);
    writer->close();
    stats = writer->stats();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * messages));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stats.file_bytes));
  const double written = static_cast<double>(std::max<std::uint64_t>(stats.frames_written, 1));
  state.counters["bytes_per_event"] = static_cast<double>(stats.file_bytes) / written;
  state.counters["message_bytes_per_event"] = static_cast<double>(stats.message_bytes) / written;
  state.counters["overhead_per_event"] = static_cast<double>(stats.file_bytes - stats.message_bytes) / written;
  state.counters["dropped"] = static_cast<double>(stats.dropped);
}
BENCHMARK(BM_CaptureThroughput)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CaptureEncodeFrame(benchmark::State& state) {
  std::string buffer;
  std::size_t next = 0;
  for (auto _ : state) {
    buffer.clear();
    const std::string& message = frames().frames[next++ % frames().frames.size()];
    benchmark::DoNotOptimize(append_capture_frame(buffer, 1, 0, RawChannel::market_ws, message).ok());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frames().frames[0].size()));
}
BENCHMARK(BM_CaptureEncodeFrame);

}  // namespace
