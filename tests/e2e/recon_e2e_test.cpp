// The recon daemon's acceptance test (issue 14, SPEC S-9.2): the real daemon against an
// outside `propbot venue-sim`, with a short `recon.interval_s` (2) and
// `recon.confirm_delay_ms` (500), and what an outsider does at the venue behind the
// desk's back. Each case has its own simulator and daemon (one shared secrets store):
// 1. clean: recon OK with no diff after start-up and after a hedged manual pair (its
//    positions seen at the venue and equal to the ledger's);
// 2. a foreign fill — a market order placed at the simulator with the desk's key — is a
//    confirmed `position` diff: MISMATCH, P0 recon_mismatch, the desk HOLDs, and resume
//    is refused with 409 recon_desync once the P0 is acknowledged;
// 3. a foreign resting order (GTC far from the touch) is an `order` diff naming its
//    client order id, and once it is cancelled recon is OK again;
// 4. a liquidation forced at the simulator (POST /admin/liquidate) after a desk trade is
//    a `position` diff;
// 5. a deposit at the simulator (POST /admin/accounts/adjust) is a `balance` diff of
//    exactly the deposit, gone once it is withdrawn;
// 6. a missing funding payment (the simulator's skip_funding fault) is a `funding` diff
//    — skipped while the simulator has no funding history (GET /fapi/v1/income 404).
// Detection times are printed ("[ RECON    ] ..."). Each case runs well under 30 s: at a
// 2 s interval recon's own queries (Binance's all-symbol openOrders weighs 40) fill the
// venue's IP weight budget after about half a minute, and later passes time out.
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/common/clock.hpp"
#include "core/venues/binance/signing.hpp"
#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/e2e/outside_venue_sim.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("recon");
// One recon period plus its confirmation, with room for a loaded machine.
constexpr auto kDetectLimit = 15s;

// The dev credentials and venue keys every case shares.
SharedPaperStore& shared_store() {
  static SharedPaperStore store;  // one per test binary
  return store;
}

// A signed client of the simulator's Binance frontend holding the desk's own key: what
// "someone else with the desk's API key" sends.
class BinanceOutsider {
 public:
  BinanceOutsider(int port, std::string key, const std::string& secret)
      : port_(static_cast<std::uint16_t>(port)), key_(std::move(key)), signer_(secret) {}

  test_support::HttpResult send(const std::string& method, const std::string& path,
                                const std::vector<venues::binance::QueryParam>& params) {
    const UtcTime now(std::chrono::duration_cast<Nanos>(std::chrono::system_clock::now().time_since_epoch()));
    const std::string signed_params = signer_.sign_params(params, to_unix_ms(now));
    test_support::HeaderList headers{{"X-MBX-APIKEY", key_}};
    if (method == "GET" || method == "DELETE") {
      return test_support::http_request("127.0.0.1", port_, method, path + "?" + signed_params, "", headers);
    }
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return test_support::http_request("127.0.0.1", port_, method, path, signed_params, headers);
  }

 private:
  std::uint16_t port_;
  std::string key_;
  venues::binance::RequestSigner signer_;
};

