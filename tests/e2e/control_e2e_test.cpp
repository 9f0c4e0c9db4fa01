// The control plane end to end (issue 4): the real binary in the paper profile with its
// generated development secrets store, driven over real HTTP with real bearer tokens —
// the full "P0 → postmortem → two operators + 2FA → RESUME" story, restarts, tamper
// detection with the sqlite3 CLI, and no secret in any output.
#include <array>
#include <csignal>
#include <cstdio>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto/base32.hpp"
#include "core/crypto/totp.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using test_support::http_request;
using namespace std::chrono_literals;

// Runs a command and returns its stdout (the test's own helper for the CLI and sqlite3).
std::string run_command(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

using Credentials = DevCredentials;

std::string totp_now(const std::string& seed) {
  auto key = crypto::base32_decode(seed);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return crypto::totp_code(key.value(), now.count());
}

class ControlE2E : public ::testing::Test {
 protected:
  void start_daemon() {
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_.path()});
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(20s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    if (creds_.tokens.empty()) creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    ASSERT_EQ(creds_.tokens.size(), 4u) << "show-dev did not list the four dev tokens";
  }
  void stop_daemon() {
    daemon_->send_signal(SIGTERM);
    ASSERT_EQ(daemon_->wait_exit(15s).value_or(-1), 0);
    outputs_ += daemon_->stdout_text() + daemon_->stderr_text();
  }

  // Calls the API as `who` ("" = no token); returns the status and the parsed body.
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, &outputs_, 10s);
  }

  void expect_mode(const std::string& mode) {
    auto [status, state] = call("viewer1", "GET", "/api/ui/control-state");
    ASSERT_EQ(status, 200);
    EXPECT_EQ(state["mode"], mode) << state.dump();
  }

  // No secret value in anything the daemon printed or answered.
  void expect_no_secret_leaked() {
    if (daemon_) outputs_ += daemon_->stdout_text() + daemon_->stderr_text();
    for (const auto& [name, token] : creds_.tokens) {
      EXPECT_EQ(outputs_.find(token), std::string::npos) << "the token of " << name << " leaked";
    }
    EXPECT_EQ(outputs_.find(creds_.approve_token), std::string::npos) << "the approve token leaked";
    EXPECT_EQ(outputs_.find(creds_.totp_seed), std::string::npos) << "the TOTP seed leaked";
  }

  TempDir data_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  Credentials creds_;
  std::string outputs_;
};

