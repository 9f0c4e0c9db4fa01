#include "core/control/approval_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/control/control_fixture.hpp"

namespace propbot::control {
namespace {

class ApprovalStoreTest : public test::ControlStoreTest {
 protected:
  ApprovalRequest request_or_fail(ApprovalStore& store, ApprovalKind kind, std::string requested_by = "alice",
                                  SecondFactorContext context = {}) {
    NewApprovalRequest request;
    request.kind = kind;
    request.requested_by = std::move(requested_by);
    request.reason = "recon clean, postmortem written";
    request.payload = {{"incident_id", 4}};
    request.second_factor_context = context;
    Result<ApprovalRequest> stored = store.request(request);
    EXPECT_TRUE(stored.ok()) << stored.error().describe();
    return stored ? *stored : ApprovalRequest{};
  }

  DecisionOutcome confirm_or_fail(ApprovalStore& store, std::int64_t id, std::string_view confirmer,
                                  bool second_factor_ok) {
    Result<DecisionOutcome> outcome = store.confirm(id, confirmer, second_factor_ok);
    EXPECT_TRUE(outcome.ok()) << outcome.error().describe();
    return outcome ? *outcome : DecisionOutcome{};
  }
};

TEST(ApprovalKindTest, TheCriticalFourNeedASecondFactor) {
  for (ApprovalKind kind : kAllApprovalKinds) {
    const bool critical = kind == ApprovalKind::kill_switch || kind == ApprovalKind::promote_standby ||
                          kind == ApprovalKind::resume || kind == ApprovalKind::safe_mode_off;
    EXPECT_EQ(needs_second_factor(kind), critical) << to_string(kind);
    Result<ApprovalKind> parsed = parse_approval_kind(to_string(kind));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, kind);
  }
  // S-6.3 context: resume only after a P0, safe_mode off only in live; the other two always.
  const SecondFactorContext paper_no_p0{/*live=*/false, /*after_p0=*/false};
  EXPECT_FALSE(needs_second_factor(ApprovalKind::resume, paper_no_p0));
  EXPECT_FALSE(needs_second_factor(ApprovalKind::safe_mode_off, paper_no_p0));
  EXPECT_TRUE(needs_second_factor(ApprovalKind::kill_switch, paper_no_p0));
  EXPECT_TRUE(needs_second_factor(ApprovalKind::promote_standby, paper_no_p0));
  EXPECT_TRUE(needs_second_factor(ApprovalKind::resume, {/*live=*/false, /*after_p0=*/true}));
  EXPECT_TRUE(needs_second_factor(ApprovalKind::safe_mode_off, {/*live=*/true, /*after_p0=*/false}));
  Result<ApprovalKind> unknown = parse_approval_kind("launch_missiles");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("config_apply_loosening"), std::string::npos);
}

TEST_F(ApprovalStoreTest, ASecondOperatorApproves) {
  ApprovalStore store(db(), clock_);
  const ApprovalRequest request = request_or_fail(store, ApprovalKind::raise_limit);
  EXPECT_EQ(request.status, ApprovalStatus::pending);
  EXPECT_EQ(request.created_at, "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(request.expires_at, "2023-11-14T22:28:20.000Z") << "default TTL 15 min";
  EXPECT_EQ(request.payload_json, R"({"incident_id":4})");
  EXPECT_FALSE(request.second_factor_required);

  clock_.advance(std::chrono::seconds(30));
  const DecisionOutcome outcome = confirm_or_fail(store, request.id, "bob", /*second_factor_ok=*/false);
  ASSERT_TRUE(outcome.accepted()) << outcome.message;
  ASSERT_TRUE(outcome.request.has_value());
  EXPECT_EQ(outcome.request->status, ApprovalStatus::approved);
  EXPECT_EQ(outcome.request->confirmed_by, "bob");
  EXPECT_EQ(outcome.request->confirmed_at, "2023-11-14T22:13:50.000Z");
  Result<ApprovalRequest> stored = store.get(request.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, ApprovalStatus::approved);
  EXPECT_EQ(stored->confirmed_by, "bob");
}

TEST_F(ApprovalStoreTest, TheRequesterCannotConfirmTheirOwnRequest) {
  ApprovalStore store(db(), clock_);
  const ApprovalRequest request = request_or_fail(store, ApprovalKind::unfreeze_strategy, "alice");
  const DecisionOutcome outcome = confirm_or_fail(store, request.id, "alice", /*second_factor_ok=*/true);
  EXPECT_EQ(outcome.refusal, ApprovalRefusal::self_confirmation);
  EXPECT_EQ(to_string(outcome.refusal), "self_confirmation");
  EXPECT_NE(outcome.message.find("different operator"), std::string::npos) << outcome.message;
  EXPECT_EQ(store.get(request.id)->status, ApprovalStatus::pending) << "the request stays open for someone else";
  EXPECT_TRUE(confirm_or_fail(store, request.id, "bob", false).accepted());
}

TEST_F(ApprovalStoreTest, AnExpiredRequestIsRefusedAndMarkedExpired) {
  ApprovalStore store(db(), clock_);
  NewApprovalRequest request;
  request.kind = ApprovalKind::exit_dry_run;
  request.requested_by = "alice";
  request.reason = "paper results reviewed";
  request.ttl = std::chrono::seconds(60);
  Result<ApprovalRequest> stored = store.request(request);
  ASSERT_TRUE(stored.ok());

  clock_.advance(std::chrono::seconds(60));
  const DecisionOutcome outcome = confirm_or_fail(store, stored->id, "bob", true);
  EXPECT_EQ(outcome.refusal, ApprovalRefusal::expired);
  EXPECT_NE(outcome.message.find("expired"), std::string::npos) << outcome.message;
  EXPECT_EQ(store.get(stored->id)->status, ApprovalStatus::expired);
  EXPECT_FALSE(store.get(stored->id)->confirmed_by.has_value());

  // Issue 10: an expired request keeps answering `expired`, never "already decided".
  const DecisionOutcome again = confirm_or_fail(store, stored->id, "bob", true);
  EXPECT_EQ(again.refusal, ApprovalRefusal::expired);
  EXPECT_NE(again.message.find("expired at 2023-11-14T22:14:20.000Z"), std::string::npos) << again.message;
  Result<DecisionOutcome> rejected = store.reject(stored->id, "alice");
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->refusal, ApprovalRefusal::expired);
}