class ReconE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_store().prepare(kVenueKeys); }

  void TearDown() override {
    stop_processes({daemon_.get(), sim_.get()});
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon stderr ---\n" << daemon_->stderr_text() << "\n";
  }

  // A fresh simulator (its Binance account funded with `binance_usdt`, OKX's with
  // 100,000) started with `sim_args`, and the daemon on a bundle pointing at it: strategies
  // off, recon every 2 s with a 0.5 s confirmation and a 1 s funding grace.
  void start(double binance_usdt = 100000, const std::vector<std::string>& sim_args = {}) {
    ASSERT_TRUE(shared_store().ready);
    ASSERT_NO_FATAL_FAILURE(start_simulator(sim_args));
    ASSERT_TRUE(fund_sim_account(admin_, {{"venue", "binance"},
                                          {"api_key", kVenueKeys.at("binance.api_key")},
                                          {"api_secret", kVenueKeys.at("binance.api_secret")},
                                          {"balances", {{"USDT", binance_usdt}}}}));
    ASSERT_TRUE(fund_sim_account(admin_, {{"venue", "okx"},
                                          {"api_key", kVenueKeys.at("okx.api_key")},
                                          {"api_secret", kVenueKeys.at("okx.api_secret")},
                                          {"passphrase", kVenueKeys.at("okx.passphrase")},
                                          {"balances", {{"USDT", 100000}}}}));
    config_ = bundle_pointing_at(bundle_.path(), binance_port_, okx_port_);
    disable_strategies(config_);
    std::ofstream(config_, std::ios::app) << "\nrecon:\n  interval_s: 2\n  confirm_delay_ms: 500\n  funding_grace_s: 1\n";
    shared_store().copy_secrets_into(data_.path());
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_));
  }

  void start_simulator(const std::vector<std::string>& extra) {
    std::vector<std::string> args{PROPBOT_BINARY, "venue-sim", "--admin-port", "0", "--binance-port", "0",
                                  "--okx-port",   "0",        "--seed",       "14"};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_ = std::make_unique<DaemonProcess>(args);
    ASSERT_TRUE(sim_->start());
    const auto listening = wait_for_venue_sim_listeners(*sim_, 20s);
    ASSERT_TRUE(listening.has_value()) << sim_->stderr_text();
    admin_ = listening->at("admin");
    binance_port_ = listening->at("binance");
    okx_port_ = listening->at("okx");
  }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, shared_store().creds, who, method, path, body, nullptr, 10s);
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready,
                std::chrono::milliseconds limit) {
    return poll_api(port_, shared_store().creds, path, ready, limit, 100ms);
  }
  json recon_status() { return call("viewer1", "GET", "/api/ui/recon/status").second; }

  // Start-up reconciliation clean, both BTC-USDT books valid, and the recon daemon's
  // first passes clean with every venue's opening balance booked.
  void wait_ready() {
    wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 30s);
    wait_for_valid_books(port_, shared_store().creds, "BTC-USDT", 2, 30s);
    wait_for("/api/ui/recon/status", [](const json& b) { return b["status"] == "OK" && b["passes"] > 0; }, 20s);
    wait_for("/api/ui/recon/positions", [](const json& b) {
      int opened = 0;
      for (const auto& balance : b["balances"]) opened += balance["opening"].is_string() ? 1 : 0;
      return opened == 2;
    }, 20s);
  }

  // A manual BTC-USDT pair after the two-man resume — long Binance / short OKX or the
  // other way round, whichever executes first (only the latter when `short_binance`); a
  // test failure unless it ends hedged. Answers the trade (null when none executed).
  json hedged_pair(bool short_binance = false) {
    json trade;
    two_man_resume(port_, shared_store().creds, "recon e2e");
    if (HasFatalFailure()) return trade;
    const json backward = {{"symbol", "BTC-USDT"}, {"long_venue", "OKX"}, {"short_venue", "BINANCE"},
                           {"notional_usdt", 1000}};
    json forward = backward;
    forward["long_venue"] = "BINANCE";
    forward["short_venue"] = "OKX";
    std::vector<json> pairs{backward};
    if (!short_binance) pairs.push_back(forward);
    std::string last;
    for (int i = 0; i < 100 && trade.is_null(); ++i) {
      for (const json& pair : pairs) {
        auto [executed, body] = call("operator1", "POST", "/api/arb/execute", pair);
        last = std::to_string(executed) + " " + body.dump();
        if (executed == 200) {
          trade = body;
          break;
        }
      }
      if (trade.is_null()) std::this_thread::sleep_for(100ms);
    }
    EXPECT_FALSE(trade.is_null()) << "no manual pair executed: " << last;
    if (trade.is_null()) return trade;
    const std::string id = trade["trade_parent_id"];
    json state;
    wait_for("/api/ui/execution", [&](const json& b) {
      for (const auto& t : b["trades"]) {
        if (t["trade_parent_id"] == id && t["state"] != "working") state = t;
      }
      return !state.is_null();
    }, 20s);
    EXPECT_EQ(state["state"], "hedged") << state.dump();
    return trade;
  }

  // The diffs of `status` of `kind` on `venue` (and `symbol` unless empty).
  static std::vector<json> diffs_of(const json& status, const std::string& venue, const std::string& kind,
                                    const std::string& symbol = "") {
    std::vector<json> out;
    if (!status.contains("diffs")) return out;
    for (const auto& diff : status["diffs"]) {
      if (diff["venue"] == venue && diff["kind"] == kind && (symbol.empty() || diff["symbol"] == symbol)) {
        out.push_back(diff);
      }
    }
    return out;
  }

  // Polls the recon status until MISMATCH with a diff of `kind` on `venue` (`symbol`),
  // a test failure after kDetectLimit; prints how long it took. The status.
  json wait_for_diff(const std::string& venue, const std::string& kind, const std::string& symbol = "") {
    const auto began = std::chrono::steady_clock::now();
    const json status = wait_for("/api/ui/recon/status", [&](const json& b) {
      return b["status"] == "MISMATCH" && !diffs_of(b, venue, kind, symbol).empty();
    }, kDetectLimit);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
    std::cout << "[ RECON    ] " << venue << " " << kind << " diff after " << took.count() << " ms: " << status["diffs"].dump()
              << "\n";
    return status;
  }

  // Every P0 recon_mismatch is in /api/ui/incidents (a test failure when none shows).
  json recon_incidents() {
    const json incidents = wait_for("/api/ui/incidents", [](const json& b) {
      for (const auto& incident : b["active"]) {
        if (incident["code"] == "recon_mismatch") return true;
      }
      return false;
    }, 10s);
    json found = json::array();
    for (const auto& incident : incidents["active"]) {
      if (incident["code"] == "recon_mismatch") found.push_back(incident);
    }
    return found;
  }

  // Acknowledges every P0 awaiting its postmortem (operator1), so that resume meets the
  // recon verdict rather than the postmortem lock.
  void acknowledge_p0s() {
    const json incidents = call("viewer1", "GET", "/api/ui/incidents").second;
    for (const auto& id : incidents["postmortem_required"]) {
      auto [acked, body] = call("operator1", "POST", "/api/ui/incidents/ack_and_postmortem",
                                {{"incident_id", id}, {"postmortem_root_cause", "recon e2e: foreign order placed by the test"}});
      EXPECT_EQ(acked, 200) << body.dump();
    }
  }

  BinanceOutsider outsider() {
    return BinanceOutsider(binance_port_, kVenueKeys.at("binance.api_key"), kVenueKeys.at("binance.api_secret"));
  }

  TempDir data_;
  TempDir bundle_;
  std::string config_;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
  int admin_ = 0, binance_port_ = 0, okx_port_ = 0;
  std::uint16_t port_ = 0;
};

