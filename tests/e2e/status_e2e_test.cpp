// The status API's contract against the running paper binary (issue 16, SPEC
// S-11.2–S-11.5): every field of /api/ui/status/overview, /components, /slo and
// /live-readiness with its type, in HOLD, with a P0 open, after its postmortem and in
// RESUME after the two-man resume (with the second factor a P0 demands); and a bad
// configs/status_thresholds.yaml stops the daemon at start with the key named.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/e2e/second_factor.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

enum class T {
  string,
  number,
  boolean,
  object,
  array,
  string_or_null,
  number_or_null,
  object_or_null,
  boolean_or_null
};

bool has_type(const json& v, T t) {
  switch (t) {
    case T::string:
      return v.is_string();
    case T::number:
      return v.is_number();
    case T::boolean:
      return v.is_boolean();
    case T::object:
      return v.is_object();
    case T::array:
      return v.is_array();
    case T::string_or_null:
      return v.is_string() || v.is_null();
    case T::number_or_null:
      return v.is_number() || v.is_null();
    case T::object_or_null:
      return v.is_object() || v.is_null();
    case T::boolean_or_null:
      return v.is_boolean() || v.is_null();
  }
  return false;
}

void expect_fields(const json& body, const std::vector<std::pair<std::string, T>>& fields, const std::string& where) {
  ASSERT_TRUE(body.is_object()) << where << ": " << body.dump();
  for (const auto& [name, type] : fields) {
    ASSERT_TRUE(body.contains(name)) << where << " lacks " << name << ": " << body.dump();
    EXPECT_TRUE(has_type(body[name], type)) << where << "." << name << " has the wrong type: " << body[name].dump();
  }
}

const std::set<std::string> kStatuses = {"OK", "WARN", "ERROR", "HOLD"};

void expect_component(const json& c) {
  expect_fields(c,
                {{"id", T::string},
                 {"title", T::string},
                 {"group", T::string},
                 {"status", T::string},
                 {"summary", T::string},
                 {"metrics", T::object},
                 {"links", T::array},
                 {"implemented", T::boolean}},
                "component");
  EXPECT_TRUE(std::set<std::string>({"P0", "P1", "P2", "P3"}).count(c.value("group", ""))) << c.dump();
  EXPECT_TRUE(kStatuses.count(c.value("status", ""))) << c.dump();
  if (!c.value("implemented", true)) {
    EXPECT_EQ(c["status"], "ERROR") << c.dump();
    EXPECT_EQ(c["summary"], "not implemented") << c.dump();
  }
}

void expect_scores(const json& scores) {
  for (const char* g : {"P0", "P1", "P2", "P3"}) {
    ASSERT_TRUE(scores.contains(g) && scores[g].is_number()) << scores.dump();
    EXPECT_GE(scores[g].get<double>(), 0.0);
    EXPECT_LE(scores[g].get<double>(), 1.0);
  }
}

void expect_distribution(const json& d, const std::string& where) {
  expect_fields(d, {{"p50", T::number_or_null}, {"p95", T::number_or_null}, {"p99", T::number_or_null}}, where);
}

void expect_slo(const json& slo) {
  expect_fields(slo,
                {{"ws_gap_ms", T::object},
                 {"order_cycle_ms", T::object},
                 {"hedge_latency_ms", T::object},
                 {"md_to_order_us", T::object},
                 {"reject_rate", T::number_or_null},
                 {"cancel_fail_rate", T::number_or_null},
                 {"rate_limit_hits", T::object_or_null},
                 {"recon_mismatch", T::number_or_null},
                 {"max_day_drawdown_bps", T::number_or_null},
                 {"exception_budget_remaining", T::number_or_null},
                 {"process_uptime_sec", T::number},
                 {"last_restart_ts_utc", T::string},
                 {"memory_usage_mb", T::number},
                 {"memory_pressure_flag", T::boolean},
                 {"unavailable", T::array}},
                "slo");
  for (const char* d : {"ws_gap_ms", "order_cycle_ms", "hedge_latency_ms", "md_to_order_us"})
    expect_distribution(slo[d], d);
  EXPECT_GT(slo.value("memory_usage_mb", 0.0), 1.0) << "from /proc/self/statm";
}

