// Circuit breakers end to end (issue 13 acceptance, item 3): the real daemon against an
// outside `propbot venue-sim`, its breaker rules (policies/circuit_breakers.lua) fed by
// what the simulator's faults and market levers do to the feeds.
//
// The desk stays in HOLD throughout: the strategies still propose (GET
// /api/opportunities shows them blocked_by_hold), and a route verdict degrades exactly
// the strategies with a live opportunity or an open position on that route. The market
// is made calm (no random dislocations) and one venue's BTC-USDT is moved 30 bps up, so
// cross_exchange_arb proposes on BTC-USDT BINANCE/OKX and nowhere else; funding_basis is
// enabled but given a carry threshold it cannot meet, so it proposes nothing.
//
// - A WS gap storm on Binance (stale_books on and off) trips route_ws_gap_p95_high:
//   cross_exchange_arb degraded naming the rule, P1 circuit_breaker_triggered, the trip
//   in risk_snapshot, the CIRCUIT_BREAKER_TRIGGERED event. The fault cleared and the rule
//   no longer firing, the strategy stays degraded; one operator cannot undegrade it
//   alone (403 on confirming their own request), a second one does, audited.
// - A spread-volatility spike (OKX's BTC-USDT jumping back and forth) trips
//   route_volatility_spike / route_spread_std_high on BTC-USDT only: cross_exchange_arb
//   degraded, funding_basis (no activity on the route) still running, ETH-USDT not
//   tripped.
#include <algorithm>
#include <functional>
#include <iostream>
#include <csignal>
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

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("breaker");
const std::string kArb = "cross_exchange_arb";
const std::string kCarry = "funding_basis";
const std::string kRoute = "BINANCE/OKX";

// A row of a JSON list whose `key` is `value` (null when none).
json row_of(const json& rows, const std::string& key, const std::string& value) {
  if (!rows.is_array()) return nullptr;
  for (const auto& row : rows) {
    if (row.value(key, "") == value) return row;
  }
  return nullptr;
}

json strategy_of(const json& status, const std::string& name) {
  return status.is_object() && status.contains("strategies") ? row_of(status["strategies"], "name", name) : json();
}

std::string state_of(const json& status, const std::string& name) {
  const json row = strategy_of(status, name);
  return row.is_null() ? "" : row.value("state", "");
}

// The standing trips of `rule` on `symbol` (risk_snapshot "breakers").
json trips_of(const json& snapshot, const std::string& rule, const std::string& symbol) {
  json out = json::array();
  for (const auto& trip : snapshot["breakers"]) {
    if (trip.value("rule", "") == rule && trip.value("symbol", "") == symbol) out.push_back(trip);
  }
  return out;
}

bool firing(const json& market, const std::string& rule) {
  return !row_of(market["policy"]["breakers"], "rule", rule).is_null();
}

