// ControlPlane: every transition and every refusal of the HOLD ⇄ RESUME → KILL machine,
// the one safety-action function, tamper detection at start, restarts and the autopilot
// — against a real propbot.db (control_fixture.hpp) and a SimClock.
#include "core/control/control_plane.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/control/control_fixture.hpp"

namespace propbot::control {
namespace {

constexpr std::string_view kKey = "state-hmac-key-for-tests-0123456789";

class FakeCredentials final : public ApprovalCredentials {
 public:
  bool approve_token_matches(std::string_view supplied) override { return supplied == "approve-secret"; }
  bool second_factor_matches(std::string_view supplied) override {
    if (supplied != "123456" || used_) return false;
    used_ = true;  // one use, like a TOTP code within its window
    return true;
  }
  void reset() { used_ = false; }
  bool used() const { return used_; }

 private:
  bool used_ = false;
};

class RecordingFlattener final : public Flattener {
 public:
  void cancel_all_and_flatten(const std::string& reason) override { reasons.push_back(reason); }
  std::vector<std::string> reasons;
};

class FixedGates final : public AutopilotGates {
 public:
  std::vector<std::string> blockers() override { return list; }
  std::vector<std::string> list;
};

const Actor kAlice{"alice", "operator", "10.0.0.1"};
const Actor kBob{"bob", "operator", "10.0.0.2"};

class ControlPlaneTest : public test::ControlStoreTest {
 protected:
  void SetUp() override {
    test::ControlStoreTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(start());
  }

  void start(ControlPlaneOptions options = {}) {
    plane_.reset();
    auto opened = ControlPlane::open(db(), kKey, clock_, bus_, credentials_, options, quiet(), &flattener_, &gates_);
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    plane_ = std::move(*opened);
  }
  void restart(ControlPlaneOptions options = {}) {
    plane_.reset();
    reopen();
    ASSERT_NO_FATAL_FAILURE(start(options));
  }
  static Logger quiet() {
    LogOptions options;
    options.level = "error";
    return Logger::from_options(options);
  }

  ControlPlane& cp() { return *plane_; }

  ControlOutcome ok(Result<ControlOutcome> result) {
    EXPECT_TRUE(result.ok()) << result.error().describe();
    if (!result.ok()) return {};
    EXPECT_TRUE(result->ok()) << to_string(result->refusal) << ": " << result->message;
    return std::move(*result);
  }
  Refusal refusal(Result<ControlOutcome> result) {
    EXPECT_TRUE(result.ok()) << result.error().describe();
    return result.ok() ? result->refusal : Refusal::invalid;
  }

  std::int64_t request_resume(const Actor& who = kAlice) {
    auto outcome = ok(cp().request_resume("investigated, all clear", who));
    EXPECT_TRUE(outcome.approval.has_value());
    return outcome.approval ? outcome.approval->id : 0;
  }
  // The full S-4.4 procedure: postmortem on every P0, request by A, confirm by B (+2FA), resume.
  void full_resume() {
    for (const auto& id : p0_needing_postmortem()) ok(cp().ack_and_postmortem(id, "root cause found", true, kAlice));
    const auto id = request_resume();
    credentials_.reset();
    ok(cp().confirm(id, kBob, "approve-secret", "123456"));
    ok(cp().resume(kBob));
  }
  std::vector<std::int64_t> p0_needing_postmortem() {
    auto view = cp().incidents_view(10);
    std::vector<std::int64_t> ids;
    for (const auto& id : (*view)["postmortem_required"]) ids.push_back(id.get<std::int64_t>());
    return ids;
  }
  std::string audit_actions() {
    auto page = cp().audit_page({}, 1000, std::nullopt);
    std::string out;
    for (auto it = page->rbegin(); it != page->rend(); ++it) out += it->action + " ";
    return out;
  }

  EventBus bus_;
  FakeCredentials credentials_;
  RecordingFlattener flattener_;
  FixedGates gates_;
  std::unique_ptr<ControlPlane> plane_;
};

TEST_F(ControlPlaneTest, StartsInHoldAndSafeModeAndSaysWhy) {
  const ControlState s = cp().state();
  EXPECT_EQ(s.mode, Mode::hold);
  EXPECT_TRUE(s.safe_mode);
  EXPECT_EQ(s.tamper_status, "OK");
  EXPECT_EQ(s.autopilot_status, "disabled");
  EXPECT_NE(s.reason.find("S-1.3"), std::string::npos);
  EXPECT_EQ(cp().mode(), Mode::hold);
  EXPECT_NE(audit_actions().find("startup_hold"), std::string::npos);
}

TEST_F(ControlPlaneTest, TwoDifferentOperatorsResumeWithoutAP0) {
  const auto id = request_resume();
  EXPECT_EQ(cp().state().mode, Mode::hold) << "a request alone must not release HOLD";
  EXPECT_EQ(refusal(cp().resume(kAlice)), Refusal::not_approved);
  EXPECT_EQ(refusal(cp().confirm(id, kAlice, "approve-secret", "")), Refusal::self_confirmation);
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "wrong", "")), Refusal::bad_token);
  EXPECT_EQ(http_status_of(Refusal::bad_token), 401);
  EXPECT_EQ(cp().state().mode, Mode::hold);

  auto confirmed = ok(cp().confirm(id, kBob, "approve-secret", ""));
  ASSERT_TRUE(confirmed.state.resume_authorization.has_value());
  EXPECT_EQ(confirmed.state.resume_authorization->approved_by, "bob");
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "")), Refusal::already_decided);

  auto resumed = ok(cp().resume(kAlice));
  EXPECT_EQ(resumed.state.mode, Mode::resume);
  EXPECT_EQ(cp().mode(), Mode::resume);
  EXPECT_FALSE(resumed.state.last_released_ts.empty());
  EXPECT_TRUE(cp().safe_mode()) << "resume never clears safe_mode";
  EXPECT_EQ(refusal(cp().resume(kAlice)), Refusal::wrong_mode) << "the authorization is consumed";
  const std::string actions = audit_actions();
  // request, resume denied, confirm ×4 (self, bad token, approved, already decided),
  // resume approved, resume denied: every call audited with its outcome.
  EXPECT_NE(actions.find("startup_hold resume_request resume approval_confirm approval_confirm approval_confirm "
                         "approval_confirm resume resume"),
            std::string::npos)
      << actions;
}