// Every field of S-11.2 with its type; returns the body.
json expect_overview(const json& o) {
  expect_fields(o,
                {{"ts", T::string},
                 {"overall", T::string},
                 {"control_state", T::object},
                 {"flags", T::object},
                 {"pnl_snapshot", T::object},
                 {"exposure_snapshot", T::object},
                 {"strategies_status", T::array},
                 {"risk_flags", T::object},
                 {"infra", T::object},
                 {"autopilot", T::object},
                 {"security", T::object},
                 {"scores", T::object},
                 {"slo", T::object},
                 {"components", T::array},
                 {"alerts", T::array},
                 {"unavailable", T::array}},
                "overview");
  EXPECT_TRUE(std::set<std::string>({"OK", "WARN", "ERROR", "HOLD", "KILL"}).count(o.value("overall", "")));
  expect_fields(o["control_state"],
                {{"mode", T::string},
                 {"safe_mode", T::boolean},
                 {"dry_run_mode", T::boolean},
                 {"reason", T::string},
                 {"since", T::string}},
                "control_state");
  expect_fields(o["flags"],
                {{"hold_active", T::boolean},
                 {"safe_mode", T::boolean},
                 {"dry_run_mode", T::boolean},
                 {"two_man_resume_required", T::boolean}},
                "flags");
  expect_fields(o["pnl_snapshot"],
                {{"realized_pnl_today", T::number},
                 {"unrealized_pnl", T::number},
                 {"pnl_from_spread", T::number},
                 {"pnl_from_funding", T::number},
                 {"pnl_from_basis", T::number},
                 {"pnl_from_rebate", T::number},
                 {"fees_paid", T::number},
                 {"slippage_cost", T::number},
                 {"max_day_drawdown_bps", T::number},
                 {"stress_tested_equity", T::number_or_null}},
                "pnl_snapshot");
  expect_fields(o["exposure_snapshot"],
                {{"total_notional", T::number},
                 {"exposure_per_venue", T::object},
                 {"exposure_per_symbol", T::object},
                 {"leverage_estimate_per_venue", T::object},
                 {"simulated", T::object}},
                "exposure_snapshot");
  EXPECT_FALSE(o["strategies_status"].empty());
  for (const auto& s : o["strategies_status"]) {
    expect_fields(s,
                  {{"strategy", T::string},
                   {"state", T::string},
                   {"budget_used", T::number_or_null},
                   {"budget_limit", T::number_or_null},
                   {"realized_pnl_today", T::number_or_null},
                   {"drawdown_today", T::number_or_null},
                   {"frozen", T::boolean},
                   {"freeze_reason", T::string_or_null},
                   {"degraded_reason", T::string_or_null},
                   {"last_trade_ts", T::string_or_null}},
                  "strategies_status[]");
    EXPECT_TRUE(std::set<std::string>({"active", "degraded", "frozen", "paused"}).count(s.value("state", "")));
  }
  expect_fields(o["risk_flags"],
                {{"daily_loss_cap_status", T::string},
                 {"circuit_breaker_triggered", T::boolean},
                 {"stress_warning", T::boolean},
                 {"unresolved_P0_blocking", T::boolean},
                 {"has_unhedged_directional_exposure", T::boolean}},
                "risk_flags");
  expect_fields(o["infra"],
                {{"leader_id", T::string_or_null},
                 {"standby_id", T::string_or_null},
                 {"standby_synced", T::boolean_or_null},
                 {"split_brain_detected", T::boolean_or_null}},
                "infra");
  expect_fields(o["autopilot"], {{"autopilot_last_decision", T::string}, {"autopilot_status", T::string}}, "autopilot");
  expect_fields(o["security"], {{"tamper_status", T::string}}, "security");
  expect_scores(o["scores"]);
  expect_slo(o["slo"]);
  EXPECT_GE(o["components"].size(), 20u);
  for (const auto& c : o["components"]) expect_component(c);
  for (const auto& a : o["alerts"]) {
    expect_fields(a,
                  {{"severity", T::string},
                   {"title", T::string},
                   {"msg", T::string},
                   {"since", T::string},
                   {"component_id", T::string}},
                  "alerts[]");
    EXPECT_TRUE(std::set<std::string>({"info", "warn", "error", "critical"}).count(a.value("severity", "")));
  }
  return o;
}

json component(const json& components, const std::string& id) {
  for (const auto& c : components) {
    if (c["id"] == id) return c;
  }
  ADD_FAILURE() << "no component " << id;
  return json::object();
}

std::set<std::string> reason_codes(const json& readiness) {
  std::set<std::string> codes;
  for (const auto& r : readiness["reasons"]) {
    EXPECT_TRUE(r.contains("code") && r["code"].is_string()) << r.dump();
    EXPECT_TRUE(r.contains("detail") && r["detail"].is_string()) << r.dump();
    codes.insert(r.value("code", ""));
  }
  return codes;
}

// A copy of the shipped bundle in `bundle` with `thresholds` as its
// configs/status_thresholds.yaml.
void write_bundle(const TempDir& bundle, const std::string& thresholds) {
  const fs::path source = PROPBOT_SOURCE_DIR;
  for (const char* dir : {"configs", "strategies", "policies"}) {
    fs::copy(source / dir, fs::path(bundle.path()) / dir, fs::copy_options::recursive);
  }
  std::ofstream(fs::path(bundle.path()) / "configs/status_thresholds.yaml", std::ios::trunc) << thresholds;
}

