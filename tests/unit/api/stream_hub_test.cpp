// The stream's pure parts: which messages a control event becomes, and the topic lists
// a client may ask for (issue 16 item 4).
#include "core/api/routes/stream_hub.hpp"

#include <gtest/gtest.h>

namespace propbot::api {
namespace {

control::ControlEvent event(std::string type, nlohmann::json payload = nlohmann::json::object()) {
  control::ControlEvent e;
  e.seq = 7;
  e.type = std::move(type);
  e.ts_utc = "2026-12-08T01:00:00.000Z";
  e.payload = std::move(payload);
  return e;
}

using Messages = std::vector<std::pair<StreamTopic, std::string>>;

TEST(StreamHubTest, AModeChangeIsAStatusMessageNamedByItsNewMode) {
  EXPECT_EQ(stream_messages_of(event("MODE_CHANGED", {{"from", "RESUME"}, {"to", "HOLD"}})),
            (Messages{{StreamTopic::events, "MODE_CHANGED"}, {StreamTopic::status, "ENTER_HOLD"}}));
  EXPECT_EQ(stream_messages_of(event("MODE_CHANGED", {{"from", "HOLD"}, {"to", "KILL"}})),
            (Messages{{StreamTopic::events, "MODE_CHANGED"}, {StreamTopic::status, "ENTER_KILL"}}));
  EXPECT_EQ(stream_messages_of(event("MODE_CHANGED", {{"from", "HOLD"}, {"to", "HOLD"}})),
            (Messages{{StreamTopic::events, "MODE_CHANGED"}}))
      << "a hold while held enters nothing";
}

TEST(StreamHubTest, P0sBreakersAndAlertsGoToTheirTopics) {
  EXPECT_EQ(stream_messages_of(event("P0_INCIDENT")),
            (Messages{{StreamTopic::events, "P0_INCIDENT"}, {StreamTopic::status, "P0_INCIDENT"}}));
  EXPECT_EQ(stream_messages_of(event("CIRCUIT_BREAKER_TRIGGERED")),
            (Messages{{StreamTopic::events, "CIRCUIT_BREAKER_TRIGGERED"}, {StreamTopic::status, "CIRCUIT_BREAKER_TRIGGERED"}}));
  EXPECT_EQ(stream_messages_of(event("ALERT")), (Messages{{StreamTopic::events, "ALERT"}, {StreamTopic::alerts, "ALERT"}}));
  EXPECT_EQ(stream_messages_of(event("INCIDENT_ACKED")), (Messages{{StreamTopic::events, "INCIDENT_ACKED"}}));
  for (const char* type : {"health.changed", "readiness.changed", "config.applied"}) {
    EXPECT_EQ(stream_messages_of(event(type)), (Messages{{StreamTopic::events, type}, {StreamTopic::status, type}})) << type;
  }
}

TEST(StreamHubTest, TopicListsAreParsedAndAnUnknownOneIsNamed) {
  EXPECT_EQ(parse_topics("").value().size(), 3u) << "none asked: all";
  EXPECT_EQ(parse_topics("alerts,status").value(), (std::set<std::string>{"alerts", "status"}));
  EXPECT_EQ(parse_topics("strategy.cross_exchange_arb").value(), (std::set<std::string>{"strategy.cross_exchange_arb"}));
  auto bad = parse_topics("status,bogus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unknown topic 'bogus'; topics: status, alerts, events, strategy.<name>");
  EXPECT_FALSE(parse_topics("status,"));
  EXPECT_FALSE(parse_topics("strategy."));
  EXPECT_FALSE(parse_topics("strategy.Bad-Name"));
  EXPECT_FALSE(valid_topic("strategy.x" + std::string(70, 'y')));
}

}  // namespace
}  // namespace propbot::api