TEST_F(ControlPlaneTest, ExpiredRequestIsRefused) {
  const auto id = request_resume();
  clock_.advance(std::chrono::minutes(16));
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "")), Refusal::expired);
  EXPECT_EQ(cp().state().mode, Mode::hold);
}

TEST_F(ControlPlaneTest, ConfirmationGoesStaleIfNotUsed) {
  const auto id = request_resume();
  ok(cp().confirm(id, kBob, "approve-secret", ""));
  clock_.advance(std::chrono::minutes(16));
  EXPECT_EQ(refusal(cp().resume(kBob)), Refusal::expired);
  EXPECT_EQ(cp().state().mode, Mode::hold);
}

TEST_F(ControlPlaneTest, SafetyActionWritesIncidentAuditAlertAndEventAndHolds) {
  full_resume();
  ASSERT_EQ(cp().mode(), Mode::resume);
  std::vector<ControlEvent> seen;
  bus_.subscribe([&](const ControlEvent& e) { seen.push_back(e); });

  SafetyEvent event;
  event.code = IncidentCode::hedge_lost;
  event.component = "executor";
  event.summary = "second leg rejected on OKX";
  auto acted = ok(cp().safety_action(event));
  ASSERT_TRUE(acted.incident.has_value());
  EXPECT_EQ(acted.incident->severity, Severity::P0);
  EXPECT_EQ(acted.incident->code, IncidentCode::hedge_lost);
  EXPECT_EQ(acted.incident->action_taken, "HOLD");
  EXPECT_EQ(cp().mode(), Mode::hold);
  EXPECT_NE(cp().state().reason.find("second leg rejected"), std::string::npos);
  EXPECT_NE(audit_actions().find("hold_auto"), std::string::npos);
  std::string types;
  for (const auto& e : seen) types += e.type + " ";
  EXPECT_NE(types.find("MODE_CHANGED"), std::string::npos) << types;
  EXPECT_NE(types.find("P0_INCIDENT"), std::string::npos) << types;
  EXPECT_NE(types.find("ALERT"), std::string::npos) << types;
  // The incident event, the alert and the audit entry all carry the code.
  for (const auto& e : seen) {
    if (e.type == "P0_INCIDENT" || e.type == "ALERT") {
      EXPECT_EQ(e.payload["code"], "hedge_lost") << e.type;
    }
    if (e.type == "ALERT") {
      EXPECT_NE(e.payload["message"].get<std::string>().find("hedge_lost: "), std::string::npos);
    }
  }
  AuditFilter hold_auto;
  hold_auto.action = "hold_auto";
  auto page = cp().audit_page(hold_auto, 1, std::nullopt);
  ASSERT_TRUE(page.ok() && page->size() == 1u);
  EXPECT_NE(page->front().details_json.find(R"("code":"hedge_lost")"), std::string::npos) << page->front().details_json;

  // A P1 changes no mode.
  ok(cp().hold("checking", kAlice));
  SafetyEvent p1;
  p1.code = IncidentCode::ws_feed_failed;
  p1.component = "ws_feed:OKX";
  p1.summary = "books feed down 30 s";
  auto p1_outcome = ok(cp().safety_action(p1));
  EXPECT_EQ(p1_outcome.incident->severity, Severity::P1);
  EXPECT_EQ(p1_outcome.incident->code, IncidentCode::ws_feed_failed);
  EXPECT_EQ(p1_outcome.incident->action_taken, "none");
}

TEST_F(ControlPlaneTest, ACodeWithoutASeverityPolicyNeedsASeverity) {
  for (IncidentCode code : {IncidentCode::manual, IncidentCode::unspecified}) {
    SafetyEvent event;
    event.code = code;
    event.component = "app";
    event.summary = "no severity given";
    EXPECT_EQ(refusal(cp().safety_action(event)), Refusal::invalid) << to_string(code);
  }
  EXPECT_EQ(query("SELECT count(*) FROM incidents"), "0");
}

