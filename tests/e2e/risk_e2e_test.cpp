// The risk governor end to end (issue 13 acceptance): the real daemon against an outside
// `propbot venue-sim` (the paper bundle's venues pointed at it, as testnet would be),
// over real HTTP.
// - A price jump on one venue pushes the unrealised loss of an open hedged pair over
//   risk.max_unrealized_loss_usdt: within the evaluation period the desk is in HOLD with
//   an open P0 risk_cap_breached (component risk_governor) naming the cap, the value and
//   the limit; the snapshot shows the cap breached; the next manual pair is refused.
// - The same breach found at a restart (the desk was trading when it was SIGKILLed): the
//   autopilot refuses to resume and says why (blocked_by_risk, max_unrealized_loss).
// - The risk routes: the four reads in their documented shapes, the budget reset
//   (operators only, audited BUDGET_RESET), the two-man raise_limit and
//   unfreeze_strategy approvals and their refusals.
// - A strategy's entry refused by the governor shows on /api/opportunities as
//   blocked_by_risk with its reason code, counted in the snapshot's skips.
#include <csignal>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/e2e/outside_venue_sim.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("riskGov");
constexpr double kUnrealizedCap = 20;  // USDT: a 10 % jump on one leg of the pair is well over it
const json kPair = {{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 2000}};

class RiskE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_processes({daemon_.get(), sim_.get()});
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon's stderr ---\n" << daemon_->stderr_text();
  }

  // The simulator, a paper store with the venues' keys, and the bundle pointing at it
  // (its strategies off unless `strategies`); the daemon started with `env`, its
  // start-up reconciliation clean.
  void start_desk(std::vector<std::string> env, bool strategies = false) {
    env_ = std::move(env);
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(data_.path(), kVenueKeys, creds_));
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "13", ports));
    admin_ = ports.at("admin");
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    if (!strategies) disable_strategies(config_);
    ASSERT_NO_FATAL_FAILURE(start_daemon());
  }
  void start_daemon() {
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_, env_));
    wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 30s);
  }
  // Both venues' BTC-USDT books valid: a manual pair can be priced.
  void wait_for_books() {
    wait_for("/api/ui/market", [](const json& b) {
      int valid = 0;
      for (const auto& book : b["books"]) valid += book["symbol"] == "BTC-USDT" && book["valid"] == true;
      return valid == 2;
    }, 20s);
  }

  json sim(const std::string& method, const std::string& path, const json& body = nullptr) {
    const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), method, path,
                                                  body.is_null() ? "" : body.dump(),
                                                  {{"Content-Type", "application/json"}}, 30s);
    EXPECT_EQ(reply.status, 200) << method << " " << path << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 10s);
  }
  json get(const std::string& path) {
    auto [status, body] = call("viewer1", "GET", path);
    EXPECT_EQ(status, 200) << "GET " << path << ": " << body.dump();
    return body;
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready,
                std::chrono::milliseconds limit, std::chrono::milliseconds every = 200ms) {
    return poll_api(port_, creds_, path, ready, limit, every);
  }

  // A manual pair (kPair) after the desk is RESUMEd, hedged: its trade id.
  std::string open_hedged_pair() {
    wait_for_books();
    auto [executed, trade] = call("operator1", "POST", "/api/arb/execute", kPair);
    EXPECT_EQ(executed, 200) << trade.dump();
    if (executed != 200) return "";
    const std::string id = trade["trade_parent_id"];
    const json execution = wait_for("/api/ui/execution", [&](const json& b) {
      for (const auto& t : b["trades"]) {
        if (t["trade_parent_id"] == id && t["state"] != "working") return true;
      }
      return false;
    }, 20s);
    for (const auto& t : execution["trades"]) {
      if (t["trade_parent_id"] == id) {
        EXPECT_EQ(t["state"], "hedged") << execution.dump();
      }
    }
    // The governor sees the position (its legs at mark) before the market moves.
    wait_for("/api/ui/capital", [](const json& b) { return b["open_positions"] == 1; }, 10s);
    return id;
  }
  // The long leg's venue (BINANCE) 10 % lower at the simulator: the pair loses ~10 % of a leg.
  void jump_long_leg_down() {
    sim("POST", "/admin/market/jump", {{"venue", "binance"}, {"symbol", "BTC-USDT"}, {"bps", -1000}});
  }
  // A POST answered 202 with an approval, confirmed by operator2.
  void confirm_approval(const json& filed) {
    const json& id = filed["request_id"];
    const std::string path = "/api/ui/approvals/" + (id.is_string() ? id.get<std::string>() : id.dump()) + "/confirm";
    auto [same, same_body] = call("operator1", "POST", path, {{"token", creds_.approve_token}});
    EXPECT_NE(same, 200) << "the requester confirmed their own approval: " << same_body.dump();
    auto [confirmed, body] = call("operator2", "POST", path, {{"token", creds_.approve_token}});
    EXPECT_EQ(confirmed, 200) << body.dump();
  }
  // The audit entries of one action (newest first), as auditor1.
  json audit_entries(const std::string& action) {
    auto [status, body] = call("auditor1", "GET", "/api/ui/audit_log?action=" + action + "&limit=20");
    EXPECT_EQ(status, 200) << body.dump();
    return body["entries"];
  }

  static json cap_row(const json& snapshot, const std::string& name) {
    for (const auto& row : snapshot["caps"]) {
      if (row["name"] == name) return row;
    }
    return nullptr;
  }
  static json active_incident(const json& incidents, const std::string& code) {
    for (const auto& incident : incidents["active"]) {
      if (incident["code"] == code) return incident;
    }
    return nullptr;
  }
  static bool has_keys(const json& object, std::initializer_list<const char*> keys) {
    if (!object.is_object()) return false;
    for (const char* key : keys) {
      if (!object.contains(key)) return false;
    }
    return true;
  }

  TempDir data_;
  TempDir bundle_;
  DevCredentials creds_;
  std::string config_;
  std::vector<std::string> env_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
};

