// Test helpers for WebSocket tests (net and api): a server-side Hub that records what
// the server's callbacks saw, and a client-side Recorder for WsClient callbacks. Both
// are read from the test thread while callbacks run on other threads: all access
// goes through their mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/net/http_server.hpp"
#include "core/net/ws_client.hpp"

namespace propbot::test_support {

class Hub {
 public:
  // Echo: every message is sent back, except "ping" (answered "pong" when answer_pings)
  // and "bye" (the server closes with 4000 "bye now").
  net::WebSocketHandler handler(bool echo = true, bool answer_pings = true) {
    net::WebSocketHandler handler;
    handler.on_open = [this](const std::shared_ptr<net::WebSocketSession>& session, const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      sessions_[session->id()] = session;
      ++opens_;
      last_open_target_ = request.target;
    };
    handler.on_message = [this, echo, answer_pings](const std::shared_ptr<net::WebSocketSession>& session,
                                                    std::string_view text) {
      {
        std::lock_guard lock(mutex_);
        received_.emplace_back(text);
      }
      if (text == "ping") {
        if (answer_pings) session->send(std::string("pong"));
      } else if (text == "bye") {
        session->close(4000, "bye now");
      } else if (echo) {
        session->send(std::string(text));
      }
    };
    handler.on_close = [this](const std::shared_ptr<net::WebSocketSession>& session) {
      std::lock_guard lock(mutex_);
      sessions_.erase(session->id());
      ++closes_;
    };
    return handler;
  }

  // Sends the same message object to every open session; returns how many accepted it.
  int broadcast(const std::shared_ptr<const std::string>& message) {
    std::vector<std::shared_ptr<net::WebSocketSession>> targets;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, session] : sessions_) targets.push_back(session);
    }
    int accepted = 0;
    for (auto& session : targets) accepted += session->send(message) ? 1 : 0;
    return accepted;
  }

  std::vector<std::shared_ptr<net::WebSocketSession>> sessions() {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<net::WebSocketSession>> all;
    for (auto& [id, session] : sessions_) all.push_back(session);
    return all;
  }
  int opens() { std::lock_guard lock(mutex_); return opens_; }
  int closes() { std::lock_guard lock(mutex_); return closes_; }
  std::size_t open_sessions() { std::lock_guard lock(mutex_); return sessions_.size(); }
  std::vector<std::string> received() { std::lock_guard lock(mutex_); return received_; }
  int count_received(const std::string& text) {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (auto& message : received_) n += message == text ? 1 : 0;
    return n;
  }
  std::string last_open_target() { std::lock_guard lock(mutex_); return last_open_target_; }

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<net::WebSocketSession>> sessions_;
  std::vector<std::string> received_;
  int opens_ = 0;
  int closes_ = 0;
  std::string last_open_target_;
};

class Recorder {
 public:
  net::WsCallbacks callbacks() {
    net::WsCallbacks callbacks;
    callbacks.on_open = [this] { std::lock_guard lock(mutex_); ++opens_; };
    callbacks.on_message = [this](std::string_view text) { std::lock_guard lock(mutex_); messages_.emplace_back(text); };
    callbacks.on_close = [this](const net::WsCloseInfo& info) { std::lock_guard lock(mutex_); closes_.push_back(info); };
    return callbacks;
  }
  int opens() { std::lock_guard lock(mutex_); return opens_; }
  std::vector<std::string> messages() { std::lock_guard lock(mutex_); return messages_; }
  std::size_t message_count() { std::lock_guard lock(mutex_); return messages_.size(); }
  std::vector<net::WsCloseInfo> closes() { std::lock_guard lock(mutex_); return closes_; }
  std::size_t close_count() { std::lock_guard lock(mutex_); return closes_.size(); }

 private:
  std::mutex mutex_;
  int opens_ = 0;
  std::vector<std::string> messages_;
  std::vector<net::WsCloseInfo> closes_;
};

}  // namespace propbot::test_support
