// StrategyStreamer (issue 15's strategy.<name> topic): what one look publishes, and
// that a strategy nobody subscribed to is never read.
#include "core/app/strategy_streamer.hpp"

#include <gtest/gtest.h>

namespace propbot::app {
namespace {

using nlohmann::json;

class FakeEngine final : public engine::EngineHandle {
 public:
  engine::ReloadReport reload(engine::EngineBundle, std::chrono::milliseconds) override { return {}; }
  std::shared_ptr<const engine::EngineSnapshot> snapshot() const override { return nullptr; }
  Result<json> strategy_detail(const std::string& name, std::chrono::milliseconds) override {
    ++reads;
    if (name != "arb") return make_error(Errc::not_found, "no strategy");
    return view;
  }
  json view;
  int reads = 0;
};

class FakeSession final : public net::WebSocketSession {
 public:
  std::uint64_t id() const override { return 1; }
  const std::string& remote_addr() const override { return addr_; }
  bool send(std::shared_ptr<const std::string> text) override {
    sent.push_back(json::parse(*text));
    return true;
  }
  void close(std::uint16_t, std::string) override { open_ = false; }
  bool is_open() const override { return open_; }
  std::vector<json> sent;

 private:
  std::string addr_ = "127.0.0.1";
  bool open_ = true;
};

json view(const std::string& state, std::uint64_t calls, json faults, json log, std::uint64_t faults_total) {
  return json{{"state", state}, {"version", 3},     {"freeze_reason", nullptr}, {"calls", calls},
              {"proposals", 1}, {"faults", faults}, {"faults_total", faults_total}, {"log", log},
              {"timings", {{"on_book_p99_us", 12.0}}}};
}

std::vector<std::string> types(const std::vector<json>& messages) {
  std::vector<std::string> out;
  for (const json& m : messages) out.push_back(m["type"]);
  return out;
}

TEST(StrategyStreamerTest, PublishesTheStateThenOnlyWhatChanged) {
  FakeEngine engine;
  auto hub = std::make_shared<api::StreamHub>();
  StrategyStreamer streamer(engine, hub);
  streamer.poll_once();
  EXPECT_EQ(engine.reads, 0) << "nobody listens: nothing is read";

  auto session = std::make_shared<FakeSession>();
  net::HttpRequest upgrade;
  upgrade.query["topics"] = "strategy.arb";
  hub->handler().on_open(session, upgrade);
  ASSERT_EQ(types(session->sent), (std::vector<std::string>{"hello"}));

  engine.view = view("running", 10, json::array(), json::array({{{"ts", "t1"}, {"level", "info"}, {"message", "a"}}}), 0);
  streamer.poll_once();
  EXPECT_EQ(types(session->sent), (std::vector<std::string>{"hello", "state", "log", "stats"}));
  EXPECT_EQ(session->sent[1]["topic"], "strategy.arb");
  EXPECT_EQ(session->sent[1]["payload"]["state"], "running");

  session->sent.clear();
  streamer.poll_once();
  EXPECT_TRUE(session->sent.empty()) << "nothing changed, nothing sent";

  const json fault{{"ts", "t2"}, {"callback", "on_book"}, {"at", "strategies/arb.lua:9"}, {"message", "boom"}};
  engine.view = view("frozen", 15, json::array({fault}),
                     json::array({{{"ts", "t1"}, {"level", "info"}, {"message", "a"}},
                                  {{"ts", "t2"}, {"level", "error"}, {"message", "frozen: …"}}}),
                     1);
  streamer.poll_once();
  EXPECT_EQ(types(session->sent), (std::vector<std::string>{"state", "fault", "log", "stats"}));
  EXPECT_EQ(session->sent[1]["payload"]["at"], "strategies/arb.lua:9");
  EXPECT_EQ(session->sent[2]["payload"]["message"], "frozen: …") << "only the line not sent yet";
}

}  // namespace
}  // namespace propbot::app