double number(const json& value) { return json_number(value); }

TEST_F(ReconE2E, CleanAfterStartUpAndAfterAHedgedManualPair) {
  ASSERT_NO_FATAL_FAILURE(start());
  wait_ready();
  json status = recon_status();
  EXPECT_EQ(status["status"], "OK") << status.dump();
  EXPECT_TRUE(status["diffs"].empty()) << status.dump();
  EXPECT_GT(status["passes"].get<int>(), 0);
  EXPECT_EQ(status["last_error"], "") << status.dump();
  EXPECT_TRUE(status["banner"].is_null()) << status.dump();
  EXPECT_EQ(status["has_unhedged_directional_exposure"], false);

  ASSERT_NO_FATAL_FAILURE(hedged_pair());
  // Several full passes after the trade: every one OK, none found anything to confirm.
  const int after_trade = recon_status()["passes"].get<int>();
  bool mismatch_seen = false;
  json last;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    last = recon_status();
    mismatch_seen |= last["status"] != "OK";
    if (last["passes"].get<int>() >= after_trade + 4) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(mismatch_seen) << last.dump();
  EXPECT_EQ(last["status"], "OK") << last.dump();
  EXPECT_GE(last["passes"].get<int>(), after_trade + 4) << "recon stopped passing: " << last.dump();
  EXPECT_TRUE(last["diffs"].empty()) << last.dump();
  // The passes really saw the pair at both venues, equal to the ledger's positions.
  const json positions = call("viewer1", "GET", "/api/ui/recon/positions").second;
  int seen = 0;
  for (const auto& row : positions["positions"]) {
    if (row["symbol"] != "BTC-USDT") continue;
    ++seen;
    EXPECT_NE(number(row["venue_value"]), 0.0) << row.dump();
    EXPECT_EQ(row["ours"], row["venue_value"]) << row.dump();
  }
  EXPECT_EQ(seen, 2) << positions.dump();
  const json incidents = call("viewer1", "GET", "/api/ui/incidents").second;
  for (const auto& incident : incidents["active"]) EXPECT_NE(incident["code"], "recon_mismatch") << incident.dump();
}

