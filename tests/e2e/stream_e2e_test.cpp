// The live stream end to end (issue 16 item 4, SPEC S-11.6): the real binary in the
// paper profile, WebSocket clients of /api/ui/stream/status and /api/ui/stream.
// The upgrade is behind the access guard (no or a bad token: an HTTP 401, never an
// upgrade); a status client sees ENTER_HOLD within 1 s of POST /api/ui/hold; topics are
// chosen at connect and changed by messages; a bad topic is named.
#include <csignal>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"
#include "tests/e2e/daemon_process.hpp"
#include "tests/e2e/desk_api.hpp"
#include "tests/support/websocket_client.hpp"

namespace propbot::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using test_support::WebSocketClient;

class StreamE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{PROPBOT_BINARY, "run", "--profile", "paper", "--port", "0", "--data-dir", data_.path()});
    ASSERT_TRUE(daemon_->start());
    auto port = daemon_->wait_for_listening(30s);
    ASSERT_TRUE(port.has_value()) << daemon_->stderr_text();
    port_ = static_cast<std::uint16_t>(*port);
    creds_ = read_dev_credentials(PROPBOT_BINARY, data_.path());
  }
  void TearDown() override {
    if (!daemon_) return;
    daemon_->send_signal(SIGTERM);
    EXPECT_EQ(daemon_->wait_exit(20s).value_or(-1), 0);
  }
  int open(WebSocketClient& client, const std::string& target, const std::string& who) {
    test_support::HeaderList headers;
    if (!who.empty()) headers.emplace_back("Authorization", "Bearer " + creds_.tokens.at(who));
    return client.connect("127.0.0.1", port_, target, headers);
  }
  // The next message of `type` (others skipped), or null after `timeout`.
  static json next_of(WebSocketClient& client, const std::string& type, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto text = client.read_text(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!text) return nullptr;
      json message = json::parse(*text, nullptr, false);
      if (message.value("type", "") == type) return message;
    }
    return nullptr;
  }

  TempDir data_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::uint16_t port_ = 0;
  DevCredentials creds_;
};

TEST_F(StreamE2E, TheUpgradeNeedsAValidToken) {
  WebSocketClient anonymous;
  EXPECT_EQ(open(anonymous, "/api/ui/stream/status", ""), 401) << anonymous.error();
  EXPECT_NE(anonymous.refusal_body().find("unauthorized"), std::string::npos) << anonymous.refusal_body();
  WebSocketClient forged;
  EXPECT_EQ(forged.connect("127.0.0.1", port_, "/api/ui/stream", {{"Authorization", "Bearer not-a-token-at-all-123"}}),
            401);
  WebSocketClient viewer;
  ASSERT_EQ(open(viewer, "/api/ui/stream/status", "viewer1"), 101) << viewer.error();
  const json hello = next_of(viewer, "hello", 5s);
  ASSERT_FALSE(hello.is_null());
  EXPECT_EQ(hello["topics"], (json{"status"}));
}

TEST_F(StreamE2E, AStatusClientSeesEnterHoldWithinASecondOfTheHold) {
  WebSocketClient status;
  ASSERT_EQ(open(status, "/api/ui/stream/status", "viewer1"), 101) << status.error();
  ASSERT_FALSE(next_of(status, "hello", 5s).is_null());
  ASSERT_NO_FATAL_FAILURE(two_man_resume(port_, creds_, "stream e2e"));
  const json resumed = next_of(status, "ENTER_RESUME", 5s);
  ASSERT_FALSE(resumed.is_null()) << "no ENTER_RESUME on the status stream";
  EXPECT_EQ(resumed["topic"], "status");
  // The status watcher (1 s) sees the readiness change that the resume made.
  const json readiness = next_of(status, "readiness.changed", 5s);
  ASSERT_FALSE(readiness.is_null()) << "no readiness.changed after the resume";
  EXPECT_TRUE(readiness["payload"].contains("reasons")) << readiness.dump();

  // A swap is announced: reset_state with no file change rebuilds one strategy.
  auto [applied, applied_body] = api_call(port_, creds_, "operator1", "POST", "/api/ui/config/apply",
                                          {{"files", json::object()}, {"reset_state", {"cross_exchange_arb"}}});
  ASSERT_EQ(applied, 200) << applied_body.dump();
  const json config = next_of(status, "config.applied", 5s);
  ASSERT_FALSE(config.is_null()) << "no config.applied on the status stream";
  EXPECT_EQ(config["payload"]["source"], "reset_state");
  EXPECT_EQ(config["payload"]["reset_state"], (json{"cross_exchange_arb"}));

  const auto asked = std::chrono::steady_clock::now();
  auto [held, body] = api_call(port_, creds_, "operator1", "POST", "/api/ui/hold", {{"reason", "stream e2e"}});
  ASSERT_EQ(held, 200) << body.dump();
  const json hold = next_of(status, "ENTER_HOLD", 1s);
  const auto took = std::chrono::steady_clock::now() - asked;
  ASSERT_FALSE(hold.is_null()) << "no ENTER_HOLD within 1 s of POST /api/ui/hold";
  EXPECT_LT(took, 1s);
  EXPECT_EQ(hold["payload"]["to"], "HOLD");
  EXPECT_EQ(hold["payload"]["reason"], "manual HOLD by operator1: stream e2e");
  EXPECT_GT(hold["seq"].get<std::int64_t>(), resumed["seq"].get<std::int64_t>());
}

