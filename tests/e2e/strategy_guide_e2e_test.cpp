// docs/STRATEGY_GUIDE.md §11 end to end: the worked example, taken out of the guide's
// marked blocks, applied over HTTP with real bearer tokens to the real binary in the
// paper profile — validate, apply (started), its proposals in /api/opportunities while
// the daemon holds, its counters in /api/ui/market, a params change (replaced), a
// rollback (once), and the history in GET /api/ui/config — as the guide walks through.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

std::string read_text(const fs::path& path) { return read_text_file(path.string()); }

// The body of the fenced block after the line `<!-- example: NAME -->` (as the unit
// test tests/unit/bundle/strategy_guide_test.cpp reads it).
std::string example_block(const std::string& doc, const std::string& name) {
  const std::string marker = "<!-- example: " + name + " -->";
  const std::size_t at = doc.find(marker);
  if (at == std::string::npos) return {};
  const std::size_t fence = doc.find("\n```", at);
  if (fence == std::string::npos) return {};
  const std::size_t body = doc.find('\n', fence + 1);
  if (body == std::string::npos) return {};
  const std::size_t end = doc.find("\n```", body);
  if (end == std::string::npos) return {};
  return doc.substr(body + 1, end - body);
}

std::string with_entry(const std::string& profile, const std::string& entry) {
  const std::string anchor = "\nstrategies:\n";
  const std::size_t at = profile.find(anchor);
  if (at == std::string::npos) return {};
  std::string out = profile;
  out.insert(at + anchor.size(), entry);
  return out;
}

bool contains(const json& list, const std::string& name) {
  return list.is_array() && std::find(list.begin(), list.end(), name) != list.end();
}

