// Helpers for e2e tests that run the daemon against an OUTSIDE `propbot venue-sim`:
// `propbot secrets set` fed on stdin (a value never on a command line), a copy of the
// shipped bundle whose paper venues point at the simulator's ports, and funding
// accounts at the simulator's admin API. Header-only; the binary is the test's
// PROPBOT_BINARY, the bundle PROPBOT_SOURCE_DIR's.
#pragma once

#include <sys/wait.h>

#include <chrono>
#include <csignal>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <vector>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_process.hpp"
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

// A test's venue keys, named as the secrets store entries (`binance.api_key`, …), with
// values made from `tag` (`<tag>BinanceKey1`, …) so each test's accounts are its own.
inline std::map<std::string, std::string> test_venue_keys(const std::string& tag) {
  return {{"binance.api_key", tag + "BinanceKey1"}, {"binance.api_secret", tag + "BinanceSecret1"},
          {"okx.api_key", tag + "OkxKey1"},         {"okx.api_secret", tag + "OkxSecret1"},
          {"okx.passphrase", tag + "OkxPass1"}};
}

// A paper data directory ready to run against an outside venue-sim: a first start of the
// daemon there makes its development credentials (into `creds`) and its secrets store,
// then `keys` are stored with `propbot secrets set`. Fatal test failures on any step.
inline void prepare_paper_store(const std::string& data_dir, const std::map<std::string, std::string>& keys,
                                DevCredentials& creds) {
  using namespace std::chrono_literals;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_dir});
  ASSERT_TRUE(daemon.start());
  ASSERT_TRUE(daemon.wait_for_listening(30s).has_value()) << daemon.stderr_text();
  daemon.send_signal(SIGTERM);
  ASSERT_EQ(daemon.wait_exit(20s).value_or(-1), 0) << daemon.stderr_text();
  creds = read_dev_credentials(PROPBOT_BINARY, data_dir);
  for (const auto& [name, value] : keys) {
    ASSERT_TRUE(secrets_set(data_dir + "/secrets.enc", data_dir + "/secrets.key", name, value));
  }
}

// One paper store for every case of a test binary: prepared once (prepare_paper_store
// with the test's venue keys), then its secrets store and key copied into each case's
// own data directory (copy_secrets_into), so a case starts a daemon with them at once.
struct SharedPaperStore {
  TempDir dir;
  DevCredentials creds;
  bool ready = false;

