// The dead-man switch end to end (issue 12 item 6, cancel-on-disconnect): the real
// daemon against an outside `propbot venue-sim`, with a short
// `execution.dead_man_timeout_ms`. After a two-man resume the shipped `quoting` strategy
// (enabled here, quoting far from the mid so nothing fills, renewing its quotes every
// 1.5 s so the ones proposed before the resume are followed) rests post-only orders on
// BINANCE; GET /api/ui/execution shows the switches armed. Then:
// - SIGKILL: nobody refreshes the switch, and when the countdown runs out the SIMULATOR
//   cancels the resting orders (its back office, GET /admin/orders, says canceled);
// - SIGTERM (a clean shutdown): the daemon disarms the switches first, so the orders are
//   still resting well after the timeout.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
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

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("deadMan");
constexpr auto kDeadManTimeout = 2000ms;

class DeadManE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(data_.path(), kVenueKeys, creds_));
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "5", ports));
    admin_ = ports.at("admin");
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    std::string yaml = read_whole_file(config_);
    // A short switch, the staleness guard off (the quotes must rest), only `quoting` trades.
    yaml = replaced_once(yaml, "  dead_man_timeout_ms: 60000",
                         "  dead_man_timeout_ms: " + std::to_string(kDeadManTimeout.count()));
    yaml = replaced_once(yaml, "  post_only_max_distance_bps: 50", "  post_only_max_distance_bps: 0");
    yaml = replaced_once(yaml, "  post_only_max_age_ms: 60000", "  post_only_max_age_ms: 0");
    yaml = replaced_once(yaml, "    file: strategies/cross_exchange_arb.lua   # relative to scripting.bundle_dir\n    enabled: true",
                         "    file: strategies/cross_exchange_arb.lua\n    enabled: false");
    yaml = replaced_once(yaml, "    file: strategies/funding_basis.lua\n    enabled: true",
                         "    file: strategies/funding_basis.lua\n    enabled: false");
    yaml = replaced_once(yaml, "    enabled: false        # an example maker skeleton", "    enabled: true  # ");
    yaml = replaced_once(yaml, "      notional_usdt: 200   # size of each quote", "      notional_usdt: 2000");
    yaml = replaced_once(yaml, "      half_spread_bps: 5  #", "      half_spread_bps: 60  #");
    yaml = replaced_once(yaml, "      requote_bps: 2      #", "      requote_bps: 1000      #");
    // Quotes proposed before the resume are refused (HOLD): the timer proposes again.
    yaml = replaced_once(yaml, "      refresh_ms: 5000    #", "      refresh_ms: 1500    #");
    yaml = replaced_once(yaml, "      quote_ttl_ms: 10000 #", "      quote_ttl_ms: 3600000 #");
    std::ofstream(config_, std::ios::trunc) << yaml;
  }

  void TearDown() override {
    if (daemon_ != nullptr && daemon_->running()) {
      daemon_->send_signal(SIGKILL);
      (void)daemon_->wait_exit(10s);
    }
    if (sim_ != nullptr && sim_->running()) {
      sim_->send_signal(SIGTERM);
      (void)sim_->wait_exit(10s);
    }
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon stderr ---\n" << daemon_->stderr_text() << "\n";
  }

  void start_daemon() { start_paper_daemon(daemon_, data_.path(), config_, port_); }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 10s);
  }

  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, creds_, path, ready, limit);
  }

  // Every order the simulator's Binance accepted from the daemon's key.
  json binance_orders() {
    const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), "GET",
                                                  "/admin/orders?venue=binance", "", {});
    EXPECT_EQ(reply.status, 200) << reply.body;
    json out = json::array();
    const json log = json::parse(reply.body, nullptr, false);  // named: the loop reads into it
    if (!log.is_object() || !log.contains("orders")) return out;
    for (const auto& order : log["orders"]) {
      if (order["api_key"] == kVenueKeys.at("binance.api_key")) out.push_back(order);
    }
    return out;
  }
  std::set<std::string> resting_ids() {
    std::set<std::string> ids;
    for (const auto& order : binance_orders()) {
      if (order["status"] == "new") ids.insert(order["client_order_id"].get<std::string>());
    }
    return ids;
  }

  // Resumed, both switches armed, and the quotes resting at the simulator: their ids.
  std::set<std::string> quotes_resting() {
    wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 30s);
    two_man_resume(port_, creds_, "dead man");
    if (HasFatalFailure()) return {};
    const json execution = wait_for("/api/ui/execution", [](const json& b) {
      int armed = 0;
      for (const auto& venue : b["dead_man"]["venues"]) armed += venue["state"] == "armed" ? 1 : 0;
      return armed == 2;
    }, 30s);
    EXPECT_EQ(execution["dead_man"]["timeout_ms"], kDeadManTimeout.count()) << execution.dump();
    for (const auto& venue : execution["dead_man"]["venues"]) {
      EXPECT_EQ(venue["scope"], venue["venue"] == "BINANCE" ? "per_symbol" : "per_account") << venue.dump();
      EXPECT_EQ(venue["armed_timeout_ms"], venue["venue"] == "BINANCE" ? 2000 : 10000) << venue.dump();
    }
    std::set<std::string> ids;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (ids.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(200ms);
      ids = resting_ids();
    }
    EXPECT_GE(ids.size(), 2u) << "the quotes never rested: " << binance_orders().dump().substr(0, 2000) << "\n"
                              << call("viewer1", "GET", "/api/ui/execution").second.dump().substr(0, 2000);
    // Every resting quote is the daemon's: a working post-only order its view shows.
    wait_for("/api/ui/execution", [&](const json& b) {
      std::size_t known = 0;
      for (const auto& order : b["orders"]) {
        const bool quote = order["working"] == true && order["time_in_force"] == "post_only";
        known += quote && ids.count(order["client_order_id"].get<std::string>()) != 0 ? 1 : 0;
      }
      return known == ids.size();
    }, 10s);
    return ids;
  }

  TempDir data_;
  TempDir bundle_;
  DevCredentials creds_;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  std::string config_;
};