TEST_F(ControlPlaneTest, AManualLogCarriesItsCodeAndDefaultsToManual) {
  auto plain = ok(cp().log_incident(Severity::P1, "ws_feed:OKX", "feed flapping", kAlice));
  ASSERT_TRUE(plain.incident.has_value());
  EXPECT_EQ(plain.incident->code, IncidentCode::manual);
  auto coded = ok(cp().log_incident(Severity::P1, "ws_feed:OKX", "feed down", kAlice, IncidentCode::ws_feed_failed));
  EXPECT_EQ(coded.incident->code, IncidentCode::ws_feed_failed);
  auto view = cp().incidents_view(10);
  ASSERT_EQ((*view)["active"].size(), 2u);
  EXPECT_EQ((*view)["active"][0]["code"], "manual");
  EXPECT_EQ((*view)["active"][1]["code"], "ws_feed_failed");

  // unspecified only labels rows older than codes.
  auto refused = cp().log_incident(Severity::P2, "app", "x", kAlice, IncidentCode::unspecified);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->refusal, Refusal::invalid);
  EXPECT_NE(refused->message.find("use one of hedge_lost"), std::string::npos) << refused->message;
}

TEST_F(ControlPlaneTest, ARecordedForensicRefShowsInTheIncidentsViewAndIsAudited) {
  auto p0 = ok(cp().log_incident(Severity::P0, "recon", "position mismatch", kAlice));
  ASSERT_TRUE(p0.incident.has_value());
  EXPECT_EQ((*cp().incidents_view(10))["active"][0]["forensic_captured"], "no");

  auto recorded = cp().record_forensic_ref(p0.incident->id, "/data/incidents_forensic/1", {{"manifest_sha256", "ab"}});
  ASSERT_TRUE(recorded.ok()) << recorded.error().describe();
  auto view = cp().incidents_view(10);
  EXPECT_EQ((*view)["active"][0]["forensic_captured"], "yes");
  EXPECT_EQ((*view)["active"][0]["forensic_ref"], "/data/incidents_forensic/1");
  AuditFilter written;
  written.action = "forensic_bundle_written";
  auto page = cp().audit_page(written, 10, std::nullopt);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front().target, "incident:" + std::to_string(p0.incident->id));
  EXPECT_NE(page->front().details_json.find("\"manifest_sha256\":\"ab\""), std::string::npos) << page->front().details_json;

  EXPECT_EQ(cp().record_forensic_ref(999, "/x", {}).error().code, Errc::not_found);
  EXPECT_EQ(cp().record_forensic_ref(p0.incident->id, "", {}).error().code, Errc::invalid_argument);
}

TEST_F(ControlPlaneTest, AnOperatorsSeverityDecidesAManualLogsActionNeverItsCode) {
  full_resume();
  // A code whose policy is KILL, logged by hand as P1: recorded, nothing stops.
  auto p1 = ok(cp().log_incident(Severity::P1, "ha", "suspected split brain", kAlice,
                                 IncidentCode::split_brain_detected));
  EXPECT_EQ(p1.incident->action_taken, "none");
  EXPECT_EQ(cp().mode(), Mode::resume);
  // As P0 it holds, and KILL stays behind the two-man kill switch.
  auto p0 = ok(cp().log_incident(Severity::P0, "ha", "split brain confirmed", kAlice,
                                 IncidentCode::split_brain_detected));
  EXPECT_EQ(p0.incident->action_taken, "HOLD");
  EXPECT_EQ(cp().mode(), Mode::hold);
  EXPECT_TRUE(flattener_.reasons.empty());
}

TEST_F(ControlPlaneTest, AfterAP0ResumeNeedsPostmortemAndTheSecondFactor) {
  ASSERT_TRUE(cp().log_incident(Severity::P0, "recon", "position mismatch on BINANCE", kAlice).ok());
  EXPECT_EQ(cp().mode(), Mode::hold);
  auto view = cp().incidents_view(10);
  EXPECT_TRUE((*view)["trade_locked"].get<bool>());
  EXPECT_EQ((*view)["banner"], "TRADE LOCKED: POSTMORTEM REQUIRED");

  const auto id = request_resume();
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "123456")), Refusal::postmortem_required);
  const auto incident_id = p0_needing_postmortem().at(0);
  ok(cp().ack_and_postmortem(incident_id, "stale position cache; fixed", true, kAlice));
  EXPECT_FALSE((*cp().incidents_view(10))["trade_locked"].get<bool>());

  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "")), Refusal::second_factor_required);
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "999999")), Refusal::bad_second_factor);
  ok(cp().confirm(id, kBob, "approve-secret", "123456"));
  ok(cp().resume(kBob));
  EXPECT_EQ(cp().mode(), Mode::resume);
}