class StatusE2E : public ::testing::Test {
 protected:
  void start_daemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{PROPBOT_BINARY, "run", "--profile",  "paper",
                                  "--port",       "0",   "--data-dir", data_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<DaemonProcess>(args);
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(20s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    ASSERT_EQ(creds_.tokens.size(), 4u);
  }
  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body, nullptr, 10s);
  }
  json get_ok(const std::string& path) {
    auto [status, body] = call("viewer1", "GET", path);
    EXPECT_EQ(status, 200) << path << ": " << body.dump();
    return body;
  }
  // GET /live-readiness without a token (public); checks the S-11.5 body.
  std::pair<int, json> readiness() {
    auto [status, body] = call("", "GET", "/live-readiness");
    expect_fields(body,
                  {{"ready", T::boolean},
                   {"reasons", T::array},
                   {"leader", T::string_or_null},
                   {"fencing_token", T::number_or_null},
                   {"metrics", T::object},
                   {"advice", T::string}},
                  "live-readiness");
    EXPECT_EQ(status == 200, body.value("ready", false)) << body.dump();
    EXPECT_EQ(body.value("ready", false), body["reasons"].empty()) << body.dump();
    return {status, body};
  }
  void expect_all_routes() {
    expect_overview(get_ok("/api/ui/status/overview"));
    const json components = get_ok("/api/ui/status/components");
    expect_fields(
        components,
        {{"components", T::array}, {"scores", T::object}, {"count", T::number}, {"not_implemented", T::number}},
        "components");
    EXPECT_GE(components["components"].size(), 20u);
    for (const auto& c : components["components"]) expect_component(c);
    expect_scores(components["scores"]);
    expect_slo(get_ok("/api/ui/status/slo"));
  }

  TempDir data_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  DevCredentials creds_;
};

TEST_F(StatusE2E, EveryFieldInHoldWithAP0AfterItsPostmortemAndInResume) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  EXPECT_EQ(call("", "GET", "/api/ui/status/overview").first, 401) << "the status routes are viewer+";

  // HOLD at start.
  ASSERT_NO_FATAL_FAILURE(expect_all_routes());
  json overview = get_ok("/api/ui/status/overview");
  EXPECT_EQ(overview["overall"], "HOLD");
  EXPECT_TRUE(overview["flags"]["hold_active"].get<bool>());
  EXPECT_TRUE(overview["flags"]["two_man_resume_required"].get<bool>());
  EXPECT_EQ(component(overview["components"], "control_plane")["status"], "HOLD");
  EXPECT_EQ(component(overview["components"], "leader_fencing")["summary"], "not implemented");
  auto [held, held_body] = readiness();
  EXPECT_EQ(held, 503);
  EXPECT_TRUE(reason_codes(held_body).count("mode_not_resume")) << held_body.dump();

  // A P0 through the incidents route: trade locked until its postmortem.
  auto [logged, incident] = call("operator1", "POST", "/api/ui/incidents/manual_log",
                                 {{"severity", "P0"}, {"component", "recon"}, {"summary", "status e2e P0"}});
  ASSERT_EQ(logged, 200) << incident.dump();
  const auto incident_id = incident["incident"]["id"].get<std::int64_t>();
  ASSERT_NO_FATAL_FAILURE(expect_all_routes());
  overview = get_ok("/api/ui/status/overview");
  EXPECT_TRUE(overview["risk_flags"]["unresolved_P0_blocking"].get<bool>());
  EXPECT_EQ(component(overview["components"], "incidents")["status"], "HOLD");
  auto [with_p0, with_p0_body] = readiness();
  EXPECT_EQ(with_p0, 503);
  EXPECT_TRUE(reason_codes(with_p0_body).count("p0_without_postmortem")) << with_p0_body.dump();

  auto [acked, ack_body] = call("operator1", "POST", "/api/ui/incidents/ack_and_postmortem",
                                {{"incident_id", incident_id}, {"postmortem_root_cause", "drill"}});
  ASSERT_EQ(acked, 200) << ack_body.dump();
  ASSERT_NO_FATAL_FAILURE(expect_all_routes());
  overview = get_ok("/api/ui/status/overview");
  EXPECT_FALSE(overview["risk_flags"]["unresolved_P0_blocking"].get<bool>());
  EXPECT_NE(component(overview["components"], "incidents")["status"], "HOLD");
  auto [after_pm, after_pm_body] = readiness();
  EXPECT_EQ(after_pm, 503) << "still HOLD";
  EXPECT_FALSE(reason_codes(after_pm_body).count("p0_without_postmortem")) << after_pm_body.dump();
  EXPECT_TRUE(reason_codes(after_pm_body).count("mode_not_resume")) << after_pm_body.dump();

  // Two-man resume; after a P0 the confirmation needs the second factor. Resume waits
  // for the start-up reconciliation: poll until it is clean.
  poll_api(
      port_, creds_, "/api/ui/recon/status", [](const json& b) { return b.value("status", "") == "OK"; }, 60s);
  auto [requested, request] = call("operator1", "POST", "/api/ui/resume-request", {{"reason", "status e2e"}});
  ASSERT_EQ(requested, 200) << request.dump();
  auto [confirmed, confirm_body] = call(
      "operator2", "POST", "/api/ui/resume-confirm",
      {{"request_id", request["request_id"]}, {"token", creds_.approve_token}, {"totp", totp_now(creds_.totp_seed)}});
  ASSERT_EQ(confirmed, 200) << confirm_body.dump();
  auto [resumed, resume_body] = call("operator1", "POST", "/api/ui/resume");
  ASSERT_EQ(resumed, 200) << resume_body.dump();

  ASSERT_NO_FATAL_FAILURE(expect_all_routes());
  overview = get_ok("/api/ui/status/overview");
  EXPECT_NE(overview["overall"], "HOLD");
  EXPECT_NE(overview["overall"], "OK") << "areas not built (leader_fencing, …) keep it below OK";
  EXPECT_FALSE(overview["flags"]["hold_active"].get<bool>());
  EXPECT_EQ(overview["control_state"]["mode"], "RESUME");
  EXPECT_EQ(component(overview["components"], "control_plane")["status"], "OK");
  auto [resumed_ready, resumed_body] = readiness();
  const auto codes = reason_codes(resumed_body);
  EXPECT_FALSE(codes.count("mode_not_resume")) << resumed_body.dump();
  EXPECT_FALSE(codes.count("p0_without_postmortem")) << resumed_body.dump();
  EXPECT_EQ(resumed_ready, 200) << "paper: recon OK, no P0 open, RESUME, safe_mode allowed: " << resumed_body.dump();
  EXPECT_EQ(resumed_body["advice"], "ready to trade");

  daemon_->send_signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(15s).value_or(-1), 0);
}