class BreakerE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_processes({daemon_.get(), sim_.get()});
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon's stderr ---\n" << daemon_->stderr_text();
  }

  // The simulator with a calm market ticking every `tick_ms` and funded accounts, the
  // daemon on the shipped paper bundle pointed at it (funding_basis muted), and
  // OKX's BTC-USDT 30 bps above Binance's: cross_exchange_arb proposes there (shown
  // blocked_by_hold) and nowhere else.
  void start_desk(int tick_ms) {
    const auto started = std::chrono::steady_clock::now();
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(data_.path(), kVenueKeys, creds_));
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "13", ports));
    admin_ = ports.at("admin");
    sim("PUT", "/admin/market", {{"tick_ms", tick_ms}, {"volatility_bps", 0.5}, {"dislocation_probability", 0}});
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    std::string yaml = read_whole_file(config_);
    yaml = replaced_once(yaml, "min_net_bps: 2 ", "min_net_bps: 1000 ");  // funding_basis never enters
    std::ofstream(config_, std::ios::trunc) << yaml;
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_));

    sim("POST", "/admin/market/jump", {{"venue", "okx"}, {"symbol", "BTC-USDT"}, {"bps", 30}});
    const json opportunities = wait_for("/api/opportunities", [](const json& b) {
      for (const auto& o : b["opportunities"]) {
        if (o["strategy"] == kArb && o["symbol"] == "BTC-USDT") return true;
      }
      return false;
    }, 20s);
    for (const auto& o : opportunities["opportunities"]) {
      EXPECT_EQ(o["status"], "blocked_by_hold") << o.dump();
      EXPECT_NE(o["strategy"], kCarry) << o.dump();
    }
    // Nothing tripped yet: both strategies run.
    wait_for("/api/ui/strategy_status", [](const json& b) {
      return state_of(b, kArb) == "running" && state_of(b, kCarry) == "running";
    }, 10s);
    const json snapshot = get("/api/ui/risk_snapshot");
    ASSERT_TRUE(snapshot["breakers"].empty()) << "a breaker tripped on the calm market: " << snapshot["breakers"].dump();
    std::cout << "desk ready in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
              << " ms\n";
  }

  json sim(const std::string& method, const std::string& path, const json& body = nullptr) {
    return sim_admin(admin_, method, path, body);
  }
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 10s);
  }
  json get(const std::string& path) {
    auto [status, body] = call("viewer1", "GET", path);
    EXPECT_EQ(status, 200) << path << ": " << body.dump();
    return body;
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready,
                std::chrono::milliseconds limit) {
    return poll_api(port_, creds_, path, ready, limit, 100ms);
  }

  // The P1 the trip of `rule` on BTC-USDT raised (component risk_governor), and its
  // stream event.
  void expect_p1_and_event(const std::string& rule) {
    // The control plane writes it beside the engine's snapshot: allow it a moment.
    const auto matching = [&rule](const json& incidents) {
      for (const auto& incident : incidents["active"]) {
        const std::string summary = incident["summary"];
        if (incident["code"] == "circuit_breaker_triggered" && summary.find(rule) != std::string::npos &&
            summary.find("BTC-USDT") != std::string::npos) {
          return incident;
        }
      }
      return json();
    };
    const json p1 = matching(
        wait_for("/api/ui/incidents", [&](const json& b) { return !matching(b).is_null(); }, 5s));
    ASSERT_FALSE(p1.is_null()) << "no circuit_breaker_triggered incident for " << rule;
    EXPECT_EQ(p1["severity"], "P1");
    EXPECT_EQ(p1["component"], "risk_governor");
    EXPECT_NE(p1["summary"].get<std::string>().find(kArb), std::string::npos) << p1.dump();
    const json events = get("/api/ui/events?type=CIRCUIT_BREAKER_TRIGGERED&limit=50");
    const bool published = std::any_of(events["events"].begin(), events["events"].end(), [&](const json& e) {
      return e["payload"].value("id", json()) == p1["id"];
    });
    EXPECT_TRUE(published) << "no CIRCUIT_BREAKER_TRIGGERED event for incident " << p1["id"] << ": " << events.dump();
  }

  TempDir data_;
  TempDir bundle_;
  DevCredentials creds_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string config_;
};

