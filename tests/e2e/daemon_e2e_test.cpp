// The walking skeleton end to end: the real binary, a free port, a temp data dir.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::http_request;
using namespace std::chrono_literals;

std::vector<std::string> run_args(const std::string& data_dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_dir};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A copy of the shipped bundle (configs + strategies) that a test may break.
void copy_bundle(const fs::path& to) {
  fs::copy(fs::path(PROPBOT_SOURCE_DIR) / "configs", to / "configs", fs::copy_options::recursive);
  fs::copy(fs::path(PROPBOT_SOURCE_DIR) / "strategies", to / "strategies", fs::copy_options::recursive);
}

json get_json(int port, const std::string& path, int* status = nullptr) {
  const auto result = http_request("127.0.0.1", static_cast<std::uint16_t>(port), "GET", path);
  if (status != nullptr) *status = result.status;
  if (!result.error.empty()) return json{{"transport_error", result.error}};
  return json::parse(result.body, nullptr, false);
}

// The paper store's development viewer token, from `propbot secrets show-dev`.
std::string viewer_token(const std::string& data_dir) {
  const std::string command = std::string(PROPBOT_BINARY) + " secrets show-dev --data-dir " + data_dir;
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    ::pclose(pipe);
  }
  const std::string marker = "token viewer1 viewer ";
  const auto at = out.find(marker);
  if (at == std::string::npos) return {};
  const auto end = out.find('\n', at);
  return out.substr(at + marker.size(), end - at - marker.size());
}

// Runs a daemon expected to refuse to start; returns its stderr, or "" after recording
// a failure when it did not exit non-zero without listening.
std::string run_expecting_refusal(DaemonProcess& daemon) {
  EXPECT_TRUE(daemon.start());
  const auto code = daemon.wait_exit(15s);
  EXPECT_TRUE(code.has_value()) << "daemon still running";
  EXPECT_NE(code.value_or(0), 0);
  EXPECT_EQ(daemon.stdout_text().find("listening on"), std::string::npos);
  return daemon.stderr_text();
}