class StrategyGuideE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path source = PROPBOT_SOURCE_DIR;
    const std::string guide = read_text(source / "docs/STRATEGY_GUIDE.md");
    lua_ = example_block(guide, "strategies/spread_watch.lua");
    entry_ = example_block(guide, "configs/paper.yaml strategies entry");
    ASSERT_FALSE(lua_.empty());
    ASSERT_FALSE(entry_.empty());
    // The shipped bundle, without the example: the guide applies it to a running daemon.
    for (const char* dir : {"configs", "strategies", "policies"}) {
      fs::copy(source / dir, fs::path(bundle_.path()) / dir, fs::copy_options::recursive);
    }
    fs::remove(fs::path(bundle_.path()) / "strategies/spread_watch.lua");
    profile_ = with_entry(read_text(fs::path(bundle_.path()) / "configs/paper.yaml"), entry_);
    ASSERT_FALSE(profile_.empty());

    daemon_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        PROPBOT_BINARY, "run", "--profile", "paper", "--config", bundle_.path() + "/configs/paper.yaml", "--port", "0",
        "--data-dir", data_.path()});
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(30s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    ASSERT_EQ(creds_.tokens.count("operator1"), 1u);
    ASSERT_EQ(creds_.tokens.count("viewer1"), 1u);
    ASSERT_EQ(creds_.tokens.count("auditor1"), 1u);
  }

  void TearDown() override {
    if (!daemon_) return;
    daemon_->send_signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(20s).value_or(-1), 0) << daemon_->stderr_text();
  }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body);
  }

  // The first spread_watch opportunity, waiting for one (the sim dislocates every ~2 s).
  std::optional<json> wait_for_opportunity(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto [status, body] = call("", "GET", "/api/opportunities");
      if (status == 200 && body.contains("opportunities")) {
        for (const auto& o : body["opportunities"]) {
          if (o.value("strategy", "") == "spread_watch") return o;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    return std::nullopt;
  }

  TempDir bundle_;
  TempDir data_;
  std::string lua_;
  std::string entry_;
  std::string profile_;
  std::unique_ptr<DaemonProcess> daemon_;
  DevCredentials creds_;
  std::uint16_t port_ = 0;
};

TEST_F(StrategyGuideE2E, TheWorkedExampleAppliesRunsChangesAndRollsBackOverHttp) {
  const json add{{"files", {{"strategies/spread_watch.lua", lua_}, {"configs/paper.yaml", profile_}}},
                 {"message", "add spread_watch"}};

  // 11.5 validate
  auto [valid_status, valid] = call("operator1", "POST", "/api/ui/config/validate", add);
  ASSERT_EQ(valid_status, 200) << valid.dump();
  EXPECT_EQ(valid["valid"], true) << valid.dump();
  EXPECT_TRUE(valid["errors"].empty()) << valid.dump();
  EXPECT_TRUE(valid["hash"].is_string());
  EXPECT_TRUE(valid.contains("validate_ms"));
  EXPECT_TRUE(valid["recorded_books"].is_number()) << valid.dump();
  // the wrong role: 403
  EXPECT_EQ(call("auditor1", "POST", "/api/ui/config/validate", add).first, 403);

  // 11.6 apply: started, the shipped strategy kept
  auto [apply_status, applied] = call("operator1", "POST", "/api/ui/config/apply", add);
  ASSERT_EQ(apply_status, 200) << applied.dump();
  EXPECT_EQ(applied["applied"], true);
  EXPECT_TRUE(contains(applied["started"], "spread_watch")) << applied.dump();
  EXPECT_TRUE(contains(applied["kept"], "cross_exchange_arb")) << applied.dump();
  const std::int64_t added_version = applied["version"].get<std::int64_t>();
  const std::int64_t first_version = applied["from_version"].get<std::int64_t>();

  // 11.7 its proposals, blocked by HOLD, policy-sized; its counters
  auto opportunity = wait_for_opportunity(60s);
  ASSERT_TRUE(opportunity.has_value()) << "no spread_watch opportunity within 60 s";
  EXPECT_EQ((*opportunity)["status"], "blocked_by_hold") << opportunity->dump();
  EXPECT_EQ((*opportunity)["kind"], "hedged_pair");
  EXPECT_EQ((*opportunity)["reduce_only"], false) << "an entry, as §6 shows it";
  EXPECT_EQ((*opportunity)["intent_notional_usdt"], 500) << opportunity->dump();
  EXPECT_TRUE((*opportunity)["notional_suggestion"].is_number());
  EXPECT_TRUE((*opportunity)["policy"].is_string());
  EXPECT_GE((*opportunity)["net_spread_bps"].get<double>(), 3.0) << opportunity->dump();
  EXPECT_NE((*opportunity)["reason"].get<std::string>().find("spread_watch: net "), std::string::npos);

  auto [market_status, market] = call("viewer1", "GET", "/api/ui/market");
  ASSERT_EQ(market_status, 200);
  bool seen = false;
  for (const auto& s : market["strategies"]) {
    if (s.value("strategy", "") != "spread_watch") continue;
    seen = true;
    EXPECT_EQ(s["state"], "active") << s.dump();
    EXPECT_EQ(s["faults"], 0) << s.dump();
    EXPECT_GE(s["intents"].get<std::int64_t>(), 1) << s.dump();
    EXPECT_EQ(s["file"], "strategies/spread_watch.lua");
  }
  EXPECT_TRUE(seen) << market.dump();

  // 11.8 a params change: replaced (migrate + on_start), the rest kept
  std::string stricter = profile_;
  const std::string from = "min_net_bps: 3 ";
  ASSERT_NE(stricter.find(from), std::string::npos) << "the guide's entry changed: " << entry_;
  stricter.replace(stricter.find(from), from.size(), "min_net_bps: 6 ");
  const json change{{"files", {{"configs/paper.yaml", stricter}}}, {"message", "spread_watch: min_net_bps 3 -> 6"}};
  auto [change_status, changed] = call("operator1", "POST", "/api/ui/config/apply", change);
  ASSERT_EQ(change_status, 200) << changed.dump();
  EXPECT_EQ(changed["applied"], true);
  EXPECT_EQ(changed["replaced"], json::array({"spread_watch"})) << changed.dump();
  EXPECT_TRUE(contains(changed["kept"], "cross_exchange_arb"));
  const std::string token = changed["rollback_token"].get<std::string>();

  // 11.9 rollback, once
  auto [rb_status, rolled] = call("operator1", "POST", "/api/ui/config/rollback", json{{"rollback_token", token}});
  ASSERT_EQ(rb_status, 200) << rolled.dump();
  EXPECT_EQ(rolled["applied"], true);
  EXPECT_EQ(rolled["version"], added_version);
  EXPECT_EQ(rolled["replaced"], json::array({"spread_watch"})) << rolled.dump();
  auto [again_status, again] = call("operator1", "POST", "/api/ui/config/rollback", json{{"rollback_token", token}});
  EXPECT_EQ(again_status, 409) << again.dump();
  EXPECT_NE(again["message"].get<std::string>().find("this rollback_token was used at"), std::string::npos);

  // 11.10 history
  auto [config_status, config] = call("auditor1", "GET", "/api/ui/config?limit=3");
  ASSERT_EQ(config_status, 200) << config.dump();
  EXPECT_EQ(config["version"], added_version);
  ASSERT_EQ(config["history"].size(), 3u) << config.dump();
  EXPECT_EQ(config["history"][0]["message"], "spread_watch: min_net_bps 3 -> 6");
  EXPECT_EQ(config["history"][0]["running"], false);
  EXPECT_EQ(config["history"][1]["message"], "add spread_watch");
  EXPECT_EQ(config["history"][1]["running"], true);
  EXPECT_EQ(config["history"][1]["author"], "operator1");
  EXPECT_EQ(config["history"][2]["version"], first_version);
  EXPECT_TRUE(contains(config["files"], "strategies/spread_watch.lua"));

  // §13: a migrate that fails is found only at apply: 422 apply_failed, nothing changes
  std::string bad_migrate = lua_;
  const std::string anchor = "function M.migrate(old)\n";
  ASSERT_NE(bad_migrate.find(anchor), std::string::npos);
  bad_migrate.insert(bad_migrate.find(anchor) + anchor.size(), "  error(\"cannot read this state\")\n");
  const json broken{{"files", {{"strategies/spread_watch.lua", bad_migrate}}}};
  auto [check_status, checked] = call("operator1", "POST", "/api/ui/config/validate", broken);
  ASSERT_EQ(check_status, 200) << checked.dump();
  EXPECT_EQ(checked["valid"], true) << "validation does not call migrate: " << checked.dump();
  auto [failed_status, failed] = call("operator1", "POST", "/api/ui/config/apply", broken);
  EXPECT_EQ(failed_status, 422) << failed.dump();
  EXPECT_EQ(failed["error"]["code"], "apply_failed") << failed.dump();
  EXPECT_EQ(failed["version"], added_version);
  ASSERT_FALSE(failed["errors"].empty()) << failed.dump();
  EXPECT_NE(failed["errors"][0]["message"].get<std::string>().find("migrate failed at strategies/spread_watch.lua:"),
            std::string::npos)
      << failed.dump();
  EXPECT_EQ(call("auditor1", "GET", "/api/ui/config").second["version"], added_version);
}

}  // namespace
}  // namespace propbot::testing
