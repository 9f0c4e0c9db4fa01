// ConfigService in the live profile against a real Engine (in-process sim venues), a
// real ControlPlane and a real propbot.db: tightening applies at once, loosening waits
// for a second operator (then the worker applies it), a stale approval is refused, a
// rollback that would loosen is refused, and an engine-side failure is a P2 incident
// with the running version untouched.
#include "core/config_service/config_service.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/app/engine_thread.hpp"
#include "core/control/control_plane.hpp"
#include "core/store/data_dir.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot::config_service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kKey = "state-hmac-key-for-tests-0123456789";

class TestCredentials final : public control::ApprovalCredentials {
 public:
  bool approve_token_matches(std::string_view supplied) override { return supplied == "approve-secret"; }
  bool second_factor_matches(std::string_view) override { return false; }
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Logger quiet() {
  LogOptions options;
  options.level = "error";
  return Logger::from_options(options);
}

const control::Actor kAlice{"alice", "operator", "10.0.0.1"};
const control::Actor kBob{"bob", "operator", "10.0.0.2"};

class ConfigServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path source = PROPBOT_SOURCE_DIR;
    for (const char* dir : {"configs", "strategies", "policies"}) {
      fs::copy(source / dir, fs::path(bundle_.path()) / dir, fs::copy_options::recursive);
    }
    // The shipped live.yaml connects to the exchanges; this engine runs on the
    // in-process sim venues instead (the rest of the file is kept as shipped).
    const fs::path live_file = fs::path(bundle_.path()) / "configs/live.yaml";
    live_yaml_ = read_text(live_file);
    const auto venues_at = live_yaml_.find("\nvenues:\n");
    const auto sim_at = live_yaml_.find("\nsim:", venues_at);
    ASSERT_TRUE(venues_at != std::string::npos && sim_at != std::string::npos);
    live_yaml_.replace(venues_at, sim_at - venues_at,
                       "\nvenues:\n  - {id: SIM-A, kind: sim}\n  - {id: SIM-B, kind: sim}\n");
    std::ofstream(live_file, std::ios::binary | std::ios::trunc) << live_yaml_;

    auto db = store::open_store(data_.path(), "2026-12-04T00:00:00.000Z");
    ASSERT_TRUE(db.ok()) << db.error().describe();
    database_.emplace(std::move(*db));
    control::ControlPlaneOptions plane_options;
    plane_options.live = true;
    auto plane = control::ControlPlane::open(*database_, kKey, clock_, bus_, credentials_, plane_options, quiet());
    ASSERT_TRUE(plane.ok()) << plane.error().describe();
    plane_ = std::move(*plane);

    options_.profile = config::Profile::live;
    options_.config_file = bundle_.path() + "/configs/live.yaml";
    options_.data_dir = data_.path();
    auto loaded = config::load_config(options_);
    ASSERT_TRUE(loaded.config.has_value()) << (loaded.issues.empty() ? "" : config::format_fatal(loaded.issues[0]));
    running_ = *loaded.config;

    auto service_db = store::Database::open(data_.path() + "/propbot.db");
    ASSERT_TRUE(service_db.ok());
    ConfigServiceOptions service_options;
    service_options.load_options = options_;
    ConfigService::Startup startup;
    auto service = ConfigService::open(std::move(*service_db), clock_, plane_.get(), quiet(), service_options,
                                       running_, startup);
    ASSERT_TRUE(service.ok()) << service.error().describe();
    service_ = std::move(*service);
    engine_ = std::make_unique<app::EngineThread>(startup.config, quiet(), plane_.get());
    ASSERT_TRUE(engine_->start(&startup.bundle, startup.version).ok());
    ASSERT_TRUE(service_->started(*engine_, startup).ok());
    first_version_ = startup.version;
  }
  void TearDown() override {
    service_.reset();
    if (engine_) engine_->stop();
  }

  json yaml_change(const std::string& yaml) { return json{{"files", {{"configs/live.yaml", yaml}}}}; }
  std::int64_t running_version() { return service_->describe(10).body["version"].get<std::int64_t>(); }
  std::string audit_text() {
    auto page = plane_->audit_page({}, 1000, std::nullopt);
    std::string out;
    for (const auto& record : *page) out += record.action + " " + record.details_json + "\n";
    return out;
  }

  propbot::testing::TempDir bundle_;
  propbot::testing::TempDir data_;
  SimClock clock_;
  std::optional<store::Database> database_;
  control::EventBus bus_;
  TestCredentials credentials_;
  std::unique_ptr<control::ControlPlane> plane_;
  config::LoadOptions options_;
  config::Config running_;
  std::unique_ptr<ConfigService> service_;
  std::unique_ptr<app::EngineThread> engine_;
  std::string live_yaml_;
  std::int64_t first_version_ = 0;
};