TEST_F(ReconE2E, AForeignFillWithTheDesksKeyIsAPositionMismatchThatHoldsTheDeskAndBlocksResume) {
  ASSERT_NO_FATAL_FAILURE(start());
  wait_ready();
  two_man_resume(port_, shared_store().creds, "recon e2e");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(call("viewer1", "GET", "/api/ui/control-state").second["mode"], "RESUME");

  BinanceOutsider binance = outsider();
  const auto placed = binance.send("POST", "/fapi/v1/order",
                                   {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "MARKET"},
                                    {"quantity", "0.002"}, {"newClientOrderId", "outsider-fill-1"}});
  ASSERT_EQ(placed.status, 200) << placed.body;
  ASSERT_EQ(json::parse(placed.body)["status"], "FILLED") << placed.body;

  const json status = wait_for_diff("BINANCE", "position", "BTC-USDT");
  const auto diffs = diffs_of(status, "BINANCE", "position", "BTC-USDT");
  ASSERT_EQ(diffs.size(), 1u) << status.dump();
  EXPECT_NE(diffs[0]["ours"], diffs[0]["venue_value"]) << diffs[0].dump();
  EXPECT_DOUBLE_EQ(number(diffs[0]["venue_value"]), 0.002) << diffs[0].dump();
  EXPECT_DOUBLE_EQ(number(diffs[0]["ours"]), 0.0) << diffs[0].dump();
  EXPECT_EQ(status["banner"], "STATE DESYNC — manual intervention required");
  EXPECT_EQ(status["has_unhedged_directional_exposure"], true) << "0.002 BTC unhedged: " << status.dump();

  const json incidents = recon_incidents();
  ASSERT_FALSE(incidents.empty());
  EXPECT_EQ(incidents[0]["severity"], "P0") << incidents.dump();
  EXPECT_EQ(wait_for("/api/ui/control-state", [](const json& b) { return b["mode"] == "HOLD"; }, 5s)["mode"], "HOLD");

  // Acknowledged, requested and confirmed by two operators: resume still refused while
  // the mismatch stands.
  acknowledge_p0s();
  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "after desync"}});
  ASSERT_EQ(requested, 200) << request.dump();
  auto [confirmed, confirmation] = call("operator2", "POST", "/api/ui/resume-confirm",
                                        {{"request_id", request["request_id"]}, {"token", shared_store().creds.approve_token}});
  ASSERT_EQ(confirmed, 200) << confirmation.dump();
  auto [resumed, refusal] = call("operator2", "POST", "/api/ui/resume");
  if (resumed == 409 && refusal.dump().find("postmortem_required") != std::string::npos) {
    acknowledge_p0s();  // a later pass raised another P0 in between
    std::tie(resumed, refusal) = call("operator2", "POST", "/api/ui/resume");
  }
  EXPECT_EQ(resumed, 409) << refusal.dump();
  EXPECT_NE(refusal.dump().find("recon_desync"), std::string::npos) << refusal.dump();
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/control-state").second["mode"], "HOLD");
  EXPECT_EQ(recon_status()["status"], "MISMATCH");
}

