// Helpers for e2e tests that run the daemon against an OUTSIDE `propbot venue-sim`:
// `propbot secrets set` fed on stdin (a value never on a command line), a copy of the
// shipped bundle whose paper venues point at the simulator's ports, and funding an
// account at the simulator's admin API. Header-only; the binary is the test's
// PROPBOT_BINARY, the bundle PROPBOT_SOURCE_DIR's.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"

namespace propbot::testing {

inline std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `text` with the first `from` replaced by `to` (a test failure when `from` is absent).
inline std::string replaced_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// `propbot secrets set NAME` on the store, with the value on stdin, never on the command line.
inline ::testing::AssertionResult secrets_set(const std::string& store, const std::string& key_file,
                                              const std::string& name, const std::string& value) {
  const std::string command = std::string(PROPBOT_BINARY) + " secrets set --store '" + store + "' --key-file '" +
                              key_file + "' " + name + " >/dev/null 2>&1";
  FILE* pipe = ::popen(command.c_str(), "w");
  if (pipe == nullptr) return ::testing::AssertionFailure() << "cannot run " << command;
  std::fwrite(value.data(), 1, value.size(), pipe);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return ::testing::AssertionFailure() << "secrets set " << name << " failed (status " << status << ")";
  }
  return ::testing::AssertionSuccess();
}

// A copy of the shipped bundle (configs, strategies, policies) under `to`; answers the
// path of its paper.yaml.
inline std::string copy_shipped_bundle(const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  for (const char* dir : {"configs", "strategies", "policies"}) {
    const fs::path from = fs::path(PROPBOT_SOURCE_DIR) / dir;
    if (fs::exists(from)) fs::copy(from, to / dir, fs::copy_options::recursive);
  }
  return (to / "configs" / "paper.yaml").string();
}

// Switches off every strategy of that paper.yaml: for a test that trades by hand and must
// not meet the strategies' own trades (the paper market is calibrated so that they trade
// after a resume, docs/PAPER_RUN_REPORT.md).
inline void disable_strategies(const std::string& paper_yaml) {
  std::string yaml = read_whole_file(paper_yaml);
  const std::string on = "\n    enabled: true", off = "\n    enabled: false";
  int switched = 0;
  for (auto at = yaml.find(on); at != std::string::npos; at = yaml.find(on, at + off.size()), ++switched) {
    yaml.replace(at, on.size(), off);
  }
  EXPECT_GT(switched, 0) << "no enabled strategy in " << paper_yaml;
  std::ofstream(paper_yaml, std::ios::trunc) << yaml;
}

// A copy of the shipped bundle under `to` whose paper venues name the simulator's
// endpoints (OKX in demo mode); answers the path of its paper.yaml.
inline std::string bundle_pointing_at(const std::filesystem::path& to, int binance_port, int okx_port) {
  copy_shipped_bundle(to);
  const std::string binance = "http://127.0.0.1:" + std::to_string(binance_port);
  const std::string okx = "127.0.0.1:" + std::to_string(okx_port);
  std::string yaml = read_whole_file(to / "configs" / "paper.yaml");
  yaml = replaced_once(yaml, "    kind: binance\n",
                       "    kind: binance\n    rest_url: " + binance + "\n    ws_url: ws://127.0.0.1:" +
                           std::to_string(binance_port) + "\n");
  yaml = replaced_once(yaml, "    kind: okx\n",
                       "    kind: okx\n    rest_url: http://" + okx + "\n    ws_url: ws://" + okx +
                           "/ws/v5/public\n    ws_private_url: ws://" + okx + "/ws/v5/private\n    demo: true\n");
  std::ofstream(to / "configs" / "paper.yaml", std::ios::trunc) << yaml;
  return (to / "configs" / "paper.yaml").string();
}

// POST /admin/accounts at the simulator's admin port; `account` as docs/API.md says.
inline ::testing::AssertionResult fund_sim_account(int admin_port, const nlohmann::json& account) {
  const auto created = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_port), "POST",
                                                  "/admin/accounts", account.dump(),
                                                  {{"Content-Type", "application/json"}});
  if (created.status != 201) return ::testing::AssertionFailure() << "POST /admin/accounts: " << created.body;
  return ::testing::AssertionSuccess();
}

}  // namespace propbot::testing