TEST_F(ConfigServiceTest, InLiveTighteningAppliesAtOnceAndItsRollbackWouldLoosenSoIsRefused) {
  ConfigAnswer tighter = service_->apply(
      yaml_change(replaced(live_yaml_, "max_total_notional_usdt: 1000", "max_total_notional_usdt: 800")), kAlice);
  ASSERT_EQ(tighter.status, 200) << tighter.body.dump();
  EXPECT_EQ(tighter.body["applied"], true);
  EXPECT_EQ(running_version(), tighter.body["version"].get<std::int64_t>());

  ConfigAnswer back = service_->rollback(json{{"rollback_token", tighter.body["rollback_token"]}}, kAlice);
  EXPECT_EQ(back.status, 409) << back.body.dump();
  EXPECT_EQ(back.code, "approval_required");
  EXPECT_EQ(running_version(), tighter.body["version"].get<std::int64_t>());
}

TEST_F(ConfigServiceTest, InLiveLooseningWaitsForASecondOperator) {
  const std::string looser = replaced(live_yaml_, "max_total_notional_usdt: 1000", "max_total_notional_usdt: 1500");
  ConfigAnswer filed = service_->apply(yaml_change(looser), kAlice);
  ASSERT_EQ(filed.status, 202) << filed.body.dump();
  EXPECT_EQ(filed.body["applied"], false);
  EXPECT_EQ(filed.body["version"], first_version_) << "nothing changes before the confirmation";
  ASSERT_TRUE(filed.body["loosens"].is_array());
  EXPECT_NE(filed.body["loosens"][0].get<std::string>().find("risk.max_total_notional_usdt: 1000 → 1500"),
            std::string::npos);
  const std::int64_t approval = filed.body["approval_id"].get<std::int64_t>();
  const std::int64_t pending = filed.body["pending_version"].get<std::int64_t>();
  EXPECT_EQ(running_version(), first_version_);

  auto self = plane_->confirm(approval, kAlice, "approve-secret", "");
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->refusal, control::Refusal::self_confirmation);
  service_->drain();
  EXPECT_EQ(running_version(), first_version_);

  auto confirmed = plane_->confirm(approval, kBob, "approve-secret", "");
  ASSERT_TRUE(confirmed.ok());
  ASSERT_TRUE(confirmed->ok()) << confirmed->message;
  service_->drain();
  const json after = service_->describe(10).body;
  EXPECT_EQ(after["version"], pending);
  EXPECT_EQ(after["activations"][0]["source"], "approval");
  EXPECT_EQ(after["activations"][0]["actor"], "bob");
  EXPECT_NE(audit_text().find("config_apply"), std::string::npos);
}

