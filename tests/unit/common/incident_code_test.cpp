// IncidentCode: stable, distinct string forms (incidents table, API, alerts) and parsing
// that names the allowed values.
#include "core/common/incident_code.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace propbot {
namespace {

TEST(IncidentCodeTest, StringFormsAreTheNamesSpecAndTheApiUse) {
  EXPECT_EQ(to_string(IncidentCode::tamper_detected), "tamper_detected");
  EXPECT_EQ(to_string(IncidentCode::hedge_lost), "hedge_lost");
  EXPECT_EQ(to_string(IncidentCode::risk_cap_breached), "risk_cap_breached");
  EXPECT_EQ(to_string(IncidentCode::strategy_degraded), "strategy_degraded");
  EXPECT_EQ(to_string(IncidentCode::recon_mismatch), "recon_mismatch");
  EXPECT_EQ(to_string(IncidentCode::ledger_invariant_violated), "ledger_invariant_violated");
  EXPECT_EQ(to_string(IncidentCode::hedge_latency_violation), "hedge_latency_violation");
  EXPECT_EQ(to_string(IncidentCode::split_brain_detected), "split_brain_detected");
  EXPECT_EQ(to_string(IncidentCode::manual_kill_switch_activated), "manual_kill_switch_activated");
  EXPECT_EQ(to_string(IncidentCode::route_blocked_all_venues_bad), "route_blocked_all_venues_bad");
  EXPECT_EQ(to_string(IncidentCode::second_factor_lockout), "second_factor_lockout");
  EXPECT_EQ(to_string(IncidentCode::config_apply_failed), "config_apply_failed");
  EXPECT_EQ(to_string(IncidentCode::manual), "manual");
  EXPECT_EQ(to_string(IncidentCode::unspecified), "unspecified");
}

TEST(IncidentCodeTest, EveryCodeHasItsOwnStringAndParsesBack) {
  std::set<std::string> seen;
  for (IncidentCode code : kAllIncidentCodes) {
    const std::string text(to_string(code));
    EXPECT_TRUE(seen.insert(text).second) << text << " is used twice";
    EXPECT_TRUE(code == IncidentCode::unspecified || text != "unspecified") << "a code without its own string";
    Result<IncidentCode> parsed = parse_incident_code(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(*parsed, code);
  }
}

TEST(IncidentCodeTest, RefusesAnUnknownCodeNamingTheOnesACallerMayRaise) {
  for (const char* text : {"meteor_strike", "", "Tamper_Detected", "kill_switch"}) {
    Result<IncidentCode> parsed = parse_incident_code(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find("hedge_lost, recon_mismatch"), std::string::npos) << parsed.error().message;
  }
  const std::string& allowed = raisable_incident_codes_text();
  EXPECT_NE(allowed.find("tamper_detected"), std::string::npos);
  EXPECT_NE(allowed.find(", manual"), std::string::npos);
  EXPECT_EQ(allowed.find("unspecified"), std::string::npos) << "nothing is raised as unspecified";
}

}  // namespace
}  // namespace propbot