TEST_F(ReconE2E, AForeignRestingOrderWithTheDesksKeyIsAnOrderDiffNamingIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  wait_ready();
  BinanceOutsider binance = outsider();
  const auto placed = binance.send("POST", "/fapi/v1/order",
                                   {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "LIMIT"}, {"timeInForce", "GTC"},
                                    {"quantity", "0.002"}, {"price", "40000"}, {"newClientOrderId", "outsider-rest-1"}});
  ASSERT_EQ(placed.status, 200) << placed.body;
  ASSERT_EQ(json::parse(placed.body)["status"], "NEW") << placed.body;

  const json status = wait_for_diff("BINANCE", "order", "BTC-USDT");
  const auto diffs = diffs_of(status, "BINANCE", "order", "BTC-USDT");
  ASSERT_EQ(diffs.size(), 1u) << status.dump();
  EXPECT_EQ(diffs[0]["item"], "outsider-rest-1") << diffs[0].dump();
  EXPECT_EQ(diffs[0]["ours"], "none") << diffs[0].dump();
  EXPECT_NE(diffs[0]["venue_value"].get<std::string>().find("40000"), std::string::npos) << diffs[0].dump();
  EXPECT_TRUE(diffs_of(status, "BINANCE", "position").empty()) << "nothing filled: " << status.dump();
  EXPECT_FALSE(recon_incidents().empty());

  // The outsider's order cancelled: the next complete pass finds nothing, OK again.
  const auto canceled = binance.send("DELETE", "/fapi/v1/order", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "outsider-rest-1"}});
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  const json clean = wait_for("/api/ui/recon/status", [](const json& b) { return b["status"] == "OK"; }, kDetectLimit);
  EXPECT_TRUE(clean["diffs"].empty()) << clean.dump();
  EXPECT_TRUE(clean["banner"].is_null()) << clean.dump();
}

TEST_F(ReconE2E, ALiquidationAtTheVenueAfterADeskTradeIsAPositionDiff) {
  ASSERT_NO_FATAL_FAILURE(start());
  wait_ready();
  // Short on Binance: a mark high enough liquidates a short whatever the wallet (a long
  // cannot lose more than its notional, less than the 100,000 USDT wallet).
  ASSERT_FALSE(hedged_pair(/*short_binance=*/true).is_null());
  const json before = wait_for("/api/ui/recon/positions", [](const json& b) {
    for (const auto& row : b["positions"]) {
      if (row["venue"] == "BINANCE" && row["symbol"] == "BTC-USDT" && number(row["venue_value"]) != 0) return true;
    }
    return false;
  }, 10s);
  double held = 0;
  for (const auto& row : before["positions"]) {
    if (row["venue"] == "BINANCE" && row["symbol"] == "BTC-USDT") held = number(row["venue_value"]);
  }
  ASSERT_LT(held, 0.0) << before.dump();
  ASSERT_EQ(recon_status()["status"], "OK") << recon_status().dump();

  // A mark far above the short: the account's equity (100,000 + |q| × (65,000 − mark))
  // falls below its maintenance margin.
  sim_admin(admin_, "POST", "/admin/liquidate", {{"venue", "binance"}, {"symbol", "BTC-USDT"}, {"mark", "50000000"}});
  const SimulatorHoldings liquidated = simulator_holdings(sim_admin(admin_, "GET", "/admin/venues"));
  ASSERT_EQ(liquidated.position("BINANCE", "BTC-USDT"), 0.0) << "the simulator did not liquidate";

  const json status = wait_for_diff("BINANCE", "position", "BTC-USDT");
  const auto diffs = diffs_of(status, "BINANCE", "position", "BTC-USDT");
  ASSERT_EQ(diffs.size(), 1u) << status.dump();
  EXPECT_DOUBLE_EQ(number(diffs[0]["venue_value"]), 0.0) << diffs[0].dump();
  EXPECT_DOUBLE_EQ(number(diffs[0]["ours"]), held) << diffs[0].dump();
  std::cout << "[ RECON    ] after the liquidation, balance diff "
            << (diffs_of(status, "BINANCE", "balance").empty() ? "not (yet) reported" : "reported too") << "\n";
  EXPECT_FALSE(recon_incidents().empty());
}