TEST_F(ConfigServiceTest, AnApprovalFiledBeforeAnotherChangeLandedIsNotApplied) {
  ConfigAnswer filed = service_->apply(
      yaml_change(replaced(live_yaml_, "max_total_notional_usdt: 1000", "max_total_notional_usdt: 1500")), kAlice);
  ASSERT_EQ(filed.status, 202);
  ConfigAnswer tighter = service_->apply(
      yaml_change(replaced(live_yaml_, "daily_loss_cap_usdt: 25", "daily_loss_cap_usdt: 20")), kAlice);
  ASSERT_EQ(tighter.status, 200) << tighter.body.dump();
  auto confirmed = plane_->confirm(filed.body["approval_id"].get<std::int64_t>(), kBob, "approve-secret", "");
  ASSERT_TRUE(confirmed.ok() && confirmed->ok());
  service_->drain();
  EXPECT_EQ(running_version(), tighter.body["version"].get<std::int64_t>())
      << "applying the stale request would silently undo the tightening";
  EXPECT_NE(audit_text().find("replaced version"), std::string::npos) << audit_text();
}

TEST_F(ConfigServiceTest, AnEngineSideFailureIsAP2IncidentAndTheRunningVersionStays) {
  // Validation has no previous state to migrate, so only the engine finds this out.
  std::string strategy = read_text(fs::path(bundle_.path()) / "strategies/cross_exchange_arb.lua");
  strategy = replaced(strategy, "\nreturn ", "\nfunction M.migrate(old) error('cannot migrate this state') end\nreturn ");
  ConfigAnswer failed = service_->apply(json{{"files", {{"strategies/cross_exchange_arb.lua", strategy}}}}, kAlice);
  ASSERT_EQ(failed.status, 422) << failed.body.dump();
  EXPECT_EQ(failed.code, "apply_failed");
  EXPECT_EQ(failed.body["version"], first_version_);
  ASSERT_FALSE(failed.body["errors"].empty());
  EXPECT_NE(failed.body["errors"][0]["message"].get<std::string>().find("cannot migrate this state"),
            std::string::npos) << failed.body.dump();
  EXPECT_EQ(running_version(), first_version_);
  auto incidents = plane_->incidents_view(10);
  ASSERT_TRUE(incidents.ok());
  ASSERT_EQ((*incidents)["active"].size(), 1u) << incidents->dump();
  const json& incident = (*incidents)["active"][0];
  EXPECT_EQ(incident["severity"], "P2") << "S-4.2: config apply failed is P2";
  EXPECT_EQ(incident["code"], "config_apply_failed");
  EXPECT_EQ(incident["component"], "config");
  EXPECT_NE(incident["summary"].get<std::string>().find("failed to start in the engine"), std::string::npos);
  EXPECT_EQ(plane_->mode(), Mode::hold) << "a P2 changes no mode (the desk starts in HOLD anyway)";
  EXPECT_NE(audit_text().find("\"outcome\":\"failed\""), std::string::npos) << audit_text();
}

