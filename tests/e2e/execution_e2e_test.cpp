// Execution end to end (issue 12): the real daemon in the paper profile (the Binance and
// OKX adapters against its embedded venue simulators) trades over real HTTP — a start-up
// reconciliation before anything, a manual pair through every gate after a two-man
// resume (two legs filled, hedged, a position with both legs and an exposure that nets
// to zero), the kill switch over HTTP (two operators + second factor): KILL, P0s, every
// venue flat and no open order, and the journal surviving a restart (the positions
// rebuilt from its fills).
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto/base32.hpp"
#include "core/crypto/totp.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/e2e/outside_venue_sim.hpp"
#include "tests/e2e/second_factor.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ExecutionE2E : public ::testing::Test {
 protected:
  void start_daemon(std::vector<std::string> env = {}) {
    if (config_.empty()) {
      // The shipped bundle with its strategies off: the test's manual pairs are the only trades.
      config_ = copy_shipped_bundle(bundle_.path());
      disable_strategies(config_);
    }
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_, std::move(env)));
    if (creds_.tokens.empty()) creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
  }
  void stop_daemon() {
    daemon_->send_signal(SIGTERM);
    ASSERT_EQ(daemon_->wait_exit(20s).value_or(-1), 0) << daemon_->stderr_text();
    outputs_ += daemon_->stdout_text() + daemon_->stderr_text();
  }
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, &outputs_, 10s);
  }
  // Polls `path` until `ready(body)` or the deadline; returns the last body.
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, creds_, path, ready, limit, 200ms, &outputs_);
  }
  // Start-up reconciliation clean and both BTC-USDT books valid (a manual pair walks them).
  void wait_ready() {
    wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 20s);
    wait_for("/api/ui/market", [](const json& b) {
      int valid = 0;
      for (const auto& book : b["books"]) valid += book["symbol"] == "BTC-USDT" && book["valid"] == true;
      return valid == 2;
    }, 20s);
  }
  void two_man_resume() { propbot::testing::two_man_resume(port_, creds_, "e2e", &outputs_); }
  // The exposure row of a venue, or null.
  static json exposure_of(const json& positions, const std::string& venue) {
    for (const auto& row : positions["exposure"]) {
      if (row["venue"] == venue && row["symbol"] == "BTC-USDT") return row;
    }
    return nullptr;
  }

  TempDir data_;
  TempDir bundle_;
  std::string config_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  DevCredentials creds_;
  std::string outputs_;
};