TEST_F(ReconE2E, ADepositAtTheVenueIsABalanceDiffOfExactlyTheDeposit) {
  ASSERT_NO_FATAL_FAILURE(start());
  wait_ready();
  const auto adjust = [&](const json& body) {
    return test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), "POST", "/admin/accounts/adjust",
                                      body.dump(), {{"Content-Type", "application/json"}});
  };
  const std::string key = kVenueKeys.at("binance.api_key");
  // The route's refusals change nothing.
  EXPECT_EQ(adjust({{"venue", "binance"}, {"api_key", "nobody"}, {"asset", "USDT"}, {"amount", "100"}}).status, 404);
  EXPECT_EQ(adjust({{"venue", "binance"}, {"api_key", key}, {"asset", "BTC"}, {"amount", "100"}}).status, 400);
  EXPECT_EQ(adjust({{"venue", "binance"}, {"api_key", key}, {"asset", "USDT"}, {"amount", "0"}}).status, 400);
  EXPECT_EQ(adjust({{"venue", "binance"}, {"api_key", key}, {"asset", "USDT"}, {"amount", "-100000.01"}}).status, 409);
  EXPECT_EQ(adjust({{"venue", "nowhere"}, {"api_key", key}, {"asset", "USDT"}, {"amount", "1"}}).status, 404);
  EXPECT_EQ(adjust({{"venue", "binance"}, {"api_key", key}, {"asset", "USDT"}, {"amount", "1"}, {"x", 1}}).status, 400);
  std::this_thread::sleep_for(3s);  // a full pass after the refusals
  ASSERT_EQ(recon_status()["status"], "OK") << "a refused adjustment moved money: " << recon_status().dump();

  const auto credited = adjust({{"venue", "binance"}, {"api_key", key}, {"asset", "USDT"}, {"amount", "100"}});
  ASSERT_EQ(credited.status, 200) << credited.body;
  const json answer = json::parse(credited.body);
  EXPECT_EQ(answer["wallet"], "100100") << answer.dump();
  EXPECT_EQ(answer["amount"], "100") << answer.dump();
  EXPECT_EQ(answer["asset"], "USDT") << answer.dump();

  const json status = wait_for_diff("BINANCE", "balance");
  const auto diffs = diffs_of(status, "BINANCE", "balance");
  ASSERT_EQ(diffs.size(), 1u) << status.dump();
  EXPECT_EQ(diffs[0]["item"], "USDT");
  EXPECT_NEAR(number(diffs[0]["venue_value"]) - number(diffs[0]["ours"]), 100.0, 1e-9) << diffs[0].dump();
  EXPECT_TRUE(diffs_of(status, "OKX", "balance").empty()) << status.dump();
  EXPECT_FALSE(recon_incidents().empty());

  // Withdrawn again: the wallet is the ledger's once more, and recon OK.
  const auto debited = adjust({{"venue", "binance"}, {"api_key", key}, {"asset", "USDT"}, {"amount", -100}});
  ASSERT_EQ(debited.status, 200) << debited.body;
  EXPECT_EQ(json::parse(debited.body)["wallet"], "100000") << debited.body;
  const json clean = wait_for("/api/ui/recon/status", [](const json& b) { return b["status"] == "OK"; }, kDetectLimit);
  EXPECT_TRUE(clean["diffs"].empty()) << clean.dump();
}

TEST_F(ReconE2E, AFundingSettlementTheVenueNeverPaidIsAFundingDiff) {
  // Does this simulator keep a funding history at all?
  ASSERT_NO_FATAL_FAILURE(start_simulator({}));
  const auto income = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(binance_port_), "GET",
                                                 "/fapi/v1/income", "", {});
  if (income.status == 404) GTEST_SKIP() << "needs the simulator's funding history (branch funding-history)";
  stop_processes({sim_.get()});

  // Settlements every 8 s; every Binance settlement pays no client account.
  ASSERT_NO_FATAL_FAILURE(start(100000, {"--funding-interval-ms", "8000"}));
  wait_ready();
  ASSERT_FALSE(hedged_pair().is_null());
  sim_admin(admin_, "PUT", "/admin/faults/binance", {{"skip_funding", 1000}});
  const auto began = std::chrono::steady_clock::now();
  const json status = poll_api(port_, shared_store().creds, "/api/ui/recon/status", [](const json& b) {
    return b["status"] == "MISMATCH" && !diffs_of(b, "BINANCE", "funding", "BTC-USDT").empty();
  }, 40s, 200ms);
  std::cout << "[ RECON    ] BINANCE funding diff after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count()
            << " ms: " << status["diffs"].dump() << "\n";
  const auto diffs = diffs_of(status, "BINANCE", "funding", "BTC-USDT");
  ASSERT_FALSE(diffs.empty()) << status.dump();
  EXPECT_EQ(diffs[0]["venue_value"], "none") << diffs[0].dump();
  EXPECT_TRUE(diffs_of(status, "OKX", "funding").empty()) << "OKX paid: " << status.dump();
  EXPECT_FALSE(recon_incidents().empty());
}

}  // namespace
}  // namespace propbot::testing