// A version the engine freezes (its migrate hands itself a poisoned state, which no
// validation can see), then fixes: the P1 strategy_degraded is closed by the fixing
// apply (issue 15 finding 8), audited; the answer comes only once the API's snapshot
// shows the new version (finding 7); reset_state rebuilds with an empty state (finding 4).
TEST_F(ConfigServiceTest, AFixedApplyClosesTheFrozenStrategysIncidentAndTheSnapshotShowsItAtOnce) {
  const std::string shipped = read_text(fs::path(bundle_.path()) / "strategies/cross_exchange_arb.lua");
  std::string poisoned = replaced(shipped, "\nreturn M", "\nfunction M.migrate(old) return {poison = true} end\nreturn M");
  poisoned = replaced(poisoned, "function M.on_book(ctx, ev)\n",
                      "function M.on_book(ctx, ev)\n  if ctx.state.poison then error('poisoned state') end\n");
  ConfigAnswer bad = service_->apply(json{{"files", {{"strategies/cross_exchange_arb.lua", poisoned}}}}, kAlice);
  ASSERT_EQ(bad.status, 200) << bad.body.dump();
  const std::int64_t bad_version = bad.body["version"].get<std::int64_t>();
  EXPECT_EQ(bad.body["bundle_version"], bad_version);
  auto snap = engine_->snapshot();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->bundle_version, bad_version) << "the answer came before the snapshot showed the new version";
  ASSERT_FALSE(snap->strategies.empty());
  EXPECT_EQ(snap->strategies[0].version, bad_version);

  // The engine freezes it (3 faults in a row in live) and raises one P1.
  json incident;
  for (int i = 0; i < 200 && incident.is_null(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto view = plane_->incidents_view(10);
    ASSERT_TRUE(view.ok());
    for (const json& active : (*view)["active"]) {
      if (active["code"] == "strategy_degraded") incident = active;
    }
  }
  ASSERT_FALSE(incident.is_null()) << "the poisoned version was never frozen";
  EXPECT_EQ(incident["component"], "strategy:cross_exchange_arb");
  EXPECT_EQ(incident["severity"], "P1");
  const std::string summary = incident["summary"].get<std::string>();
  const std::string at = "strategies/cross_exchange_arb.lua:";
  ASSERT_NE(summary.find(at), std::string::npos) << summary;
  EXPECT_EQ(summary.find(at, summary.find(at) + 1), std::string::npos) << "file:line once: " << summary;

  auto detail = engine_->strategy_detail("cross_exchange_arb", std::chrono::seconds(2));
  ASSERT_TRUE(detail.ok()) << detail.error().describe();
  EXPECT_EQ((*detail)["state"], "frozen");
  EXPECT_EQ((*detail)["version"], bad_version);
  EXPECT_EQ((*detail)["ctx_state"], (json{{"poison", true}}));
  ASSERT_FALSE((*detail)["faults"].empty());
  EXPECT_EQ((*detail)["faults"].back()["message"], "poisoned state");
  EXPECT_EQ((*detail)["faults"].back()["callback"], "on_book");
  EXPECT_GE((*detail)["timings"]["calls"].get<std::uint64_t>(), 3u);
  auto unknown = engine_->strategy_detail("nope", std::chrono::seconds(2));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);

  // The fix, with the poisoned state thrown away: the incident closes, audited.
  ConfigAnswer fixed = service_->apply(json{{"files", {{"strategies/cross_exchange_arb.lua", shipped}}},
                                            {"reset_state", {"cross_exchange_arb"}}},
                                       kAlice);
  ASSERT_EQ(fixed.status, 200) << fixed.body.dump();
  EXPECT_EQ(fixed.body["reset_state"], (json{"cross_exchange_arb"}));
  ASSERT_EQ(fixed.body["incidents_closed"].size(), 1u) << fixed.body.dump();
  EXPECT_EQ(fixed.body["incidents_closed"][0], incident["id"]);
  auto after = plane_->incidents_view(10);
  ASSERT_TRUE(after.ok());
  for (const json& active : (*after)["active"]) EXPECT_NE(active["code"], "strategy_degraded") << after->dump();
  EXPECT_NE(audit_text().find("incident_closed_by_fix"), std::string::npos) << audit_text();
  auto running = engine_->strategy_detail("cross_exchange_arb", std::chrono::seconds(2));
  ASSERT_TRUE(running.ok());
  EXPECT_EQ((*running)["state"], "running");
  EXPECT_EQ((*running)["version"], fixed.body["version"]);
}