TEST_F(DeadManE2E, AfterSigkillTheVenueCancelsTheRestingOrdersWhenTheSwitchRunsOut) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  const std::set<std::string> quotes = quotes_resting();
  ASSERT_FALSE(quotes.empty());

  daemon_->send_signal(SIGKILL);
  ASSERT_EQ(daemon_->wait_exit(10s).value_or(-1), 128 + SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(200ms);
  for (const auto& id : quotes) EXPECT_EQ(resting_ids().count(id), 1u) << id << ": the switch has not run out yet";

  // The last refresh was at most a third of the timeout before the kill.
  std::set<std::string> still = quotes;
  while (!still.empty() && std::chrono::steady_clock::now() < killed_at + kDeadManTimeout + 3s) {
    std::this_thread::sleep_for(100ms);
    const std::set<std::string> resting = resting_ids();
    std::erase_if(still, [&](const std::string& id) { return resting.count(id) == 0; });
  }
  EXPECT_TRUE(still.empty()) << still.size() << " quotes still resting after the timeout";
  for (const auto& order : binance_orders()) {
    if (quotes.count(order["client_order_id"].get<std::string>()) != 0) {
      EXPECT_EQ(order["status"], "canceled") << order.dump();
    }
  }
}

TEST_F(DeadManE2E, ACleanShutdownDisarmsTheSwitchesAndTheOrdersStay) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  const std::set<std::string> quotes = quotes_resting();
  ASSERT_FALSE(quotes.empty());

  daemon_->send_signal(SIGTERM);
  ASSERT_EQ(daemon_->wait_exit(20s).value_or(-1), 0) << daemon_->stderr_text();
  EXPECT_NE(daemon_->stderr_text().find("disarmed"), std::string::npos) << "the switches were disarmed";
  std::this_thread::sleep_for(kDeadManTimeout + 1500ms);
  const std::set<std::string> resting = resting_ids();
  for (const auto& id : quotes) EXPECT_EQ(resting.count(id), 1u) << id << " was cancelled: the switch stayed armed";
}

}  // namespace
}  // namespace propbot::testing