TEST_F(BreakerE2E, AWsGapStormDegradesTheStrategiesOnThatRouteUntilTwoOperatorsUndegrade) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  // Four messages a second per book; the storm starts once each Binance book has
  // delivered 50, so the route's p95 gap takes several long gaps, not one.
  ASSERT_NO_FATAL_FAILURE(start_desk(250));
  wait_for("/api/ui/market", [](const json& b) {
    int warm = 0;
    for (const auto& book : b["books"]) warm += book["venue"] == "BINANCE" && book["updates"].get<int>() >= 50;
    return warm == 2;
  }, 30s);

  // The storm: Binance's books go silent for 2.5 s at a time (each silence one gap of
  // 2.5..2.75 s, under the 5 s of ws_gap_long / route_book_stale), until the route's p95
  // gap crosses route_ws_gap_p95_high's 2000 ms; the arb's degradation follows within
  // an evaluation. One silence among 50+ gaps is a hiccup, not a p95.
  json status;
  int silences = 0;
  for (; silences < 8 && state_of(status, kArb) != "degraded"; ++silences) {
    sim("PUT", "/admin/faults/binance", {{"stale_books", true}});
    std::this_thread::sleep_for(2500ms);
    sim("PUT", "/admin/faults/binance", {{"stale_books", false}});
    const auto deadline = std::chrono::steady_clock::now() + 1500ms;
    do {
      status = get("/api/ui/strategy_status");
      if (state_of(status, kArb) == "degraded") break;
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
  }
  ASSERT_EQ(state_of(status, kArb), "degraded") << status.dump();
  std::cout << "degraded after " << silences << " silence(s) of Binance's books\n";
  EXPECT_GE(silences, 2) << "one long gap among 50 degraded the route: that is not a p95";
  const std::string reason = strategy_of(status, kArb).value("reason", "");
  EXPECT_NE(reason.find("route_ws_gap_p95_high"), std::string::npos) << reason;
  EXPECT_NE(reason.find("BTC-USDT BINANCE/OKX"), std::string::npos) << reason;
  EXPECT_EQ(state_of(status, kCarry), "running") << "no activity on the route, yet: " << status.dump();

  const json snapshot = get("/api/ui/risk_snapshot");
  const json trips = trips_of(snapshot, "route_ws_gap_p95_high", "BTC-USDT");
  ASSERT_EQ(trips.size(), 1u) << snapshot["breakers"].dump();
  EXPECT_EQ(trips[0]["state"], "tripped");
  EXPECT_EQ(trips[0]["venues"], kRoute);
  EXPECT_EQ(trips[0]["strategies"], json::array({kArb}));
  EXPECT_FALSE(trips[0]["since"].get<std::string>().empty());
  ASSERT_NO_FATAL_FAILURE(expect_p1_and_event("route_ws_gap_p95_high"));

  // The fault is gone and the metric recovers (a fast market pushes the long gaps out
  // of the p95): the rule stops firing, the strategy stays degraded.
  sim("PUT", "/admin/market", {{"tick_ms", 50}});
  wait_for("/api/ui/market", [](const json& b) { return !firing(b, "route_ws_gap_p95_high"); }, 20s);
  std::this_thread::sleep_for(2s);
  ASSERT_FALSE(firing(get("/api/ui/market"), "route_ws_gap_p95_high"));
  status = get("/api/ui/strategy_status");
  EXPECT_EQ(state_of(status, kArb), "degraded") << "undegraded without the operators: " << status.dump();
  EXPECT_EQ(trips_of(get("/api/ui/risk_snapshot"), "route_ws_gap_p95_high", "BTC-USDT").size(), 1u);

  // Two operators: operator1 files the unfreeze, cannot confirm it alone; operator2 does.
  auto [filed, request] = call("operator1", "POST", "/api/ui/unfreeze-strategy",
                               {{"strategy", kArb}, {"reason", "ws gap storm over"}});
  ASSERT_EQ(filed, 202) << request.dump();
  EXPECT_EQ(request["status"], "pending") << request.dump();
  const std::string confirm = "/api/ui/approvals/" + request["request_id"].dump() + "/confirm";
  auto [self, self_body] = call("operator1", "POST", confirm, {{"token", creds_.approve_token}});
  EXPECT_EQ(self, 403) << self_body.dump();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(state_of(get("/api/ui/strategy_status"), kArb), "degraded");
  auto [confirmed, confirmed_body] = call("operator2", "POST", confirm, {{"token", creds_.approve_token}});
  ASSERT_EQ(confirmed, 200) << confirmed_body.dump();

  status = wait_for("/api/ui/strategy_status", [](const json& b) { return state_of(b, kArb) == "running"; }, 10s);
  EXPECT_TRUE(trips_of(get("/api/ui/risk_snapshot"), "route_ws_gap_p95_high", "BTC-USDT").empty())
      << "the trip that named only the unfrozen strategy is released";
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(state_of(get("/api/ui/strategy_status"), kArb), "running") << "re-degraded after the unfreeze";

  auto [audited, audit] = call("operator1", "GET", "/api/ui/audit_log?action=STRATEGY_UNFROZEN&limit=10");
  ASSERT_EQ(audited, 200) << audit.dump();
  ASSERT_EQ(audit["entries"].size(), 1u) << audit.dump();
  const json entry = audit["entries"][0];
  EXPECT_EQ(entry["details"]["strategy"], kArb) << entry.dump();
  const std::string actor = entry["actor"].get<std::string>() + entry["details"].dump();
  EXPECT_NE(actor.find("operator1"), std::string::npos) << entry.dump();
  EXPECT_NE(actor.find("operator2"), std::string::npos) << entry.dump();
}