#if defined(PROPBOT_HAVE_BINANCE_SIM) && defined(PROPBOT_HAVE_OKX_SIM)
#define REQUIRE_SIM_FRONTENDS()
#else
#define REQUIRE_SIM_FRONTENDS() GTEST_SKIP() << "this build has no binance / okx simulator frontend"
#endif

TEST_F(RiskE2E, UnrealisedLossOverTheCapHoldsTheDeskWithAP0) {
  REQUIRE_SIM_FRONTENDS();
  ASSERT_NO_FATAL_FAILURE(start_desk({"PROPBOT_RISK__MAX_UNREALIZED_LOSS_USDT=" + std::to_string(kUnrealizedCap)}));
  ASSERT_NO_FATAL_FAILURE(two_man_resume(port_, creds_, "risk e2e"));
  ASSERT_FALSE(open_hedged_pair().empty());
  const json before = get("/api/ui/risk_snapshot");
  const json cap_before = cap_row(before, "max_unrealized_loss");
  ASSERT_EQ(cap_before["limit"], kUnrealizedCap) << before.dump();
  ASSERT_EQ(cap_before["breached"], false) << "over the cap before the market moved: " << before.dump();
  ASSERT_EQ(get("/api/ui/control-state")["mode"], "RESUME");

  jump_long_leg_down();
  const auto jumped = Clock::now();
  const json held = wait_for("/api/ui/control-state", [](const json& b) { return b["mode"] == "HOLD"; }, 5s, 20ms);
  const auto to_hold = Clock::now() - jumped;
  ASSERT_EQ(held["mode"], "HOLD") << held.dump();
  EXPECT_LT(to_hold, 2s) << "HOLD came " << std::chrono::duration_cast<std::chrono::milliseconds>(to_hold).count()
                         << " ms after the jump";

  // The P0 names the cap, the figure and the limit.
  const json incidents = get("/api/ui/incidents");
  const json p0 = active_incident(incidents, "risk_cap_breached");
  ASSERT_FALSE(p0.is_null()) << incidents.dump();
  EXPECT_EQ(p0["severity"], "P0");
  EXPECT_EQ(p0["component"], "risk_governor");
  const std::string summary = p0["summary"];
  EXPECT_NE(summary.find("max_unrealized_loss"), std::string::npos) << summary;
  const auto figure_at = summary.find("breached: ");
  ASSERT_NE(figure_at, std::string::npos) << summary;
  const double figure = std::stod(summary.substr(figure_at + 10));
  EXPECT_GT(figure, kUnrealizedCap) << summary;
  EXPECT_NE(summary.find("> 20 USDT"), std::string::npos) << summary;
  EXPECT_NE(summary.find("risk.max_unrealized_loss_usdt"), std::string::npos) << summary;
  EXPECT_NE(held["reason"].dump().find("max_unrealized_loss"), std::string::npos)
      << "the HOLD says why: " << held.dump();

  // The snapshot agrees; the autopilot's view too; and no new risk is taken.
  const json snapshot = get("/api/ui/risk_snapshot");
  const json cap = cap_row(snapshot, "max_unrealized_loss");
  EXPECT_EQ(cap["breached"], true) << snapshot.dump();
  EXPECT_GT(cap["used"].get<double>(), kUnrealizedCap);
  EXPECT_EQ(cap["headroom"], 0);
  EXPECT_NEAR(cap["used"].get<double>(), figure, figure * 0.2) << "the P0's figure is the snapshot's";
  auto [refused, refused_body] = call("operator1", "POST", "/api/arb/execute", kPair);
  EXPECT_EQ(refused, 409) << refused_body.dump();
  EXPECT_NE(refused_body["error"]["message"].get<std::string>().find("blocked_by_hold"), std::string::npos)
      << refused_body.dump();

  // The audit log has the automatic HOLD with the incident's code.
  bool audited = false;
  for (const auto& entry : audit_entries("hold_auto")) {
    audited = audited || entry["details"]["code"] == "risk_cap_breached";
  }
  EXPECT_TRUE(audited) << audit_entries("hold_auto").dump();
  // One P0 per breach episode: the governor does not raise it again every period.
  std::this_thread::sleep_for(500ms);
  int count = 0;
  const json later = get("/api/ui/incidents");
  for (const auto& incident : later["active"]) count += incident["code"] == "risk_cap_breached" ? 1 : 0;
  EXPECT_EQ(count, 1) << later.dump();
}

