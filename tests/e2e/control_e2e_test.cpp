// The control plane end to end (issue 4): the real binary in the paper profile with its
// generated development secrets store, driven over real HTTP with real bearer tokens —
// the full "P0 → postmortem → two operators + 2FA → RESUME" story, restarts, tamper
// detection with the sqlite3 CLI, and no secret in any output.
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto/base32.hpp"
#include "core/crypto/totp.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/second_factor.hpp"
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

// A six-digit code that is none of the codes the daemon accepts now (±1 step): a guess
// that is certain to be wrong.
std::string wrong_totp(const std::string& seed, int salt) {
  for (int candidate = salt;; candidate = (candidate + 7919) % 1000000) {
    char text[8];
    std::snprintf(text, sizeof text, "%06d", candidate);
    bool valid = false;
    for (auto offset : {-60s, -30s, 0s, 30s, 60s}) valid = valid || totp_at(seed, offset) == text;
    if (!valid) return text;
  }
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

  // The sum of the forbidden answers `who` got, from the audit log as an auditor reads it:
  // one per row written at once, `repeated` per summary row. Also returns the row count.
  std::pair<std::int64_t, std::size_t> forbidden_in_audit(const std::string& who) {
    auto [status, page] = call("auditor1", "GET", "/api/ui/audit_log?action=forbidden&actor=" + who + "&limit=1000");
    EXPECT_EQ(status, 200) << page.dump();
    std::int64_t total = 0;
    for (const auto& entry : page["entries"]) total += entry["details"].value("repeated", std::int64_t{1});
    return {total, page["entries"].size()};
  }

  TempDir data_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  Credentials creds_;
  std::string outputs_;
};

TEST_F(ControlE2E, P0ThenPostmortemThenTwoOperatorsWithSecondFactorThenResume) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));
  EXPECT_EQ(call("", "GET", "/api/ui/control-state").first, 401);
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/hold", {{"reason", "x"}}).first, 403) << "a viewer may not act";
  EXPECT_EQ(call("auditor1", "POST", "/api/ui/resume-request", {{"reason", "x"}}).first, 403);
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/audit_log").first, 403) << "the audit log is for auditors and operators";

  // A P0: the desk holds and trade is locked until the postmortem.
  auto [logged, incident] = call("operator1", "POST", "/api/ui/incidents/manual_log",
                                 {{"severity", "P0"}, {"component", "recon"}, {"summary", "BINANCE position mismatch"}});
  ASSERT_EQ(logged, 200) << incident.dump();
  EXPECT_EQ(incident["incident"]["code"], "manual") << "an operator's log without a code is manual";
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
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));

  auto [confirmed, confirm_body] =
      call("operator2", "POST", "/api/ui/resume-confirm",
           {{"request_id", request_id}, {"token", creds_.approve_token}, {"totp", totp_now(creds_.totp_seed)}});
  ASSERT_EQ(confirmed, 200) << confirm_body.dump();
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));
  auto [resumed, resume_body] = call("operator1", "POST", "/api/ui/resume");
  ASSERT_EQ(resumed, 200) << resume_body.dump();
  ASSERT_NO_FATAL_FAILURE(expect_mode("RESUME"));
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

  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

// S-11.8: the events as a CSV or JSON file, and the alerts on their own.
TEST_F(ControlE2E, EventsExportAsCsvOrJsonAndAlertsAreListed) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  ASSERT_EQ(call("operator1", "POST", "/api/ui/hold", {{"reason", "export test"}}).first, 200);
  ASSERT_EQ(call("operator1", "POST", "/api/ui/incidents/manual_log",
                 {{"severity", "P1"}, {"component", "venue:SIM-A"}, {"summary", "a, \"quoted\" summary"}})
                .first,
            200);
  auto [json_status, exported] = call("viewer1", "GET", "/api/ui/events/export?format=json&limit=50");
  ASSERT_EQ(json_status, 200) << exported.dump();
  ASSERT_FALSE(exported["events"].empty());
  bool alert_seen = false;
  for (const auto& e : exported["events"]) alert_seen = alert_seen || e["type"] == "ALERT";
  EXPECT_TRUE(alert_seen) << exported.dump();

  std::string csv;
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/events/export?format=csv&type=ALERT", nullptr).first, 200);
  api_call(port_, creds_, "viewer1", "GET", "/api/ui/events/export?format=csv&type=ALERT", nullptr, &csv);
  ASSERT_EQ(csv.rfind("seq,type,ts,payload\r\n", 0), 0u) << csv;
  EXPECT_NE(csv.find(",ALERT,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"\""), std::string::npos) << "quotes inside a field are doubled: " << csv;

  EXPECT_EQ(call("viewer1", "GET", "/api/ui/events/export?format=xml").first, 400);
  auto [bad_limit, why] = call("viewer1", "GET", "/api/ui/events/export?limit=0");
  EXPECT_EQ(bad_limit, 400);
  EXPECT_NE(why.dump().find("query 'limit'"), std::string::npos) << why.dump();
  EXPECT_EQ(call("", "GET", "/api/ui/events/export").first, 401);

  auto [alerts_status, alerts] = call("viewer1", "GET", "/api/ui/alerts");
  ASSERT_EQ(alerts_status, 200) << alerts.dump();
  ASSERT_FALSE(alerts["alerts"].empty());
  const json& last = alerts["alerts"].back();
  EXPECT_EQ(last["severity"], "P1") << last.dump();
  EXPECT_NE(last["message"].get<std::string>().find("quoted"), std::string::npos) << last.dump();
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

