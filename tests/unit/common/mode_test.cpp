// Mode: the stable string forms every persisted state and client relies on, and parsing.
#include "core/common/mode.hpp"

#include <gtest/gtest.h>

namespace propbot {
namespace {

TEST(ModeTest, StringFormsAreTheSpecNames) {
  EXPECT_EQ(to_string(Mode::hold), "HOLD");
  EXPECT_EQ(to_string(Mode::resume), "RESUME");
  EXPECT_EQ(to_string(Mode::kill), "KILL");
  static_assert(to_string(Mode::kill) == "KILL", "usable at compile time");
}

TEST(ModeTest, ParsesEveryStringFormBack) {
  for (Mode mode : kAllModes) {
    Result<Mode> parsed = parse_mode(to_string(mode));
    ASSERT_TRUE(parsed.ok()) << to_string(mode);
    EXPECT_EQ(*parsed, mode);
  }
}

TEST(ModeTest, RefusesAnythingElseNamingTheAllowedValues) {
  for (const char* text : {"hold", "Resume", "", "HOLD ", "PAUSE"}) {
    Result<Mode> parsed = parse_mode(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find("HOLD, RESUME or KILL"), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace propbot
