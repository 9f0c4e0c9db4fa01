// The risk governor's venue guards end to end (issue 13 item 5, SPEC S-2.5, S-3.8): the
// real daemon against an outside `propbot venue-sim`.
// - A venue whose clock drifts beyond risk.clock_skew_hold_ms (the simulator's
//   clock_skew_ms fault) is measured by the daemon's probe, leaves routing (entries
//   there refused `clock_skew`) and the desk HOLDs with a P0 risk_cap_breached naming
//   the venue; when its clock is back, the block lifts (the HOLD stays: a P0 is left
//   only through the resume procedure).
// - A maintenance window in risk.maintenance takes its venue out of routing
//   risk.maintenance_lead_ms ahead of it: audited `venue_maintenance_ahead`, and a
//   manual pair on that venue is refused by the governor with `venue_maintenance`.
#include <ctime>
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

const std::map<std::string, std::string> kVenueKeys = test_venue_keys("venueGuard");

// "2026-12-08T02:00:00Z" for `at`, to the second.
std::string iso_utc(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

class VenueGuardE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_processes({daemon_.get(), sim_.get()});
    if (HasFailure() && daemon_ != nullptr) std::cout << "--- daemon's stderr ---\n" << daemon_->stderr_text();
  }

  // `risk_lines`: YAML lines added to the risk section (two-space indent).
  void start_desk(const std::string& risk_lines) {
    ASSERT_NO_FATAL_FAILURE(prepare_paper_store(data_.path(), kVenueKeys, creds_));
    std::map<std::string, int> ports;
    ASSERT_NO_FATAL_FAILURE(start_outside_venue_sim(sim_, "29", ports));
    admin_ = ports.at("admin");
    ASSERT_TRUE(fund_venue_accounts(admin_, kVenueKeys));
    config_ = bundle_pointing_at(bundle_.path(), ports.at("binance"), ports.at("okx"));
    disable_strategies(config_);
    std::string yaml = read_whole_file(config_);
    yaml = replaced_once(yaml, "  max_cancels_per_min: 600", "  max_cancels_per_min: 600\n" + risk_lines);
    std::ofstream(config_, std::ios::trunc) << yaml;
    ASSERT_NO_FATAL_FAILURE(start_paper_daemon(daemon_, data_.path(), config_, port_));
  }

  void sim_faults(const std::string& venue, const json& body) { sim_admin(admin_, "PUT", "/admin/faults/" + venue, body); }
  json wait_for(const std::string& path, const std::function<bool(const json&)>& ready, std::chrono::seconds limit) {
    return poll_api(port_, creds_, path, ready, limit, 200ms);
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

TEST_F(VenueGuardE2E, AVenueClockBeyondTheLimitLeavesRoutingAndHoldsTheDeskWithAP0) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  ASSERT_NO_FATAL_FAILURE(start_desk("  clock_skew_probe_interval_ms: 1000\n"));
  // Both clocks measured and close to ours (loopback: well under the 1000 ms limit).
  wait_for("/api/ui/risk_snapshot", [](const json& b) {
    const json& skew = b["clock_skew_ms"];
    return skew.contains("BINANCE") && skew.contains("OKX") && std::abs(skew["OKX"].get<double>()) < 500 &&
           std::abs(skew["BINANCE"].get<double>()) < 500;
  }, 30s);

  sim_faults("okx", {{"clock_skew_ms", 5000}});
  const json incidents = wait_for("/api/ui/incidents", [](const json& b) {
    for (const auto& incident : b["active"]) {
      if (incident["code"] == "risk_cap_breached") return true;
    }
    return false;
  }, 15s);
  json breach;
  for (const auto& incident : incidents["active"]) {
    if (incident["code"] == "risk_cap_breached") breach = incident;
  }
  ASSERT_FALSE(breach.is_null()) << incidents.dump();
  EXPECT_EQ(breach["severity"], "P0");
  EXPECT_EQ(breach["component"], "risk_governor");
  const std::string summary = breach["summary"].get<std::string>();
  EXPECT_NE(summary.find("clock skew on OKX"), std::string::npos) << summary;
  EXPECT_NE(summary.find("risk.clock_skew_hold_ms 1000"), std::string::npos) << summary;

  auto [status, control] = api_call(port_, creds_, "viewer1", "GET", "/api/ui/control-state");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(control["mode"], "HOLD") << control.dump();

  const json blocked = wait_for("/api/ui/risk_snapshot", [](const json& b) {
    return b["venue_blocks"].contains("OKX");
  }, 5s);
  EXPECT_EQ(blocked["venue_blocks"]["OKX"]["reason"], "clock_skew") << blocked.dump();
  const double skew = blocked["clock_skew_ms"]["OKX"].get<double>();
  EXPECT_GT(skew, 4500) << blocked.dump();
  EXPECT_LT(skew, 5500) << blocked.dump();
  EXPECT_FALSE(blocked["venue_blocks"].contains("BINANCE")) << blocked.dump();

  // The venue's clock comes back: the block lifts at the next measurement.
  sim_faults("okx", {{"clock_skew_ms", 0}});
  wait_for("/api/ui/risk_snapshot", [](const json& b) { return !b["venue_blocks"].contains("OKX"); }, 15s);
}

