// WorkerPool: bounded queue, never-blocking submit, bounded shutdown that abandons a
// running job safely.
#include "core/net/worker_pool.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace propbot::net {
namespace {

using namespace std::chrono_literals;

// Jobs block on it until the test releases them.
struct Latch {
  std::mutex mutex;
  std::condition_variable changed;
  bool released = false;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};

  void release() {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  }
  WorkerPool::Job job(std::shared_ptr<Latch> self) {
    return [self] {
      ++self->started;
      std::unique_lock lock(self->mutex);
      self->changed.wait(lock, [&] { return self->released; });
      ++self->finished;
    };
  }
  bool wait_started(int count) {
    for (int i = 0; i < 500 && started.load() < count; ++i) std::this_thread::sleep_for(5ms);
    return started.load() >= count;
  }
};

TEST(WorkerPoolTest, RunsUpToWorkersJobsAndQueuesAtMostMaxQueued) {
  auto latch = std::make_shared<Latch>();
  WorkerPool pool(2, 1);
  EXPECT_TRUE(pool.try_submit(latch->job(latch)));
  EXPECT_TRUE(pool.try_submit(latch->job(latch)));
  ASSERT_TRUE(latch->wait_started(2));
  EXPECT_EQ(pool.running(), 2u);
  EXPECT_TRUE(pool.try_submit(latch->job(latch))) << "one may wait";
  EXPECT_FALSE(pool.try_submit(latch->job(latch))) << "the queue is full";
  EXPECT_EQ(pool.queued(), 1u);
  latch->release();
  for (int i = 0; i < 500 && latch->finished.load() < 3; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(latch->finished.load(), 3) << "the queued job ran once a worker was free";
  EXPECT_TRUE(pool.shutdown(5s));
}

TEST(WorkerPoolTest, ShutdownDropsQueuedJobsAndAbandonsARunningOneWithinTheGrace) {
  auto latch = std::make_shared<Latch>();
  auto pool = std::make_unique<WorkerPool>(1, 4);
  ASSERT_TRUE(pool->try_submit(latch->job(latch)));
  ASSERT_TRUE(latch->wait_started(1));
  auto dropped_ran = std::make_shared<std::atomic<bool>>(false);
  ASSERT_TRUE(pool->try_submit([dropped_ran] { dropped_ran->store(true); }));

  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(pool->shutdown(100ms)) << "the running job was abandoned";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_FALSE(pool->try_submit([] {})) << "a shut-down pool takes nothing";
  pool.reset();  // the pool object is gone while its job still runs

  latch->release();
  for (int i = 0; i < 500 && latch->finished.load() < 1; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(latch->finished.load(), 1);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(dropped_ran->load()) << "a job still queued at shutdown never runs";
}

TEST(WorkerPoolTest, AThrowingJobIsCountedAndTheWorkerCarriesOn) {
  WorkerPool pool(1, 4);
  auto ran = std::make_shared<std::atomic<bool>>(false);
  ASSERT_TRUE(pool.try_submit([] { throw std::runtime_error("boom"); }));
  ASSERT_TRUE(pool.try_submit([ran] { ran->store(true); }));
  for (int i = 0; i < 500 && !ran->load(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(ran->load());
  EXPECT_EQ(pool.failed_jobs(), 1u);
  EXPECT_TRUE(pool.shutdown(5s));
}

}  // namespace
}  // namespace propbot::net
