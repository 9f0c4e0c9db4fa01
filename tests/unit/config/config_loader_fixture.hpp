// Test fixture for load_config() end to end: a temp bundle dir per test with
// configs/<profile>.yaml and a dummy strategy file, a valid paper YAML to vary
// (kValidPaper, replaced) and helpers that find an issue and print its FATAL CONFIG line.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/config/loader.hpp"

namespace propbot::config::loader_test {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

inline constexpr const char* kValidPaper = R"(profile: paper
data_dir: data
api:
  bind: 127.0.0.1
  port: 8000
symbols: [BTC-USDT, ETH-USDT]
venues:
  - {id: SIM-A, kind: sim}
  - {id: SIM-B, kind: sim}
sim:
  start_prices: {BTC-USDT: 60000, ETH-USDT: 3000}
risk:
  max_total_notional_usdt: 50000
  max_open_positions: 10
  max_notional_per_position_usdt: 5000
  max_exposure_per_symbol_usdt: 20000
  max_exposure_per_venue_usdt: 30000
  max_leverage_per_venue: 3
  daily_loss_cap_usdt: 1000
  max_unrealized_loss_usdt: 500
  clock_skew_hold_ms: 1000
  max_orders_per_min: 300
strategies:
  - name: cross_exchange_arb
    file: strategies/cross_exchange_arb.lua
    params: {min_spread_bps: 4, label: "4", ratio: 0.5, on: true, list: [1, two]}
)";

inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test YAML does not contain: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

inline std::string all_fatal_lines(const LoadOutcome& outcome) {
  std::string out;
  for (const ConfigIssue& issue : outcome.issues) out += format_fatal(issue) + "\n";
  return out;
}

class ConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("propbot_config_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "configs");
    fs::create_directories(root_ / "strategies");
    write(root_ / "strategies" / "cross_exchange_arb.lua", "return {}\n");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  static void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }

  fs::path config_path(Profile profile) const {
    return root_ / "configs" / (std::string(to_string(profile)) + ".yaml");
  }

  void write_config(const std::string& text, Profile profile = Profile::paper) { write(config_path(profile), text); }

  LoadOptions options(Profile profile = Profile::paper) const {
    LoadOptions result;
    result.profile = profile;
    result.search_roots = {root_.string()};
    return result;
  }

  LoadOutcome load(const std::string& text, Profile profile = Profile::paper) {
    write_config(text, profile);
    return load_config(options(profile));
  }

  static const ConfigIssue* find_issue(const LoadOutcome& outcome, const std::string& key) {
    for (const ConfigIssue& issue : outcome.issues) {
      if (issue.key == key) return &issue;
    }
    return nullptr;
  }

  // Asserts there is an issue for key and returns its FATAL CONFIG line.
  static std::string fatal_for(const LoadOutcome& outcome, const std::string& key) {
    const ConfigIssue* issue = find_issue(outcome, key);
    EXPECT_NE(issue, nullptr) << "no issue for " << key << "; got:\n" << all_fatal_lines(outcome);
    EXPECT_FALSE(outcome.config.has_value());
    return issue == nullptr ? std::string() : format_fatal(*issue);
  }

  fs::path root_;
};

}  // namespace propbot::config::loader_test
