#include "core/control/incident_log.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "core/control/incident_severity.hpp"
#include "tests/unit/control/control_fixture.hpp"

namespace propbot::control {
namespace {

class RecordingSink final : public ForensicSink {
 public:
  std::string capture(const Incident& incident) override {
    captured.push_back(incident.id);
    return "forensics/incident-" + std::to_string(incident.id);
  }
  std::vector<std::int64_t> captured;
};

class ThrowingSink final : public ForensicSink {
 public:
  std::string capture(const Incident&) override { throw std::runtime_error("disk full"); }
};

std::vector<std::int64_t> ids(const Result<std::vector<Incident>>& incidents) {
  EXPECT_TRUE(incidents.ok()) << incidents.error().describe();
  std::vector<std::int64_t> out;
  if (incidents) {
    for (const Incident& incident : *incidents) out.push_back(incident.id);
  }
  return out;
}

class IncidentLogTest : public test::ControlStoreTest {
 protected:
  Incident open_or_fail(IncidentLog& log, Severity severity, std::string component = "executor",
                        std::string summary = "hedge leg failed", IncidentCode code = IncidentCode::hedge_lost) {
    Result<Incident> incident = log.open({severity, code, std::move(component), std::move(summary), "HOLD"});
    EXPECT_TRUE(incident.ok()) << incident.error().describe();
    return incident ? *incident : Incident{};
  }
};

TEST(IncidentSeverityTest, FollowsTheS42Policy) {
  for (IncidentCode code :
       {IncidentCode::hedge_lost, IncidentCode::recon_mismatch, IncidentCode::daily_loss_cap_breached,
        IncidentCode::tamper_detected, IncidentCode::hedge_latency_violation, IncidentCode::risk_cap_breached,
        IncidentCode::hedge_flatten_called, IncidentCode::ledger_invariant_violated,
        IncidentCode::funds_transfer_refused, IncidentCode::split_brain_detected,
        IncidentCode::manual_kill_switch_activated}) {
    EXPECT_EQ(severity_for(code), Severity::P0) << to_string(code);
    EXPECT_NE(global_action_for(code), GlobalAction::none) << to_string(code);
  }
  for (IncidentCode code : {IncidentCode::strategy_degraded, IncidentCode::policy_pipeline_degraded,
                            IncidentCode::circuit_breaker_triggered, IncidentCode::ws_feed_failed,
                            IncidentCode::rate_limit_ban, IncidentCode::stress_limit_warning,
                            IncidentCode::route_blocked_all_venues_bad, IncidentCode::second_factor_lockout}) {
    EXPECT_EQ(severity_for(code), Severity::P1) << to_string(code);
    EXPECT_EQ(global_action_for(code), GlobalAction::none);
  }
  for (IncidentCode code :
       {IncidentCode::memory_pressure, IncidentCode::autopilot_refused, IncidentCode::config_apply_failed}) {
    EXPECT_EQ(severity_for(code), Severity::P2) << to_string(code);
    EXPECT_EQ(global_action_for(code), GlobalAction::none);
  }
  // Whoever records these says the severity; by themselves they demand nothing.
  for (IncidentCode code : {IncidentCode::manual, IncidentCode::unspecified}) {
    EXPECT_FALSE(severity_for(code).has_value()) << to_string(code);
    EXPECT_EQ(global_action_for(code), GlobalAction::none);
  }
  EXPECT_EQ(global_action_for(IncidentCode::split_brain_detected), GlobalAction::kill);
  EXPECT_EQ(global_action_for(IncidentCode::manual_kill_switch_activated), GlobalAction::kill);
  EXPECT_EQ(global_action_for(IncidentCode::tamper_detected), GlobalAction::hold);
  EXPECT_EQ(to_string(GlobalAction::hold), "HOLD");
}

TEST(IncidentSeverityTest, EveryCodeHasAPolicyOrIsManualOrUnspecified) {
  for (IncidentCode code : kAllIncidentCodes) {
    const bool has_policy = severity_for(code).has_value();
    EXPECT_EQ(has_policy, code != IncidentCode::manual && code != IncidentCode::unspecified) << to_string(code);
  }
}

TEST_F(IncidentLogTest, OpenRecordsTheS41FieldsAsActive) {
  IncidentLog log(db(), clock_);
  const Incident incident =
      open_or_fail(log, Severity::P0, "control_plane", "signed state failed verification", IncidentCode::tamper_detected);
  EXPECT_EQ(incident.id, 1);
  EXPECT_EQ(incident.ts_utc, "2023-11-14T22:13:20.000Z");
  EXPECT_TRUE(incident.active());
  EXPECT_TRUE(incident.blocks_resume());

  const nlohmann::json json = to_json(incident);
  for (const char* field : {"id", "ts_utc", "severity", "code", "component", "summary", "action_taken",
                            "operator_ack", "resolved_ts_utc", "postmortem_root_cause", "forensic_ref",
                            "forensic_captured"}) {
    EXPECT_TRUE(json.contains(field)) << field;
  }
  EXPECT_EQ(json["severity"], "P0");
  EXPECT_EQ(json["code"], "tamper_detected");
  EXPECT_EQ(query("SELECT code FROM incidents WHERE id = 1"), "tamper_detected");
  ASSERT_TRUE(log.get(1).ok());
  EXPECT_EQ(log.get(1)->code, IncidentCode::tamper_detected) << "the code survives the round trip through the table";
  EXPECT_EQ(json["component"], "control_plane");
  EXPECT_EQ(json["action_taken"], "HOLD");
  EXPECT_TRUE(json["operator_ack"].is_null());
  EXPECT_TRUE(json["postmortem_root_cause"].is_null());
  EXPECT_EQ(json["forensic_captured"], "no");

  EXPECT_EQ(ids(log.active()), std::vector<std::int64_t>{1});
  EXPECT_EQ(ids(log.open_p0()), std::vector<std::int64_t>{1});
  EXPECT_EQ(ids(log.postmortem_required()), std::vector<std::int64_t>{1});
}

TEST_F(IncidentLogTest, P0GoesThroughAckPostmortemAndResolveInThatOrder) {
  IncidentLog log(db(), clock_);
  const Incident incident = open_or_fail(log, Severity::P0);

  Result<Incident> early = log.resolve(incident.id);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Errc::conflict);
  EXPECT_NE(early.error().message.find("postmortem_root_cause"), std::string::npos);