TEST_F(RiskE2E, TheAutopilotRefusesWithTheRiskReason) {
  REQUIRE_SIM_FRONTENDS();
  ASSERT_NO_FATAL_FAILURE(start_desk({"PROPBOT_RISK__MAX_UNREALIZED_LOSS_USDT=" + std::to_string(kUnrealizedCap),
                                      "PROPBOT_AUTOPILOT__ENABLED=true"}));
  ASSERT_NO_FATAL_FAILURE(two_man_resume(port_, creds_, "risk e2e"));
  ASSERT_FALSE(open_hedged_pair().empty());
  ASSERT_EQ(get("/api/ui/control-state")["mode"], "RESUME");

  // The desk dies trading; while it is down the market moves against the pair.
  daemon_->send_signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait_exit(10s).has_value());
  jump_long_leg_down();
  ASSERT_NO_FATAL_FAILURE(start_daemon());

  const json state = wait_for("/api/ui/control-state", [](const json& b) {
    return b["autopilot_status"] != "waiting_for_recon" && b["autopilot_status"] != "idle";
  }, 20s);
  const std::string decision = state["autopilot_last_decision"];
  EXPECT_EQ(state["autopilot_status"], "refused") << state.dump();
  EXPECT_NE(decision.find("blocked_by_risk"), std::string::npos) << state.dump();
  EXPECT_NE(decision.find("max_unrealized_loss"), std::string::npos) << state.dump();
  EXPECT_EQ(state["mode"], "HOLD") << state.dump();
  bool resumed = false;
  for (const auto& entry : audit_entries("autopilot_resumed")) resumed = resumed || entry.is_object();
  EXPECT_FALSE(resumed) << "the autopilot resumed over a breached cap (and a P0 held it again afterwards)";
  // Either way the breach is caught: a P0 holds the desk.
  wait_for("/api/ui/incidents", [](const json& b) { return !active_incident(b, "risk_cap_breached").is_null(); }, 5s);
  EXPECT_EQ(wait_for("/api/ui/control-state", [](const json& b) { return b["mode"] == "HOLD"; }, 5s)["mode"], "HOLD");
  const json refusals = audit_entries("autopilot_refused");
  ASSERT_FALSE(refusals.empty());
  EXPECT_NE(refusals[0]["details"]["blockers"].dump().find("max_unrealized_loss"), std::string::npos)
      << refusals.dump();
}