TEST_F(ControlPlaneTest, KillSwitchIsTwoManWithSecondFactorAndFlattens) {
  const auto id = ok(cp().request_kill("runaway losses", kAlice)).approval->id;
  EXPECT_EQ(cp().mode(), Mode::hold);
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "")), Refusal::second_factor_required);
  ok(cp().confirm(id, kBob, "approve-secret", "123456"));
  EXPECT_EQ(cp().mode(), Mode::kill);
  ASSERT_EQ(flattener_.reasons.size(), 1u);
  auto killed = cp().incidents_view(10);
  ASSERT_EQ((*killed)["active"].size(), 1u);
  EXPECT_EQ((*killed)["active"][0]["code"], "manual_kill_switch_activated");
  EXPECT_EQ((*killed)["active"][0]["action_taken"], "KILL");
  EXPECT_EQ(refusal(cp().hold("again", kAlice)), Refusal::wrong_mode);

  // Leaving KILL: the kill-switch P0 needs its postmortem, then two operators + 2FA.
  const auto resume_id = request_resume();
  credentials_.reset();
  EXPECT_EQ(refusal(cp().confirm(resume_id, kBob, "approve-secret", "123456")), Refusal::postmortem_required);
  full_resume();
  EXPECT_EQ(cp().mode(), Mode::resume);
}

TEST_F(ControlPlaneTest, SafeModeOffAndExitDryRunAreTwoMan) {
  ok(cp().set_dry_run(true, "rehearsal", kAlice));
  EXPECT_TRUE(cp().dry_run_mode());
  const auto dry = ok(cp().set_dry_run(false, "rehearsal over", kAlice)).approval->id;
  EXPECT_TRUE(cp().dry_run_mode()) << "leaving dry-run needs a second operator";
  ok(cp().confirm(dry, kBob, "approve-secret", ""));
  EXPECT_FALSE(cp().dry_run_mode());

  const auto safe = ok(cp().set_safe_mode(false, "full size", kAlice)).approval->id;
  EXPECT_TRUE(cp().safe_mode());
  ok(cp().confirm(safe, kBob, "approve-secret", ""));  // paper, no P0: no second factor
  EXPECT_FALSE(cp().safe_mode());
  ok(cp().set_safe_mode(true, "back to careful", kAlice));
  EXPECT_TRUE(cp().safe_mode());
}

TEST_F(ControlPlaneTest, OtherKindsRunTheirRegisteredEffectOnceConfirmed) {
  std::vector<std::string> applied;
  cp().on_approved(ApprovalKind::raise_limit, [&](const ApprovalRequest& r) { applied.push_back(r.payload_json); });
  auto filed = ok(cp().request_approval(ApprovalKind::raise_limit, "bigger book",
                                        {{"limit", "max_total_notional_usdt"}, {"to", "60000"}}, kAlice));
  ASSERT_TRUE(filed.approval.has_value());
  EXPECT_TRUE(applied.empty());
  ok(cp().confirm(filed.approval->id, kBob, "approve-secret", ""));
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_NE(applied[0].find("60000"), std::string::npos);
  // The generic entry keeps each kind's own preconditions.
  full_resume();
  EXPECT_EQ(refusal(cp().request_approval(ApprovalKind::resume, "again", nlohmann::json::object(), kAlice)),
            Refusal::wrong_mode);
}

TEST_F(ControlPlaneTest, LiveSafeModeOffNeedsTheSecondFactor) {
  ControlPlaneOptions live;
  live.live = true;
  restart(live);
  const auto id = ok(cp().set_safe_mode(false, "full size", kAlice)).approval->id;
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "")), Refusal::second_factor_required);
  ok(cp().confirm(id, kBob, "approve-secret", "123456"));
  EXPECT_FALSE(cp().safe_mode());
}

TEST_F(ControlPlaneTest, RestartComesBackInHoldWithPendingApprovalsAndIncidents) {
  full_resume();
  ok(cp().log_incident(Severity::P1, "ws_feed:OKX", "feed flapping", kAlice));
  EXPECT_EQ(refusal(cp().request_resume("again", kBob)), Refusal::wrong_mode);
  ok(cp().hold("maintenance window", kAlice));
  const auto id = request_resume();
  restart();
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_TRUE(cp().state().safe_mode);
  auto approvals = cp().pending_approvals();
  ASSERT_TRUE(approvals.ok());
  ASSERT_EQ(approvals->size(), 1u);
  EXPECT_EQ(approvals->front().id, id);
  auto view = cp().incidents_view(10);
  ASSERT_EQ((*view)["active"].size(), 1u);
  EXPECT_EQ((*view)["active"][0]["summary"], "feed flapping");
  // The surviving request still works after the restart.
  ok(cp().confirm(id, kBob, "approve-secret", ""));
  ok(cp().resume(kBob));
}

TEST_F(ControlPlaneTest, EditedStateBlobIsATamperP0AndBlocksResumeUntilTheProcedure) {
  plane_.reset();
  ASSERT_NO_FATAL_FAILURE(
      exec_or_fail("UPDATE signed_state SET canonical_json = replace(canonical_json, '\"HOLD\"', '\"RESUME\"')"));
  reopen();
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_EQ(cp().state().tamper_status, "TAMPER_DETECTED_HOLD");
  auto view = cp().incidents_view(10);
  ASSERT_EQ((*view)["active"].size(), 1u);
  EXPECT_EQ((*view)["active"][0]["severity"], "P0");
  EXPECT_EQ((*view)["active"][0]["code"], "tamper_detected");
  EXPECT_EQ((*view)["active"][0]["component"], "control_plane");
  const auto id = request_resume();
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "123456")), Refusal::postmortem_required);
  full_resume();
  EXPECT_EQ(cp().state().tamper_status, "OK");
  restart();
  EXPECT_EQ(cp().state().tamper_status, "OK") << "the re-signed state verifies after the procedure";
}