  clock_.advance(std::chrono::minutes(3));
  Result<Incident> acked = log.acknowledge(incident.id, "alice");
  ASSERT_TRUE(acked.ok()) << acked.error().describe();
  ASSERT_TRUE(acked->operator_ack.has_value());
  EXPECT_EQ(acked->operator_ack->operator_id, "alice");
  EXPECT_EQ(acked->operator_ack->ts_ack_utc, "2023-11-14T22:16:20.000Z");
  Result<Incident> acked_twice = log.acknowledge(incident.id, "bob");
  ASSERT_FALSE(acked_twice.ok());
  EXPECT_EQ(acked_twice.error().code, Errc::conflict);
  EXPECT_EQ(ids(log.postmortem_required()), std::vector<std::int64_t>{1}) << "ack alone does not unlock";

  EXPECT_FALSE(log.write_postmortem(incident.id, "   ").ok());
  Result<Incident> written = log.write_postmortem(incident.id, "OKX rejected the hedge: post-only crossed the book");
  ASSERT_TRUE(written.ok()) << written.error().describe();
  EXPECT_FALSE(written->blocks_resume());
  EXPECT_TRUE(ids(log.postmortem_required()).empty());
  EXPECT_EQ(ids(log.open_p0()), std::vector<std::int64_t>{1}) << "still unresolved";
  Result<Incident> rewritten = log.write_postmortem(incident.id, "something else");
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.error().code, Errc::conflict);

  Result<Incident> resolved = log.resolve(incident.id);
  ASSERT_TRUE(resolved.ok()) << resolved.error().describe();
  EXPECT_FALSE(resolved->active());
  EXPECT_TRUE(ids(log.active()).empty());
  EXPECT_TRUE(ids(log.open_p0()).empty());
  EXPECT_EQ(ids(log.recent_closed(10)), std::vector<std::int64_t>{1});
  EXPECT_EQ(log.resolve(incident.id).error().code, Errc::conflict);
}

TEST_F(IncidentLogTest, AckAndPostmortemIsOneStepAndCanResolve) {
  IncidentLog log(db(), clock_);
  const Incident first = open_or_fail(log, Severity::P0);
  const Incident second = open_or_fail(log, Severity::P0, "recon", "position mismatch on okx");

  Result<Incident> kept_open = log.ack_and_postmortem(first.id, "alice", "root cause", /*resolve=*/false);
  ASSERT_TRUE(kept_open.ok()) << kept_open.error().describe();
  EXPECT_TRUE(kept_open->operator_ack.has_value());
  EXPECT_FALSE(kept_open->resolved_ts_utc.has_value());

  ASSERT_TRUE(log.acknowledge(second.id, "bob").ok());
  Result<Incident> closed = log.ack_and_postmortem(second.id, "alice", "stale snapshot", /*resolve=*/true);
  ASSERT_TRUE(closed.ok()) << closed.error().describe();
  EXPECT_EQ(closed->operator_ack->operator_id, "bob") << "an existing ack is kept";
  EXPECT_TRUE(closed->resolved_ts_utc.has_value());
  EXPECT_EQ(ids(log.active()), std::vector<std::int64_t>{first.id});
  EXPECT_FALSE(log.ack_and_postmortem(99, "alice", "x", true).ok());
  EXPECT_EQ(log.ack_and_postmortem(99, "alice", "x", true).error().code, Errc::not_found);
}

