// Dry run end to end (issue 12 item 7): the real daemon with `dry_run_mode: true`
// against an outside `propbot venue-sim`. After a two-man resume a manual pair goes
// through the whole path (preview, policy, executor, journal) and fills — at the paper
// twins of the venues, fed with the books the daemon receives from the simulator: the
// trade is hedged, GET /api/ui/positions shows a `simulated` position with both legs
// and no exposure for it, and the simulator's back office (GET /admin/orders) has no
// order from the daemon at all. Then two operators leave dry run and the next pair
// reaches the simulator for real.
#include <filesystem>
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

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("dryRun");

class DryRunE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_processes({daemon_.get(), sim_.get()});
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon's stderr ---\n" << daemon_->stderr_text();
  }

  // The dev credentials (a first start makes them) and the venue keys in a secrets
  // store, copied into a fresh data directory (whose control state the first start did
  // not persist: the profile's dry_run_mode is the default only for a new desk).
  void prepare_store() {
    DaemonProcess first({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", store_.path()});
    ASSERT_TRUE(first.start());
    ASSERT_TRUE(first.wait_for_listening(30s).has_value()) << first.stderr_text();
    first.send_signal(SIGTERM);
    ASSERT_EQ(first.wait_exit(20s).value_or(-1), 0) << first.stderr_text();
    creds_ = read_dev_credentials(PROPBOT_BINARY, store_.path());
    for (const auto& [name, value] : kVenueKeys) {
      ASSERT_TRUE(secrets_set(store_.path() + "/secrets.enc", store_.path() + "/secrets.key", name, value));
    }
    for (const char* file : {"secrets.enc", "secrets.key"}) {
      fs::copy_file(fs::path(store_.path()) / file, fs::path(data_.path()) / file, fs::copy_options::overwrite_existing);
    }
  }

  void start_simulator() {
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "17", ports));
    admin_ = ports.at("admin");
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    disable_strategies(config_);  // the test's manual pairs are the only trades
    // The profile's one change: dry run on from the start.
    std::string yaml = read_whole_file(config_);
    yaml = replaced_once(yaml, "dry_run_mode: false", "dry_run_mode: true");
    std::ofstream(config_, std::ios::trunc) << yaml;
  }

  void start_daemon() { start_paper_daemon(daemon_, data_.path(), config_, port_); }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 10s);
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, creds_, path, ready, limit, 200ms);
  }
  json admin(const std::string& path) {
    const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), "GET", path, "", {});
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }

  void two_man_resume() { propbot::testing::two_man_resume(port_, creds_, "e2e"); }

  // A pair the daemon would trade now (books up on both venues), either way round.
  json fitting_pair() {
    const json pair = {{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 1000}};
    json reversed = pair;
    reversed["long_venue"] = "OKX";
    reversed["short_venue"] = "BINANCE";
    for (int i = 0; i < 200; ++i) {
      for (const json& candidate : {pair, reversed}) {
        auto [previewed, body] = call("operator1", "POST", "/api/arb/preview", candidate);
        last_answer_ = body.dump();
        if (previewed == 200) return candidate;
      }
      std::this_thread::sleep_for(100ms);
    }
    return nullptr;
  }

  TempDir store_;
  TempDir data_;
  TempDir bundle_;
  DevCredentials creds_;
  std::string config_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  std::string last_answer_;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DryRunE2E, APairFillsAtThePaperTwinsNoOrderReachesTheVenuesAndLeavingDryRunTradesForReal) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  ASSERT_NO_FATAL_FAILURE(prepare_store());
  ASSERT_NO_FATAL_FAILURE(start_simulator());
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 30s);
  auto [status, state] = call("viewer1", "GET", "/api/ui/control-state");
  ASSERT_EQ(status, 200);
  ASSERT_EQ(state["dry_run_mode"], true) << state.dump();
  ASSERT_NO_FATAL_FAILURE(two_man_resume());

  const json pair = fitting_pair();
  ASSERT_FALSE(pair.is_null()) << "no preview fit: " << last_answer_;
  auto [executed, trade] = call("operator1", "POST", "/api/arb/execute", pair);
  ASSERT_EQ(executed, 200) << trade.dump();
  const json id = trade["trade_parent_id"];
  json execution = wait_for("/api/ui/execution", [&](const json& b) {
    for (const auto& t : b["trades"]) {
      if (t["trade_parent_id"] == id && t["state"] != "working") return true;
    }
    return false;
  }, 20s);
  for (const auto& t : execution["trades"]) {
    if (t["trade_parent_id"] == id) {
      EXPECT_EQ(t["state"], "hedged") << t.dump();
    }
  }
  for (const auto& order : execution["orders"]) EXPECT_EQ(order["simulated"], true) << order.dump();

  const json positions = wait_for("/api/ui/positions", [](const json& b) { return !b["positions"].empty(); }, 10s);
  ASSERT_EQ(positions["positions"].size(), 1u) << positions.dump();
  const json& position = positions["positions"][0];
  EXPECT_EQ(position["status"], "simulated") << position.dump();
  ASSERT_EQ(position["legs"].size(), 2u) << position.dump();
  for (const auto& leg : position["legs"]) {
    ASSERT_TRUE(leg["qty"].is_number()) << leg.dump();
    EXPECT_GT(leg["qty"].get<double>(), 0.0) << "both legs filled: " << leg.dump();
  }
  EXPECT_TRUE(positions["exposure"].empty()) << "simulated fills are no exposure: " << positions.dump();

  // The venues never heard of it.
  for (const char* venue : {"binance", "okx"}) {
    const json orders = admin(std::string("/admin/orders?venue=") + venue);
    ASSERT_TRUE(orders.contains("orders") && orders["orders"].is_array()) << orders.dump();
    EXPECT_TRUE(orders["orders"].empty()) << venue << " got orders from a dry run: " << orders.dump();
  }

  // Leaving dry run takes two operators; the flag is read per trade, so the next pair
  // goes to the venues for real.
  auto [asked, ask] = call("operator1", "POST", "/api/ui/dry-run", {{"enabled", false}, {"reason", "e2e"}});
  ASSERT_EQ(asked, 200) << ask.dump();
  const auto exit_id = ask.contains("request_id") ? ask["request_id"] : ask["approval"]["id"];
  auto [confirmed, confirmed_body] =
      call("operator2", "POST", "/api/ui/approvals/" + exit_id.dump() + "/confirm", {{"token", creds_.approve_token}});
  ASSERT_EQ(confirmed, 200) << confirmed_body.dump();
  wait_for("/api/ui/control-state", [](const json& b) { return b["dry_run_mode"] == false; }, 10s);
  const json real_pair = fitting_pair();
  ASSERT_FALSE(real_pair.is_null()) << "no preview fit: " << last_answer_;
  auto [real_executed, real_trade] = call("operator1", "POST", "/api/arb/execute", real_pair);
  ASSERT_EQ(real_executed, 200) << real_trade.dump();
  const json real_id = real_trade["trade_parent_id"];
  wait_for("/api/ui/execution", [&](const json& b) {
    for (const auto& t : b["trades"]) {
      if (t["trade_parent_id"] == real_id && t["state"] != "working") return true;
    }
    return false;
  }, 20s);
  std::size_t at_venues = 0;
  for (const char* venue : {"binance", "okx"}) at_venues += admin(std::string("/admin/orders?venue=") + venue)["orders"].size();
  EXPECT_GE(at_venues, 2u) << "both legs of the real pair reached the simulator";
  const json after = wait_for("/api/ui/positions", [](const json& b) { return !b["exposure"].empty(); }, 10s);
  for (const auto& p : after["positions"]) {
    if (p["id"] == position["id"]) {
      EXPECT_EQ(p["status"], "simulated") << p.dump();
    } else {
      EXPECT_NE(p["status"], "simulated") << "the real pair's position: " << p.dump();
    }
  }
}

}  // namespace
}  // namespace propbot::testing
