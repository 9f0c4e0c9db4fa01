// configs/status_thresholds.yaml: defaults, profile overrides, and errors naming the key.
#include "core/status/status_thresholds.hpp"

#include <gtest/gtest.h>

namespace propbot::status {
namespace {

TEST(StatusThresholds, EmptyDocumentGivesTheDefaults) {
  auto t = parse_status_thresholds("", "paper");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_DOUBLE_EQ(t->reject_rate_warn, 0.005);
  EXPECT_EQ(t->hold_on_error, (std::vector<std::string>{"journal", "engine_loop"}));
}

TEST(StatusThresholds, AProfileOverridesOnlyTheKeysItNames) {
  const char* text = R"(
defaults:
  reject_rate_warn: 0.01
  reject_rate_error: 0.1
  readiness_allows_safe_mode: true
profiles:
  live:
    reject_rate_warn: 0.002
    readiness_allows_safe_mode: false
    hold_on_error: [recon]
)";
  auto paper = parse_status_thresholds(text, "paper");
  ASSERT_TRUE(paper) << paper.error().message;
  EXPECT_DOUBLE_EQ(paper->reject_rate_warn, 0.01);
  EXPECT_TRUE(paper->readiness_allows_safe_mode);
  auto live = parse_status_thresholds(text, "live");
  ASSERT_TRUE(live) << live.error().message;
  EXPECT_DOUBLE_EQ(live->reject_rate_warn, 0.002);
  EXPECT_DOUBLE_EQ(live->reject_rate_error, 0.1);
  EXPECT_FALSE(live->readiness_allows_safe_mode);
  EXPECT_EQ(live->hold_on_error, std::vector<std::string>{"recon"});
}

TEST(StatusThresholds, ABadValueNamesItsKey) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"defaults: {reject_rate_warn: 2}", "status_thresholds.defaults.reject_rate_warn: must be within [0, 1] (got 2)"},
      {"defaults: {reject_rate_wran: 0.1}", "status_thresholds.defaults.reject_rate_wran: unknown key"},
      {"profiles: {live: {memory_mb_warn: lots}}", "status_thresholds.profiles.live.memory_mb_warn: must be a number"},
      {"profiles: {prod: {}}", "status_thresholds.profiles.prod: unknown profile"},
      {"defaults: {book_age_ms_warn: 20000}", "status_thresholds.book_age_ms_warn: must not exceed book_age_ms_error"},
      {"defaults: {hold_on_error: recon}", "status_thresholds.defaults.hold_on_error: must be a list"},
      {"defaults: {readiness_allows_safe_mode: maybe}", "status_thresholds.defaults.readiness_allows_safe_mode"},
      {"other: 1", "status_thresholds.other: unknown key"},
  };
  for (const auto& c : cases) {
    auto t = parse_status_thresholds(c.text, "live");
    ASSERT_FALSE(t) << c.text;
    EXPECT_NE(t.error().message.find(c.message), std::string::npos) << c.text << " → " << t.error().message;
  }
}

TEST(StatusThresholds, TheShippedFileLoadsForEveryProfile) {
  for (const char* profile : {"paper", "testnet", "live"}) {
    auto t = load_status_thresholds(std::string(PROPBOT_SOURCE_DIR) + "/configs/status_thresholds.yaml", profile);
    ASSERT_TRUE(t) << profile << ": " << t.error().message;
  }
  EXPECT_FALSE(load_status_thresholds(std::string(PROPBOT_SOURCE_DIR) + "/configs/none.yaml", "paper"));
}

}  // namespace
}  // namespace propbot::status
