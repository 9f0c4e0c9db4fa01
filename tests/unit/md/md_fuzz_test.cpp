// Fuzz-style robustness for the depth parsers and book syncs: truncated, mutated,
// reordered, duplicated and random-byte frames (seeded, so failures reproduce). The
// properties: no crash, no exception, a parse_error with a message when the frame is
// unreadable, and a book that is never left live and crossed.
#include <gtest/gtest.h>

#include <random>

#include "core/md/binance_book_sync.hpp"
#include "core/md/binance_depth.hpp"
#include "core/md/okx_book_sync.hpp"
#include "core/md/okx_books.hpp"
#include "tests/unit/md/md_test_support.hpp"

namespace propbot::md {
namespace {

constexpr int kIterations = 5000;

std::string mutate(std::mt19937& rng, std::string text) {
  static constexpr char kInteresting[] = "{}[]\",:0123456789.-eE \\\x01\xff";
  std::uniform_int_distribution<int> kind(0, 5);
  if (text.empty()) return text;
  std::uniform_int_distribution<std::size_t> at(0, text.size() - 1);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kInteresting) - 2);
  switch (kind(rng)) {
    case 0: text.resize(at(rng)); break;                          // truncate
    case 1: text[at(rng)] = kInteresting[pick(rng)]; break;       // flip one byte
    case 2: text.insert(at(rng), 1, kInteresting[pick(rng)]); break;
    case 3: text.erase(at(rng), 1 + at(rng) % 8); break;          // delete a run
    case 4: {                                                     // duplicate a slice
      const std::size_t from = at(rng);
      text.insert(at(rng), text.substr(from, 1 + at(rng) % 16));
      break;
    }
    default:
      for (int i = 0; i < 4; ++i) text[at(rng)] = static_cast<char>(rng());
  }
  return text;
}

std::string random_bytes(std::mt19937& rng) {
  std::string text(rng() % 200, '\0');
  for (char& c : text) c = static_cast<char>(rng());
  if (rng() % 2 == 0 && !text.empty()) text[0] = '{';
  return text;
}

template <typename Parse>
void expect_clear_result(const std::string& text, Parse&& parse) {
  Status status;
  ASSERT_NO_THROW(status = parse(text)) << text;
  if (!status.ok()) {
    EXPECT_EQ(status.error().code, Errc::parse_error);
    EXPECT_FALSE(status.error().message.empty());
  }
}

TEST(MdFuzzTest, BinanceParsersSurviveMutatedAndRandomFrames) {
  std::mt19937 rng(20241123);
  const LevelGrid grid = testing::binance_grid();
  BinanceDepthUpdate update;
  BinanceDepthSnapshot snapshot;
  const std::string seeds[] = {testing::read_fixture("binance/depth_update.json"),
                               testing::read_fixture("binance/depth_update_combined.json"),
                               testing::read_fixture("binance/depth_snapshot.json")};
  for (int i = 0; i < kIterations; ++i) {
    const std::string text = i % 10 == 0 ? random_bytes(rng) : mutate(rng, seeds[i % 3]);
    ASSERT_NO_FATAL_FAILURE(
        expect_clear_result(text, [&](const std::string& t) { return parse_binance_depth_update(t, grid, update); }));
    ASSERT_NO_FATAL_FAILURE(
        expect_clear_result(text, [&](const std::string& t) { return parse_binance_depth_snapshot(t, grid, snapshot); }));
  }
}

TEST(MdFuzzTest, OkxParserSurvivesMutatedAndRandomFrames) {
  std::mt19937 rng(7);
  const LevelGrid grid = testing::okx_grid();
  OkxBooksMessage message;
  const std::string seeds[] = {testing::read_fixture("okx/books_snapshot.json"),
                               testing::read_fixture("okx/books_update.json"),
                               testing::read_fixture("okx/books_heartbeat.json")};
  for (int i = 0; i < kIterations; ++i) {
    const std::string text = i % 10 == 0 ? random_bytes(rng) : mutate(rng, seeds[i % 3]);
    ASSERT_NO_FATAL_FAILURE(
        expect_clear_result(text, [&](const std::string& t) { return parse_okx_books(t, grid, message); }));
  }
}