// A component turning ERROR raises ONE incident through the safety action, not one per
// evaluation: the memory component is made ERROR by thresholds below any real RSS, and
// hold_on_error names it, so the incident is a P0 that holds. Over several seconds of
// the 1 s watcher (and status reads) it stays one.
TEST_F(StatusE2E, AComponentTurningErrorRaisesOneIncident) {
  TempDir bundle;
  write_bundle(bundle,
               "defaults:\n  memory_mb_warn: 16\n  memory_mb_critical: 17\n  startup_grace_sec: 0\n"
               "  hold_on_error: [memory]\n");
  ASSERT_NO_FATAL_FAILURE(start_daemon({"--config", (fs::path(bundle.path()) / "configs/paper.yaml").string()}));
  auto count = [this] {
    auto [status, body] = call("viewer1", "GET", "/api/ui/incidents");
    EXPECT_EQ(status, 200) << body.dump();
    std::vector<json> raised;
    for (const auto& i : body["active"]) {
      if (i.value("component", "") == "status:memory") raised.push_back(i);
    }
    return raised;
  };
  poll_api(
      port_, creds_, "/api/ui/incidents",
      [](const json& b) {
        for (const auto& i : b["active"]) {
          if (i.value("component", "") == "status:memory") return true;
        }
        return false;
      },
      15s);
  for (int i = 0; i < 5; ++i) {
    get_ok("/api/ui/status/overview");
    std::this_thread::sleep_for(700ms);
  }
  const auto raised = count();
  ASSERT_EQ(raised.size(), 1u) << "edge-triggered: one incident for a standing ERROR";
  EXPECT_EQ(raised[0]["code"], "status_component_error");
  EXPECT_EQ(raised[0]["severity"], "P0") << "hold_on_error names memory";
  EXPECT_EQ(raised[0]["action_taken"], "HOLD");
  auto [status, readiness_body] = readiness();
  EXPECT_EQ(status, 503);
  EXPECT_TRUE(reason_codes(readiness_body).count("memory_pressure_critical")) << readiness_body.dump();
  EXPECT_TRUE(reason_codes(readiness_body).count("p0_without_postmortem")) << readiness_body.dump();
}

TEST_F(StatusE2E, ABadThresholdsFileStopsTheStartNamingTheKey) {
  TempDir bundle;
  write_bundle(bundle, "defaults:\n  reject_rate_warn: 7\n");
  const CommandRun run =
      run_to_exit({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_.path(), "--config",
                   (fs::path(bundle.path()) / "configs/paper.yaml").string()},
                  30s);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("status_thresholds.defaults.reject_rate_warn"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace propbot::testing
