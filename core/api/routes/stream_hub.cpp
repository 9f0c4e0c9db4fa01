#include "core/api/routes/stream_hub.hpp"

#include <algorithm>

namespace propbot::api {
namespace {

using nlohmann::json;

constexpr StreamTopic kAllTopics[] = {StreamTopic::status, StreamTopic::alerts, StreamTopic::events};

json topics_json(const std::set<std::string>& topics) {
  json list = json::array();
  for (const std::string& topic : topics) list.push_back(topic);
  return list;
}

std::string known_topics() {
  std::string out;
  for (StreamTopic topic : kAllTopics) out += (out.empty() ? "" : ", ") + std::string(to_string(topic));
  return out + ", strategy.<name>";
}

constexpr std::string_view kStrategyPrefix = "strategy.";

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
             event.type == "PROMOTE_STANDBY" || event.type == "health.changed" ||
             event.type == "readiness.changed" || event.type == "config.applied") {
    out.emplace_back(StreamTopic::status, event.type);
  } else if (event.type == "ALERT") {
    out.emplace_back(StreamTopic::alerts, event.type);
  }
  return out;
}

bool valid_topic(std::string_view name) {
  if (stream_topic(name)) return true;
  if (!name.starts_with(kStrategyPrefix)) return false;
  const std::string_view strategy = name.substr(kStrategyPrefix.size());
  if (strategy.empty() || strategy.size() > 64 || strategy.front() < 'a' || strategy.front() > 'z') return false;
  return std::all_of(strategy.begin(), strategy.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

Result<std::set<std::string>> parse_topics(std::string_view list) {
  std::set<std::string> topics;
  if (list.empty()) {
    for (StreamTopic topic : kAllTopics) topics.insert(std::string(to_string(topic)));
    return topics;
  }
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view name = list.substr(start, comma - start);
    if (!valid_topic(name)) {
      return make_error(Errc::invalid_argument,
                        "unknown topic '" + std::string(name.substr(0, 80)) + "'; topics: " + known_topics());
    }
    topics.insert(std::string(name));
    if (topics.size() > kMaxSessionTopics) {
      return make_error(Errc::invalid_argument, "at most " + std::to_string(kMaxSessionTopics) + " topics");
    }
    start = comma + 1;
  }
  return topics;
}

void StreamHub::send_to(const std::string& topic, std::shared_ptr<const std::string> text) {
  std::vector<std::shared_ptr<net::WebSocketSession>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, session] : sessions_) {
      if (session.topics.contains(topic)) targets.push_back(session.socket);
    }
  }
  // Outside the lock: a send never blocks, but a dropped session's close may call back.
  for (const auto& socket : targets) (void)socket->send(text);
}

void StreamHub::publish(const control::ControlEvent& event) {
  for (const auto& [topic, type] : stream_messages_of(event)) {
    const std::string name(to_string(topic));
    send_to(name, std::make_shared<const std::string>(
                      json{{"topic", name}, {"type", type}, {"seq", event.seq}, {"ts", event.ts_utc}, {"payload", event.payload}}
                          .dump(-1, ' ', false, json::error_handler_t::replace)));
  }
}

void StreamHub::publish_topic(const std::string& topic, const std::string& type, const json& payload) {
  send_to(topic, std::make_shared<const std::string>(
                     json{{"topic", topic}, {"type", type}, {"payload", payload}}.dump(-1, ' ', false,
                                                                                       json::error_handler_t::replace)));
}

bool StreamHub::has_subscribers(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  return std::any_of(sessions_.begin(), sessions_.end(),
                     [&](const auto& entry) { return entry.second.topics.contains(topic); });
}

std::set<std::string> StreamHub::subscribed_strategies() const {
  std::set<std::string> names;
  std::lock_guard lock(mutex_);
  for (const auto& [id, session] : sessions_) {
    for (const std::string& topic : session.topics) {
      if (topic.starts_with(kStrategyPrefix)) names.insert(topic.substr(kStrategyPrefix.size()));
    }
  }
  return names;
}

net::WebSocketHandler StreamHub::handler(std::set<std::string> fixed) {
  std::weak_ptr<StreamHub> weak = weak_from_this();
  net::WebSocketHandler handler;
  handler.on_open = [weak, fixed](const std::shared_ptr<net::WebSocketSession>& socket, const net::HttpRequest& request) {
    auto hub = weak.lock();
    if (!hub) return socket->close(1001, "the daemon is stopping");
    std::set<std::string> topics = fixed;
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
  if (!list.is_array() || list.size() > kMaxSessionTopics) {
    return refuse("field '" + std::string(subscribe ? "subscribe" : "unsubscribe") + "' must be a list of topics: " +
                  known_topics());
  }
  std::set<std::string> named;
  for (const json& name : list) {
    if (!name.is_string() || !valid_topic(name.get<std::string>())) {
      return refuse("unknown topic " + name.dump().substr(0, 80) + "; topics: " + known_topics());
    }
    named.insert(name.get<std::string>());
  }
  std::set<std::string> now;
  bool too_many = false;
  {
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(socket->id());
    if (found == sessions_.end()) return;
    if (found->second.fixed) return refuse("this endpoint streams a fixed topic; use /api/ui/stream to choose");
    std::set<std::string> next = found->second.topics;
    for (const std::string& topic : named) {
      if (subscribe) {
        next.insert(topic);
      } else {
        next.erase(topic);
      }
    }
    too_many = next.size() > kMaxSessionTopics;
    if (!too_many) found->second.topics = std::move(next);
    now = found->second.topics;
  }
  if (too_many) return refuse("at most " + std::to_string(kMaxSessionTopics) + " topics per session");
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
  if (Status added = server.add_websocket("/api/ui/stream/status", hub->handler({"status"}), options); !added) {
    return added;
  }
  bus.subscribe([weak = std::weak_ptr<StreamHub>(hub)](const control::ControlEvent& event) {
    if (auto alive = weak.lock()) alive->publish(event);
  });
  return {};
}

}  // namespace propbot::api