// S-11.8: an auditor's snapshot of the desk, written under the data directory and returned.
TEST_F(ControlE2E, AnAuditorsSnapshotIsWrittenPrivatelyAndReturned) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/snapshot").first, 403) << "a viewer may not write snapshots";
  EXPECT_EQ(call("", "POST", "/api/ui/snapshot").first, 401);
  auto [status, answer] = call("auditor1", "POST", "/api/ui/snapshot");
  ASSERT_EQ(status, 200) << answer.dump();
  const std::string file = answer["file"];
  ASSERT_EQ(file.rfind("snapshots/", 0), 0u) << file;
  const json& snapshot = answer["snapshot"];
  EXPECT_EQ(snapshot["control_state"]["mode"], "HOLD");
  EXPECT_TRUE(snapshot["engine"]["books"].is_array());
  EXPECT_FALSE(snapshot["engine"]["strategies"].empty());
  EXPECT_TRUE(snapshot["incidents"].contains("active"));
  const std::filesystem::path written = std::filesystem::path(data_.path()) / file;
  ASSERT_TRUE(std::filesystem::exists(written)) << written;
  EXPECT_EQ(std::filesystem::status(written).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(written);
  const json on_disk = json::parse(in, nullptr, false);
  EXPECT_EQ(on_disk, snapshot) << "the file holds what was returned";
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, PendingApprovalsAndIncidentsSurviveARestartWhichComesBackInHold) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  // "code" is optional and checked against the codes a caller may raise.
  for (const json& code : {json("meteor_strike"), json("unspecified"), json(""), json(7)}) {
    auto [refused, refusal] = call("operator1", "POST", "/api/ui/incidents/manual_log",
                                   {{"severity", "P1"}, {"component", "ws_feed:OKX"}, {"summary", "x"}, {"code", code}});
    EXPECT_EQ(refused, 400) << code.dump();
    EXPECT_EQ(refusal["error"]["code"], "bad_request");
    const std::string message = refusal["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind("field 'code': ", 0), 0u) << message;
  }
  auto [coded_status, coded] = call("operator1", "POST", "/api/ui/incidents/manual_log",
                                    {{"severity", "P1"}, {"component", "ws_feed:OKX"}, {"summary", "nothing"},
                                     {"code", "meteor_strike"}});
  EXPECT_EQ(coded_status, 400);
  EXPECT_NE(coded["error"]["message"].get<std::string>().find("must be one of hedge_lost, recon_mismatch"),
            std::string::npos)
      << coded.dump();
  ASSERT_EQ(call("operator1", "POST", "/api/ui/incidents/manual_log",
                 {{"severity", "P1"}, {"component", "ws_feed:OKX"}, {"summary", "books feed flapping"},
                  {"code", "ws_feed_failed"}})
                .first,
            200);
  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "feed back"}});
  ASSERT_EQ(requested, 200);
  ASSERT_EQ(call("operator2", "POST", "/api/ui/resume-confirm",
                 {{"request_id", request["request_id"]}, {"token", creds_.approve_token}})
                .first,
            200);
  ASSERT_EQ(call("operator2", "POST", "/api/ui/resume").first, 200);
  ASSERT_NO_FATAL_FAILURE(expect_mode("RESUME"));
  auto [again, again_body] = call("operator1", "POST", "/api/ui/hold", {{"reason", "lunch"}});
  ASSERT_EQ(again, 200);
  auto [pending_status, pending] = call("operator2", "POST", "/api/ui/resume-request", {{"reason", "after lunch"}});
  ASSERT_EQ(pending_status, 200);
  EXPECT_EQ(call("operator1", "POST", "/api/ui/approvals", {{"kind", "teleport"}, {"reason", "x"}}).first, 400);
  auto [raise_status, raise] = call("operator1", "POST", "/api/ui/approvals",
                                    {{"kind", "raise_limit"}, {"reason", "bigger book"},
                                     {"payload", {{"limit", "max_total_notional_usdt"}, {"to", "60000"}}}});
  ASSERT_EQ(raise_status, 200) << raise.dump();
  ASSERT_NO_FATAL_FAILURE(stop_daemon());

  ASSERT_NO_FATAL_FAILURE(start_daemon());
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));
  auto [approvals_status, approvals] = call("viewer1", "GET", "/api/ui/approvals");
  ASSERT_EQ(approvals_status, 200);
  ASSERT_EQ(approvals["pending"].size(), 2u) << approvals.dump();
  EXPECT_EQ(approvals["pending"][0]["id"], pending["request_id"]);
  EXPECT_EQ(approvals["pending"][1]["kind"], "raise_limit");
  auto [incidents_status, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(incidents_status, 200);
  ASSERT_EQ(incidents["active"].size(), 1u) << incidents.dump();
  EXPECT_EQ(incidents["active"][0]["summary"], "books feed flapping");
  EXPECT_EQ(incidents["active"][0]["code"], "ws_feed_failed") << "the code survives the restart";
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, EditingTheStateWithTheSqliteCliIsATamperP0UntilTheProcedure) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  int code = -1;
  run_command("sqlite3 " + data_.path() + "/propbot.db \"UPDATE signed_state SET canonical_json = "
                                          "replace(canonical_json, '\\\"HOLD\\\"', '\\\"RESUME\\\"')\" 2>&1",
              &code);
  ASSERT_EQ(code, 0);

  ASSERT_NO_FATAL_FAILURE(start_daemon());
  auto [status, state] = call("viewer1", "GET", "/api/ui/control-state");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(state["mode"], "HOLD");
  EXPECT_EQ(state["tamper_status"], "TAMPER_DETECTED_HOLD");
  auto [listed, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(incidents["active"].size(), 1u) << incidents.dump();
  EXPECT_EQ(incidents["active"][0]["severity"], "P0");
  EXPECT_EQ(incidents["active"][0]["code"], "tamper_detected");
  EXPECT_EQ(incidents["active"][0]["component"], "control_plane");

  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "looked at it"}});
  ASSERT_EQ(requested, 200);
  auto [refused, refusal] = call("operator2", "POST", "/api/ui/resume-confirm",
                                 {{"request_id", request["request_id"]}, {"token", creds_.approve_token},
                                  {"totp", totp_now(creds_.totp_seed)}});
  EXPECT_EQ(refused, 409) << refusal.dump();
  EXPECT_EQ(call("operator1", "POST", "/api/ui/resume").first, 409);
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));
  ASSERT_NO_FATAL_FAILURE(stop_daemon());

  // An audit row edited the same way (trigger dropped first) is caught as well.
  run_command("sqlite3 " + data_.path() + "/propbot.db \"DROP TRIGGER audit_log_refuse_update; "
                                          "UPDATE audit_log SET actor = 'mallory' WHERE id = 1\" 2>&1",
              &code);
  ASSERT_EQ(code, 0);
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  auto [listed2, incidents2] = call("viewer1", "GET", "/api/ui/incidents");
  bool chain_break = false;
  for (const auto& i : incidents2["active"]) {
    chain_break = chain_break || i["summary"].get<std::string>().find("audit chain broken at id 1") != std::string::npos;
  }
  EXPECT_TRUE(chain_break) << incidents2.dump();
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
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


