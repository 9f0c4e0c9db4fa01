// Rate limits end to end (issue 12 acceptance "429 storm then 418"): the real daemon
// against an outside `propbot venue-sim` whose Binance venue starts a 429 storm that
// escalates to a ban. The daemon's requests there (its dead-man switch refreshes) wait
// out each Retry-After instead of hammering the venue; the ban quarantines the venue in
// its rate governor — every request fails fast, none reaches the venue until the ban
// ends — and the desk raises P1 `rate_limit_ban` naming it. Counts are the simulator's
// own (GET /admin/venues). Held cancels going before places is the adapter-level
// rate_governor_sim_test's.
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

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("rateLimit");

class RateLimitE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_processes({daemon_.get(), sim_.get()});
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon's stderr ---\n" << daemon_->stderr_text();
  }

  void start_desk() {
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(data_.path(), kVenueKeys, creds_));
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "23", ports));
    admin_ = ports.at("admin");
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    disable_strategies(config_);
    // Dead-man refreshes every second: the daemon's steady stream of Binance requests.
    std::string yaml = read_whole_file(config_);
    yaml = replaced_once(yaml, "dead_man_timeout_ms: 60000", "dead_man_timeout_ms: 3000");
    std::ofstream(config_, std::ios::trunc) << yaml;
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_));
  }

  json sim(const std::string& method, const std::string& path, const json& body = nullptr) {
    const auto reply = test_support::http_request("127.0.0.1", static_cast<std::uint16_t>(admin_), method, path,
                                                  body.is_null() ? "" : body.dump(),
                                                  {{"Content-Type", "application/json"}}, 30s);
    EXPECT_EQ(reply.status, 200) << method << " " << path << ": " << reply.body;
    json parsed = json::parse(reply.body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << method << " " << path << ": " << reply.body.substr(0, 300);
    return parsed;
  }
  // The Binance venue's counters at the simulator.
  json binance_counters() {
    const json venues = sim("GET", "/admin/venues");
    for (const auto& venue : venues["venues"]) {
      if (venue["protocol"] == "binance") return venue["state"]["counters"];
    }
    ADD_FAILURE() << "the simulator has no binance venue: " << venues.dump().substr(0, 300);
    return json::object();
  }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, creds_, path, ready, limit, 200ms);
  }
  static json dead_man_of(const json& execution, const std::string& venue) {
    for (const auto& row : execution["dead_man"]["venues"]) {
      if (row["venue"] == venue) return row;
    }
    return nullptr;
  }

  TempDir data_;
  TempDir bundle_;
  DevCredentials creds_;
  std::string config_;
  int admin_ = 0;
  std::uint16_t port_ = 0;
  std::unique_ptr<DaemonProcess> sim_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(RateLimitE2E, AStormIsWaitedOutTheBanQuarantinesTheVenueWithAP1AndNothingIsSentWhileBanned) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  ASSERT_NO_FATAL_FAILURE(start_desk());
  wait_for("/api/ui/execution", [](const json& b) {
    const json row = dead_man_of(b, "BINANCE");
    return b["recon"]["state"] == "clean" && !row.is_null() && row["state"] == "armed";
  }, 30s);
  const json before = binance_counters();

  // Every request answers 429 (Retry-After 3 s); one more after two 429s is banned for
  // 20 s. The daemon's dead-man refresh wants the venue every second.
  sim("PUT", "/admin/faults/binance",
      {{"rate_limit_429_count", 50}, {"retry_after_s", 3}, {"ban_after_429s", 2}, {"ban_s", 20}});
  const auto storm_started = std::chrono::steady_clock::now();
  const json incidents = wait_for("/api/ui/incidents", [](const json& b) {
    for (const auto& incident : b["active"]) {
      if (incident["code"] == "rate_limit_ban") return true;
    }
    return false;
  }, 20s);
  json ban;
  for (const auto& incident : incidents["active"]) {
    if (incident["code"] == "rate_limit_ban") ban = incident;
  }
  ASSERT_FALSE(ban.is_null()) << incidents.dump();
  EXPECT_EQ(ban["severity"], "P1");
  EXPECT_EQ(ban["component"], "venue:BINANCE");
  const auto banned_after = std::chrono::steady_clock::now() - storm_started;

  // No storm: the refresh's requests in flight met the two 429s, the next one went only
  // after the Retry-After (3 s, three refreshes later) and met the ban; nothing after. A
  // client that ignored Retry-After would have sent two a second.
  const json banned = binance_counters();
  const auto delta = [&](const json& later, const char* name) {
    return later[name].get<std::uint64_t>() - before[name].get<std::uint64_t>();
  };
  EXPECT_EQ(delta(banned, "answered_429"), 2u) << banned.dump();
  EXPECT_GE(delta(banned, "answered_418"), 1u) << banned.dump();
  EXPECT_LE(delta(banned, "requests"), 4u) << "requests during the storm: " << banned.dump();
  EXPECT_GE(banned_after, 2900ms) << "the request that met the ban came before the Retry-After passed";
  EXPECT_TRUE(banned["banned"].get<bool>());

  // Quarantined: whatever the daemon wants of the venue now fails at home.
  std::this_thread::sleep_for(3s);
  const json later = binance_counters();
  EXPECT_EQ(later["requests"], banned["requests"]) << "a request reached the venue while it was banned";
  const json execution = wait_for("/api/ui/execution", [](const json& b) {
    const json row = dead_man_of(b, "BINANCE");
    return !row.is_null() && row["state"] == "failed";
  }, 10s);
  EXPECT_FALSE(dead_man_of(execution, "BINANCE")["last_error"].get<std::string>().empty());
  // P1: the desk was in HOLD and stays there; the P1 alone does not change the mode.
  EXPECT_EQ(api_call(port_, creds_, "viewer1", "GET", "/api/ui/control-state", nullptr, nullptr, 10s).second["mode"],
            "HOLD");
}

}  // namespace
}  // namespace propbot::testing
