// StreamHub: the live stream of control-plane events to WebSocket clients (SPEC S-11.6,
// issue 16 item 4): GET /api/ui/stream (topics chosen by the client) and GET
// /api/ui/stream/status (the `status` topic only). Both need a viewer token on the
// upgrade (the server runs the router's access guard before it upgrades).
//
// Topics and what they carry (each message one JSON text frame
// {"topic", "type", "seq", "ts", "payload"}):
//   status  ENTER_HOLD, ENTER_KILL, ENTER_RESUME (a mode change, by its new mode),
//           P0_INCIDENT, CIRCUIT_BREAKER_TRIGGERED, health.changed, readiness.changed,
//           config.applied (PROMOTE_STANDBY once HA exists)
//   alerts  ALERT
//   events  every control event as the bus published it (MODE_CHANGED, INCIDENT, …)
//   strategy.<name>  one strategy as its view changes (published by publish_topic():
//           `state`, `fault`, `log`, `stats`; see core/app/strategy_streamer.hpp)
// A client picks topics with `?topics=status,alerts` (default: all) and changes them
// with {"subscribe": [...]} / {"unsubscribe": [...]}; the answer is {"type":
// "subscribed", "topics": [...]}, an unknown topic or a bad message {"type": "error",
// "message"} (the session stays open). On connect the client gets {"type": "hello",
// "topics": [...]}.
//
// Guarantees: publish() never blocks and never throws: a message is queued on each
// session (bounded by the server's WebSocketOptions); a client that does not read fast
// enough is dropped by the server and forgotten here — a slow consumer never slows the
// publisher (the control plane, which may be the engine thread's safety action). One
// serialised string is shared by every session. At most kMaxStreamSessions sessions; a
// further one is closed with 1013 (try again later).
//
// Threads: every call from any thread (one mutex over the session table; sends happen
// outside it).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/control/event_bus.hpp"
#include "core/net/http_server.hpp"

namespace propbot::api {

inline constexpr std::size_t kMaxStreamSessions = 64;
// Topics one session may hold (the three fixed ones and strategy topics).
inline constexpr std::size_t kMaxSessionTopics = 32;

enum class StreamTopic { status, alerts, events };
std::string_view to_string(StreamTopic topic);
std::optional<StreamTopic> stream_topic(std::string_view name);

// The messages one control event becomes: (topic, type) pairs, pure.
std::vector<std::pair<StreamTopic, std::string>> stream_messages_of(const control::ControlEvent& event);

// A topic a client may name: status, alerts, events, or strategy.<name> (a strategy
// name: lower-case snake_case, at most 64 characters).
bool valid_topic(std::string_view name);
inline std::string strategy_topic(std::string_view strategy) { return "strategy." + std::string(strategy); }

// Topics from a comma-separated list ("" = status, alerts, events). Errors:
// invalid_argument naming the unknown topic and the known ones.
Result<std::set<std::string>> parse_topics(std::string_view list);

class StreamHub : public std::enable_shared_from_this<StreamHub> {
 public:
  // Fans one control event out to the subscribed sessions (the EventBus subscriber).
  void publish(const control::ControlEvent& event);

  // One message on `topic` (e.g. strategy.<name>) to its subscribers; never blocks.
  void publish_topic(const std::string& topic, const std::string& type, const nlohmann::json& payload);
  // Whether any session listens to `topic` now (a publisher may skip the work if not).
  bool has_subscribers(const std::string& topic) const;
  // The strategy names some session subscribed to (strategy.<name> topics), bounded by
  // the sessions' topics.
  std::set<std::string> subscribed_strategies() const;

  // The WebSocket handler of /api/ui/stream (`fixed` empty) or of a fixed topic set.
  net::WebSocketHandler handler(std::set<std::string> fixed = {});

  std::size_t sessions() const;

 private:
  struct Session {
    std::shared_ptr<net::WebSocketSession> socket;
    std::set<std::string> topics;
    bool fixed = false;
  };
  void send_to(const std::string& topic, std::shared_ptr<const std::string> text);
  void on_message(const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text);

  mutable std::mutex mutex_;
  std::map<std::uint64_t, Session> sessions_;
};

// Registers /api/ui/stream and /api/ui/stream/status on `server` and subscribes the hub
// to `bus`. Before server.start().
Status add_stream_endpoints(net::HttpServer& server, control::EventBus& bus, const std::shared_ptr<StreamHub>& hub);

}  // namespace propbot::api
