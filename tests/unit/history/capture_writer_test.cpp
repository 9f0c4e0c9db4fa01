#include "core/history/capture_writer.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/history/capture_file.hpp"
#include "tests/unit/history/history_test_support.hpp"

namespace propbot::history {
namespace {

using test_support::quiet_logger;
using test_support::TempDir;

class CaptureWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<CaptureWriter> open_writer(std::uint64_t max_bytes = 1 << 20) {
    CaptureOptions options;
    options.path = path;
    options.venues = {"BINANCE", "OKX"};
    options.max_bytes = max_bytes;
    auto writer = CaptureWriter::open(options, clock, quiet_logger());
    EXPECT_TRUE(writer.ok()) << writer.error().describe();
    return writer ? std::move(*writer) : nullptr;
  }

  TempDir dir;
  std::string path = dir.file("run.pbcap");
  SimClock clock{UtcTime{std::chrono::seconds{1'800'000'000}}};
};

TEST_F(CaptureWriterTest, WritesWhatTheTapsSawWithTheirReceiveTimes) {
  auto writer = open_writer();
  ASSERT_TRUE(writer);
  RawMessageTap binance = writer->tap("BINANCE");
  RawMessageTap okx = writer->tap("OKX");
  ASSERT_TRUE(binance && okx);
  EXPECT_FALSE(writer->tap("KRAKEN"));  // not in the table: nothing to record it under
  binance(RawChannel::market_ws, "depth-1");
  clock.advance(std::chrono::milliseconds(5));
  okx(RawChannel::private_ws, "orders-1");
  binance(RawChannel::rest, "answer");
  writer->close();

  const CaptureStats stats = writer->stats();
  EXPECT_EQ(stats.frames_written, 3u);
  EXPECT_EQ(stats.message_bytes, 7u + 8u + 6u);
  EXPECT_EQ(stats.file_bytes, std::filesystem::file_size(path));
  EXPECT_EQ(stats.dropped, 0u);

  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->header().venues, (std::vector<std::string>{"BINANCE", "OKX"}));
  std::vector<CaptureFrame> frames;
  while (auto frame = reader->next()) frames.push_back(*frame);
  ASSERT_EQ(frames.size(), 3u);
  const std::int64_t start = std::int64_t{1'800'000'000} * 1'000'000'000;
  EXPECT_EQ(reader->header().start_unix_ns, start);
  EXPECT_EQ(frames[0].venue, 0);
  EXPECT_EQ(frames[0].recv_unix_ns, start);
  EXPECT_EQ(frames[1].venue, 1);
  EXPECT_EQ(frames[1].channel, RawChannel::private_ws);
  EXPECT_EQ(frames[1].recv_unix_ns, start + 5'000'000);
  EXPECT_EQ(frames[2].message, "answer");
  EXPECT_EQ(reader->stop(), CaptureReader::Stop::end);
}

TEST_F(CaptureWriterTest, StopsAtItsSizeBoundAndCountsTheRest) {
  const std::uint64_t bound = 600;
  auto writer = open_writer(bound);
  ASSERT_TRUE(writer);
  const std::string message(100, 'm');
  for (int i = 0; i < 20; ++i) writer->record(0, RawChannel::market_ws, message);
  writer->close();
  const CaptureStats stats = writer->stats();
  EXPECT_TRUE(stats.bound_reached);
  EXPECT_LE(std::filesystem::file_size(path), bound);
  EXPECT_GT(stats.frames_written, 0u);
  EXPECT_EQ(stats.frames_written + stats.refused + stats.dropped, 20u);
  // What was written is whole: the reader ends cleanly.
  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok());
  std::uint64_t frames = 0;
  while (reader->next()) ++frames;
  EXPECT_EQ(frames, stats.frames_written);
  EXPECT_EQ(reader->stop(), CaptureReader::Stop::end);
}

TEST_F(CaptureWriterTest, NeverWritesOverAnExistingFile) {
  { std::ofstream(path) << "an older capture"; }
  CaptureOptions options;
  options.path = path;
  options.venues = {"BINANCE"};
  auto writer = CaptureWriter::open(options, clock, quiet_logger());
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, Errc::already_exists);
  std::ifstream in(path);
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "an older capture");
}

TEST_F(CaptureWriterTest, ACrashMidFrameLeavesAReadablePrefix) {
  auto writer = open_writer();
  ASSERT_TRUE(writer);
  writer->record(0, RawChannel::market_ws, "one");
  writer->record(1, RawChannel::market_ws, "two");
  writer->close();
  // Simulate the crash: the last frame only half on disk.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  auto reader = CaptureReader::open(path);
  ASSERT_TRUE(reader.ok());
  auto first = reader->next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->message, "one");
  EXPECT_FALSE(reader->next());
  EXPECT_EQ(reader->stop(), CaptureReader::Stop::torn_tail);
}

}  // namespace
}  // namespace propbot::history
