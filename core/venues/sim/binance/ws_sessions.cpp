// The Binance WebSocket sessions: open (streams from the path or ?streams=, listen
// keys, refused while the fault gate has websockets down), the live SUBSCRIBE /
// UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY methods, close.

#include "core/venues/sim/binance/frontend.hpp"

#include "core/common/json_util.hpp"

namespace propbot::venues::sim::binance_frontend {

void BinanceSimVenue::close_all_sessions() {
  for (auto& [id, session] : sessions_) session.session->close(1001, "simulated disconnect");
}

void BinanceSimVenue::on_ws_open(const std::shared_ptr<net::WebSocketSession>& session,
                                 const net::HttpRequest& request, std::set<std::string> streams,
                                 bool combined_from_query) {
  std::lock_guard lock(mutex_);
  if (faults_.refuse_websocket()) {
    // Accepted by the server, then dropped at once: the client sees an outage.
    session->close(1001, "simulated outage");
    return;
  }
  SessionState state;
  state.session = session;
  state.streams = std::move(streams);
  state.combined = combined_from_query;
  if (combined_from_query) {
    if (auto it = request.query.find("streams"); it != request.query.end()) {
      for (auto& name : split(it->second, '/')) state.streams.insert(name);
    }
  }
  if (auto it = request.query.find("listenKey"); it != request.query.end()) {
    if (!listen_keys_.count(it->second)) {
      session->close(1008, "invalid listenKey");
      return;
    }
    state.listen_key = it->second;
    if (auto events = request.query.find("events"); events != request.query.end()) {
      for (auto& name : split(events->second, '/')) state.events.insert(name);
    }
  } else if (request.path == "/private/ws") {
    session->close(1008, "listenKey required");
    return;
  } else if (state.streams.empty() && !combined_from_query && request.path.rfind("/ws/", 0) == 0) {
    // /ws/<listenKey>: every user data event of that key.
    const std::string key = request.path.substr(4);
    if (!listen_keys_.count(key)) {
      session->close(1008, "invalid listenKey");
      return;
    }
    state.listen_key = key;
  }
  sessions_[session->id()] = std::move(state);
}

void BinanceSimVenue::on_ws_message(const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session->id());
  if (it == sessions_.end()) return;
  json message = parse_json_or_discarded(text);
  if (message.is_discarded()) {
    session->send(json{{"code", 3}, {"msg", "Invalid JSON: could not parse the message"}}.dump());
    return;
  }
  const json id = message.contains("id") ? message["id"] : json();
  const std::string method = message.value("method", "");
  const json params = message.contains("params") ? message["params"] : json::array();
  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    if (!params.is_array()) {
      session->send(json{{"code", 2}, {"msg", "Invalid request: params must be an array"}, {"id", id}}.dump());
      return;
    }
    for (const auto& name : params) {
      if (!name.is_string()) continue;
      if (method == "SUBSCRIBE") {
        it->second.streams.insert(name.get<std::string>());
      } else {
        it->second.streams.erase(name.get<std::string>());
      }
    }
    session->send(json{{"result", nullptr}, {"id", id}}.dump());
  } else if (method == "LIST_SUBSCRIPTIONS") {
    session->send(json{{"result", it->second.streams}, {"id", id}}.dump());
  } else if (method == "SET_PROPERTY" && params.is_array() && params.size() == 2 && params[0] == "combined") {
    it->second.combined = params[1].is_boolean() && params[1].get<bool>();
    session->send(json{{"result", nullptr}, {"id", id}}.dump());
  } else {
    session->send(json{{"code", 2}, {"msg", "Invalid request: unknown method"}, {"id", id}}.dump());
  }
}

void BinanceSimVenue::on_ws_close(const std::shared_ptr<net::WebSocketSession>& session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session->id());
}

}  // namespace propbot::venues::sim::binance_frontend