TEST_F(StreamE2E, TopicsAreChosenAtConnectAndChangedByMessages) {
  WebSocketClient bad;
  ASSERT_EQ(open(bad, "/api/ui/stream?topics=status,nope", "viewer1"), 101);
  EXPECT_FALSE(bad.read_text(5s).has_value()) << "an unknown topic closes the session";
  EXPECT_TRUE(bad.closed());

  WebSocketClient client;
  ASSERT_EQ(open(client, "/api/ui/stream?topics=alerts", "viewer1"), 101) << client.error();
  const json hello = next_of(client, "hello", 5s);
  ASSERT_EQ(hello["topics"], (json{"alerts"}));
  auto [logged, incident] = api_call(port_, creds_, "operator1", "POST", "/api/ui/incidents/manual_log",
                                     {{"severity", "P1"}, {"component", "venue:SIM-A"}, {"summary", "stream alert"}});
  ASSERT_EQ(logged, 200) << incident.dump();
  const json alert = next_of(client, "ALERT", 5s);
  ASSERT_FALSE(alert.is_null());
  EXPECT_EQ(alert["topic"], "alerts");
  EXPECT_NE(alert["payload"].dump().find("stream alert"), std::string::npos) << alert.dump();

  ASSERT_TRUE(client.send_text(R"({"subscribe": ["status", "events"]})"));
  const json subscribed = next_of(client, "subscribed", 5s);
  EXPECT_EQ(subscribed["topics"], (json{"alerts", "events", "status"})) << "sorted by name";
  ASSERT_TRUE(client.send_text(R"({"subscribe": ["nope"]})"));
  const json error = next_of(client, "error", 5s);
  ASSERT_FALSE(error.is_null());
  EXPECT_NE(error["message"].get<std::string>().find("unknown topic \"nope\""), std::string::npos) << error.dump();
  EXPECT_FALSE(client.closed()) << "a bad message does not end the session";
}

// Issue 15's strategy topic: a client of strategy.<name> sees the strategy's state and
// its call counts as they move.
TEST_F(StreamE2E, AStrategyTopicCarriesItsStateAndStats) {
  WebSocketClient client;
  ASSERT_EQ(open(client, "/api/ui/stream?topics=strategy.cross_exchange_arb", "viewer1"), 101) << client.error();
  const json hello = next_of(client, "hello", 5s);
  ASSERT_EQ(hello["topics"], (json{"strategy.cross_exchange_arb"}));
  const json state = next_of(client, "state", 5s);
  ASSERT_FALSE(state.is_null()) << "no state message on the strategy topic";
  EXPECT_EQ(state["topic"], "strategy.cross_exchange_arb");
  EXPECT_EQ(state["payload"]["state"], "running");
  const json first = next_of(client, "stats", 5s);
  ASSERT_FALSE(first.is_null());
  const json second = next_of(client, "stats", 5s);
  ASSERT_FALSE(second.is_null()) << "the stats move with the books";
  EXPECT_GT(second["payload"]["calls"].get<std::uint64_t>(), first["payload"]["calls"].get<std::uint64_t>());
  EXPECT_TRUE(second["payload"]["timings"].contains("on_book_p99_us")) << second.dump();
}

}  // namespace
}  // namespace propbot::testing
