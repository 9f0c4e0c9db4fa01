// Hot reload end to end (issue 5, SPEC S-7.5): the real binary in the paper profile,
// its embedded venues streaming books, driven over HTTP with real bearer tokens.
//
// The proof that no book event is dropped or processed twice across a swap: the test
// strategy `counter` counts every on_book call in ctx.state and hands the count to the
// next version through migrate(); each call proposes with reason "<tag> n=<count>".
// The engine counts book events too, and both figures come out of one engine snapshot
// (/api/opportunities), so after any number of applies and rollbacks the strategy's
// count must EQUAL the engine's: one event lost → smaller, one event seen twice (or
// by two versions) → larger.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
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

std::string replaced_text(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The counting strategy; `tag` names the version in every proposal.
std::string counter_source(const std::string& tag, const std::string& on_book_extra = "") {
  return R"(-- test strategy: counts book events across versions
local M = {
  name = "counter",
  params = { step = { type = "integer", default = 1, min = 1, max = 10 } },
}
function M.migrate(old) return old end
function M.on_book(ctx, ev)
  )" + on_book_extra + R"(
  local n = (ctx.state.n or 0) + 1
  ctx.state.n = n
  ctx:propose{ symbol = ev.symbol, long_venue = "BINANCE", short_venue = "OKX", notional_usdt = 100,
               reason = ")" + tag + R"( n=" .. n }
end
return M
)";
}

class ConfigReloadE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    // A bundle of our own: the shipped one plus the counter strategy, enabled from start.
    const fs::path source = PROPBOT_SOURCE_DIR;
    for (const char* dir : {"configs", "strategies", "policies"}) {
      fs::copy(source / dir, fs::path(bundle_.path()) / dir, fs::copy_options::recursive);
    }
    std::string profile = read_text(source / "configs/paper.yaml");
    const std::string anchor = "\nstrategies:\n";
    const auto at = profile.find(anchor);
    ASSERT_NE(at, std::string::npos) << "configs/paper.yaml has no top-level strategies: list";
    profile.insert(at + anchor.size(),
                   "  - name: counter\n    file: strategies/counter.lua\n    enabled: true\n    params: {step: 1}\n");
    paper_yaml_ = profile;
    write_text(fs::path(bundle_.path()) / "configs/paper.yaml", profile);
    write_text(fs::path(bundle_.path()) / "strategies/counter.lua", counter_source("v1"));
  }

  void start_daemon(std::vector<std::string> env = {}) {
    daemon_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        PROPBOT_BINARY, "run", "--profile", "paper", "--config", bundle_.path() + "/configs/paper.yaml", "--port", "0",
        "--data-dir", data_.path()}, std::move(env));
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(30s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    if (creds_.tokens.empty()) creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
    ASSERT_EQ(creds_.tokens.count("operator1"), 1u);
  }

  void stop_daemon() {
    daemon_->send_signal(SIGTERM);
    ASSERT_EQ(daemon_->wait_exit(20s).value_or(-1), 0) << daemon_->stderr_text();
  }

  std::pair<int, json> call(const std::string& who, const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    return api_call(port_, creds_, who, method, path, body);
  }

  // The counter's highest count among its opportunities and the engine's book_events,
  // from one snapshot, once the strategy shows `tag`. Fails the test after a timeout.
  struct Count {
    std::uint64_t strategy = 0;
    std::uint64_t engine = 0;
  };
  Count wait_for_tag(const std::string& tag, std::uint64_t min_events = 0) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto [status, body] = call("", "GET", "/api/opportunities");
      last = body;
      if (status == 200 && body.contains("opportunities")) {
        Count count;
        bool tagged = false, other = false;
        for (const auto& o : body["opportunities"]) {
          if (o.value("strategy", "") != "counter") continue;
          const std::string reason = o.value("reason", "");
          const auto space = reason.find(" n=");
          if (space == std::string::npos) continue;
          (reason.substr(0, space) == tag ? tagged : other) = true;
          count.strategy = std::max<std::uint64_t>(count.strategy, std::stoull(reason.substr(space + 3)));
        }
        count.engine = body.value("book_events", std::uint64_t{0});
        if (tagged && !other && count.engine >= min_events) return count;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no opportunity tagged '" << tag << "' only: " << last.dump();
    return {};
  }

  json counter_files(const std::string& source) { return json{{"files", {{"strategies/counter.lua", source}}}}; }

  TempDir bundle_;
  TempDir data_;
  std::string paper_yaml_;
  std::unique_ptr<DaemonProcess> daemon_;
  DevCredentials creds_;
  std::uint16_t port_ = 0;
};

