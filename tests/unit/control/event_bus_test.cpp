#include "core/control/event_bus.hpp"

#include <string>

#include <gtest/gtest.h>

namespace propbot::control {
namespace {

TEST(EventBusTest, KeepsTheNewestEventsAndDropsTheOldestFirst) {
  // Issue 11: the bus must not grow with the events a busy desk publishes.
  EventBus bus;
  constexpr std::size_t kExtra = 9;
  for (std::size_t i = 0; i < kKeptControlEvents + kExtra; ++i) {
    bus.publish("INCIDENT", "2026-12-07T00:00:00.000Z", nlohmann::json{{"n", i}});
  }
  const auto kept = bus.recent(kKeptControlEvents * 4);
  ASSERT_EQ(kept.size(), kKeptControlEvents);
  EXPECT_EQ(kept.front().payload["n"], kExtra) << "the first events went";
  EXPECT_EQ(kept.front().seq, kExtra + 1);
  EXPECT_EQ(kept.back().payload["n"], kKeptControlEvents + kExtra - 1);
}

TEST(EventBusTest, RecentFiltersByTypeWithinWhatIsKept) {
  EventBus bus(4);
  for (int i = 0; i < 6; ++i) bus.publish(i % 2 == 0 ? "ALERT" : "INCIDENT", "t", nlohmann::json{{"n", i}});
  const auto alerts = bus.recent(10, "ALERT");
  ASSERT_EQ(alerts.size(), 2U);  // of the last four (2..5), the alerts are 2 and 4
  EXPECT_EQ(alerts[0].payload["n"], 2);
  EXPECT_EQ(alerts[1].payload["n"], 4);
}

}  // namespace
}  // namespace propbot::control
