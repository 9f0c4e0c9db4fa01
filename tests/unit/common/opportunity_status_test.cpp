// PolicyVerdict and OpportunityStatus: the exact strings the API's "policy" and "status"
// fields carry, and the order in which the gate and the policy block an opportunity.
#include "core/common/opportunity_status.hpp"

#include <gtest/gtest.h>

#include "core/common/policy_verdict.hpp"
#include "core/common/stable_name.hpp"

namespace propbot {
namespace {

TEST(PolicyVerdictTest, StringFormsAreTheApiNames) {
  EXPECT_EQ(to_string(PolicyVerdict::ok), "ok");
  EXPECT_EQ(to_string(PolicyVerdict::below_min_edge), "below_min_edge");
  EXPECT_EQ(to_string(PolicyVerdict::size_zero), "size_zero");
  EXPECT_EQ(to_string(PolicyVerdict::warming_up), "warming_up");
  EXPECT_EQ(to_string(PolicyVerdict::no_policies), "no_policies");
  for (PolicyVerdict verdict : kAllPolicyVerdicts) {
    EXPECT_EQ(find_by_name(to_string(verdict), kAllPolicyVerdicts), verdict);
  }
}

TEST(PolicyVerdictTest, OnlyOkAndNoPoliciesLetAnIntentThrough) {
  EXPECT_TRUE(policy_allows(PolicyVerdict::ok));
  EXPECT_TRUE(policy_allows(PolicyVerdict::no_policies));
  EXPECT_FALSE(policy_allows(PolicyVerdict::below_min_edge));
  EXPECT_FALSE(policy_allows(PolicyVerdict::size_zero));
  EXPECT_FALSE(policy_allows(PolicyVerdict::warming_up));
}

TEST(OpportunityStatusTest, StringFormsAreTheApiNames) {
  EXPECT_EQ(to_string(OpportunityStatus::blocked_by_kill), "blocked_by_kill");
  EXPECT_EQ(to_string(OpportunityStatus::blocked_by_hold), "blocked_by_hold");
  EXPECT_EQ(to_string(OpportunityStatus::blocked_by_safe_mode), "blocked_by_safe_mode");
  EXPECT_EQ(to_string(OpportunityStatus::blocked_by_policy), "blocked_by_policy");
  EXPECT_EQ(to_string(OpportunityStatus::blocked_by_risk), "blocked_by_risk");
  EXPECT_EQ(to_string(OpportunityStatus::ready), "ready");
  for (OpportunityStatus status : kAllOpportunityStatuses) {
    EXPECT_EQ(find_by_name(to_string(status), kAllOpportunityStatuses), status);
  }
}

TEST(OpportunityStatusTest, TheGateIsKillThenHold) {
  EXPECT_EQ(opportunity_gate(Mode::kill), OpportunityStatus::blocked_by_kill);
  EXPECT_EQ(opportunity_gate(Mode::hold), OpportunityStatus::blocked_by_hold);
  EXPECT_EQ(opportunity_gate(Mode::resume), OpportunityStatus::ready);
}

TEST(OpportunityStatusTest, RiskRefusalsShowAfterTheGateAndThePolicy) {
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::ok, RiskVerdict::refused),
            OpportunityStatus::blocked_by_risk);
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::ok, RiskVerdict::safe_mode),
            OpportunityStatus::blocked_by_safe_mode);
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::below_min_edge, RiskVerdict::refused),
            OpportunityStatus::blocked_by_policy);
  EXPECT_EQ(opportunity_status(OpportunityStatus::blocked_by_hold, PolicyVerdict::ok, RiskVerdict::refused),
            OpportunityStatus::blocked_by_hold);
}

TEST(OpportunityStatusTest, APolicyRefusalShowsOnlyWhenTheGateIsOpen) {
  EXPECT_EQ(opportunity_status(OpportunityStatus::blocked_by_hold, PolicyVerdict::below_min_edge),
            OpportunityStatus::blocked_by_hold);
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::below_min_edge),
            OpportunityStatus::blocked_by_policy);
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::warming_up),
            OpportunityStatus::blocked_by_policy);
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::ok), OpportunityStatus::ready);
  EXPECT_EQ(opportunity_status(OpportunityStatus::ready, PolicyVerdict::no_policies), OpportunityStatus::ready);
}

}  // namespace
}  // namespace propbot
