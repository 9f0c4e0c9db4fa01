// `propbot ctl` (SPEC S-11.10) run as a real process against a running paper daemon:
// status in HOLD, hold, the two-man resume by two operator tokens, incidents and their
// ack, config validate of a broken strategy (file:line, exit 1), --json that parses,
// export-log as CSV, and the exit codes and messages for 401, 403, an unreachable URL
// (3) and bad usage (2). No output may ever contain a token.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/second_factor.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

class CtlCommandE2E : public ::testing::Test {
 protected:
  // One paper daemon for the suite: the tests run in file order and each says which
  // mode it leaves the desk in.
  static void SetUpTestSuite() {
    data_ = std::make_unique<TempDir>();
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_->path()});
    if (!daemon_->start()) return;
    auto port = daemon_->wait_for_listening(30s);
    if (!port) return;
    port_ = static_cast<std::uint16_t>(*port);
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_->path());
  }
  static void TearDownTestSuite() {
    if (daemon_) {
      daemon_->send_signal(SIGTERM);
      (void)daemon_->wait_exit(20s);
    }
    daemon_.reset();
    data_.reset();
  }
  void SetUp() override {
    ASSERT_NE(port_, 0) << "the paper daemon did not start: " << (daemon_ ? daemon_->stderr_text() : "");
    ASSERT_EQ(creds_.tokens.count("operator2"), 1u) << "show-dev did not list the dev tokens";
  }

  static std::string url() { return "http://127.0.0.1:" + std::to_string(port_); }

  // `propbot ctl --url <daemon> ARGS…` as `who` ("" = no token) through API_TOKEN.
  CommandRun ctl(const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), {PROPBOT_BINARY, "ctl", "--url", url()});
    DaemonProcess process(std::move(args), {"API_TOKEN=" + (who.empty() ? std::string() : creds_.tokens.at(who))});
    CommandRun run;
    if (!process.start()) return run;
    run.exit_code = process.wait_exit(60s).value_or(-1);
    run.out = process.stdout_text();
    run.err = process.stderr_text();
    expect_no_secret(run);
    return run;
  }

  static void expect_no_secret(const CommandRun& run) {
    for (const auto& [name, token] : creds_.tokens) {
      EXPECT_EQ((run.out + run.err).find(token), std::string::npos) << "the token of " << name << " was printed";
    }
    EXPECT_EQ((run.out + run.err).find(creds_.approve_token), std::string::npos) << "the approve token was printed";
  }

  static inline std::unique_ptr<TempDir> data_;
  static inline std::unique_ptr<DaemonProcess> daemon_;
  static inline std::uint16_t port_ = 0;
  static inline DevCredentials creds_;
};