TEST(DaemonE2E, StartsInHoldShowsOpportunitiesAndStopsCleanlyOnSigterm) {
  TempDir data;
  // More frequent dislocations keep the test short; the strategy logic is unchanged.
  DaemonProcess daemon(run_args(data.path()), {"PROPBOT_SIM__DISLOCATION_PROBABILITY=0.2"});
  ASSERT_TRUE(daemon.start());
  const auto port = daemon.wait_for_listening(15s);
  ASSERT_TRUE(port.has_value()) << "stderr:\n" << daemon.stderr_text();
  ASSERT_GT(*port, 0);

  int status = 0;
  EXPECT_EQ(get_json(*port, "/healthz", &status), (json{{"ok", true}}));
  EXPECT_EQ(status, 200);

  const json health = get_json(*port, "/api/health", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(health.value("status", ""), "ok");
  EXPECT_EQ(health.value("mode", ""), "HOLD");
  EXPECT_FALSE(health.value("version", "").empty());
  EXPECT_FALSE(health.value("build", "").empty());
  EXPECT_TRUE(health.contains("ts"));
  EXPECT_EQ(health["ts"].get<std::string>().back(), 'Z');

  json opportunities;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    opportunities = get_json(*port, "/api/opportunities", &status);
    ASSERT_EQ(status, 200);
    if (!opportunities["opportunities"].empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(opportunities["opportunities"].empty()) << "no opportunity within 15 s";
  for (const auto& o : opportunities["opportunities"]) {
    for (const char* field : {"symbol", "long_venue", "short_venue", "spread_bps", "notional_suggestion", "status"}) {
      EXPECT_TRUE(o.contains(field)) << field << " missing in " << o.dump();
    }
    EXPECT_EQ(o["status"], "blocked_by_hold");
    EXPECT_NE(o["long_venue"], o["short_venue"]);
    EXPECT_GT(o["spread_bps"].get<double>(), 0.0);
  }

  // /api/ui/* needs a bearer token: the paper store's development viewer token.
  EXPECT_EQ(get_json(*port, "/api/ui/market", &status).contains("error"), true);
  EXPECT_EQ(status, 401);
  const std::string viewer = viewer_token(data.path());
  ASSERT_FALSE(viewer.empty()) << "propbot secrets show-dev listed no viewer token";
  const auto market_reply = http_request("127.0.0.1", static_cast<std::uint16_t>(*port), "GET", "/api/ui/market", "",
                                         {{"Authorization", "Bearer " + viewer}});
  const json market = json::parse(market_reply.body, nullptr, false);
  EXPECT_EQ(market_reply.status, 200);
  EXPECT_EQ(market["books"].size(), 4u);  // 2 venues x 2 symbols

  daemon.send_signal(SIGTERM);
  const auto code = daemon.wait_exit(10s);
  ASSERT_TRUE(code.has_value()) << "daemon did not stop after SIGTERM";
  EXPECT_EQ(*code, 0) << daemon.stderr_text();
  EXPECT_NE(daemon.stdout_text().find("listening on http://127.0.0.1:" + std::to_string(*port) + "\n"), std::string::npos);
}

TEST(DaemonE2E, StopsCleanlyOnSigintAndAnswersUnknownRoutesWithJson404) {
  TempDir data;
  DaemonProcess daemon(run_args(data.path()));
  ASSERT_TRUE(daemon.start());
  const auto port = daemon.wait_for_listening(15s);
  ASSERT_TRUE(port.has_value()) << daemon.stderr_text();
  const auto result = http_request("127.0.0.1", static_cast<std::uint16_t>(*port), "GET", "/api/nope");
  EXPECT_EQ(result.status, 404);
  const json body = json::parse(result.body, nullptr, false);
  EXPECT_EQ(body["error"]["code"], "not_found");
  daemon.send_signal(SIGINT);
  EXPECT_EQ(daemon.wait_exit(10s), std::optional<int>(0));
}

TEST(DaemonE2E, BadEnvironmentOverrideIsFatalConfigBeforeListening) {
  TempDir data;
  DaemonProcess daemon(run_args(data.path()), {"MAX_ORDERS_PER_MIN=lots"});
  const std::string err = run_expecting_refusal(daemon);
  EXPECT_EQ(err.rfind("FATAL CONFIG:", 0), 0u) << err;
  EXPECT_NE(err.find("MAX_ORDERS_PER_MIN"), std::string::npos) << err;
}

TEST(DaemonE2E, MissingDataDirIsFatalConfigNamingThePath) {
  TempDir data;
  const std::string missing = data.path() + "/does-not-exist";
  DaemonProcess daemon(run_args(missing));
  const std::string err = run_expecting_refusal(daemon);
  EXPECT_NE(err.find("FATAL CONFIG:"), std::string::npos) << err;
  EXPECT_NE(err.find(missing), std::string::npos) << err;
}

TEST(DaemonE2E, BrokenStrategyIsRefusedAtStartWithFileAndLine) {
  TempDir bundle;
  copy_bundle(bundle.path());
  {
    std::ofstream broken(fs::path(bundle.path()) / "strategies" / "cross_exchange_arb.lua", std::ios::trunc);
    broken << "local M = { name = 'cross_exchange_arb' }\nfunction M.on_book(ctx, ev)\n  if then\nend\nreturn M\n";
  }
  fs::create_directories(fs::path(bundle.path()) / "data");
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--config",
                        bundle.path() + "/configs/paper.yaml", "--port", "0", "--data-dir", bundle.path() + "/data"});
  const std::string err = run_expecting_refusal(daemon);
  EXPECT_NE(err.find("FATAL CONFIG:"), std::string::npos) << err;
  EXPECT_NE(err.find("strategies/cross_exchange_arb.lua:3"), std::string::npos) << err;
}

TEST(DaemonE2E, BusyPortIsFatalConfigNamingTheAddress) {
  // Hold a port so the daemon cannot bind it.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  const int busy = ntohs(addr.sin_port);

  TempDir data;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", std::to_string(busy), "--data-dir", data.path()});
  const std::string err = run_expecting_refusal(daemon);
  ::close(holder);
  EXPECT_NE(err.find("FATAL CONFIG: api.port"), std::string::npos) << err;
  EXPECT_NE(err.find(std::to_string(busy)), std::string::npos) << err;
}

TEST(DaemonE2E, VersionPrintsVersionAndBuild) {
  DaemonProcess version({PROPBOT_BINARY, "version"});
  ASSERT_TRUE(version.start());
  EXPECT_EQ(version.wait_exit(10s), std::optional<int>(0));
  EXPECT_EQ(version.stdout_text().rfind("propbot 0.", 0), 0u) << version.stdout_text();
  EXPECT_NE(version.stdout_text().find("build"), std::string::npos);
}

}  // namespace
}  // namespace propbot::testing