TEST_F(ControlPlaneTest, EditedAuditRowIsATamperP0) {
  ok(cp().hold("first", kAlice));
  plane_.reset();
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_update"));
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"));
  reopen();
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(cp().state().tamper_status, "TAMPER_DETECTED_HOLD");
  auto view = cp().incidents_view(10);
  ASSERT_FALSE((*view)["active"].empty());
  EXPECT_NE((*view)["active"][0]["summary"].get<std::string>().find("audit chain broken at id 2"), std::string::npos);
}

TEST_F(ControlPlaneTest, TruncatedAuditChainBelowTheSignedAnchorIsATamperP0) {
  ok(cp().hold("one", kAlice));
  ok(cp().hold("two", kAlice));
  plane_.reset();
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DROP TRIGGER audit_log_refuse_delete"));
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"));
  reopen();
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(cp().state().tamper_status, "TAMPER_DETECTED_HOLD");
}

TEST_F(ControlPlaneTest, AutopilotResumesOnlyWhenEveryGateIsGreenAndNeverClearsSafeMode) {
  full_resume();
  ControlPlaneOptions autopilot;
  autopilot.autopilot_enabled = true;
  restart(autopilot);
  EXPECT_EQ(cp().state().mode, Mode::resume);
  EXPECT_EQ(cp().state().autopilot_status, "resumed");
  EXPECT_TRUE(cp().state().safe_mode);
  EXPECT_NE(audit_actions().find("autopilot_resumed"), std::string::npos);

  gates_.list = {"blocked_by_recon"};
  ok(cp().log_incident(Severity::P0, "recon", "mismatch", kAlice));
  restart(autopilot);  // persisted HOLD: the autopilot stays put
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_EQ(cp().state().autopilot_status, "idle");
}

TEST_F(ControlPlaneTest, AutopilotRefusesWithEveryReason) {
  full_resume();  // persisted RESUME, as a crash while trading leaves it
  gates_.list = {"blocked_by_recon", "blocked_by_circuit_breaker"};
  ControlPlaneOptions autopilot;
  autopilot.autopilot_enabled = true;
  restart(autopilot);
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_EQ(cp().state().autopilot_status, "refused");
  EXPECT_EQ(cp().state().autopilot_last_decision, "blocked_by_recon,blocked_by_circuit_breaker");
  EXPECT_NE(audit_actions().find("autopilot_refused"), std::string::npos);
  auto view = cp().incidents_view(10);
  bool p2 = false;
  for (const auto& i : (*view)["active"]) p2 = p2 || (i["severity"] == "P2" && i["component"] == "control_plane");
  EXPECT_TRUE(p2) << "an autopilot refusal is a P2 incident";
}

TEST_F(ControlPlaneTest, ResumeWaitsForACleanStartUpReconciliation) {
  ControlPlaneOptions trading;
  trading.recon_required = true;
  restart(trading);
  EXPECT_EQ(cp().recon_status(), "pending");
  const auto id = request_resume();
  ok(cp().confirm(id, kBob, "approve-secret", ""));
  EXPECT_EQ(refusal(cp().resume(kBob)), Refusal::recon_pending);
  EXPECT_EQ(http_status_of(Refusal::recon_pending), 409);
  EXPECT_EQ(cp().state().mode, Mode::hold);

  cp().recon_finished(true, "resolved 2 order(s)");
  EXPECT_EQ(cp().recon_status(), "clean");
  EXPECT_EQ(ok(cp().resume(kBob)).state.mode, Mode::resume);
  EXPECT_NE(audit_actions().find("recon_finished"), std::string::npos);
}

TEST_F(ControlPlaneTest, AnUncleanReconciliationIsAP0AndKeepsResumeRefused) {
  ControlPlaneOptions trading;
  trading.recon_required = true;
  restart(trading);
  cp().recon_finished(false, "venue OKX does not know order pb1");
  EXPECT_EQ(cp().recon_status().rfind("unclean", 0), 0u);
  EXPECT_EQ(p0_needing_postmortem().size(), 1u) << "recon_mismatch is a P0";
  for (const auto& p0 : p0_needing_postmortem()) ok(cp().ack_and_postmortem(p0, "checked by hand", true, kAlice));
  const auto id = request_resume();
  credentials_.reset();
  ok(cp().confirm(id, kBob, "approve-secret", "123456"));
  EXPECT_EQ(refusal(cp().resume(kBob)), Refusal::recon_pending);
}