TEST_F(CtlCommandE2E, StatusShowsHoldAndJsonParses) {
  CommandRun run = ctl("viewer1", {"status"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("mode:    HOLD"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\nreason:  "), std::string::npos) << "the hold reason: " << run.out;

  run = ctl("viewer1", {"--json", "status"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json answer = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << run.out;
  // Overview when the daemon serves it, else health + control state: HOLD either way.
  const json& state = answer.contains("control_state") ? answer["control_state"] : answer;
  EXPECT_EQ(state.value("mode", ""), "HOLD") << run.out;

  run = ctl("viewer1", {"positions", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(json::parse(run.out, nullptr, false).contains("positions")) << run.out;
}

TEST_F(CtlCommandE2E, TwoOperatorsResumeThenHoldAgain) {
  CommandRun run = ctl("operator1", {"resume-request", "--reason", "ctl e2e", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json request = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(request.contains("request_id")) << run.out;
  const std::string id = std::to_string(request["request_id"].get<std::int64_t>());

  run = ctl("operator1", {"approvals"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("resume"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("operator1"), std::string::npos) << run.out;

  std::vector<std::string> confirm = {"confirm", id, "--token", creds_.approve_token};
  if (request.value("second_factor_required", false)) {
    confirm.insert(confirm.end(), {"--totp", totp_now(creds_.totp_seed)});
  }
  std::vector<std::string> self = confirm;
  run = ctl("operator1", self);
  EXPECT_EQ(run.exit_code, 1) << "the requester confirmed their own request: " << run.out;
  EXPECT_NE(run.err.find("HTTP 403 self_confirmation"), std::string::npos) << run.err;

  run = ctl("operator2", confirm);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("approved"), std::string::npos) << run.out;

  run = ctl("operator2", {"resume"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  run = ctl("viewer1", {"status"});
  EXPECT_NE(run.out.find("mode:    RESUME"), std::string::npos) << run.out;

  run = ctl("operator1", {"hold", "--reason", "ctl says stop"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("mode: HOLD"), std::string::npos) << run.out;
  run = ctl("viewer1", {"status"});
  EXPECT_NE(run.out.find("mode:    HOLD"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ctl says stop"), std::string::npos) << run.out;
}

TEST_F(CtlCommandE2E, IncidentsListedThenAckedWithRootCause) {
  auto [logged, body] = api_call(port_, creds_, "operator1", "POST", "/api/ui/incidents/manual_log",
                                 {{"severity", "P2"}, {"component", "ctl_e2e"}, {"summary", "fan noise in rack 4"}});
  ASSERT_EQ(logged, 200) << body.dump();
  const std::string id = std::to_string(body["incident"]["id"].get<std::int64_t>());

  CommandRun run = ctl("viewer1", {"incidents"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("fan noise in rack 4"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("ctl_e2e"), std::string::npos) << run.out;

  run = ctl("operator1", {"ack", id, "--root-cause", "a loose fan", "--resolve"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("acked by operator1"), std::string::npos) << run.out;

  run = ctl("viewer1", {"incidents", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json incidents = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(incidents.contains("recent_closed")) << run.out;
  bool closed = false;
  for (const auto& incident : incidents["recent_closed"]) {
    closed = closed || (std::to_string(incident.value("id", std::int64_t{0})) == id &&
                        incident.value("postmortem_root_cause", "") == "a loose fan");
  }
  EXPECT_TRUE(closed) << "incident " << id << " is not closed with its root cause: " << run.out;
}

TEST_F(CtlCommandE2E, ConfigValidateOfABrokenStrategyPrintsFileLineAndExitsOne) {
  TempDir work;
  const fs::path file = fs::path(work.path()) / "strategies" / "cross_exchange_arb.lua";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "local M = {name = 'cross_exchange_arb'}\nfunction M.on_book(\nreturn M\n";
  CommandRun run = ctl("operator1", {"config", "validate", file.string()});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(run.out.rfind("strategies/cross_exchange_arb.lua:3: ", 0), 0u) << run.out;

  const fs::path shipped = fs::path(PROPBOT_SOURCE_DIR) / "strategies" / "cross_exchange_arb.lua";
  run = ctl("operator1", {"config", "validate", shipped.string()});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out.rfind("bundle valid: hash ", 0), 0u) << run.out;
}

TEST_F(CtlCommandE2E, ConfigApplyThenRollbackWithItsToken) {
  TempDir work;
  const fs::path file = fs::path(work.path()) / "strategies" / "cross_exchange_arb.lua";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << read_text_file(std::string(PROPBOT_SOURCE_DIR) + "/strategies/cross_exchange_arb.lua")
                      << "\n-- changed by the ctl e2e test\n";
  CommandRun run = ctl("operator1", {"--json", "config", "apply", file.string(), "--message", "ctl e2e"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json applied = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(applied.is_object()) << run.out;
  ASSERT_EQ(applied.value("applied", false), true) << run.out;
  const std::string token = applied.value("rollback_token", "");
  ASSERT_FALSE(token.empty()) << run.out;

  run = ctl("operator1", {"config", "rollback", token});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("version " + std::to_string(applied["from_version"].get<std::int64_t>()) + " running"),
            std::string::npos)
      << "back on the version before the apply: " << run.out;
  run = ctl("operator1", {"config", "rollback", token});
  EXPECT_EQ(run.exit_code, 1) << "a rollback token works once: " << run.out;
  EXPECT_NE(run.err.find("HTTP 409"), std::string::npos) << run.err;
}

TEST_F(CtlCommandE2E, ApprovalsConfirmByAnotherOperator) {
  auto [filed, body] = api_call(port_, creds_, "operator1", "POST", "/api/ui/approvals",
                                {{"kind", "promote_standby"}, {"reason", "ctl e2e drill"}});
  ASSERT_EQ(filed, 200) << body.dump();
  const std::string id = std::to_string(body["request_id"].get<std::int64_t>());
  std::vector<std::string> confirm = {"approvals", "confirm", id, "--token", creds_.approve_token};
  if (body.value("second_factor_required", false)) confirm.insert(confirm.end(), {"--totp", totp_now(creds_.totp_seed)});
  CommandRun run = ctl("operator2", confirm);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("approval " + id + " (promote_standby): approved"), std::string::npos) << run.out;
  run = ctl("operator2", confirm);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.err.find("HTTP 409 already_decided"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("conflict: "), std::string::npos) << "the 409 says what the conflict is: " << run.err;
}

TEST_F(CtlCommandE2E, ResumeWithoutAConfirmedRequestIsAConflict) {
  CommandRun run = ctl("operator1", {"resume"});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.err.find("HTTP 409"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("conflict: "), std::string::npos) << run.err;
}

TEST_F(CtlCommandE2E, ExportLogAsCsvHasTheAuditColumns) {
  TempDir work;
  const std::string out = work.path() + "/audit.csv";
  CommandRun run = ctl("auditor1", {"export-log", "--format", "csv", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string csv = read_text_file(out);
  EXPECT_EQ(csv.rfind("id,ts_utc,actor,role,action,target,details,prev_hash,cumulative_hash\n", 0), 0u) << csv.substr(0, 200);
  EXPECT_NE(csv.find(",startup_hold,"), std::string::npos) << csv.substr(0, 400);
}

TEST_F(CtlCommandE2E, ViewerHoldIs403AndNoTokenIs401) {
  CommandRun run = ctl("viewer1", {"hold", "--reason", "not mine to press"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("HTTP 403 forbidden"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("role is too low"), std::string::npos) << run.err;

  run = ctl("", {"hold", "--reason", "who am I"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("HTTP 401 unauthorized"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("propbot secrets show-dev"), std::string::npos) << "the 401 says how to get a token: " << run.err;

  run = ctl("", {"--token", "pbt_not_a_real_token_0000", "approvals"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("does not know this API token"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("pbt_not_a_real_token_0000"), std::string::npos) << "the token was printed: " << run.err;
}

TEST_F(CtlCommandE2E, ComponentsAnswersTheRegistryOrSaysItIsNotServed) {
  CommandRun run = ctl("viewer1", {"components"});
  if (run.exit_code == 0) {
    EXPECT_NE(run.out.find("STATUS"), std::string::npos) << run.out;
  } else {
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find("does not serve /api/ui/status/components yet"), std::string::npos) << run.err;
  }
}

TEST(CtlCommandCli, UnreachableUrlExitsThreeNamingTheUrl) {
  // Port 1 (tcpmux): nothing listens there on a test machine.
  const CommandRun run = run_to_exit({PROPBOT_BINARY, "ctl", "--url", "http://127.0.0.1:1", "status"}, 30s);
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("http://127.0.0.1:1"), std::string::npos) << run.err;
}

TEST(CtlCommandCli, BadUsageExitsTwoWithTheUsage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"frobnicate"}, {"hold"}, {"status", "--colour"}, {"confirm", "7"}, {"confirm", "x7", "--token", "t"},
           {}, {"export-log", "--format", "xml"}, {"config"}, {"--url", "notaurl", "status"}}) {
    std::vector<std::string> command = {PROPBOT_BINARY, "ctl"};
    command.insert(command.end(), args.begin(), args.end());
    const CommandRun run = run_to_exit(command, 30s);
    EXPECT_EQ(run.exit_code, 2) << args.size() << " args: " << run.err;
    EXPECT_NE(run.err.find("usage: propbot ctl"), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace propbot::testing
