// Severity: the stable string forms of SPEC S-4.2 (incidents table, API, policy scripts)
// and parsing.
#include "core/common/severity.hpp"

#include <gtest/gtest.h>

namespace propbot {
namespace {

TEST(SeverityTest, StringFormsAreTheSpecNames) {
  EXPECT_EQ(to_string(Severity::P0), "P0");
  EXPECT_EQ(to_string(Severity::P1), "P1");
  EXPECT_EQ(to_string(Severity::P2), "P2");
}

TEST(SeverityTest, ParsesEveryStringFormBack) {
  for (Severity severity : kAllSeverities) {
    Result<Severity> parsed = parse_severity(to_string(severity));
    ASSERT_TRUE(parsed.ok()) << to_string(severity);
    EXPECT_EQ(*parsed, severity);
  }
}

TEST(SeverityTest, RefusesAnythingElseNamingTheAllowedValues) {
  for (const char* text : {"P3", "p0", "", "P0 ", "critical"}) {
    Result<Severity> parsed = parse_severity(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find("P0, P1 or P2"), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace propbot