TEST_F(ConfigReloadE2E, ApplyAndRollbackSwapLogicWithoutLosingOrRepeatingAnEvent) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  const Count v1 = wait_for_tag("v1", 40);  // a stream is flowing before the swap
  EXPECT_GE(v1.engine, 40u);
  EXPECT_EQ(v1.strategy, v1.engine) << "v1 must have seen every book event exactly once";

  auto [config_status, config] = call("operator1", "GET", "/api/ui/config");
  ASSERT_EQ(config_status, 200) << config.dump();
  const std::int64_t first_version = config["version"].get<std::int64_t>();
  EXPECT_GE(first_version, 1);
  EXPECT_NE(std::find(config["files"].begin(), config["files"].end(), "strategies/counter.lua"), config["files"].end());

  // validate, then apply v2 while books keep flowing
  auto [valid_status, valid] = call("operator1", "POST", "/api/ui/config/validate", counter_files(counter_source("v2")));
  ASSERT_EQ(valid_status, 200) << valid.dump();
  EXPECT_EQ(valid["valid"], true) << valid.dump();
  EXPECT_TRUE(valid["errors"].empty());
  EXPECT_GT(valid["recorded_books"].get<int>(), 0) << "the dry run used the engine's real books";

  json apply_body = counter_files(counter_source("v2"));
  apply_body["message"] = "counter v2";
  auto [apply_status, applied] = call("operator1", "POST", "/api/ui/config/apply", apply_body);
  ASSERT_EQ(apply_status, 200) << applied.dump();
  EXPECT_EQ(applied["applied"], true);
  const std::int64_t v2_version = applied["version"].get<std::int64_t>();
  EXPECT_GT(v2_version, first_version);
  const std::string token = applied["rollback_token"].get<std::string>();
  EXPECT_FALSE(token.empty());
  EXPECT_TRUE(applied["errors"].empty());
  EXPECT_NE(applied["message"].get<std::string>().find("counter"), std::string::npos) << applied.dump();

  const Count v2 = wait_for_tag("v2", v1.engine + 40);
  EXPECT_GT(v2.engine, v1.engine) << "book events kept flowing across the swap";
  EXPECT_EQ(v2.strategy, v2.engine) << "an event was dropped or processed twice across the apply";

  {
    const json market = call("viewer1", "GET", "/api/ui/market").second;
    bool seen = false;
    for (const auto& s : market["strategies"]) {
      if (s["strategy"] != "counter") continue;
      seen = true;
      EXPECT_EQ(s["version"], v2_version);
      EXPECT_EQ(s["params"]["step"]["type"], "integer") << s.dump();
      EXPECT_EQ(s["params"]["step"]["max"], 10);
      EXPECT_EQ(s["params"]["step"]["value"], 1);
    }
    EXPECT_TRUE(seen) << market.dump();
  }

  auto [after_status, after] = call("auditor1", "GET", "/api/ui/config");
  ASSERT_EQ(after_status, 200);
  EXPECT_EQ(after["version"], v2_version);
  ASSERT_GE(after["history"].size(), 2u);
  EXPECT_EQ(after["history"][0]["version"], v2_version);
  EXPECT_EQ(after["history"][0]["author"], "operator1");
  EXPECT_EQ(after["history"][0]["message"], "counter v2");
  EXPECT_EQ(after["history"][0]["running"], true);
  EXPECT_EQ(after["history"][0]["changes"]["changed"], json::array({"strategies/counter.lua"})) << after.dump();
  auto [vs2, stored] = call("auditor1", "GET", "/api/ui/config/versions/" + std::to_string(v2_version));
  ASSERT_EQ(vs2, 200) << stored.dump();
  EXPECT_EQ(stored["files"]["strategies/counter.lua"], counter_source("v2"));
  EXPECT_EQ(stored["changes"]["changed"], json::array({"strategies/counter.lua"}));
  EXPECT_EQ(call("auditor1", "GET", "/api/ui/config/versions/999999").first, 404);
  EXPECT_EQ(call("auditor1", "GET", "/api/ui/config/versions/abc").first, 400);
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/config/versions/1").first, 403) << "the bundle is for auditors and operators";

  // Broken bundles: refused by validate and by apply; v2 keeps running.
  struct Broken {
    std::string name;
    json files;
    std::string file;
    std::string needle;
    int line = 0;  // > 0: the line the error must name
  };
  std::string bad_param_yaml = paper_yaml_;
  const auto bad_param_at = bad_param_yaml.find("params: {step: 1}");
  bad_param_yaml.replace(bad_param_at, std::string("params: {step: 1}").size(), "params: {step: 99}");
  // A refused param value points at its profile line (issue 15 finding 6).
  const int bad_param_line =
      1 + static_cast<int>(std::count(bad_param_yaml.begin(), bad_param_yaml.begin() + bad_param_at, '\n'));
  const std::vector<Broken> broken = {
      {"syntax error", counter_files("local M = {\nreturn M end"), "strategies/counter.lua", ""},
      {"runtime error in the dry run", counter_files(counter_source("v3", "error('boom in on_book')")),
       "strategies/counter.lua", "boom in on_book"},
      {"out-of-range param", json{{"files", {{"configs/paper.yaml", bad_param_yaml}}}}, "configs/paper.yaml",
       "strategies[0].params.step = 99 is above its max 10 (declared in strategies/counter.lua)", bad_param_line},
  };
  for (const Broken& b : broken) {
    SCOPED_TRACE(b.name);
    auto [vs, vr] = call("operator1", "POST", "/api/ui/config/validate", b.files);
    ASSERT_EQ(vs, 200) << vr.dump();
    EXPECT_EQ(vr["valid"], false) << vr.dump();
    ASSERT_FALSE(vr["errors"].empty());
    EXPECT_EQ(vr["errors"][0]["file"], b.file) << vr.dump();
    EXPECT_NE(vr["errors"][0]["message"].get<std::string>().find(b.needle), std::string::npos) << vr.dump();
    if (b.name == "syntax error") {
      EXPECT_GT(vr["errors"][0]["line"].get<int>(), 0) << vr.dump();
    }
    if (b.line > 0) {
      EXPECT_EQ(vr["errors"][0]["line"], b.line) << vr.dump();
    }

    auto [as, ar] = call("operator1", "POST", "/api/ui/config/apply", b.files);
    EXPECT_EQ(as, 422) << ar.dump();
    EXPECT_EQ(ar["applied"], false);
    EXPECT_EQ(ar["version"], v2_version);
    EXPECT_FALSE(ar["errors"].empty());
    EXPECT_TRUE(ar.contains("error")) << "non-2xx answers carry the S-11 error object";
  }
  const Count still_v2 = wait_for_tag("v2");
  EXPECT_EQ(still_v2.strategy, still_v2.engine);
  EXPECT_EQ(call("operator1", "GET", "/api/ui/config").second["version"], v2_version);

  // Rollback restores v1's logic (with the count carried on), once.
  auto [rb_status, rolled] = call("operator1", "POST", "/api/ui/config/rollback", json{{"rollback_token", token}});
  ASSERT_EQ(rb_status, 200) << rolled.dump();
  EXPECT_EQ(rolled["applied"], true);
  EXPECT_EQ(rolled["version"], first_version);
  const Count back = wait_for_tag("v1", v2.engine + 40);
  EXPECT_GT(back.engine, v2.engine);
  EXPECT_EQ(back.strategy, back.engine) << "an event was dropped or processed twice across the rollback";
  auto [again_status, again] = call("operator1", "POST", "/api/ui/config/rollback", json{{"rollback_token", token}});
  EXPECT_EQ(again_status, 409) << again.dump();
  auto [unknown_status, unknown] = call("operator1", "POST", "/api/ui/config/rollback",
                                        json{{"rollback_token", "pbr_not_a_token"}});
  EXPECT_EQ(unknown_status, 404) << unknown.dump();

  // Roles: a viewer may not apply, nobody without a token may read the bundle.
  EXPECT_EQ(call("viewer1", "POST", "/api/ui/config/apply", counter_files(counter_source("v9"))).first, 403);
  EXPECT_EQ(call("", "GET", "/api/ui/config").first, 401);
  EXPECT_EQ(call("operator1", "POST", "/api/ui/config/apply", json{{"files", "not an object"}}).first, 400);
  EXPECT_EQ(call("operator1", "POST", "/api/ui/config/apply",
                 json{{"files", {{"../etc/passwd", "x"}}}}).first, 400);
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