TEST_F(RiskE2E, TheRiskRoutesAnswerTheirDocumentedShapesAndAct) {
  REQUIRE_SIM_FRONTENDS();
  ASSERT_NO_FATAL_FAILURE(start_desk({}));

  // The four reads.
  const json snapshot = wait_for("/api/ui/risk_snapshot", [](const json& b) { return b.contains("caps"); }, 10s);
  ASSERT_TRUE(has_keys(snapshot, {"caps", "skips", "stress", "breakers", "clock_skew_ms"})) << snapshot.dump();
  EXPECT_EQ(snapshot["caps"].size(), 9u);
  for (const char* name : {"max_total_notional", "max_open_positions", "max_notional_per_position",
                           "max_exposure_per_symbol", "max_exposure_per_venue", "max_leverage", "daily_loss_cap",
                           "monthly_loss_cap", "max_unrealized_loss"}) {
    const json row = cap_row(snapshot, name);
    EXPECT_TRUE(has_keys(row, {"name", "limit", "used", "headroom", "breached"})) << name << ": " << row.dump();
  }
  EXPECT_EQ(cap_row(snapshot, "max_total_notional")["limit"], 50000);
  EXPECT_EQ(cap_row(snapshot, "max_total_notional")["breached"], false);
  EXPECT_TRUE(snapshot["skips"].is_object());
  EXPECT_TRUE(has_keys(snapshot["stress"], {"equity", "stress_tested_equity", "limit", "shocks", "blocked"}))
      << snapshot["stress"].dump();
  EXPECT_TRUE(snapshot["stress"]["shocks"].is_array());
  EXPECT_TRUE(snapshot["stress"]["blocked"].is_array());
  EXPECT_TRUE(snapshot["breakers"].is_array());
  EXPECT_TRUE(snapshot["clock_skew_ms"].is_object());

  const json status = get("/api/ui/strategy_status");
  ASSERT_TRUE(status["strategies"].is_array()) << status.dump();
  ASSERT_FALSE(status["strategies"].empty());
  for (const auto& row : status["strategies"]) {
    EXPECT_TRUE(has_keys(row, {"name", "state", "reason", "budget", "pnl"})) << row.dump();
    if (row["name"] == "cross_exchange_arb") {
      EXPECT_EQ(row["state"], "stopped") << "disabled here: " << row.dump();
    }
  }
  const json budgets = get("/api/ui/strategy_budget");
  ASSERT_TRUE(budgets["budgets"].is_array()) << budgets.dump();
  ASSERT_FALSE(budgets["budgets"].empty());
  EXPECT_TRUE(has_keys(budgets["budgets"][0], {"strategy", "max_notional_usdt", "daily_loss", "breach"}))
      << budgets.dump();
  const json capital = get("/api/ui/capital");
  EXPECT_TRUE(has_keys(capital, {"equity_usdt", "total_notional_usdt", "max_total_notional_usdt", "headroom_usdt",
                                 "open_positions", "venues"}))
      << capital.dump();

  // The budget reset: operators only, the field checked, audited.
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/budget/reset", {{"strategy", "all"}}).first, 403);
  auto [bad, bad_body] = call("operator1", "POST", "/api/ui/budget/reset", {{"strategy", 7}});
  EXPECT_EQ(bad, 400) << bad_body.dump();
  EXPECT_NE(bad_body["error"]["message"].get<std::string>().find("strategy"), std::string::npos) << bad_body.dump();
  auto [unknown, unknown_body] = call("operator1", "POST", "/api/ui/budget/reset", {{"strategy", "no_such"}});
  EXPECT_EQ(unknown, 404) << unknown_body.dump();
  auto [reset, reset_body] = call("operator1", "POST", "/api/ui/budget/reset", {{"strategy", "all"}});
  ASSERT_EQ(reset, 200) << reset_body.dump();
  EXPECT_NE(reset_body["reset"].dump().find("cross_exchange_arb"), std::string::npos) << reset_body.dump();
  const json resets = audit_entries("BUDGET_RESET");
  ASSERT_EQ(resets.size(), 1u) << resets.dump();
  EXPECT_EQ(resets[0]["details"]["operator"].get<std::string>().rfind("operator1@", 0), 0u) << resets.dump();

  // raise_limit: refused when not a raise, filed as a two-man approval, effective once confirmed.
  const json raise = {{"limit", "max_total_notional"}, {"value", 60000}, {"reason", "risk e2e"}};
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/risk/limit-request", raise).first, 403);
  json lower = raise;
  lower["value"] = 50000;
  auto [not_above, not_above_body] = call("operator1", "POST", "/api/ui/risk/limit-request", lower);
  EXPECT_EQ(not_above, 400) << not_above_body.dump();
  EXPECT_NE(not_above_body["error"]["message"].get<std::string>().find("value"), std::string::npos);
  json no_cap = raise;
  no_cap["limit"] = "max_fun";
  auto [not_cap, not_cap_body] = call("operator1", "POST", "/api/ui/risk/limit-request", no_cap);
  EXPECT_EQ(not_cap, 400) << not_cap_body.dump();
  EXPECT_NE(not_cap_body["error"]["message"].get<std::string>().find("limit"), std::string::npos);
  auto [filed, filed_body] = call("operator1", "POST", "/api/ui/risk/limit-request", raise);
  ASSERT_EQ(filed, 202) << filed_body.dump();
  EXPECT_EQ(filed_body["approval"]["kind"], "raise_limit") << filed_body.dump();
  EXPECT_EQ(cap_row(get("/api/ui/risk_snapshot"), "max_total_notional")["limit"], 50000) << "not before the second operator";
  ASSERT_NO_FATAL_FAILURE(confirm_approval(filed_body));
  const json raised = wait_for("/api/ui/risk_snapshot", [](const json& b) {
    return cap_row(b, "max_total_notional")["limit"] == 60000;
  }, 5s);
  EXPECT_EQ(cap_row(raised, "max_total_notional")["limit"], 60000) << raised.dump();
  EXPECT_EQ(get("/api/ui/capital")["max_total_notional_usdt"], 60000);
  EXPECT_EQ(audit_entries("RISK_LIMIT_RAISED").size(), 1u);
  lower["value"] = 55000;  // above the configured cap, below the raised one
  EXPECT_EQ(call("operator1", "POST", "/api/ui/risk/limit-request", lower).first, 400);

  // unfreeze_strategy: an unknown strategy refused, a known one filed and effective once confirmed.
  auto [no_strategy, no_strategy_body] =
      call("operator1", "POST", "/api/ui/unfreeze-strategy", {{"strategy", "no_such"}, {"reason", "risk e2e"}});
  EXPECT_EQ(no_strategy, 400) << no_strategy_body.dump();
  EXPECT_NE(no_strategy_body["error"]["message"].get<std::string>().find("strategy"), std::string::npos);
  auto [no_reason, no_reason_body] =
      call("operator1", "POST", "/api/ui/unfreeze-strategy", {{"strategy", "cross_exchange_arb"}});
  EXPECT_EQ(no_reason, 400) << no_reason_body.dump();
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/unfreeze-strategy", {{"strategy", "all"}, {"reason", "x"}}).first, 403);
  auto [unfreeze, unfreeze_body] =
      call("operator1", "POST", "/api/ui/unfreeze-strategy", {{"strategy", "cross_exchange_arb"}, {"reason", "risk e2e"}});
  ASSERT_EQ(unfreeze, 202) << unfreeze_body.dump();
  EXPECT_EQ(unfreeze_body["approval"]["kind"], "unfreeze_strategy") << unfreeze_body.dump();
  ASSERT_NO_FATAL_FAILURE(confirm_approval(unfreeze_body));
  json unfrozen;
  for (int i = 0; i < 50 && unfrozen.empty(); ++i) {
    if (i > 0) std::this_thread::sleep_for(100ms);
    unfrozen = audit_entries("STRATEGY_UNFROZEN");
  }
  ASSERT_EQ(unfrozen.size(), 1u) << unfrozen.dump();
  EXPECT_EQ(unfrozen[0]["details"]["strategy"], "cross_exchange_arb") << unfrozen.dump();
}