TEST_F(ControlPlaneTest, TheAutopilotWaitsForTheReconciliationThenDecides) {
  full_resume();
  ControlPlaneOptions both;
  both.autopilot_enabled = true;
  both.recon_required = true;
  restart(both);
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_EQ(cp().state().autopilot_status, "waiting_for_recon");
  cp().recon_finished(true, "nothing to resolve");
  EXPECT_EQ(cp().state().mode, Mode::resume);
  EXPECT_EQ(cp().state().autopilot_status, "resumed");
}

TEST_F(ControlPlaneTest, AutopilotRefusesAfterTamper) {
  full_resume();
  plane_.reset();
  ASSERT_NO_FATAL_FAILURE(exec_or_fail("UPDATE signed_state SET signature = substr(signature, 2) || '0'"));
  reopen();
  ControlPlaneOptions autopilot;
  autopilot.autopilot_enabled = true;
  ASSERT_NO_FATAL_FAILURE(start(autopilot));
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_EQ(cp().state().autopilot_status, "idle") << "a tampered state tells the autopilot nothing it may trust";
  EXPECT_EQ(cp().state().tamper_status, "TAMPER_DETECTED_HOLD");
}

TEST_F(ControlPlaneTest, ForbiddenAndSecretAccessAreAudited) {
  ASSERT_TRUE(cp().record_forbidden(Actor{"vera", "viewer", "10.0.0.9"}, "POST", "/api/ui/hold").ok());
  ASSERT_TRUE(cp().record_secret_access("binance.api_key", "venue:binance", true).ok());
  auto page = cp().audit_page({}, 10, std::nullopt);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ((*page)[0].action, "access_secret");
  EXPECT_NE((*page)[0].details_json.find("binance.api_key"), std::string::npos);
  EXPECT_EQ((*page)[1].action, "forbidden");
  EXPECT_EQ((*page)[1].actor, "vera");
  auto chain = cp().verify_audit();
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->ok);
}


// --- issue 10: the confirmation's order, the second-factor throttle, forbidden
// aggregation and text caps ----------------------------------------------------------

// promote_standby always needs the second factor (S-6.3), whatever the context.
std::int64_t file_promote(ControlPlane& plane, const Actor& who) {
  auto filed =
      plane.request_approval(ApprovalKind::promote_standby, "standby is healthier", nlohmann::json::object(), who);
  EXPECT_TRUE(filed.ok() && filed->ok() && filed->approval);
  return filed.ok() && filed->approval ? filed->approval->id : 0;
}

const Actor kCarol{"carol", "operator", "10.0.0.3"};

TEST_F(ControlPlaneTest, ARefusedConfirmationNeverSpendsTheSecondFactor) {
  const auto pending = file_promote(cp(), kAlice);
  const auto withdrawn = file_promote(cp(), kAlice);
  ok(cp().reject(withdrawn, kAlice));

  // The requester, a decided request, a wrong approve token: each refused before the code is looked at.
  EXPECT_EQ(refusal(cp().confirm(pending, kAlice, "approve-secret", "123456")), Refusal::self_confirmation);
  EXPECT_EQ(refusal(cp().confirm(withdrawn, kBob, "approve-secret", "123456")), Refusal::already_decided);
  EXPECT_EQ(refusal(cp().confirm(withdrawn, kBob, "wrong", "123456")), Refusal::already_decided)
      << "the request's state is checked before any secret";
  EXPECT_EQ(refusal(cp().confirm(pending, kBob, "wrong", "123456")), Refusal::bad_token);
  EXPECT_FALSE(credentials_.used()) << "a refused confirmation burned the one-time code";

  ok(cp().confirm(pending, kBob, "approve-secret", "123456"));
  EXPECT_TRUE(credentials_.used());
}

TEST_F(ControlPlaneTest, ReplayingADecidedRequestIsAlreadyDecidedNotABadSecondFactor) {
  const auto id = file_promote(cp(), kAlice);
  ok(cp().confirm(id, kBob, "approve-secret", "123456"));
  auto replay = cp().confirm(id, kBob, "approve-secret", "123456");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->refusal, Refusal::already_decided) << replay->message;
  EXPECT_EQ(http_status_of(replay->refusal), 409);
  EXPECT_EQ(refusal(cp().confirm(id, kCarol, "approve-secret", "")), Refusal::already_decided);
}

TEST_F(ControlPlaneTest, AnExpiredRequestAnswersExpiredEveryTimeAndKeepsTheCode) {
  const auto id = file_promote(cp(), kAlice);
  clock_.advance(std::chrono::minutes(16));
  auto first = cp().confirm(id, kBob, "approve-secret", "123456");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->refusal, Refusal::expired) << first->message;
  EXPECT_FALSE(credentials_.used());
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "123456")), Refusal::expired)
      << "an expired request is not 'already decided'";
  ASSERT_TRUE(cp().expire_due().ok());
  EXPECT_EQ(refusal(cp().confirm(id, kCarol, "approve-secret", "123456")), Refusal::expired);
  EXPECT_EQ(refusal(cp().reject(id, kCarol)), Refusal::expired);
  EXPECT_FALSE(credentials_.used());
}