TEST_F(ApprovalStoreTest, ARequestSweptByExpireDueAnswersExpired) {
  ApprovalStore store(db(), clock_);
  const ApprovalRequest request = request_or_fail(store, ApprovalKind::raise_limit);
  clock_.advance(std::chrono::minutes(16));
  ASSERT_EQ(store.expire_due()->size(), 1u);
  EXPECT_EQ(confirm_or_fail(store, request.id, "bob", false).refusal, ApprovalRefusal::expired);
  Result<DecisionOutcome> rejected = store.reject(request.id, "bob");
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->refusal, ApprovalRefusal::expired);
}

TEST_F(ApprovalStoreTest, ASecondConfirmationIsRefused) {
  ApprovalStore store(db(), clock_);
  const ApprovalRequest request = request_or_fail(store, ApprovalKind::raise_limit);
  ASSERT_TRUE(confirm_or_fail(store, request.id, "bob", false).accepted());
  const DecisionOutcome twice = confirm_or_fail(store, request.id, "carol", false);
  EXPECT_EQ(twice.refusal, ApprovalRefusal::already_decided);
  EXPECT_NE(twice.message.find("already approved by bob"), std::string::npos) << twice.message;
  EXPECT_EQ(store.get(request.id)->confirmed_by, "bob");
  EXPECT_EQ(confirm_or_fail(store, 999, "carol", false).refusal, ApprovalRefusal::not_found);
}

TEST_F(ApprovalStoreTest, CriticalKindsNeedTheSecondFactor) {
  ApprovalStore store(db(), clock_);
  for (ApprovalKind kind : {ApprovalKind::kill_switch, ApprovalKind::promote_standby, ApprovalKind::resume,
                            ApprovalKind::safe_mode_off}) {
    const ApprovalRequest request = request_or_fail(store, kind);
    EXPECT_TRUE(request.second_factor_required) << to_string(kind);
    const DecisionOutcome without = confirm_or_fail(store, request.id, "bob", /*second_factor_ok=*/false);
    EXPECT_EQ(without.refusal, ApprovalRefusal::second_factor_required) << to_string(kind);
    EXPECT_EQ(store.get(request.id)->status, ApprovalStatus::pending);
    EXPECT_TRUE(confirm_or_fail(store, request.id, "bob", /*second_factor_ok=*/true).accepted()) << to_string(kind);
  }
  // A resume after no P0 on paper needs two operators but no second factor.
  const ApprovalRequest plain_resume =
      request_or_fail(store, ApprovalKind::resume, "alice", {/*live=*/false, /*after_p0=*/false});
  EXPECT_FALSE(plain_resume.second_factor_required);
  EXPECT_TRUE(confirm_or_fail(store, plain_resume.id, "bob", false).accepted());
}

TEST_F(ApprovalStoreTest, RejectDecidesTheRequest) {
  ApprovalStore store(db(), clock_);
  const ApprovalRequest request = request_or_fail(store, ApprovalKind::config_apply_loosening);
  Result<DecisionOutcome> withdrawn = store.reject(request.id, "alice");
  ASSERT_TRUE(withdrawn.ok());
  ASSERT_TRUE(withdrawn->accepted()) << withdrawn->message;
  EXPECT_EQ(withdrawn->request->status, ApprovalStatus::rejected);
  EXPECT_EQ(withdrawn->request->confirmed_by, "alice");
  EXPECT_EQ(confirm_or_fail(store, request.id, "bob", true).refusal, ApprovalRefusal::already_decided);
}