TEST_F(RiskE2E, AnEntryRefusedByRiskShowsBlockedByRiskWithItsReason) {
  REQUIRE_SIM_FRONTENDS();
  // Every leg the strategies size is over the per-order maximum: each entry they propose
  // once the desk trades is refused with order_notional.
  ASSERT_NO_FATAL_FAILURE(start_desk({"PROPBOT_RISK__MAX_ORDER_NOTIONAL_USDT=10"}, true));
  // The paper market (docs/PAPER_RUN_REPORT.md): a range regime with a dislocation every few seconds.
  sim("PUT", "/admin/market",
      {{"tick_ms", 100}, {"volatility_bps", 0.3}, {"spread_bps", 1.0}, {"dislocation_probability", 0.01},
       {"dislocation_bps_min", 10}, {"dislocation_bps_max", 45}, {"dislocation_ticks", 30}});
  ASSERT_NO_FATAL_FAILURE(two_man_resume(port_, creds_, "risk e2e"));

  json refused;
  const json board = wait_for("/api/opportunities", [&](const json& b) {
    for (const auto& o : b["opportunities"]) {
      if (o["status"] == "blocked_by_risk") refused = o;
    }
    return !refused.is_null();
  }, 90s);
  ASSERT_FALSE(refused.is_null()) << board.dump();
  EXPECT_EQ(refused["risk_reason"], "order_notional") << refused.dump();
  for (const auto& o : board["opportunities"]) {
    EXPECT_NE(o["status"], "ready") << "an entry over the per-order maximum shows as ready: " << o.dump();
    if (o["status"] != "blocked_by_risk") {
      EXPECT_TRUE(o["risk_reason"].is_null()) << o.dump();
    }
  }
  const json snapshot = get("/api/ui/risk_snapshot");
  EXPECT_GE(snapshot["skips"].value("order_notional", 0), 1) << snapshot.dump();
  const std::string strategy = refused["strategy"];
  EXPECT_GE(snapshot["skips_by_strategy"][strategy].value("order_notional", 0), 1) << snapshot.dump();
  EXPECT_EQ(get("/api/ui/execution")["counters"]["orders_sent"], 0) << "a refused entry reached a venue";
}

}  // namespace
}  // namespace propbot::testing