TEST_F(ControlPlaneTest, WrongSecondFactorsLockTheOperatorOutWithOneP1) {
  std::vector<ControlEvent> alerts;
  bus_.subscribe([&](const ControlEvent& e) {
    if (e.type == "ALERT") alerts.push_back(e);
  });
  const auto id = file_promote(cp(), kAlice);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "00000" + std::to_string(i))),
              Refusal::bad_second_factor)
        << "attempt " << i + 1;
  }
  // The sixth attempt, even with the right code, is refused without looking at it.
  auto locked = cp().confirm(id, kBob, "approve-secret", "123456");
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(locked->refusal, Refusal::second_factor_locked);
  EXPECT_EQ(to_string(Refusal::second_factor_locked), "second_factor_locked");
  EXPECT_EQ(http_status_of(Refusal::second_factor_locked), 429);
  EXPECT_NE(locked->message.find("bob"), std::string::npos) << locked->message;
  EXPECT_NE(locked->message.find("until 2023-11-14T22:"), std::string::npos) << locked->message;
  EXPECT_FALSE(credentials_.used());
  EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "123456")), Refusal::second_factor_locked);

  // One P1 through the safety action: incident + audit + alert + event, no HOLD change.
  auto view = cp().incidents_view(10);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ((*view)["active"].size(), 1u) << view->dump();
  const auto& incident = (*view)["active"][0];
  EXPECT_EQ(incident["severity"], "P1");
  EXPECT_EQ(incident["component"], "control_plane");
  EXPECT_NE(incident["summary"].get<std::string>().find("bob"), std::string::npos) << incident.dump();
  EXPECT_EQ(alerts.size(), 1u) << "one alert per lockout";
  EXPECT_NE(audit_actions().find("incident_logged"), std::string::npos);
  EXPECT_FALSE((*view)["trade_locked"].get<bool>());

  // The lockout never blocks HOLD or anything but confirmations.
  ok(cp().hold("checking who guessed", kBob));
  EXPECT_EQ(cp().mode(), Mode::hold);
  ok(cp().request_resume("bob may still file requests", kBob));

  // The request itself is locked too (5 failures on it): carol cannot confirm it...
  EXPECT_EQ(refusal(cp().confirm(id, kCarol, "approve-secret", "123456")), Refusal::second_factor_locked);
  // ...but carol confirms a fresh one.
  const auto fresh = file_promote(cp(), kAlice);
  ok(cp().confirm(fresh, kCarol, "approve-secret", "123456"));

  // After the lockout bob may confirm again.
  credentials_.reset();
  clock_.advance(std::chrono::minutes(15) + std::chrono::seconds(1));
  const auto later = file_promote(cp(), kAlice);
  ok(cp().confirm(later, kBob, "approve-secret", "123456"));
  EXPECT_EQ(alerts.size(), 1u);
}

TEST_F(ControlPlaneTest, WrongApproveTokensCountTowardsTheLockoutButMissingValuesDoNot) {
  const auto id = file_promote(cp(), kAlice);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "")), Refusal::second_factor_required);
    EXPECT_EQ(refusal(cp().confirm(id, kBob, "", "")), Refusal::bad_token);
  }
  for (int i = 0; i < 5; ++i) {
    const auto other = file_promote(cp(), kAlice);  // spread over requests: the operator count locks
    EXPECT_EQ(refusal(cp().confirm(other, kCarol, "not-the-token", "")), Refusal::bad_token);
  }
  EXPECT_EQ(refusal(cp().confirm(id, kCarol, "approve-secret", "123456")), Refusal::second_factor_locked);
  ok(cp().confirm(id, kBob, "approve-secret", "123456"));
}

TEST_F(ControlPlaneTest, FailuresOutsideTheWindowDoNotLock) {
  const auto id = file_promote(cp(), kAlice);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(refusal(cp().confirm(id, kBob, "approve-secret", "999999")), Refusal::bad_second_factor);
  }
  clock_.advance(std::chrono::minutes(14));
  const auto second = file_promote(cp(), kAlice);  // the first request would expire first
  clock_.advance(std::chrono::minutes(2));         // the four failures are now 16 min old
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(refusal(cp().confirm(second, kBob, "approve-secret", "999999")), Refusal::bad_second_factor);
  }
  ok(cp().confirm(second, kBob, "approve-secret", "123456"));
}

std::vector<AuditRecord> forbidden_rows(ControlPlane& plane) {
  AuditFilter filter;
  filter.action = "forbidden";
  auto page = plane.audit_page(filter, 1000, std::nullopt);
  EXPECT_TRUE(page.ok());
  return page.ok() ? *page : std::vector<AuditRecord>{};
}

// The exact number of forbidden answers the rows stand for: one for a row written at
// once, `repeated` for a summary row.
std::int64_t forbidden_count(const std::vector<AuditRecord>& rows) {
  std::int64_t total = 0;
  for (const auto& row : rows) total += nlohmann::json::parse(row.details_json).value("repeated", std::int64_t{1});
  return total;
}

