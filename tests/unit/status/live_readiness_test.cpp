// /live-readiness's rules (SPEC S-11.5) and the overview's overall / alerts.
#include "core/status/live_readiness.hpp"

#include <gtest/gtest.h>

#include "core/status/status_views.hpp"

namespace propbot::status {
namespace {

using nlohmann::json;

StatusInputs ready_inputs() {
  auto snap = std::make_shared<engine::EngineSnapshot>();
  snap->built_at = MonoTime{std::chrono::seconds(10)};
  snap->recon = std::make_shared<json>(json{{"status", {{"status", "OK"}}}});
  snap->risk = std::make_shared<json>(json{{"risk_snapshot", {{"caps", json::array()}}}});
  StatusInputs in;
  in.snapshot = snap;
  in.now = MonoTime{std::chrono::seconds(10)};
  control::ControlState c;
  c.mode = Mode::resume;
  c.safe_mode = true;
  in.control = c;
  in.incidents = json{{"active", json::array()}, {"postmortem_required", json::array()}};
  in.memory_usage_mb = 50;
  return in;
}

std::vector<std::string> codes(const LiveReadiness& r) {
  std::vector<std::string> out;
  for (const auto& reason : r.reasons) out.push_back(reason.code);
  return out;
}

TEST(LiveReadiness, ReadyWhenEveryConditionHolds) {
  const auto r = live_readiness(ready_inputs(), StatusThresholds{});
  EXPECT_TRUE(r.ready) << ::testing::PrintToString(codes(r));
  const auto body = live_readiness_json(r, ready_inputs());
  EXPECT_EQ(body["advice"], "ready to trade");
  EXPECT_TRUE(body["leader"].is_null());
}

TEST(LiveReadiness, EveryFailingConditionIsAReasonInOrder) {
  auto in = ready_inputs();
  in.snapshot = nullptr;
  in.control->mode = Mode::hold;
  in.incidents["postmortem_required"] = json::array({7});
  in.memory_usage_mb = 5000;
  StatusThresholds live;
  live.readiness_allows_safe_mode = false;
  const auto r = live_readiness(in, live);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(codes(r),
            (std::vector<std::string>{"engine_stale", "recon_not_ok", "p0_without_postmortem", "mode_not_resume",
                                      "safe_mode_not_allowed", "memory_pressure_critical"}));
  EXPECT_NE(readiness_advice(r).find("engine"), std::string::npos);
}

TEST(LiveReadiness, DailyLossCapAndRecon) {
  auto in = ready_inputs();
  auto snap = std::make_shared<engine::EngineSnapshot>(*in.snapshot);
  snap->risk = std::make_shared<json>(
      json{{"risk_snapshot", {{"caps", json::array({{{"name", "daily_loss_cap"}, {"breached", true}}})}}}});
  snap->recon = std::make_shared<json>(json{{"status", {{"status", "MISMATCH"}}}});
  in.snapshot = snap;
  const auto r = live_readiness(in, StatusThresholds{});
  EXPECT_EQ(codes(r), (std::vector<std::string>{"recon_not_ok", "daily_loss_cap_breached"}));
  EXPECT_EQ(r.reasons[0].detail, "recon MISMATCH");
}

TEST(Overview, OverallFollowsModeThenImplementedP0Errors) {
  auto in = ready_inputs();
  Evaluation e;
  e.checks = {make_check("a", "A", Group::P0, ComponentStatus::OK, "", json::object())};
  EXPECT_EQ(overall_status(in, e), "OK");
  e.checks.push_back(not_implemented("leader_fencing", "L", Group::P0, "x"));
  EXPECT_EQ(overall_status(in, e), "WARN") << "an area not built is not an ERROR of the desk";
  e.checks.push_back(make_check("b", "B", Group::P0, ComponentStatus::ERROR, "broken", json::object()));
  EXPECT_EQ(overall_status(in, e), "ERROR");
  in.control->mode = Mode::hold;
  EXPECT_EQ(overall_status(in, e), "HOLD");
  in.control->mode = Mode::kill;
  EXPECT_EQ(overall_status(in, e), "KILL");
}

TEST(Overview, AlertsNameImplementedWarnAndErrorComponents) {
  auto in = ready_inputs();
  Evaluation e;
  e.checks = {make_check("a", "A", Group::P0, ComponentStatus::ERROR, "broken", json::object()),
              make_check("b", "B", Group::P2, ComponentStatus::ERROR, "meh", json::object()),
              make_check("c", "C", Group::P1, ComponentStatus::WARN, "slow", json::object()),
              make_check("d", "D", Group::P1, ComponentStatus::OK, "", json::object()),
              not_implemented("stream", "S", Group::P2, "x")};
  e.since["a"] = UtcTime{std::chrono::seconds(0)};
  const auto body = overview_json(in, e, StatusThresholds{}, "2026-01-01T00:00:00.000Z");
  const auto& alerts = body["alerts"];
  ASSERT_EQ(alerts.size(), 3u) << alerts.dump();
  EXPECT_EQ(alerts[0]["severity"], "critical");
  EXPECT_EQ(alerts[0]["since"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(alerts[1]["severity"], "error");
  EXPECT_EQ(alerts[2]["severity"], "warn");
  EXPECT_EQ(alerts[2]["component_id"], "c");
  EXPECT_TRUE(body["pnl_snapshot"].is_null()) << "no PnL view";
  bool listed = false;
  for (const auto& u : body["unavailable"]) listed = listed || u["field"] == "pnl_snapshot";
  EXPECT_TRUE(listed) << body["unavailable"].dump();
}

}  // namespace
}  // namespace propbot::status