TEST(MdFuzzTest, BinanceSyncNeverStaysLiveOnABrokenSequence) {
  std::mt19937 rng(99);
  BinanceBookSync sync(testing::binance_spec(), testing::binance_grid(), BinanceBookSyncConfig{32, 64});
  // A continuous stream of 200 events, then delivered shuffled, duplicated, dropped or corrupted.
  std::vector<std::string> stream;
  std::int64_t id = 1000;
  for (int i = 0; i < 200; ++i) {
    const std::string bid = std::to_string(990 - static_cast<int>(rng() % 20)) + ".0";
    const std::string ask = std::to_string(1001 + static_cast<int>(rng() % 20)) + ".0";
    stream.push_back(testing::binance_update_json(id + 1, id + 5, id, {{bid, std::to_string(rng() % 3)}},
                                                  {{ask, std::to_string(rng() % 3)}}));
    id += 5;
  }
  const std::string snapshot = testing::binance_snapshot_json(1002, {{"995.0", "1"}}, {{"1005.0", "1"}});
  MonoTime now{};
  int resyncs = 0;
  for (int round = 0; round < 300; ++round) {
    std::size_t next = 0;
    ASSERT_NO_THROW(sync.on_snapshot_frame(snapshot, now));
    for (int step = 0; step < 40 && next < stream.size(); ++step) {
      std::string frame;
      switch (rng() % 8) {
        case 0: frame = stream[rng() % stream.size()]; break;         // reordered / replayed
        case 1: frame = mutate(rng, stream[next]); break;             // corrupted
        case 2: ++next; frame = stream[next % stream.size()]; break;  // one dropped
        default: frame = stream[next++];
      }
      now += std::chrono::milliseconds{1};
      SyncOutcome outcome;
      ASSERT_NO_THROW(outcome = sync.on_update_frame(frame, now));
      if (outcome.result == SyncResult::needs_resync) {
        ++resyncs;
        EXPECT_EQ(sync.state(), BookSyncState::invalid);
        EXPECT_FALSE(sync.book().valid());
      }
      if (sync.state() == BookSyncState::live) {
        EXPECT_TRUE(sync.book().valid());
        EXPECT_FALSE(sync.book().crossed());
      }
    }
    sync.reset();
  }
  EXPECT_GT(resyncs, 0);
}

TEST(MdFuzzTest, OkxSyncNeverStaysLiveWithAWrongBook) {
  std::mt19937 rng(4242);
  OkxBookSync sync(testing::okx_spec(), testing::okx_grid());
  MonoTime now{};
  int resyncs = 0;
  for (int round = 0; round < 200; ++round) {
    testing::ReferenceOkxBook reference;
    std::vector<testing::TextLevel> bids{{"99.5", "1"}, {"99.0", "2"}};
    std::vector<testing::TextLevel> asks{{"100.5", "1"}, {"101.0", "2"}};
    reference.apply(bids, asks);
    std::vector<std::string> frames{testing::okx_books_json(true, -1, 1, reference.checksum(), bids, asks)};
    for (std::int64_t seq = 1; seq < 30; ++seq) {
      const std::vector<testing::TextLevel> b{{std::to_string(90 + rng() % 10) + "." + std::to_string(rng() % 10),
                                               std::to_string(rng() % 3)}};
      const std::vector<testing::TextLevel> a{{std::to_string(101 + rng() % 10) + ".0", std::to_string(rng() % 3)}};
      reference.apply(b, a);
      frames.push_back(testing::okx_books_json(false, seq, seq + 1, reference.checksum(), b, a));
    }
    for (std::size_t i = 0; i < frames.size(); ++i) {
      std::string frame = frames[i];
      switch (rng() % 10) {
        case 0: frame = mutate(rng, frame); break;
        case 1: frame = frames[rng() % frames.size()]; break;
        case 2: frame = random_bytes(rng); break;
        default: break;
      }
      SyncOutcome outcome;
      ASSERT_NO_THROW(outcome = sync.on_frame(frame, now));
      if (outcome.result == SyncResult::needs_resync) {
        ++resyncs;
        EXPECT_FALSE(sync.book().valid());
      }
      if (sync.state() == BookSyncState::live) {
        EXPECT_TRUE(sync.book().valid());
        EXPECT_FALSE(sync.book().crossed());
        EXPECT_EQ(sync.book().bids().size(), sync.raw_bids().size());
      }
    }
    sync.reset();
  }
  EXPECT_GT(resyncs, 0);
}

}  // namespace
}  // namespace propbot::md