TEST_F(ConfigServiceTest, ResetStateIsCheckedAndWorksWithoutAnyFileChange) {
  ConfigAnswer bad_shape = service_->apply(json{{"files", json::object()}, {"reset_state", "cross_exchange_arb"}}, kAlice);
  EXPECT_EQ(bad_shape.status, 400);
  EXPECT_NE(bad_shape.body.dump().find("field 'reset_state'"), std::string::npos) << bad_shape.body.dump();
  ConfigAnswer unknown = service_->apply(json{{"files", json::object()}, {"reset_state", {"nope"}}}, kAlice);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.dump().find("'nope' is not an enabled strategy"), std::string::npos) << unknown.body.dump();
  ConfigAnswer disabled = service_->apply(json{{"files", json::object()}, {"reset_state", {"funding_basis"}}}, kAlice);
  EXPECT_EQ(disabled.status, 400) << "funding_basis is disabled in live";

  ConfigAnswer reset = service_->apply(json{{"files", json::object()}, {"reset_state", {"cross_exchange_arb"}}}, kAlice);
  ASSERT_EQ(reset.status, 200) << reset.body.dump();
  EXPECT_EQ(reset.body["applied"], true);
  EXPECT_EQ(reset.body["version"], first_version_) << "no new version: only the state was reset";
  EXPECT_EQ(reset.body["reset_state"], (json{"cross_exchange_arb"}));
  EXPECT_EQ(running_version(), first_version_);
  EXPECT_NE(audit_text().find("\"change\":\"reset_state\""), std::string::npos) << audit_text();
}

TEST_F(ConfigServiceTest, ValidateReportsEveryProblemWithFileAndLine) {
  ConfigAnswer answer = service_->validate(json{{"files", {{"strategies/cross_exchange_arb.lua", "return {\n"},
                                                           {"policies/sizing.lua", "local x = \n"}}}});
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["valid"], false);
  std::string files;
  for (const auto& error : answer.body["errors"]) files += error["file"].get<std::string>() + " ";
  EXPECT_NE(files.find("strategies/cross_exchange_arb.lua"), std::string::npos) << answer.body.dump();
  EXPECT_NE(files.find("policies/sizing.lua"), std::string::npos) << answer.body.dump();
  EXPECT_EQ(service_->validate(json{{"files", {{"strategies/x.lua", 5}}}}).status, 400);
  EXPECT_EQ(service_->validate(json{{"files", {{"notes/readme.txt", "x"}}}}).status, 400);
  ConfigAnswer same = service_->apply(json{{"files", json::object()}}, kAlice);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.body["applied"], false) << "an unchanged bundle is no change";
}

TEST_F(ConfigServiceTest, InLiveMarkingAStrategyTrustedIsALoosening) {
  const std::string entry = "    file: strategies/cross_exchange_arb.lua\n";
  ConfigAnswer filed = service_->apply(yaml_change(replaced(live_yaml_, entry, entry + "    trusted: true\n")), kAlice);
  ASSERT_EQ(filed.status, 202) << filed.body.dump();
  EXPECT_NE(filed.body["loosens"].dump().find("cross_exchange_arb.trusted"), std::string::npos) << filed.body.dump();
  EXPECT_EQ(running_version(), first_version_);
}

TEST_F(ConfigServiceTest, InLiveNewCodeForATrustedStrategyIsALoosening) {
  const std::string entry = "    file: strategies/cross_exchange_arb.lua\n";
  const std::string trusted_yaml = replaced(live_yaml_, entry, entry + "    trusted: true\n");
  ConfigAnswer filed = service_->apply(yaml_change(trusted_yaml), kAlice);
  ASSERT_EQ(filed.status, 202) << filed.body.dump();
  auto confirmed = plane_->confirm(filed.body["approval_id"].get<std::int64_t>(), kBob, "approve-secret", "");
  ASSERT_TRUE(confirmed.ok() && confirmed->ok());
  service_->drain();
  ASSERT_EQ(running_version(), filed.body["pending_version"].get<std::int64_t>());

  // Same trusted strategy, different code: a single operator may not ship native code.
  std::string strategy = read_text(fs::path(bundle_.path()) / "strategies/cross_exchange_arb.lua");
  strategy += "\n-- a harmless-looking edit\n";
  ConfigAnswer edit = service_->apply(json{{"files", {{"strategies/cross_exchange_arb.lua", strategy}}}}, kAlice);
  ASSERT_EQ(edit.status, 202) << edit.body.dump();
  EXPECT_NE(edit.body["loosens"].dump().find("new code for a trusted (FFI) strategy"), std::string::npos)
      << edit.body.dump();
}

}  // namespace
}  // namespace propbot::config_service
