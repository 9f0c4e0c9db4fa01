// The registry's vocabulary: stable strings, the JSON row, the group score formula.
#include "core/status/component_check.hpp"

#include <gtest/gtest.h>

namespace propbot::status {
namespace {

ComponentCheck check(Group group, ComponentStatus status) {
  ComponentCheck c;
  c.id = "c";
  c.group = group;
  c.status = status;
  return c;
}

TEST(ComponentCheck, EnumsHaveStableStrings) {
  EXPECT_EQ(to_string(Group::P0), "P0");
  EXPECT_EQ(to_string(Group::P3), "P3");
  EXPECT_EQ(to_string(ComponentStatus::OK), "OK");
  EXPECT_EQ(to_string(ComponentStatus::WARN), "WARN");
  EXPECT_EQ(to_string(ComponentStatus::ERROR), "ERROR");
  EXPECT_EQ(to_string(ComponentStatus::HOLD), "HOLD");
}

TEST(ComponentCheck, JsonRowHasEveryField) {
  ComponentCheck c = not_implemented("stream", "Live stream", Group::P2, "the stream");
  const auto row = to_json(c);
  EXPECT_EQ(row["id"], "stream");
  EXPECT_EQ(row["group"], "P2");
  EXPECT_EQ(row["status"], "ERROR");
  EXPECT_EQ(row["summary"], "not implemented");
  EXPECT_TRUE(row["metrics"].is_object());
  EXPECT_TRUE(row["links"].is_array());
  EXPECT_FALSE(row["implemented"].get<bool>());
}

TEST(ComponentCheck, GroupScoreIsOkPlusHalfWarnAndHoldOverCount) {
  const std::vector<ComponentCheck> checks = {
      check(Group::P0, ComponentStatus::OK),    check(Group::P0, ComponentStatus::WARN),
      check(Group::P0, ComponentStatus::ERROR), check(Group::P0, ComponentStatus::HOLD),
      check(Group::P1, ComponentStatus::OK),    check(Group::P1, ComponentStatus::OK),
      check(Group::P2, ComponentStatus::ERROR),
  };
  const auto scores = group_scores(checks);
  EXPECT_DOUBLE_EQ(scores[0], (1 + 0.5 + 0 + 0.5) / 4);
  EXPECT_DOUBLE_EQ(scores[1], 1.0);
  EXPECT_DOUBLE_EQ(scores[2], 0.0) << "not implemented counts as ERROR";
  EXPECT_DOUBLE_EQ(scores[3], 1.0) << "a group without components";
  EXPECT_EQ(group_scores(checks), scores) << "deterministic";
}

TEST(ComponentCheck, WorstOfOrdersErrorHoldWarnOk) {
  EXPECT_EQ(worst_of(ComponentStatus::OK, ComponentStatus::WARN), ComponentStatus::WARN);
  EXPECT_EQ(worst_of(ComponentStatus::HOLD, ComponentStatus::WARN), ComponentStatus::HOLD);
  EXPECT_EQ(worst_of(ComponentStatus::HOLD, ComponentStatus::ERROR), ComponentStatus::ERROR);
}

}  // namespace
}  // namespace propbot::status