TEST_F(ExecutionE2E, AManualPairTradesBothLegsTheKillSwitchFlattensEverythingAndARestartRebuildsIt) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  // Start-up reconciliation first; manual trades wait for RESUME.
  wait_ready();
  const json pair = {{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 1000}};
  EXPECT_EQ(call("viewer1", "POST", "/api/arb/execute", pair).first, 403) << "operators only";
  auto [held, held_body] = call("operator1", "POST", "/api/arb/execute", pair);
  EXPECT_EQ(held, 409) << held_body.dump();
  EXPECT_NE(held_body["error"]["message"].get<std::string>().find("blocked_by_hold"), std::string::npos) << held_body.dump();
  json bad = pair;
  bad["notional_usdt"] = -5;
  auto [invalid, invalid_body] = call("operator1", "POST", "/api/arb/preview", bad);
  EXPECT_EQ(invalid, 400);
  EXPECT_NE(invalid_body["error"]["message"].get<std::string>().find("notional_usdt"), std::string::npos);

  ASSERT_NO_FATAL_FAILURE(two_man_resume());
  auto [previewed, preview] = call("operator1", "POST", "/api/arb/preview", pair);
  ASSERT_EQ(previewed, 200) << preview.dump();
  EXPECT_GT(preview["qty"].get<double>(), 0);
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/execution").second["counters"]["orders_sent"], 0) << "a preview sends nothing";

  auto [executed, trade] = call("operator1", "POST", "/api/arb/execute", pair);
  ASSERT_EQ(executed, 200) << trade.dump();
  const std::string trade_id = trade["trade_parent_id"];
  json execution = wait_for("/api/ui/execution", [&](const json& b) {
    for (const auto& t : b["trades"]) {
      if (t["trade_parent_id"] == trade_id && t["state"] != "working") return true;
    }
    return false;
  }, 20s);
  json finished;
  for (const auto& t : execution["trades"]) {
    if (t["trade_parent_id"] == trade_id) finished = t;
  }
  ASSERT_EQ(finished["state"], "hedged") << execution.dump();
  EXPECT_EQ(finished["a_filled_qty"], finished["b_filled_qty"]);
  auto [manual_audited, manual_audit] = call("auditor1", "GET", "/api/ui/audit_log?action=manual_trade&limit=5");
  ASSERT_EQ(manual_audited, 200);
  ASSERT_EQ(manual_audit["entries"].size(), 1u) << "the manual trade is audited: " << manual_audit.dump();
  EXPECT_EQ(manual_audit["entries"][0]["details"]["trade_parent_id"], trade_id);
  auto [logged, log] = call("viewer1", "GET", "/api/ui/hedge/log");
  ASSERT_EQ(logged, 200);
  ASSERT_FALSE(log["hedges"].empty());
  EXPECT_EQ(log["hedges"][0]["trade_parent_id"], trade_id);

  // The position: both legs, hedged; the exposure nets to zero across the venues.
  json positions = wait_for("/api/ui/positions", [&](const json& b) {
    return !exposure_of(b, "BINANCE").is_null() && !exposure_of(b, "OKX").is_null();
  }, 20s);
  ASSERT_FALSE(positions["positions"].empty()) << positions.dump();
  EXPECT_EQ(positions["positions"][0]["id"], trade_id);
  EXPECT_EQ(positions["positions"][0]["status"], "open") << positions.dump();
  EXPECT_EQ(positions["positions"][0]["legs"].size(), 2u);
  const double long_qty = exposure_of(positions, "BINANCE")["net_qty"].get<double>();
  const double short_qty = exposure_of(positions, "OKX")["net_qty"].get<double>();
  EXPECT_GT(long_qty, 0);
  EXPECT_NEAR(long_qty + short_qty, 0.0, 1e-9) << positions.dump();

  // The kill switch: two operators + the second factor → KILL, flat everywhere.
  auto [requested, request] =
      call("operator1", "POST", "/api/admin/kill_switch", {{"action", "request"}, {"reason", "e2e drill"}});
  ASSERT_EQ(requested, 200) << request.dump();
  auto [killed, kill_body] = call("operator2", "POST", "/api/admin/kill_switch",
                                  {{"action", "confirm"},
                                   {"request_id", request["request_id"]},
                                   {"token", creds_.approve_token},
                                   {"totp", totp_now(creds_.totp_seed)}});
  ASSERT_EQ(killed, 200) << kill_body.dump();
  auto [state_status, state] = call("viewer1", "GET", "/api/ui/control-state");
  EXPECT_EQ(state["mode"], "KILL");
  json flat = wait_for("/api/ui/positions", [&](const json& b) {
    return exposure_of(b, "BINANCE").is_null() && exposure_of(b, "OKX").is_null();
  }, 30s);
  EXPECT_TRUE(flat["exposure"].empty()) << flat.dump();
  json after = wait_for("/api/ui/execution", [](const json& b) { return b["open_orders_per_venue"].empty(); }, 10s);
  EXPECT_GE(after["counters"]["orders_sent"].get<int>(), 4) << "two legs, then two flatten orders";
  // The flatten reports what the venues answered once it asked them again.
  json audit;
  for (int i = 0; i < 100 && (audit.is_null() || audit["entries"].empty()); ++i) {
    if (i > 0) std::this_thread::sleep_for(100ms);
    audit = call("auditor1", "GET", "/api/ui/audit_log?action=hedge_flatten_result&limit=5").second;
  }
  ASSERT_FALSE(audit["entries"].empty()) << audit.dump();
  EXPECT_EQ(audit["entries"][0]["details"]["flat"], true) << audit.dump();
  auto [listed, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  std::string codes;
  for (const auto& i : incidents["active"]) codes += i["code"].get<std::string>() + " ";
  EXPECT_NE(codes.find("manual_kill_switch_activated"), std::string::npos) << codes;
  EXPECT_NE(codes.find("hedge_flatten_called"), std::string::npos) << codes;
  EXPECT_EQ(flat["positions"][0]["status"], "closed") << "the flatten fills closed the pair's legs";
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  // A restart: the journal rebuilds the same positions — the pair, closed by the flatten
  // (the embedded venues restart empty, as flat as the flatten left them).
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  wait_ready();
  json rebuilt = wait_for("/api/ui/positions", [](const json& b) { return !b["positions"].empty(); }, 10s);
  EXPECT_EQ(rebuilt["positions"][0]["id"], trade_id);
  EXPECT_EQ(rebuilt["positions"][0]["status"], "closed") << rebuilt.dump();
  EXPECT_TRUE(rebuilt["exposure"].empty()) << rebuilt.dump();
  auto [restarted_state_status, restarted_state] = call("viewer1", "GET", "/api/ui/control-state");
  EXPECT_NE(restarted_state["mode"], "RESUME") << "a restart never trades by itself";
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  for (const auto& [name, token] : creds_.tokens) EXPECT_EQ(outputs_.find(token), std::string::npos) << name;
}

