// The edge-triggered ERROR alert: once per transition into ERROR, HOLD (P0) where the
// thresholds say so, never for areas not built, not within the start-up grace.
#include "core/status/status_monitor.hpp"

#include <gtest/gtest.h>

namespace propbot::status {
namespace {

ComponentCheck check(const std::string& id, ComponentStatus status) {
  ComponentCheck c;
  c.id = id;
  c.title = id;
  c.group = Group::P0;
  c.status = status;
  c.summary = "s";
  return c;
}

struct Recorder {
  std::vector<control::SafetyEvent> events;
  StatusMonitor::SafetySink sink() {
    return [this](const control::SafetyEvent& e) { events.push_back(e); };
  }
};

MonoTime at(int seconds) { return MonoTime{std::chrono::seconds(seconds)}; }

StatusThresholds no_grace() {
  StatusThresholds t;
  t.startup_grace_sec = 0;
  t.hold_on_error = {"recon"};
  return t;
}

TEST(StatusMonitor, RaisesOncePerTransitionIntoError) {
  Recorder rec;
  StatusMonitor monitor(no_grace(), rec.sink(), at(0));
  monitor.observe({check("executor", ComponentStatus::OK)}, at(1), UtcTime{});
  EXPECT_TRUE(rec.events.empty());
  for (int tick = 2; tick < 10; ++tick)
    monitor.observe({check("executor", ComponentStatus::ERROR)}, at(tick), UtcTime{});
  ASSERT_EQ(rec.events.size(), 1u) << "a standing ERROR raises once, not every tick";
  EXPECT_EQ(rec.events[0].code, IncidentCode::status_component_error);
  EXPECT_EQ(rec.events[0].component, "status:executor");
  EXPECT_FALSE(rec.events[0].severity.has_value()) << "P1 from the code's policy: alert, no HOLD";
  monitor.observe({check("executor", ComponentStatus::WARN)}, at(10), UtcTime{});
  monitor.observe({check("executor", ComponentStatus::ERROR)}, at(11), UtcTime{});
  EXPECT_EQ(rec.events.size(), 2u) << "ERROR again after leaving it raises again";
}

TEST(StatusMonitor, HoldOnErrorComponentsRaiseAP0) {
  Recorder rec;
  StatusMonitor monitor(no_grace(), rec.sink(), at(0));
  monitor.observe({check("recon", ComponentStatus::ERROR), check("tca", ComponentStatus::ERROR)}, at(1), UtcTime{});
  ASSERT_EQ(rec.events.size(), 2u);
  ASSERT_TRUE(rec.events[0].severity.has_value());
  EXPECT_EQ(*rec.events[0].severity, Severity::P0) << "recon is in hold_on_error: P0 → HOLD";
  EXPECT_FALSE(rec.events[1].severity.has_value());
}

TEST(StatusMonitor, NotImplementedNeverRaises) {
  Recorder rec;
  StatusMonitor monitor(no_grace(), rec.sink(), at(0));
  monitor.observe({not_implemented("stream", "Stream", Group::P2, "x")}, at(1), UtcTime{});
  EXPECT_TRUE(rec.events.empty());
}

TEST(StatusMonitor, GraceDefersAStandingErrorUntilItEnds) {
  Recorder rec;
  StatusThresholds t = no_grace();
  t.startup_grace_sec = 30;
  StatusMonitor monitor(t, rec.sink(), at(0));
  monitor.observe({check("executor", ComponentStatus::ERROR)}, at(5), UtcTime{});
  EXPECT_TRUE(rec.events.empty());
  monitor.observe({check("executor", ComponentStatus::ERROR)}, at(31), UtcTime{});
  EXPECT_EQ(rec.events.size(), 1u) << "still ERROR when the grace ended";
  monitor.observe({check("executor", ComponentStatus::ERROR)}, at(32), UtcTime{});
  EXPECT_EQ(rec.events.size(), 1u);
}

TEST(StatusMonitor, SinceIsWhenTheCurrentStatusBegan) {
  StatusMonitor monitor(no_grace(), nullptr, at(0));
  const UtcTime t1{std::chrono::seconds(1000)}, t2{std::chrono::seconds(2000)}, t3{std::chrono::seconds(3000)};
  EXPECT_EQ(monitor.observe({check("a", ComponentStatus::OK)}, at(1), t1).since.at("a"), t1);
  EXPECT_EQ(monitor.observe({check("a", ComponentStatus::OK)}, at(2), t2).since.at("a"), t1);
  EXPECT_EQ(monitor.observe({check("a", ComponentStatus::WARN)}, at(3), t3).since.at("a"), t3);
}

}  // namespace
}  // namespace propbot::status