TEST_F(BreakerE2E, ASpreadVolatilitySpikeDegradesTheRightStrategies) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  ASSERT_NO_FATAL_FAILURE(start_desk(500));

  // OKX's BTC-USDT jumps 100 bps down and back up, twice: the cross spread swings
  // between +30 and -70 bps and OKX's realised vol passes 100 bps. Each jump stays under
  // the basis / mark-index rules (|mid - index| <= 70 bps).
  for (int swing = 0; swing < 2; ++swing) {
    sim("POST", "/admin/market/jump", {{"venue", "okx"}, {"symbol", "BTC-USDT"}, {"bps", -100}});
    std::this_thread::sleep_for(400ms);
    sim("POST", "/admin/market/jump", {{"venue", "okx"}, {"symbol", "BTC-USDT"}, {"bps", 100}});
    std::this_thread::sleep_for(400ms);
  }
  const json status = wait_for("/api/ui/strategy_status", [](const json& b) {
    return state_of(b, kArb) == "degraded";
  }, 5s);
  const std::string reason = strategy_of(status, kArb).value("reason", "");
  const bool spike = reason.find("route_volatility_spike") != std::string::npos ||
                     reason.find("route_spread_std_high") != std::string::npos;
  EXPECT_TRUE(spike) << reason;
  EXPECT_NE(reason.find("BTC-USDT BINANCE/OKX"), std::string::npos) << reason;
  // funding_basis has no activity on the route: it keeps running.
  EXPECT_EQ(state_of(status, kCarry), "running") << status.dump();

  const json snapshot = get("/api/ui/risk_snapshot");
  const std::string rule = reason.find("route_volatility_spike") != std::string::npos ? "route_volatility_spike"
                                                                                       : "route_spread_std_high";
  const json trips = trips_of(snapshot, rule, "BTC-USDT");
  ASSERT_EQ(trips.size(), 1u) << snapshot["breakers"].dump();
  EXPECT_EQ(trips[0]["state"], "tripped");
  EXPECT_EQ(trips[0]["venues"], kRoute);
  EXPECT_EQ(trips[0]["strategies"], json::array({kArb}));
  // Only BTC-USDT moved: nothing tripped on ETH-USDT.
  for (const auto& trip : snapshot["breakers"]) {
    EXPECT_EQ(trip["symbol"], "BTC-USDT") << trip.dump();
  }
  ASSERT_NO_FATAL_FAILURE(expect_p1_and_event(rule));

  // Still degraded a few seconds later (no timer undoes it).
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(state_of(get("/api/ui/strategy_status"), kArb), "degraded");

  // Nor does a restart: the state is signed beside the control state and restored.
  daemon_->send_signal(SIGTERM);
  ASSERT_EQ(daemon_->wait_exit(20s).value_or(-1), 0) << daemon_->stderr_text();
  ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_));
  const json restarted = wait_for("/api/ui/strategy_status", [](const json& b) {
    return !state_of(b, kArb).empty();
  }, 20s);
  EXPECT_EQ(state_of(restarted, kArb), "degraded") << restarted.dump();
  EXPECT_EQ(strategy_of(restarted, kArb).value("reason", ""), reason);
  EXPECT_EQ(trips_of(get("/api/ui/risk_snapshot"), rule, "BTC-USDT").size(), 1u);
}

}  // namespace
}  // namespace propbot::testing