TEST_F(VenueGuardE2E, AMaintenanceWindowTakesItsVenueOutOfRoutingAheadOfIt) {
#if !defined(PROPBOT_HAVE_BINANCE_SIM) || !defined(PROPBOT_HAVE_OKX_SIM)
  GTEST_SKIP() << "this build has no binance / okx simulator frontend";
#endif
  // A window 10 minutes from now: inside the default 15-minute lead already.
  const auto now = std::chrono::system_clock::now();
  const std::string start = iso_utc(now + 10min);
  const std::string end = iso_utc(now + 70min);
  ASSERT_NO_FATAL_FAILURE(
      start_desk("  maintenance:\n    - {venue: OKX, start: \"" + start + "\", end: \"" + end + "\"}\n"));

  const json blocked = wait_for("/api/ui/risk_snapshot", [](const json& b) {
    return b["venue_blocks"].contains("OKX");
  }, 30s);
  EXPECT_EQ(blocked["venue_blocks"]["OKX"]["reason"], "venue_maintenance") << blocked.dump();
  const std::string detail = blocked["venue_blocks"]["OKX"]["detail"].get<std::string>();
  EXPECT_NE(detail.find("starts in"), std::string::npos) << detail;
  EXPECT_FALSE(blocked["venue_blocks"].contains("BINANCE"));

  auto [audited, audit] = api_call(port_, creds_, "auditor1", "GET", "/api/ui/audit_log?action=venue_maintenance_ahead");
  ASSERT_EQ(audited, 200) << audit.dump();
  ASSERT_EQ(audit["entries"].size(), 1u) << audit.dump();
  EXPECT_EQ(audit["entries"][0]["details"]["venue"], "OKX");

  // A manual pair on the venue is refused by the governor (after a resume, so HOLD is
  // not what refuses it); the preview says why.
  wait_for("/api/ui/execution", [](const json& b) { return b["recon"]["state"] == "clean"; }, 30s);
  wait_for("/api/ui/market", [](const json& b) {
    int valid = 0;
    for (const auto& book : b["books"]) valid += book["symbol"] == "BTC-USDT" && book["valid"] == true;
    return valid == 2;
  }, 30s);
  ASSERT_NO_FATAL_FAILURE(two_man_resume(port_, creds_, "maintenance e2e"));
  const json pair{{"symbol", "BTC-USDT"}, {"long_venue", "BINANCE"}, {"short_venue", "OKX"}, {"notional_usdt", 200}};
  auto [previewed, preview] = api_call(port_, creds_, "operator1", "POST", "/api/arb/preview", pair);
  ASSERT_EQ(previewed, 200) << preview.dump();
  EXPECT_EQ(preview["status"], "blocked_by_risk") << preview.dump();
  EXPECT_EQ(preview["risk_reason"], "venue_maintenance") << preview.dump();
  auto [executed, refusal] = api_call(port_, creds_, "operator1", "POST", "/api/arb/execute", pair);
  EXPECT_EQ(executed, 409) << refusal.dump();
  const json skips = wait_for("/api/ui/risk_snapshot", [](const json& b) {
    return b["skips"].value("venue_maintenance", 0) >= 2;
  }, 5s);
  EXPECT_GE(skips["skips_by_strategy"]["operator"].value("venue_maintenance", 0), 2) << skips.dump();
}

}  // namespace
}  // namespace propbot::testing