TEST_F(IncidentLogTest, P1AndP2NeedNoPostmortemButStayActiveUntilAcknowledged) {
  IncidentLog log(db(), clock_);
  const Incident p1 = open_or_fail(log, Severity::P1, "ws_feed:binance", "feed stale 12 s");
  const Incident p2 = open_or_fail(log, Severity::P2, "app", "memory pressure");
  EXPECT_FALSE(p1.blocks_resume());
  ASSERT_TRUE(log.resolve(p1.id).ok());
  EXPECT_EQ(ids(log.active()), (std::vector<std::int64_t>{p1.id, p2.id})) << "resolved but unacknowledged";
  ASSERT_TRUE(log.acknowledge(p1.id, "alice").ok());
  EXPECT_EQ(ids(log.active()), std::vector<std::int64_t>{p2.id});
  EXPECT_TRUE(ids(log.open_p0()).empty());
  EXPECT_TRUE(ids(log.postmortem_required()).empty());
}

TEST_F(IncidentLogTest, PersistsAcrossReopeningTheDatabase) {
  {
    IncidentLog log(db(), clock_);
    const Incident incident = open_or_fail(log, Severity::P0);
    ASSERT_TRUE(log.acknowledge(incident.id, "alice").ok());
    open_or_fail(log, Severity::P2, "app", "memory pressure");
  }
  reopen();
  IncidentLog log(db(), clock_);
  Result<Incident> incident = log.get(1);
  ASSERT_TRUE(incident.ok()) << incident.error().describe();
  EXPECT_EQ(incident->summary, "hedge leg failed");
  ASSERT_TRUE(incident->operator_ack.has_value());
  EXPECT_EQ(incident->operator_ack->operator_id, "alice");
  EXPECT_EQ(ids(log.postmortem_required()), std::vector<std::int64_t>{1});
  EXPECT_EQ(ids(log.active()), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(log.get(42).error().code, Errc::not_found);
}

TEST_F(IncidentLogTest, ForensicSinkIsCalledForEveryP0AndOnlyP0) {
  RecordingSink sink;
  IncidentLog log(db(), clock_, &sink);
  const Incident p0 = open_or_fail(log, Severity::P0);
  open_or_fail(log, Severity::P1, "strategy:arb1", "degraded by drawdown");
  open_or_fail(log, Severity::P2, "autopilot", "autopilot refused");
  const Incident second_p0 = open_or_fail(log, Severity::P0, "ha", "split brain");
  EXPECT_EQ(sink.captured, (std::vector<std::int64_t>{p0.id, second_p0.id}));
  EXPECT_EQ(p0.forensic_ref, "forensics/incident-1");
  EXPECT_TRUE(p0.forensic_captured());
  EXPECT_EQ(to_json(p0)["forensic_captured"], "yes");
  EXPECT_EQ(log.get(p0.id)->forensic_ref, "forensics/incident-1");
  EXPECT_FALSE(log.get(2)->forensic_captured());
}

TEST_F(IncidentLogTest, AFailingForensicSinkStillRecordsTheIncident) {
  ThrowingSink sink;
  IncidentLog log(db(), clock_, &sink);
  const Incident incident = open_or_fail(log, Severity::P0);
  EXPECT_EQ(incident.id, 1);
  EXPECT_FALSE(incident.forensic_captured());
  // A bundle captured later is attached afterwards.
  Result<Incident> attached = log.set_forensic_ref(incident.id, "forensics/late.tar");
  ASSERT_TRUE(attached.ok());
  EXPECT_TRUE(attached->forensic_captured());
}

TEST_F(IncidentLogTest, RefusesEmptyFields) {
  IncidentLog log(db(), clock_);
  EXPECT_EQ(log.open({Severity::P0, IncidentCode::hedge_lost, "", "summary", "HOLD"}).error().code, Errc::invalid_argument);
  EXPECT_EQ(log.open({Severity::P0, IncidentCode::hedge_lost, "executor", "", "HOLD"}).error().code, Errc::invalid_argument);
  EXPECT_EQ(log.open({Severity::P0, IncidentCode::hedge_lost, "executor", "summary", ""}).error().code, Errc::invalid_argument);
  EXPECT_EQ(log.open({Severity::P0, IncidentCode::hedge_lost, std::string(kMaxIncidentFieldLength + 1, 'x'), "s", "HOLD"}).error().code,
            Errc::invalid_argument);
  const Incident incident = open_or_fail(log, Severity::P1);
  EXPECT_EQ(log.acknowledge(incident.id, "").error().code, Errc::invalid_argument);
  EXPECT_EQ(log.recent_closed(0).error().code, Errc::invalid_argument);
  EXPECT_EQ(query("SELECT count(*) FROM incidents"), "1");
}

TEST_F(IncidentLogTest, AStoredCodeThisBinaryDoesNotKnowReadsAsUnspecified) {
  IncidentLog log(db(), clock_);
  const Incident incident = open_or_fail(log, Severity::P0);
  exec_or_fail("UPDATE incidents SET code = 'written_by_a_newer_binary' WHERE id = " + std::to_string(incident.id));
  Result<Incident> read = log.get(incident.id);
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->code, IncidentCode::unspecified);
  EXPECT_EQ(read->severity, Severity::P0) << "the label is lost, never the incident or its severity";
  EXPECT_EQ(ids(log.postmortem_required()), std::vector<std::int64_t>{incident.id});
}

}  // namespace
}  // namespace propbot::control
