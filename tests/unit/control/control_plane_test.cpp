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
    start();
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
    start(options);
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
  event.kind = IncidentKind::hedge_lost;
  event.component = "executor";
  event.summary = "second leg rejected on OKX";
  auto acted = ok(cp().safety_action(event));
  ASSERT_TRUE(acted.incident.has_value());
  EXPECT_EQ(acted.incident->severity, Severity::P0);
  EXPECT_EQ(acted.incident->action_taken, "HOLD");
  EXPECT_EQ(cp().mode(), Mode::hold);
  EXPECT_NE(cp().state().reason.find("second leg rejected"), std::string::npos);
  EXPECT_NE(audit_actions().find("hold_auto"), std::string::npos);
  std::string types;
  for (const auto& e : seen) types += e.type + " ";
  EXPECT_NE(types.find("MODE_CHANGED"), std::string::npos) << types;
  EXPECT_NE(types.find("P0_INCIDENT"), std::string::npos) << types;
  EXPECT_NE(types.find("ALERT"), std::string::npos) << types;

  // A P1 changes no mode.
  ok(cp().hold("checking", kAlice));
  SafetyEvent p1;
  p1.kind = IncidentKind::ws_feed_failed;
  p1.component = "ws_feed:OKX";
  p1.summary = "books feed down 30 s";
  auto p1_outcome = ok(cp().safety_action(p1));
  EXPECT_EQ(p1_outcome.incident->severity, Severity::P1);
  EXPECT_EQ(p1_outcome.incident->action_taken, "none");
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
  exec_or_fail("UPDATE signed_state SET canonical_json = replace(canonical_json, '\"HOLD\"', '\"RESUME\"')");
  reopen();
  start();
  EXPECT_EQ(cp().state().mode, Mode::hold);
  EXPECT_EQ(cp().state().tamper_status, "TAMPER_DETECTED_HOLD");
  auto view = cp().incidents_view(10);
  ASSERT_EQ((*view)["active"].size(), 1u);
  EXPECT_EQ((*view)["active"][0]["severity"], "P0");
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
  exec_or_fail("DROP TRIGGER audit_log_refuse_update");
  exec_or_fail("UPDATE audit_log SET actor = 'mallory' WHERE id = 2");
  reopen();
  start();
  EXPECT_EQ(cp().state().tamper_status, "TAMPER_DETECTED_HOLD");
  auto view = cp().incidents_view(10);
  ASSERT_FALSE((*view)["active"].empty());
  EXPECT_NE((*view)["active"][0]["summary"].get<std::string>().find("audit chain broken at id 2"), std::string::npos);
}

TEST_F(ControlPlaneTest, TruncatedAuditChainBelowTheSignedAnchorIsATamperP0) {
  ok(cp().hold("one", kAlice));
  ok(cp().hold("two", kAlice));
  plane_.reset();
  exec_or_fail("DROP TRIGGER audit_log_refuse_delete");
  exec_or_fail("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)");
  reopen();
  start();
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

TEST_F(ControlPlaneTest, AutopilotRefusesAfterTamper) {
  full_resume();
  plane_.reset();
  exec_or_fail("UPDATE signed_state SET signature = substr(signature, 2) || '0'");
  reopen();
  ControlPlaneOptions autopilot;
  autopilot.autopilot_enabled = true;
  start(autopilot);
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

}  // namespace
}  // namespace propbot::control