// Runaway breaker over HTTP (S-3.3): a third manual pair within the minute over a limit
// of two is refused with 423, the desk is in HOLD with a P0, and one operator re-enables
// the breaker (audited); trading again would still take the two-man resume.
TEST_F(ExecutionE2E, ATrippedRunawayBreakerRefuses423UntilAnOperatorResetsIt) {
  ASSERT_NO_FATAL_FAILURE(start_daemon({"PROPBOT_RISK__MAX_ORDERS_PER_MIN=2"}));
  wait_ready();
  auto [nothing, nothing_body] = call("operator1", "POST", "/api/admin/runaway_breaker/reset", json::object());
  EXPECT_EQ(nothing, 409) << "nothing stands: " << nothing_body.dump();
  ASSERT_NO_FATAL_FAILURE(two_man_resume());

  const json pair = {{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 200}};
  for (int i = 0; i < 2; ++i) {
    auto [status, body] = call("operator1", "POST", "/api/arb/execute", pair);
    ASSERT_EQ(status, 200) << body.dump();
    wait_for("/api/ui/execution", [&](const json& b) {
      for (const auto& t : b["trades"]) {
        if (t["trade_parent_id"] == body["trade_parent_id"] && t["state"] != "working") return true;
      }
      return false;
    }, 20s);
  }
  auto [refused, refused_body] = call("operator1", "POST", "/api/arb/execute", pair);
  ASSERT_EQ(refused, 423) << refused_body.dump();
  EXPECT_EQ(refused_body["error"]["code"], "runaway_breaker");
  json tripped = wait_for("/api/ui/execution", [](const json& b) {
    return !b["runaway_breaker"]["tripped"].empty();
  }, 10s);
  EXPECT_EQ(tripped["runaway_breaker"]["tripped"][0]["kind"], "orders_per_min") << tripped["runaway_breaker"].dump();
  auto [state_status, state] = call("viewer1", "GET", "/api/ui/control-state");
  ASSERT_EQ(state_status, 200);
  EXPECT_EQ(state["mode"], "HOLD") << state.dump();

  EXPECT_EQ(call("viewer1", "POST", "/api/admin/runaway_breaker/reset", json::object()).first, 403);
  auto [bad, bad_body] = call("operator1", "POST", "/api/admin/runaway_breaker/reset", {{"strategy", 7}});
  EXPECT_EQ(bad, 400) << bad_body.dump();
  EXPECT_NE(bad_body["error"]["message"].get<std::string>().find("strategy"), std::string::npos);
  auto [reset, reset_body] = call("operator1", "POST", "/api/admin/runaway_breaker/reset", json::object());
  ASSERT_EQ(reset, 200) << reset_body.dump();
  EXPECT_FALSE(reset_body["cleared"].empty());
  EXPECT_TRUE(reset_body["tripped"].empty());
  wait_for("/api/ui/execution", [](const json& b) { return b["runaway_breaker"]["tripped"].empty(); }, 10s);
  auto [audited, audit] = call("auditor1", "GET", "/api/ui/audit_log?action=runaway_breaker_reset&limit=5");
  ASSERT_EQ(audited, 200);
  ASSERT_EQ(audit["entries"].size(), 1u) << audit.dump();
  EXPECT_EQ(audit["entries"][0]["details"]["operator"].get<std::string>().rfind("operator1@", 0), 0u) << audit.dump();
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  for (const auto& [name, token] : creds_.tokens) EXPECT_EQ(outputs_.find(token), std::string::npos) << name;
}

}  // namespace
}  // namespace propbot::testing
