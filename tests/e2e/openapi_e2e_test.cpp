// GET /api/openapi.json on the running binary (issue 16, S-11.8): generated from the
// router's own table, so every served route is in it; and every route in it is
// documented in docs/API.md by its exact path — the test that keeps the two from
// drifting (a route added without its documentation fails here).
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string api_doc() {
  std::ifstream in(std::string(PROPBOT_SOURCE_DIR) + "/docs/API.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// /api/ui/exchange_health once the venues' books are in (a few hundred ms after start).
json poll_exchange_health(std::uint16_t port, const DevCredentials& creds) {
  json last;
  for (int i = 0; i < 100; ++i) {
    last = api_call(port, creds, "viewer1", "GET", "/api/ui/exchange_health").second;
    if (last.contains("venues") && last["venues"].size() == 2) return last;
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

TEST(OpenApiE2E, EveryServedRouteIsDescribedAndDocumented) {
  TempDir data;
  DaemonProcess daemon({PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data.path()});
  ASSERT_TRUE(daemon.start());
  auto port = daemon.wait_for_listening(30s);
  ASSERT_TRUE(port.has_value()) << daemon.stderr_text();
  const DevCredentials creds = read_dev_credentials(PROPBOT_BINARY, data.path());

  auto [anonymous, refused] = api_call(static_cast<std::uint16_t>(*port), creds, "", "GET", "/api/openapi.json");
  EXPECT_EQ(anonymous, 401) << "only a valid token learns the route table";

  auto [status, doc] = api_call(static_cast<std::uint16_t>(*port), creds, "viewer1", "GET", "/api/openapi.json");
  ASSERT_EQ(status, 200) << doc.dump();
  EXPECT_EQ(doc["openapi"], "3.0.3");
  const json& paths = doc["paths"];
  ASSERT_GE(paths.size(), 40u) << "the daemon serves more routes than that";
  // Routes this test knows are served: the document is the router's table.
  for (const auto& [path, method] : std::vector<std::pair<std::string, std::string>>{
           {"/api/openapi.json", "get"}, {"/api/ui/hold", "post"}, {"/api/ui/strategies/{name}", "get"},
           {"/api/ui/config/apply", "post"}, {"/healthz", "get"}}) {
    ASSERT_TRUE(paths.contains(path) && paths[path].contains(method)) << method << " " << path;
  }
  EXPECT_EQ(paths["/api/ui/hold"]["post"]["x-propbot-access"], "operator");
  EXPECT_EQ(paths["/healthz"]["get"]["x-propbot-access"], "public");
  EXPECT_FALSE(paths["/healthz"]["get"].contains("security"));
  EXPECT_EQ(paths["/api/ui/strategies/{name}"]["get"]["parameters"][0]["name"], "name");

  // A read of S-11.8 on the paper desk (no positions yet): the shape, zero totals.
  auto [exposure_status, exposure] =
      api_call(static_cast<std::uint16_t>(*port), creds, "viewer1", "GET", "/api/ui/exposure");
  ASSERT_EQ(exposure_status, 200) << exposure.dump();
  EXPECT_TRUE(exposure["venues"].is_array());
  EXPECT_EQ(exposure["total"]["gross_usdt"], 0.0) << exposure.dump();

  // The venues' health on the paper desk: one row per venue, named.
  const json health = poll_exchange_health(static_cast<std::uint16_t>(*port), creds);
  ASSERT_EQ(health["venues"].size(), 2u) << health.dump();
  for (const auto& venue : health["venues"]) {
    EXPECT_EQ(venue["id"], "exchange:" + venue["venue"].get<std::string>()) << venue.dump();
    EXPECT_TRUE(venue["metrics"].contains("valid_books")) << venue.dump();
  }

  // The desk in one read: HOLD at start, the caps, the autopilot's risk verdict.
  auto [state_status, state] = api_call(static_cast<std::uint16_t>(*port), creds, "viewer1", "GET", "/api/ui/state");
  ASSERT_EQ(state_status, 200) << state.dump();
  EXPECT_EQ(state["mode"], "HOLD");
  EXPECT_EQ(state["flags"]["hold_active"], true);
  EXPECT_FALSE(state["risk"]["limits"].empty()) << state.dump();
  EXPECT_EQ(state["risk"]["limits"][0].count("headroom"), 1u) << state.dump();
  EXPECT_TRUE(state["risk"]["risk_blocked"].is_boolean()) << state.dump();
  EXPECT_FALSE(state["strategies"].empty());

  const std::string documented = api_doc();
  std::vector<std::string> missing;
  for (const auto& [path, operations] : paths.items()) {
    for (const auto& [method, operation] : operations.items()) {
      (void)operation;
      if (documented.find(path) == std::string::npos) missing.push_back(method + " " + path);
    }
  }
  EXPECT_TRUE(missing.empty()) << "served but not in docs/API.md: " << json(missing).dump();
  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(20s).value_or(-1), 0);
}

}  // namespace
}  // namespace propbot::testing
