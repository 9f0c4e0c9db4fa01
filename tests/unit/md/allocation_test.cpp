// Proves the "no allocation per message" guarantee (SPEC S-2.4) by counting every
// operator new in this test binary while warm syncs parse and apply frames.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <cstdlib>
#include <new>

#include "core/md/binance_book_sync.hpp"
#include "core/md/feed_health.hpp"
#include "core/md/okx_book_sync.hpp"
#include "tests/unit/md/md_test_support.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace propbot::md {
namespace {

TEST(MdAllocationTest, TheCounterSeesAllocations) {
  const std::uint64_t before = g_allocations.load();
  auto owned = std::make_unique<std::vector<int>>(16);
  EXPECT_GE(g_allocations.load() - before, 2u);
}

TEST(MdAllocationTest, WarmBinanceSyncParsesAndAppliesWithoutAllocating) {
  BinanceBookSync sync(testing::binance_spec(), testing::binance_grid());
  FeedHealth health("BINANCE", "BTC-USDT");
  MonoTime now{};
  ASSERT_EQ(sync.on_snapshot_frame(testing::binance_snapshot_json(101, {{"99.0", "1"}}, {{"101.0", "1"}}), now).result,
            SyncResult::applied);
  std::vector<std::string> frames;
  std::int64_t id = 100;
  for (int i = 0; i < 200; ++i) {
    frames.push_back(testing::binance_update_json(
        id + 1, id + 2, id, {{"99.5", std::to_string(i % 3)}, {"98." + std::to_string(i % 10), "1.5"}},
        {{"100.5", std::to_string(i % 2)}, {"102.0", "2"}}));
    id += 2;
  }
  // Warm-up pass grows every reusable buffer; the measured pass must not allocate.
  ASSERT_EQ(sync.on_update_frame(frames[0], now).result, SyncResult::applied) << sync.last_error();
  int applied = 1;
  const std::uint64_t before = g_allocations.load();
  for (std::size_t i = 1; i < frames.size(); ++i) {
    now += std::chrono::milliseconds{100};
    health.on_message(now);
    const SyncOutcome outcome = sync.on_update_frame(frames[i], now);
    health.on_outcome(outcome, now);
    applied += outcome.result == SyncResult::applied ? 1 : 0;
  }
  const std::uint64_t allocations = g_allocations.load() - before;
  EXPECT_EQ(applied, 200);
  EXPECT_EQ(allocations, 0u);
}

TEST(MdAllocationTest, WarmOkxSyncParsesAppliesAndChecksumsWithoutAllocating) {
  OkxBookSync sync(testing::okx_spec(), testing::okx_grid());
  testing::ReferenceOkxBook reference;
  std::vector<std::string> frames;
  std::vector<testing::TextLevel> bids, asks;
  for (int i = 0; i < 40; ++i) {
    bids.push_back({std::to_string(2000 - i) + ".5", "3"});
    asks.push_back({std::to_string(2001 + i) + ".5", "4"});
  }
  reference.apply(bids, asks);
  frames.push_back(testing::okx_books_json(true, -1, 1, reference.checksum(), bids, asks));
  for (int i = 1; i < 200; ++i) {
    const std::vector<testing::TextLevel> b{{std::to_string(1990 + i % 10) + ".5", std::to_string(i % 4)}};
    const std::vector<testing::TextLevel> a{{std::to_string(2001 + i % 10) + ".5", std::to_string(1 + i % 4)}};
    reference.apply(b, a);
    frames.push_back(testing::okx_books_json(false, i, i + 1, reference.checksum(), b, a));
  }
  MonoTime now{};
  ASSERT_EQ(sync.on_frame(frames[0], now).result, SyncResult::applied);
  ASSERT_EQ(sync.on_frame(frames[1], now).result, SyncResult::applied);
  int applied = 2;
  const std::uint64_t before = g_allocations.load();
  for (std::size_t i = 2; i < frames.size(); ++i) {
    applied += sync.on_frame(frames[i], now).result == SyncResult::applied ? 1 : 0;
  }
  const std::uint64_t allocations = g_allocations.load() - before;
  EXPECT_EQ(applied, 200);
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace propbot::md