// --- issue 10 -----------------------------------------------------------------------

TEST_F(ControlE2E, TheSecretRouteRefusesTheSecondMansSecrets) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  for (const char* name : {"approve_token", "approve_token_2fa", "state_hmac_key", "dev.operator2"}) {
    auto [status, body] =
        call("operator1", "POST", "/api/ui/secret", {{"name", name}, {"value", "totp:AAAAAAAAAAAAAAAA"}});
    EXPECT_EQ(status, 400) << name << ": " << body.dump();
    EXPECT_EQ(body["error"]["code"], "bad_request") << name;
    const std::string message = body["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind("field 'name': ", 0), 0u) << message;
    EXPECT_NE(message.find("propbot secrets set"), std::string::npos) << message;
  }
  auto [venue, venue_body] =
      call("operator1", "POST", "/api/ui/secret", {{"name", "binance.api_key"}, {"value", "k1"}});
  EXPECT_EQ(venue, 200) << venue_body.dump() << ": a venue key is still rotated through the API";

  // The approve token is the one the store was made with.
  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "all clear"}});
  ASSERT_EQ(requested, 200) << request.dump();
  EXPECT_EQ(call("operator2", "POST", "/api/ui/resume-confirm",
                 {{"request_id", request["request_id"]}, {"token", creds_.approve_token}})
                .first,
            200);
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, WrongSecondFactorsLockTheConfirmingOperatorOutWithAnIncident) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  auto [requested, request] =
      call("operator1", "POST", "/api/admin/kill_switch", {{"action", "request"}, {"reason", "drill"}});
  ASSERT_EQ(requested, 200) << request.dump();
  const json confirm_base = {
      {"action", "confirm"}, {"request_id", request["request_id"]}, {"token", creds_.approve_token}};
  for (int i = 0; i < 5; ++i) {
    json body = confirm_base;
    body["totp"] = wrong_totp(creds_.totp_seed, 1000 * i);
    auto [status, answer] = call("operator2", "POST", "/api/admin/kill_switch", body);
    EXPECT_EQ(status, 401) << answer.dump();
    EXPECT_EQ(answer["error"]["code"], "bad_second_factor");
  }
  json right = confirm_base;
  right["totp"] = totp_now(creds_.totp_seed);
  auto [locked, locked_body] = call("operator2", "POST", "/api/admin/kill_switch", right);
  EXPECT_EQ(locked, 429) << locked_body.dump();
  EXPECT_EQ(locked_body["error"]["code"], "second_factor_locked");
  EXPECT_NE(locked_body["error"]["message"].get<std::string>().find("until "), std::string::npos) << locked_body.dump();
  const test_support::HeaderList as_operator2{{"Authorization", "Bearer " + creds_.tokens.at("operator2")},
                                              {"Content-Type", "application/json"}};
  auto again = http_request("127.0.0.1", port_, "POST", "/api/admin/kill_switch", right.dump(), as_operator2, 10s);
  EXPECT_EQ(again.status, 429) << again.body;
  const int retry_after = std::atoi(again.header("Retry-After").c_str());
  EXPECT_GT(retry_after, 800) << "the lockout lasts 15 min";
  EXPECT_LE(retry_after, 900);
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));

  auto [listed, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(listed, 200);
  int lockout_incidents = 0;
  for (const auto& incident : incidents["active"]) {
    if (incident["severity"] == "P1" && incident["component"] == "control_plane" &&
        incident["summary"].get<std::string>().find("operator2") != std::string::npos) {
      ++lockout_incidents;
      EXPECT_EQ(incident["code"], "second_factor_lockout");
    }
  }
  EXPECT_EQ(lockout_incidents, 1) << incidents.dump();

  // The lockout never blocks HOLD.
  EXPECT_EQ(call("operator2", "POST", "/api/ui/hold", {{"reason", "who guessed?"}}).first, 200);
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, ARefusedConfirmationKeepsTheCodeAndAReplayIsAConflict) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  auto [logged, incident] = call("operator1", "POST", "/api/ui/incidents/manual_log",
                                 {{"severity", "P0"}, {"component", "recon"}, {"summary", "mismatch"}});
  ASSERT_EQ(logged, 200) << incident.dump();
  auto [first_status, first] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "explained"}});
  auto [second_status, second] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "duplicate"}});
  ASSERT_EQ(first_status, 200);
  ASSERT_EQ(second_status, 200);
  ASSERT_TRUE(second["second_factor_required"].get<bool>());
  ASSERT_EQ(call("operator1", "POST", "/api/ui/approvals/" + std::to_string(second["request_id"].get<std::int64_t>()) +
                                          "/reject")
                .first,
            200);
  ASSERT_EQ(call("operator1", "POST", "/api/ui/incidents/ack_and_postmortem",
                 {{"incident_id", incident["incident"]["id"]}, {"postmortem_root_cause", "stale cache"}})
                .first,
            200);

  const std::string code = totp_now(creds_.totp_seed);
  auto confirm = [&](const json& request_id, const std::string& totp) {
    return call("operator2", "POST", "/api/ui/resume-confirm",
                {{"request_id", request_id}, {"token", creds_.approve_token}, {"totp", totp}});
  };
  auto [decided, decided_body] = confirm(second["request_id"], code);
  EXPECT_EQ(decided, 409) << decided_body.dump();
  EXPECT_EQ(decided_body["error"]["code"], "already_decided");
  auto [confirmed, confirmed_body] = confirm(first["request_id"], code);
  EXPECT_EQ(confirmed, 200) << confirmed_body.dump() << ": the refused confirmation burned the code";

  auto [replayed, replay_body] = confirm(first["request_id"], totp_now(creds_.totp_seed));
  EXPECT_EQ(replayed, 409) << replay_body.dump();
  EXPECT_EQ(replay_body["error"]["code"], "already_decided");
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, AnAddressLockoutNeverBlocksAValidTokenSoHoldAlwaysWorks) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  const test_support::HeaderList bogus{{"Authorization", "Bearer pbt_not_a_real_token_0123456789"}};
  for (int i = 0; i < 10; ++i) {
    auto answer = http_request("127.0.0.1", port_, "GET", "/api/ui/control-state", "", bogus, 10s);
    EXPECT_EQ(answer.status, 401) << "bad token " << i + 1 << ": " << answer.body;
  }
  auto guessed = http_request("127.0.0.1", port_, "GET", "/api/ui/control-state", "", bogus, 10s);
  EXPECT_EQ(guessed.status, 429) << guessed.body;
  EXPECT_NE(guessed.body.find("locked_out"), std::string::npos) << guessed.body;
  EXPECT_FALSE(guessed.header("Retry-After").empty());
  EXPECT_EQ(call("", "GET", "/api/ui/control-state").first, 429) << "no token from a locked address";

  auto [held, held_body] = call("operator1", "POST", "/api/ui/hold", {{"reason", "under attack"}});
  EXPECT_EQ(held, 200) << held_body.dump();
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/control-state").first, 200);
  auto [events_status, events] = call("operator1", "GET", "/api/ui/events?type=ALERT");
  ASSERT_EQ(events_status, 200);
  int lockout_alerts = 0;
  for (const auto& event : events["events"]) {
    const std::string message = event["payload"]["message"].get<std::string>();
    if (message.find("brute-force lockout") != std::string::npos) ++lockout_alerts;
  }
  EXPECT_EQ(lockout_alerts, 1) << events.dump();
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  expect_no_secret_leaked();
}