TEST_F(ControlE2E, P0ThenPostmortemThenTwoOperatorsWithSecondFactorThenResume) {
  start_daemon();
  expect_mode("HOLD");
  EXPECT_EQ(call("", "GET", "/api/ui/control-state").first, 401);
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/hold", {{"reason", "x"}}).first, 403) << "a viewer may not act";
  EXPECT_EQ(call("auditor1", "POST", "/api/ui/resume-request", {{"reason", "x"}}).first, 403);
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/audit_log").first, 403) << "the audit log is for auditors and operators";

  // A P0: the desk holds and trade is locked until the postmortem.
  auto [logged, incident] = call("operator1", "POST", "/api/ui/incidents/manual_log",
                                 {{"severity", "P0"}, {"component", "recon"}, {"summary", "BINANCE position mismatch"}});
  ASSERT_EQ(logged, 200) << incident.dump();
  const auto incident_id = incident["incident"]["id"].get<std::int64_t>();
  auto [listed, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(listed, 200);
  EXPECT_EQ(incidents["banner"], "TRADE LOCKED: POSTMORTEM REQUIRED");

  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "mismatch explained"}});
  ASSERT_EQ(requested, 200) << request.dump();
  const auto request_id = request["request_id"].get<std::int64_t>();
  EXPECT_TRUE(request["second_factor_required"].get<bool>());

  auto [early, early_body] = call("operator2", "POST", "/api/ui/resume-confirm",
                                  {{"request_id", request_id}, {"token", creds_.approve_token}});
  EXPECT_EQ(early, 409) << early_body.dump();
  EXPECT_EQ(early_body["error"]["code"], "postmortem_required");

  auto [acked, ack_body] = call("operator1", "POST", "/api/ui/incidents/ack_and_postmortem",
                                {{"incident_id", incident_id}, {"postmortem_root_cause", "stale cache after restart"}});
  ASSERT_EQ(acked, 200) << ack_body.dump();

  // The refusals, each leaving HOLD in place.
  EXPECT_EQ(call("operator1", "POST", "/api/ui/resume-confirm",
                 {{"request_id", request_id}, {"token", creds_.approve_token}, {"totp", totp_now(creds_.totp_seed)}})
                .first,
            403)
      << "the requester confirmed their own request";
  EXPECT_EQ(call("operator2", "POST", "/api/ui/resume-confirm", {{"request_id", request_id}, {"token", "wrong"}}).first,
            401);
  EXPECT_EQ(call("operator2", "POST", "/api/ui/resume-confirm",
                 {{"request_id", request_id}, {"token", creds_.approve_token}})
                .first,
            401)
      << "no second factor";
  EXPECT_EQ(call("operator2", "POST", "/api/ui/resume-confirm",
                 {{"request_id", request_id}, {"token", creds_.approve_token}, {"totp", "000000"}})
                .first,
            401)
      << "wrong second factor";
  EXPECT_EQ(call("operator1", "POST", "/api/ui/resume").first, 409) << "resume before the confirmation";
  expect_mode("HOLD");

  auto [confirmed, confirm_body] =
      call("operator2", "POST", "/api/ui/resume-confirm",
           {{"request_id", request_id}, {"token", creds_.approve_token}, {"totp", totp_now(creds_.totp_seed)}});
  ASSERT_EQ(confirmed, 200) << confirm_body.dump();
  expect_mode("HOLD");
  auto [resumed, resume_body] = call("operator1", "POST", "/api/ui/resume");
  ASSERT_EQ(resumed, 200) << resume_body.dump();
  expect_mode("RESUME");
  auto [state_status, state] = call("viewer1", "GET", "/api/ui/control-state");
  for (const char* field : {"mode", "safe_mode", "dry_run_mode", "reason", "since", "autopilot_status",
                            "autopilot_last_decision", "tamper_status"}) {
    EXPECT_TRUE(state.contains(field)) << field;
  }
  EXPECT_TRUE(state["safe_mode"].get<bool>());

  // The auditor's export verifies offline.
  test_support::HeaderList auditor{{"Authorization", "Bearer " + creds_.tokens.at("auditor1")}};
  auto exported = http_request("127.0.0.1", port_, "GET", "/api/ui/audit/export", "", auditor, 10s);
  ASSERT_EQ(exported.status, 200);
  const std::string export_file = data_.path() + "/exported.jsonl";
  {
    std::FILE* f = std::fopen(export_file.c_str(), "wb");
    std::fwrite(exported.body.data(), 1, exported.body.size(), f);
    std::fclose(f);
  }
  int code = -1;
  const std::string verified =
      run_command(std::string(PROPBOT_BINARY) + " audit verify --file " + export_file + " 2>&1", &code);
  EXPECT_EQ(code, 0) << verified;
  EXPECT_NE(verified.find("audit chain OK"), std::string::npos) << verified;
  EXPECT_NE(exported.body.find("\"forbidden\""), std::string::npos) << "the viewer's 403 is not in the audit log";
  // Every secret read is audited by name (S-6.4): the confirmations read approve_token.
  EXPECT_NE(exported.body.find("\"access_secret\""), std::string::npos);
  EXPECT_NE(exported.body.find("\"which_key\":\"approve_token\""), std::string::npos);
  outputs_ += exported.body;

  stop_daemon();
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, PendingApprovalsAndIncidentsSurviveARestartWhichComesBackInHold) {
  start_daemon();
  ASSERT_EQ(call("operator1", "POST", "/api/ui/incidents/manual_log",
                 {{"severity", "P1"}, {"component", "ws_feed:OKX"}, {"summary", "books feed flapping"}})
                .first,
            200);
  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "feed back"}});
  ASSERT_EQ(requested, 200);
  ASSERT_EQ(call("operator2", "POST", "/api/ui/resume-confirm",
                 {{"request_id", request["request_id"]}, {"token", creds_.approve_token}})
                .first,
            200);
  ASSERT_EQ(call("operator2", "POST", "/api/ui/resume").first, 200);
  expect_mode("RESUME");
  auto [again, again_body] = call("operator1", "POST", "/api/ui/hold", {{"reason", "lunch"}});
  ASSERT_EQ(again, 200);
  auto [pending_status, pending] = call("operator2", "POST", "/api/ui/resume-request", {{"reason", "after lunch"}});
  ASSERT_EQ(pending_status, 200);
  EXPECT_EQ(call("operator1", "POST", "/api/ui/approvals", {{"kind", "teleport"}, {"reason", "x"}}).first, 400);
  auto [raise_status, raise] = call("operator1", "POST", "/api/ui/approvals",
                                    {{"kind", "raise_limit"}, {"reason", "bigger book"},
                                     {"payload", {{"limit", "max_total_notional_usdt"}, {"to", "60000"}}}});
  ASSERT_EQ(raise_status, 200) << raise.dump();
  stop_daemon();

  start_daemon();
  expect_mode("HOLD");
  auto [approvals_status, approvals] = call("viewer1", "GET", "/api/ui/approvals");
  ASSERT_EQ(approvals_status, 200);
  ASSERT_EQ(approvals["pending"].size(), 2u) << approvals.dump();
  EXPECT_EQ(approvals["pending"][0]["id"], pending["request_id"]);
  EXPECT_EQ(approvals["pending"][1]["kind"], "raise_limit");
  auto [incidents_status, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(incidents_status, 200);
  ASSERT_EQ(incidents["active"].size(), 1u) << incidents.dump();
  EXPECT_EQ(incidents["active"][0]["summary"], "books feed flapping");
  stop_daemon();
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, EditingTheStateWithTheSqliteCliIsATamperP0UntilTheProcedure) {
  start_daemon();
  stop_daemon();
  int code = -1;
  run_command("sqlite3 " + data_.path() + "/propbot.db \"UPDATE signed_state SET canonical_json = "
                                          "replace(canonical_json, '\\\"HOLD\\\"', '\\\"RESUME\\\"')\" 2>&1",
              &code);
  ASSERT_EQ(code, 0);

  start_daemon();
  auto [status, state] = call("viewer1", "GET", "/api/ui/control-state");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(state["mode"], "HOLD");
  EXPECT_EQ(state["tamper_status"], "TAMPER_DETECTED_HOLD");
  auto [listed, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(incidents["active"].size(), 1u) << incidents.dump();
  EXPECT_EQ(incidents["active"][0]["severity"], "P0");
  EXPECT_EQ(incidents["active"][0]["component"], "control_plane");

  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "looked at it"}});
  ASSERT_EQ(requested, 200);
  auto [refused, refusal] = call("operator2", "POST", "/api/ui/resume-confirm",
                                 {{"request_id", request["request_id"]}, {"token", creds_.approve_token},
                                  {"totp", totp_now(creds_.totp_seed)}});
  EXPECT_EQ(refused, 409) << refusal.dump();
  EXPECT_EQ(call("operator1", "POST", "/api/ui/resume").first, 409);
  expect_mode("HOLD");
  stop_daemon();

  // An audit row edited the same way (trigger dropped first) is caught as well.
  run_command("sqlite3 " + data_.path() + "/propbot.db \"DROP TRIGGER audit_log_refuse_update; "
                                          "UPDATE audit_log SET actor = 'mallory' WHERE id = 1\" 2>&1",
              &code);
  ASSERT_EQ(code, 0);
  start_daemon();
  auto [listed2, incidents2] = call("viewer1", "GET", "/api/ui/incidents");
  bool chain_break = false;
  for (const auto& i : incidents2["active"]) {
    chain_break = chain_break || i["summary"].get<std::string>().find("audit chain broken at id 1") != std::string::npos;
  }
  EXPECT_TRUE(chain_break) << incidents2.dump();
  stop_daemon();
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, TestnetRefusesToStartWithoutASecretsStore) {
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "testnet", "--port", "0", "--data-dir", data_.path()});
  ASSERT_TRUE(daemon.start());
  const auto code = daemon.wait_exit(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(daemon.stderr_text().find("FATAL CONFIG"), std::string::npos) << daemon.stderr_text();
}

}  // namespace
}  // namespace propbot::testing