TEST_F(ApprovalStoreTest, PendingListsLiveRequestsAndExpireDueSweeps) {
  ApprovalStore store(db(), clock_);
  NewApprovalRequest short_lived;
  short_lived.kind = ApprovalKind::raise_limit;
  short_lived.requested_by = "alice";
  short_lived.reason = "bigger notional";
  short_lived.ttl = std::chrono::seconds(10);
  ASSERT_TRUE(store.request(short_lived).ok());
  const ApprovalRequest long_lived = request_or_fail(store, ApprovalKind::resume);
  ASSERT_EQ(store.pending()->size(), 2u);

  clock_.advance(std::chrono::seconds(11));
  Result<std::vector<ApprovalRequest>> pending = store.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, long_lived.id);

  Result<std::vector<ApprovalRequest>> expired = store.expire_due();
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ(expired->front().status, ApprovalStatus::expired);
  EXPECT_EQ(expired->front().kind, ApprovalKind::raise_limit);
  EXPECT_TRUE(store.expire_due()->empty());
  EXPECT_EQ(query("SELECT group_concat(status) FROM (SELECT status FROM approvals ORDER BY id)"), "expired,pending");
}

TEST_F(ApprovalStoreTest, RequestsSurviveReopeningTheDatabase) {
  std::int64_t id = 0;
  {
    ApprovalStore store(db(), clock_);
    id = request_or_fail(store, ApprovalKind::kill_switch).id;
  }
  reopen();
  ApprovalStore store(db(), clock_);
  Result<std::vector<ApprovalRequest>> pending = store.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, id);
  EXPECT_EQ(pending->front().kind, ApprovalKind::kill_switch);
  EXPECT_TRUE(pending->front().second_factor_required);
  EXPECT_EQ(confirm_or_fail(store, id, "alice", true).refusal, ApprovalRefusal::self_confirmation);
  EXPECT_EQ(confirm_or_fail(store, id, "bob", false).refusal, ApprovalRefusal::second_factor_required);
  EXPECT_TRUE(confirm_or_fail(store, id, "bob", true).accepted());
  reopen();
  ApprovalStore after(db(), clock_);
  EXPECT_EQ(after.get(id)->status, ApprovalStatus::approved);
}

TEST_F(ApprovalStoreTest, RefusesMalformedRequests) {
  ApprovalStore store(db(), clock_);
  NewApprovalRequest request;
  request.kind = ApprovalKind::raise_limit;
  request.requested_by = "alice";
  request.reason = "bigger notional";

  NewApprovalRequest no_requester = request;
  no_requester.requested_by.clear();
  EXPECT_EQ(store.request(no_requester).error().code, Errc::invalid_argument);
  NewApprovalRequest no_reason = request;
  no_reason.reason.clear();
  EXPECT_EQ(store.request(no_reason).error().code, Errc::invalid_argument);
  NewApprovalRequest float_payload = request;
  float_payload.payload = {{"to", 50000.5}};
  EXPECT_EQ(store.request(float_payload).error().code, Errc::invalid_argument);
  NewApprovalRequest zero_ttl = request;
  zero_ttl.ttl = Nanos::zero();
  EXPECT_EQ(store.request(zero_ttl).error().code, Errc::invalid_argument);
  NewApprovalRequest long_ttl = request;
  long_ttl.ttl = std::chrono::hours(25);
  EXPECT_EQ(store.request(long_ttl).error().code, Errc::invalid_argument);
  EXPECT_EQ(store.confirm(1, "", true).error().code, Errc::invalid_argument);
  EXPECT_EQ(query("SELECT count(*) FROM approvals"), "0");
  EXPECT_EQ(store.get(1).error().code, Errc::not_found);
}

TEST_F(ApprovalStoreTest, ToJsonShowsTheStableFields) {
  ApprovalStore store(db(), clock_);
  const ApprovalRequest request = request_or_fail(store, ApprovalKind::promote_standby);
  const nlohmann::json json = to_json(request);
  EXPECT_EQ(json["kind"], "promote_standby");
  EXPECT_EQ(json["status"], "pending");
  EXPECT_EQ(json["payload"]["incident_id"], 4);
  EXPECT_EQ(json["second_factor_required"], true);
  EXPECT_TRUE(json["confirmed_by"].is_null());
  EXPECT_TRUE(json["confirmed_at"].is_null());
  EXPECT_EQ(json["expires_at"], "2023-11-14T22:28:20.000Z");
}

}  // namespace
}  // namespace propbot::control
