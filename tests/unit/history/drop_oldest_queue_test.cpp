#include "core/history/drop_oldest_queue.hpp"

#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace propbot::history {
namespace {

TEST(DropOldestQueueTest, DropsTheOldestWhenFullAndCountsIt) {
  DropOldestQueue<int> queue(3, 1000);
  EXPECT_TRUE(queue.push(1));
  EXPECT_TRUE(queue.push(2));
  EXPECT_TRUE(queue.push(3));
  EXPECT_FALSE(queue.push(4));
  std::vector<int> out;
  ASSERT_TRUE(queue.pop_all(out, std::chrono::milliseconds(0)));
  EXPECT_EQ(out, (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(queue.dropped(), 1u);
}

TEST(DropOldestQueueTest, KeepsWithinItsByteBound) {
  DropOldestQueue<std::string> queue(100, 10);
  queue.push("aaaa", 4);
  queue.push("bbbb", 4);
  queue.push("cccc", 4);  // 12 > 10: "aaaa" goes
  EXPECT_FALSE(queue.push(std::string(11, 'x'), 11));  // heavier than the bound alone
  std::vector<std::string> out;
  ASSERT_TRUE(queue.pop_all(out, std::chrono::milliseconds(0)));
  EXPECT_EQ(out, (std::vector<std::string>{"bbbb", "cccc"}));
  EXPECT_EQ(queue.dropped(), 2u);
}

TEST(DropOldestQueueTest, DrainsAfterCloseThenReportsClosed) {
  DropOldestQueue<int> queue(10, 10);
  queue.push(7);
  queue.close();
  EXPECT_FALSE(queue.push(8));
  std::vector<int> out;
  EXPECT_TRUE(queue.pop_all(out, std::chrono::milliseconds(0)));
  EXPECT_EQ(out, std::vector<int>{7});
  out.clear();
  EXPECT_FALSE(queue.pop_all(out, std::chrono::milliseconds(0)));
  EXPECT_TRUE(out.empty());
}

TEST(DropOldestQueueTest, WakesTheConsumerOnlyAtItsThreshold) {
  DropOldestQueue<int> queue(100, 100, 3);
  std::vector<int> out;
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 3; ++i) queue.push(i);
  });
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(queue.pop_all(out, std::chrono::seconds(30)));  // woken by the third push, not the poll
  producer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(out.empty());
}

}  // namespace
}  // namespace propbot::history