TEST_F(ConfigReloadE2E, AnAppliedVersionSurvivesARestartAndARestartOnlyKeyIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  (void)wait_for_tag("v1");
  auto [status, applied] = call("operator1", "POST", "/api/ui/config/apply", counter_files(counter_source("v2")));
  ASSERT_EQ(status, 200) << applied.dump();
  const std::int64_t version = applied["version"].get<std::int64_t>();

  std::string moved_port = paper_yaml_;
  moved_port.replace(moved_port.find("seed: 42"), std::string("seed: 42").size(), "seed: 43");
  auto [refused_status, refused] = call("operator1", "POST", "/api/ui/config/apply",
                                        json{{"files", {{"configs/paper.yaml", moved_port}}}});
  EXPECT_EQ(refused_status, 422) << refused.dump();
  EXPECT_EQ(refused["error"]["code"], "restart_required");
  ASSERT_FALSE(refused["errors"].empty());
  EXPECT_NE(refused["errors"][0]["message"].get<std::string>().find("sim.seed"), std::string::npos) << refused.dump();
  ASSERT_NO_FATAL_FAILURE(stop_daemon());

  ASSERT_NO_FATAL_FAILURE(start_daemon());
  auto [config_status, config] = call("operator1", "GET", "/api/ui/config");
  ASSERT_EQ(config_status, 200);
  EXPECT_EQ(config["version"], version) << "the applied version resumes while the disk bundle is unchanged";
  const Count resumed = wait_for_tag("v2");
  EXPECT_EQ(resumed.strategy, resumed.engine);
  EXPECT_EQ(config["activations"][0]["source"], "startup");
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

TEST_F(ConfigReloadE2E, PolicyScriptsReloadHotAndABrokenOneIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  (void)wait_for_tag("v1", 20);
  const std::string fixed_size = "local M = {}\nfunction M.size(intent, regime, risk_level, caps) return 7 end\nreturn M\n";
  auto [status, applied] = call("operator1", "POST", "/api/ui/config/apply",
                                json{{"files", {{"policies/sizing.lua", fixed_size}}}});
  ASSERT_EQ(status, 200) << applied.dump();
  EXPECT_EQ(applied["policies_reloaded"], true);
  EXPECT_EQ(applied["replaced"].size(), 0u) << "no strategy changed, none is restarted";

  // The new sizing shows in the opportunities' policy-sized notional.
  bool sized_by_new_script = false;
  for (int i = 0; i < 200 && !sized_by_new_script; ++i) {
    auto [s, body] = call("", "GET", "/api/opportunities");
    for (const auto& o : body["opportunities"]) {
      if (o.value("strategy", "") == "counter" && o.value("policy", "") != "warming_up" &&
          o.value("notional_suggestion", 0.0) == 7.0) {
        sized_by_new_script = true;
      }
    }
    if (!sized_by_new_script) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(sized_by_new_script) << "no counter opportunity sized 7 by the new policies/sizing.lua";

  auto [vs, vr] = call("operator1", "POST", "/api/ui/config/validate",
                       json{{"files", {{"policies/regime.lua", "local M = {}\nfunction M.classify(f)\n  return {\nend\nreturn M\n"}}}});
  ASSERT_EQ(vs, 200);
  EXPECT_EQ(vr["valid"], false);
  ASSERT_FALSE(vr["errors"].empty()) << vr.dump();
  EXPECT_EQ(vr["errors"][0]["file"], "policies/regime.lua") << vr.dump();
  EXPECT_GT(vr["errors"][0]["line"].get<int>(), 0) << vr.dump();
  auto [as, ar] = call("operator1", "POST", "/api/ui/config/apply",
                       json{{"files", {{"policies/sizing.lua", "return {}\n"}}}});
  EXPECT_EQ(as, 422) << ar.dump();
  EXPECT_EQ(call("operator1", "GET", "/api/ui/config").second["version"], applied["version"]);

  auto [ms, market] = call("viewer1", "GET", "/api/ui/market");
  ASSERT_EQ(ms, 200);
  EXPECT_EQ(market["policy"]["loaded"], true) << market.dump();
  EXPECT_EQ(market["bundle_version"], applied["version"]);
  EXPECT_EQ(market["reloads"], 1);
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

TEST_F(ConfigReloadE2E, AStrategyThatFaultsLiveIsFrozenWithAP1AndTheOthersKeepRunning) {
  // Shadow validation off: it would refuse this late fault once the tape holds 41 books
  // (tests/e2e/shadow_validation_e2e_test.cpp); here the live freeze is under test.
  ASSERT_NO_FATAL_FAILURE(start_daemon({"PROPBOT_VALIDATION__SHADOW_WINDOW_S=0"}));
  (void)wait_for_tag("v1", 10);
  // Passes the dry runs (they call on_book fewer than 40 times), faults on every call after.
  auto [status, applied] = call("operator1", "POST", "/api/ui/config/apply",
                                counter_files(counter_source("v2", "if (ctx.state.n or 0) > 40 then error('late fault') end")));
  ASSERT_EQ(status, 200) << applied.dump();

  json market;
  for (int i = 0; i < 300; ++i) {
    market = call("viewer1", "GET", "/api/ui/market").second;
    bool frozen = false;
    for (const auto& s : market["strategies"]) frozen |= s["strategy"] == "counter" && s["state"] == "frozen";
    if (frozen) break;
    std::this_thread::sleep_for(50ms);
  }
  std::uint64_t arb_calls = 0;
  for (const auto& s : market["strategies"]) {
    if (s["strategy"] == "counter") {
      EXPECT_EQ(s["state"], "frozen") << market.dump();
      EXPECT_NE(s["freeze_reason"].get<std::string>().find("strategies/counter.lua:"), std::string::npos) << s.dump();
      EXPECT_NE(s["last_fault"].get<std::string>().find("late fault"), std::string::npos) << s.dump();
    }
    if (s["strategy"] == "cross_exchange_arb") arb_calls = s["calls"].get<std::uint64_t>();
  }
  // The other strategy keeps being called.
  std::this_thread::sleep_for(500ms);
  const json later = call("viewer1", "GET", "/api/ui/market").second;
  for (const auto& s : later["strategies"]) {
    if (s["strategy"] == "cross_exchange_arb") {
      EXPECT_GT(s["calls"].get<std::uint64_t>(), arb_calls);
    }
  }
  // One P1 strategy_degraded incident for it.
  auto [is, incidents] = call("viewer1", "GET", "/api/ui/incidents");
  ASSERT_EQ(is, 200);
  int p1 = 0;
  for (const auto& i : incidents["active"]) {
    if (i["component"] == "strategy:counter" && i["severity"] == "P1") {
      ++p1;
      EXPECT_EQ(i["code"], "strategy_degraded") << i.dump();
    }
  }
  EXPECT_EQ(p1, 1) << incidents.dump();
  std::this_thread::sleep_for(300ms);
  p1 = 0;
  const json again = call("viewer1", "GET", "/api/ui/incidents").second;
  for (const auto& i : again["active"]) {
    if (i["component"] == "strategy:counter") ++p1;
  }
  EXPECT_EQ(p1, 1) << "raised once, not every tick";
  EXPECT_EQ(call("viewer1", "GET", "/api/health").second["mode"], "HOLD");
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

// Issue 15 finding 1, end to end: strategies that fail only sometimes — every other
// call, or a budget overrun every third — used to stay active for ever (good calls
// reset the fault run). Each is frozen within one fault window with one P1, the
// daemon's log stays short, GET /api/ui/strategies/counter shows why, and the fixing
// apply closes the P1. The faults start only in the engine (migrate marks the state
// live; validation never migrates), so validation lets them through.
TEST_F(ConfigReloadE2E, StrategiesThatFailSometimesAreFrozenWithOneP1AndAShortLog) {
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  (void)wait_for_tag("v1", 10);
  const auto frozen_view = [&](const std::string& fragment) {
    json view;
    for (int i = 0; i < 400; ++i) {
      auto [status, body] = call("viewer1", "GET", "/api/ui/strategies/counter");
      EXPECT_EQ(status, 200) << body.dump();
      view = body;
      if (body.value("state", "") == "frozen" &&
          body.value("freeze_reason", std::string()).find(fragment) != std::string::npos) {
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    return view;
  };
  const auto p1_ids = [&] {
    std::vector<std::int64_t> ids;
    const json incidents = call("viewer1", "GET", "/api/ui/incidents").second;
    for (const auto& i : incidents["active"]) {
      if (i["component"] == "strategy:counter" && i["code"] == "strategy_degraded") ids.push_back(i["id"]);
    }
    return ids;
  };
  const auto live_only = [](const std::string& fault) {
    return "function M.migrate(old) old = old or {} old.live = true return old end\n" +
           std::string("function M.on_book(ctx, ev)\n  if ctx.state.live then " + fault + " end\n");
  };

  // 1. A fault on every other call: never two in a row.
  std::string flaky = counter_source("flaky");
  flaky = replaced_text(flaky, "function M.migrate(old) return old end\nfunction M.on_book(ctx, ev)\n",
                        live_only("ctx.state.k = (ctx.state.k or 0) + 1 if ctx.state.k % 2 == 0 then "
                                  "error('intermittent ' .. ctx.state.k) end"));
  auto [status, applied] = call("operator1", "POST", "/api/ui/config/apply", counter_files(flaky));
  ASSERT_EQ(status, 200) << applied.dump();
  const json view = frozen_view("script faults within 60 s");
  ASSERT_EQ(view["state"], "frozen") << view.dump();
  const std::string reason = view["freeze_reason"];
  EXPECT_NE(reason.find("21 script faults within 60 s (limit 20"), std::string::npos) << reason;
  const auto at = reason.find("strategies/counter.lua:");
  ASSERT_NE(at, std::string::npos) << reason;
  EXPECT_EQ(reason.find("strategies/counter.lua:", at + 1), std::string::npos) << "file:line once: " << reason;
  EXPECT_EQ(view["faults_total"], 21);
  EXPECT_GE(view["calls"].get<int>(), 41);
  EXPECT_EQ(view["faults"].size(), 20u);
  EXPECT_EQ(view["first_fault"]["callback"], "on_book");
  EXPECT_NE(view["first_fault"]["message"].get<std::string>().find("intermittent 2"), std::string::npos) << view.dump();
  EXPECT_TRUE(view["ctx_state"]["live"].get<bool>()) << view.dump();
  EXPECT_GE(view["timings"]["calls"].get<int>(), 41);
  std::this_thread::sleep_for(300ms);
  const std::vector<std::int64_t> first_p1 = p1_ids();
  ASSERT_EQ(first_p1.size(), 1u) << "one P1 for the frozen version";

  // The fix closes it.
  json fixed = counter_files(counter_source("fixed"));
  fixed["reset_state"] = {"counter"};
  auto [fixed_status, fixed_answer] = call("operator1", "POST", "/api/ui/config/apply", fixed);
  ASSERT_EQ(fixed_status, 200) << fixed_answer.dump();
  EXPECT_EQ(fixed_answer["incidents_closed"], (json{first_p1[0]})) << fixed_answer.dump();
  EXPECT_TRUE(p1_ids().empty());
  EXPECT_EQ(call("viewer1", "GET", "/api/ui/strategies/counter").second["state"], "running");

  // 2. A budget overrun on every third call.
  std::string burner = counter_source("burner");
  burner = replaced_text(burner, "function M.migrate(old) return old end\nfunction M.on_book(ctx, ev)\n",
                         live_only("ctx.state.k = (ctx.state.k or 0) + 1 if ctx.state.k % 3 == 0 then "
                                   "local x = 0 while true do x = x + 1 end end"));
  auto [burn_status, burn_applied] = call("operator1", "POST", "/api/ui/config/apply", counter_files(burner));
  ASSERT_EQ(burn_status, 200) << burn_applied.dump();
  const json burnt = frozen_view("script faults within 60 s");
  ASSERT_EQ(burnt["state"], "frozen") << burnt.dump();
  EXPECT_TRUE(burnt["faults"].back()["budget_exceeded"].get<bool>()) << burnt.dump();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(p1_ids().size(), 1u) << "one P1 for the second frozen version";

  // 42 faults in all; the log got a handful of lines for them.
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
  std::istringstream log(daemon_->stderr_text());
  int fault_lines = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("strategy_log") != std::string::npos && line.find("failed at") != std::string::npos) ++fault_lines;
  }
  EXPECT_GE(fault_lines, 2);
  EXPECT_LE(fault_lines, 8) << "a line per fault was the finding";
}

TEST_F(ConfigReloadE2E, AnApplyWarnsWhenTheEnvironmentOverridesWhatTheBundleSays) {
  ASSERT_NO_FATAL_FAILURE(start_daemon({"PROPBOT_RISK__MAX_TOTAL_NOTIONAL_USDT=40000"}));
  (void)wait_for_tag("v1", 5);
  const std::string yaml = replaced_text(paper_yaml_, "max_total_notional_usdt: 50000", "max_total_notional_usdt: 30000");
  auto [status, applied] = call("operator1", "POST", "/api/ui/config/apply", json{{"files", {{"configs/paper.yaml", yaml}}}});
  ASSERT_EQ(status, 200) << applied.dump();
  ASSERT_EQ(applied["warnings"].size(), 1u) << applied.dump();
  const std::string warning = applied["warnings"][0];
  EXPECT_NE(warning.find("risk.max_total_notional_usdt: the bundle says 30000"), std::string::npos) << warning;
  EXPECT_NE(warning.find("sets 40000, which wins"), std::string::npos) << warning;
  ASSERT_NO_FATAL_FAILURE(stop_daemon());
}

}  // namespace
}  // namespace propbot::testing