  void prepare(const std::map<std::string, std::string>& keys) {
    if (ready) return;
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(dir.path(), keys, creds));
    ready = true;
  }
  void copy_secrets_into(const std::string& data_dir) const {
    for (const char* file : {"secrets.enc", "secrets.key"}) {
      std::filesystem::copy_file(std::filesystem::path(dir.path()) / file, std::filesystem::path(data_dir) / file,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
};

// Starts `propbot venue-sim` with `seed` into `sim`, every port chosen by the OS, and
// writes its ports ("admin", "binance", "okx") to `ports`. Fatal test failures when it
// does not listen within 20 s.
inline void start_outside_venue_sim(std::unique_ptr<DaemonProcess>& sim, const std::string& seed,
                                    std::map<std::string, int>& ports) {
  sim = std::make_unique<DaemonProcess>(std::vector<std::string>{
      PROPBOT_BINARY, "venue-sim", "--admin-port", "0", "--binance-port", "0", "--okx-port", "0", "--seed", seed});
  ASSERT_TRUE(sim->start());
  const auto listening = wait_for_venue_sim_listeners(*sim, std::chrono::seconds(20));
  ASSERT_TRUE(listening.has_value()) << sim->stderr_text();
  ports = *listening;
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

// `method path` at the simulator's admin port with `body` (null: none), expecting 200
// (a test failure otherwise); the parsed answer (discarded when it is not JSON).
inline nlohmann::json sim_admin(int admin_port, const std::string& method, const std::string& path,
                                const nlohmann::json& body = nullptr) {
  const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_port), method, path,
                                                body.is_null() ? "" : body.dump(),
                                                {{"Content-Type", "application/json"}}, std::chrono::seconds(30));
  EXPECT_EQ(reply.status, 200) << method << " " << path << ": " << reply.body;
  return nlohmann::json::parse(reply.body, nullptr, false);
}

// One funded account per protocol (100,000 USDT each) with the keys a test stored in the
// daemon's secrets store: `binance.api_key`, `binance.api_secret`, `okx.api_key`,
// `okx.api_secret`, `okx.passphrase`.
inline ::testing::AssertionResult fund_venue_accounts(int admin_port, const std::map<std::string, std::string>& keys) {
  auto funded = fund_sim_account(admin_port, {{"venue", "binance"},
                                              {"api_key", keys.at("binance.api_key")},
                                              {"api_secret", keys.at("binance.api_secret")},
                                              {"balances", {{"USDT", 100000}}}});
  if (!funded) return funded;
  return fund_sim_account(admin_port, {{"venue", "okx"},
                                       {"api_key", keys.at("okx.api_key")},
                                       {"api_secret", keys.at("okx.api_secret")},
                                       {"passphrase", keys.at("okx.passphrase")},
                                       {"balances", {{"USDT", 100000}}}});
}

// A JSON number or a number written as a string (the venues' style), as a double; 0
// for anything else.
inline double json_number(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return std::stod(value.get<std::string>());
  return 0.0;
}

// What the simulator holds for its accounts, from its GET /admin/venues answer: the
// positions in base units per (daemon venue id BINANCE | OKX, canonical BASE-USDT
// symbol) — OKX contracts × ctVal — with flat ones left out, and the USDT wallets summed
// over both venues (realised PnL, fees and funding included).
struct SimulatorHoldings {
  std::map<std::pair<std::string, std::string>, double> positions;
  double wallet_usdt = 0;
  double position(const std::string& venue, const std::string& symbol) const {
    const auto found = positions.find({venue, symbol});
    return found == positions.end() ? 0.0 : found->second;
  }
};
inline SimulatorHoldings simulator_holdings(const nlohmann::json& venues) {
  SimulatorHoldings out;
  for (const auto& venue : venues["venues"]) {
    const nlohmann::json& state = venue["state"];
    if (venue["protocol"] == "binance") {
      for (const auto& account : state["accounts"]) {
        for (const auto& p : account["positions"]) {
          std::string symbol = p["symbol"];
          if (symbol.find('-') == std::string::npos) symbol = symbol.substr(0, symbol.size() - 4) + "-USDT";
          out.positions[{"BINANCE", symbol}] += json_number(p["quantity"]);
        }
        for (const auto& b : account["balances"]) {
          if (b["asset"] == "USDT") out.wallet_usdt += json_number(b["wallet"]);
        }
      }
    } else if (venue["protocol"] == "okx") {
      std::map<std::string, double> ct_val;
      for (const auto& i : state["instruments"]) ct_val[i["instId"].get<std::string>()] = json_number(i["ctVal"]);
      for (const auto& account : state["accounts"]) {
        for (const auto& p : account["positions"]) {
          const std::string inst = p["instId"];
          out.positions[{"OKX", inst.substr(0, inst.rfind("-SWAP"))}] += json_number(p["pos"]) * ct_val[inst];
        }
        for (const auto& d : account["balance"]["details"]) {
          if (d["ccy"] == "USDT") out.wallet_usdt += json_number(d["cashBal"]);
        }
      }
    }
  }
  for (auto it = out.positions.begin(); it != out.positions.end();) {
    it = std::abs(it->second) < 1e-12 ? out.positions.erase(it) : std::next(it);
  }
  return out;
}

// Test teardown: SIGTERM to each process still running (null ones skipped), then a wait
// of up to 20 s for it to exit.
inline void stop_processes(std::initializer_list<DaemonProcess*> processes) {
  for (DaemonProcess* process : processes) {
    if (process != nullptr && process->running()) {
      process->send_signal(SIGTERM);
      (void)process->wait_exit(std::chrono::seconds(20));
    }
  }
}

// Starts `propbot run --profile paper` on a free port with `data_dir` and the bundle of
// `config` (and `env`) into `daemon`, and writes its port. Fatal test failures when it
// does not listen within `limit`.
inline void start_paper_daemon(std::unique_ptr<DaemonProcess>& daemon, const std::string& data_dir,
                               const std::string& config, std::uint16_t& port,
                               std::vector<std::string> env = {},
                               std::chrono::seconds limit = std::chrono::seconds(30)) {
  daemon = std::make_unique<DaemonProcess>(
      std::vector<std::string>{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_dir,
                               "--config", config},
      std::move(env));
  ASSERT_TRUE(daemon->start());
  const auto listening = daemon->wait_for_listening(limit);
  ASSERT_TRUE(listening.has_value()) << daemon->stderr_text();
  port = static_cast<std::uint16_t>(*listening);
}

}  // namespace propbot::testing
