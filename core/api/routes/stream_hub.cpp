#include "core/api/routes/stream_hub.hpp"

#include <algorithm>

namespace propbot::api {
namespace {

using nlohmann::json;

constexpr StreamTopic kAllTopics[] = {StreamTopic::status, StreamTopic::alerts, StreamTopic::events};

json topics_json(const std::set<StreamTopic>& topics) {
  json list = json::array();
  for (StreamTopic topic : topics) list.push_back(std::string(to_string(topic)));
  return list;
}

std::string known_topics() {
  std::string out;
  for (StreamTopic topic : kAllTopics) out += (out.empty() ? "" : ", ") + std::string(to_string(topic));
  return out;
}

}  // namespace

std::string_view to_string(StreamTopic topic) {
  switch (topic) {
    case StreamTopic::status: return "status";
    case StreamTopic::alerts: return "alerts";
    case StreamTopic::events: return "events";
  }
  return "events";
}

std::optional<StreamTopic> stream_topic(std::string_view name) {
  for (StreamTopic topic : kAllTopics) {
    if (to_string(topic) == name) return topic;
  }
  return std::nullopt;
}

std::vector<std::pair<StreamTopic, std::string>> stream_messages_of(const control::ControlEvent& event) {
  std::vector<std::pair<StreamTopic, std::string>> out{{StreamTopic::events, event.type}};
  if (event.type == "MODE_CHANGED") {
    const std::string to = event.payload.value("to", std::string());
    if (!to.empty() && to != event.payload.value("from", std::string())) {
      out.emplace_back(StreamTopic::status, "ENTER_" + to);
    }
  } else if (event.type == "P0_INCIDENT" || event.type == "CIRCUIT_BREAKER_TRIGGERED" ||
             event.type == "PROMOTE_STANDBY") {
    out.emplace_back(StreamTopic::status, event.type);
  } else if (event.type == "ALERT") {
    out.emplace_back(StreamTopic::alerts, event.type);
  }
  return out;
}

Result<std::set<StreamTopic>> parse_topics(std::string_view list) {
  std::set<StreamTopic> topics;
  if (list.empty()) return std::set<StreamTopic>(std::begin(kAllTopics), std::end(kAllTopics));
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view name = list.substr(start, comma - start);
    auto topic = stream_topic(name);
    if (!topic) {
      return make_error(Errc::invalid_argument,
                        "unknown topic '" + std::string(name.substr(0, 64)) + "'; topics: " + known_topics());
    }
    topics.insert(*topic);
    start = comma + 1;
  }
  return topics;
}

void StreamHub::publish(const control::ControlEvent& event) {
  const auto messages = stream_messages_of(event);
  std::vector<std::pair<std::shared_ptr<net::WebSocketSession>, std::shared_ptr<const std::string>>> sends;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [topic, type] : messages) {
      auto text = std::make_shared<const std::string>(
          json{{"topic", to_string(topic)}, {"type", type}, {"seq", event.seq}, {"ts", event.ts_utc}, {"payload", event.payload}}
              .dump(-1, ' ', false, json::error_handler_t::replace));
      for (const auto& [id, session] : sessions_) {
        if (session.topics.contains(topic)) sends.emplace_back(session.socket, text);
      }
    }
  }
  // Outside the lock: a send never blocks, but a dropped session's close may call back.
  for (auto& [socket, text] : sends) (void)socket->send(std::move(text));
}

net::WebSocketHandler StreamHub::handler(std::set<StreamTopic> fixed) {
  std::weak_ptr<StreamHub> weak = weak_from_this();
  net::WebSocketHandler handler;
  handler.on_open = [weak, fixed](const std::shared_ptr<net::WebSocketSession>& socket, const net::HttpRequest& request) {
    auto hub = weak.lock();
    if (!hub) return socket->close(1001, "the daemon is stopping");
    std::set<StreamTopic> topics = fixed;
    if (fixed.empty()) {
      const auto asked = request.query.find("topics");
      auto parsed = parse_topics(asked == request.query.end() ? std::string_view() : std::string_view(asked->second));
      if (!parsed) return socket->close(1008, parsed.error().message);
      topics = std::move(*parsed);
    }
    {
      std::lock_guard lock(hub->mutex_);
      if (hub->sessions_.size() >= kMaxStreamSessions) {
        return socket->close(1013, "too many stream clients (" + std::to_string(kMaxStreamSessions) + "); retry later");
      }
      hub->sessions_[socket->id()] = Session{socket, topics, !fixed.empty()};
    }
    socket->send(json{{"type", "hello"}, {"topics", topics_json(topics)}}.dump());
  };
  handler.on_message = [weak](const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text) {
    if (auto hub = weak.lock()) hub->on_message(socket, text);
  };
  handler.on_close = [weak](const std::shared_ptr<net::WebSocketSession>& socket) {
    if (auto hub = weak.lock()) {
      std::lock_guard lock(hub->mutex_);
      hub->sessions_.erase(socket->id());
    }
  };
  return handler;
}

void StreamHub::on_message(const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text) {
  const json message = json::parse(text, nullptr, false);
  const auto refuse = [&](const std::string& why) { socket->send(json{{"type", "error"}, {"message", why}}.dump()); };
  const bool subscribe = message.is_object() && message.contains("subscribe");
  const bool unsubscribe = message.is_object() && message.contains("unsubscribe");
  if (subscribe == unsubscribe) {
    return refuse("send {\"subscribe\": [topics]} or {\"unsubscribe\": [topics]}; topics: " + known_topics());
  }
  const json& list = message[subscribe ? "subscribe" : "unsubscribe"];
  if (!list.is_array() || list.size() > std::size(kAllTopics)) {
    return refuse("field '" + std::string(subscribe ? "subscribe" : "unsubscribe") + "' must be a list of topics: " +
                  known_topics());
  }
  std::set<StreamTopic> named;
  for (const json& name : list) {
    const auto topic = name.is_string() ? stream_topic(name.get<std::string>()) : std::nullopt;
    if (!topic) return refuse("unknown topic " + name.dump() + "; topics: " + known_topics());
    named.insert(*topic);
  }
  std::set<StreamTopic> now;
  {
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(socket->id());
    if (found == sessions_.end()) return;
    if (found->second.fixed) return refuse("this endpoint streams a fixed topic; use /api/ui/stream to choose");
    for (StreamTopic topic : named) {
      if (subscribe) {
        found->second.topics.insert(topic);
      } else {
        found->second.topics.erase(topic);
      }
    }
    now = found->second.topics;
  }
  socket->send(json{{"type", "subscribed"}, {"topics", topics_json(now)}}.dump());
}

std::size_t StreamHub::sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

Status add_stream_endpoints(net::HttpServer& server, control::EventBus& bus, const std::shared_ptr<StreamHub>& hub) {
  net::WebSocketOptions options;
  options.max_message_bytes = 4096;     // a subscription message is a few dozen bytes
  options.max_queued_messages = 256;    // a reader this far behind is dropped
  options.max_queued_bytes = 4 << 20;
  options.idle_timeout = std::chrono::seconds(60);
  options.keep_alive_pings = true;      // a quiet but alive client answers pings
  if (Status added = server.add_websocket("/api/ui/stream", hub->handler(), options); !added) return added;
  if (Status added = server.add_websocket("/api/ui/stream/status", hub->handler({StreamTopic::status}), options); !added) {
    return added;
  }
  bus.subscribe([weak = std::weak_ptr<StreamHub>(hub)](const control::ControlEvent& event) {
    if (auto alive = weak.lock()) alive->publish(event);
  });
  return {};
}

}  // namespace propbot::api