TEST_F(ControlE2E, OverLongFieldsAreRefusedWith400NamingTheFieldAndTheLimit) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  auto expect_refused = [&](const std::string& path, const json& body, const std::string& message) {
    auto [status, answer] = call("operator1", "POST", path, body);
    EXPECT_EQ(status, 400) << path << ": " << answer.dump().substr(0, 300);
    EXPECT_EQ(answer["error"]["code"], "bad_request") << path;
    EXPECT_EQ(answer["error"]["message"], message) << path;
  };
  expect_refused("/api/ui/incidents/manual_log",
                 {{"severity", "P2"}, {"component", std::string(201, 'c')}, {"summary", "x"}},
                 "field 'component': at most 200 bytes (got 201)");
  expect_refused("/api/ui/incidents/manual_log",
                 {{"severity", "P2"}, {"component", "recon"}, {"summary", std::string(10241, 's')}},
                 "field 'summary': at most 10000 bytes (got 10241)");
  expect_refused("/api/ui/hold", {{"reason", std::string(900 * 1024, 'r')}},
                 "field 'reason': at most 1000 bytes (got 921600)");
  expect_refused("/api/admin/kill_switch", {{"action", "request"}, {"reason", std::string(1001, 'r')}},
                 "field 'reason': at most 1000 bytes (got 1001)");
  expect_refused("/api/ui/incidents/ack_and_postmortem",
                 {{"incident_id", 1}, {"postmortem_root_cause", std::string(10001, 'p')}},
                 "field 'postmortem_root_cause': at most 10000 bytes (got 10001)");
  expect_refused("/api/ui/resume-confirm", {{"request_id", 1}, {"token", std::string(257, 't')}},
                 "field 'token': at most 256 bytes (got 257)");
  expect_refused("/api/ui/secret", {{"name", "binance.api_key"}, {"value", std::string(8193, 'v')}},
                 "field 'value': at most 8192 bytes (got 8193)");
  auto [listed, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(listed, 200);
  EXPECT_TRUE(incidents["active"].empty()) << "a refused call changed something";
  ASSERT_NO_FATAL_FAILURE(expect_mode("HOLD"));
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

TEST_F(ControlE2E, AViewerHammeringAForbiddenRouteWritesABoundedNumberOfAuditRows) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  constexpr int kCalls = 300;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_EQ(call("viewer1", "POST", "/api/ui/hold", {{"reason", "let me"}}).first, 403) << "call " << i + 1;
  }
  auto [count, rows] = forbidden_in_audit("viewer1");
  EXPECT_EQ(count, kCalls) << "the audit log lost or invented forbidden answers";
  EXPECT_LE(rows, 4u) << kCalls << " forbidden answers wrote " << rows << " audit rows";
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

}  // namespace
}  // namespace propbot::testing