TEST_F(ControlPlaneTest, RepeatedForbiddenCallsAreAggregatedWithAnExactCount) {
  const Actor vera{"vera", "viewer", "10.0.0.9"};
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(cp().record_forbidden(vera, "POST", "/api/ui/hold").ok());
  auto rows = forbidden_rows(cp());
  EXPECT_LE(rows.size(), 2u) << "500 forbidden answers wrote " << rows.size() << " rows";
  EXPECT_EQ(forbidden_count(rows), 500);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back().actor, "vera") << "the first one is audited at once";
  EXPECT_EQ(rows.back().target, "/api/ui/hold");

  // Another window: its first call is audited at once again, and the count stays exact.
  clock_.advance(std::chrono::minutes(2));
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(cp().record_forbidden(vera, "POST", "/api/ui/hold").ok());
  ASSERT_TRUE(cp().record_forbidden(vera, "POST", "/api/ui/resume").ok());
  rows = forbidden_rows(cp());
  EXPECT_LE(rows.size(), 5u);
  EXPECT_EQ(forbidden_count(rows), 508);
  auto chain = cp().verify_audit();
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->ok);
}

TEST_F(ControlPlaneTest, ForbiddenCallsOnEverChangingPathsStayBounded) {
  const Actor vera{"vera", "viewer", "10.0.0.9"};
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(cp().record_forbidden(vera, "POST", "/api/ui/approvals/" + std::to_string(i) + "/confirm").ok());
  }
  auto rows = forbidden_rows(cp());
  EXPECT_LE(rows.size(), 20u) << "one viewer varying the path wrote " << rows.size() << " rows";
  EXPECT_EQ(forbidden_count(rows), 300);
}

TEST_F(ControlPlaneTest, PendingForbiddenCountsAreWrittenWhenThePlaneCloses) {
  const Actor vera{"vera", "viewer", "10.0.0.9"};
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(cp().record_forbidden(vera, "POST", "/api/ui/hold").ok());
  restart();
  EXPECT_EQ(forbidden_count(forbidden_rows(cp())), 40) << "nothing lost at shutdown";
}

TEST_F(ControlPlaneTest, OverLongTextIsRefusedNamingTheFieldAndTheLimit) {
  auto refused_with = [&](Result<ControlOutcome> result, const std::string& message) {
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(result->refusal, Refusal::invalid);
    EXPECT_EQ(result->message, message);
  };
  const std::string reason(1001, 'r');
  refused_with(cp().hold(reason, kAlice), "field 'reason': at most 1000 bytes (got 1001)");
  refused_with(cp().request_resume(reason, kAlice), "field 'reason': at most 1000 bytes (got 1001)");
  refused_with(cp().request_kill(reason, kAlice), "field 'reason': at most 1000 bytes (got 1001)");
  refused_with(cp().set_safe_mode(true, reason, kAlice), "field 'reason': at most 1000 bytes (got 1001)");
  refused_with(cp().set_dry_run(false, reason, kAlice), "field 'reason': at most 1000 bytes (got 1001)");
  refused_with(cp().request_approval(ApprovalKind::raise_limit, reason, nlohmann::json::object(), kAlice),
               "field 'reason': at most 1000 bytes (got 1001)");
  refused_with(cp().request_approval(ApprovalKind::raise_limit, "bigger", {{"note", std::string(9000, 'p')}}, kAlice),
               "field 'payload': at most 8192 bytes (got 9011)");
  refused_with(cp().log_incident(Severity::P2, std::string(201, 'c'), "x", kAlice),
               "field 'component': at most 200 bytes (got 201)");
  refused_with(cp().log_incident(Severity::P2, "recon", std::string(10241, 's'), kAlice),
               "field 'summary': at most 10000 bytes (got 10241)");
  refused_with(cp().ack_and_postmortem(1, std::string(10001, 'p'), true, kAlice),
               "field 'postmortem_root_cause': at most 10000 bytes (got 10001)");
  const auto id = request_resume();
  refused_with(cp().confirm(id, kBob, std::string(257, 't'), ""), "field 'token': at most 256 bytes (got 257)");
  refused_with(cp().confirm(id, kBob, "approve-secret", std::string(257, '1')),
               "field 'totp': at most 256 bytes (got 257)");
  // Exactly at the limit is fine.
  ok(cp().hold(std::string(1000, 'r'), kAlice));
  ok(cp().log_incident(Severity::P2, std::string(200, 'c'), std::string(10000, 's'), kAlice));
  EXPECT_EQ(cp().mode(), Mode::hold);
}

TEST_F(ControlPlaneTest, AnAutomaticSafetyActionWithOverLongTextStillActs) {
  full_resume();
  ASSERT_EQ(cp().mode(), Mode::resume);
  SafetyEvent event;
  event.code = IncidentCode::hedge_lost;
  event.component = "executor:" + std::string(500, 'x');
  event.summary = std::string(20000, 's');
  auto acted = ok(cp().safety_action(event));
  EXPECT_EQ(cp().mode(), Mode::hold) << "a long text must never stop a P0 from holding";
  ASSERT_TRUE(acted.incident.has_value());
  EXPECT_LE(acted.incident->component.size(), 200u);
  EXPECT_LE(acted.incident->summary.size(), 10000u);
}

}  // namespace
}  // namespace propbot::control
