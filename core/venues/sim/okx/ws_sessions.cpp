// The OKX WebSocket sessions: "ping" → "pong", login / subscribe / unsubscribe
// operations, channel checks per endpoint, the error events (60012, 60013, 60018,
// 60019, 60011) and the snapshot each channel sends on subscribe.

#include "core/venues/sim/okx/frontend.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/common/json_util.hpp"
#include "core/venues/okx/errors.hpp"

namespace propbot::venues::sim::okx_frontend {

std::string conn_id(std::uint64_t id) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%08llx", static_cast<unsigned long long>(id * 2654435761ULL % 0xffffffffULL));
  return buffer;
}

json OkxSimVenue::ws_error(std::string_view code, std::string msg, std::uint64_t id) const {
  if (msg.empty()) {
    auto [status, body] = venues::okx::error_body(code);
    json parsed = json::parse(body, nullptr, false);
    msg = parsed.is_object() ? parsed.value("msg", std::string()) : std::string();
  }
  return json{{"event", "error"}, {"code", std::string(code)}, {"msg", msg}, {"connId", conn_id(id)}};
}

void OkxSimVenue::on_ws_message(const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(socket->id());
  if (it == sessions_.end()) return;
  Session& session = it->second;
  if (text == "ping") {
    socket->send(std::string("pong"));
    return;
  }
  json message = parse_json_or_discarded(text);
  if (!message.is_object() || !message.contains("op") || !message["op"].is_string()) {
    send_to(session, ws_error("60012", "Invalid request: " + std::string(text.substr(0, 200)), socket->id()));
    return;
  }
  const std::string op = message["op"].get<std::string>();
  const json args = message.value("args", json::array());
  if (!args.is_array() || args.empty()) {
    send_to(session, ws_error("60013", "Invalid args", socket->id()));
    return;
  }
  if (op == "login") {
    ws_login(session, args[0]);
  } else if (op == "subscribe" || op == "unsubscribe") {
    for (const json& arg : args) {
      ws_subscribe(session, arg, op == "subscribe", message.contains("id") ? message["id"] : json());
    }
  } else {
    send_to(session, ws_error("60019", "Invalid OP: " + op, socket->id()));
  }
}

void OkxSimVenue::ws_subscribe(Session& session, const json& arg, bool subscribe, const json& request_id) {
  const std::uint64_t id = session.socket->id();
  if (!arg.is_object()) {
    send_to(session, ws_error("60013", "Invalid args", id));
    return;
  }
  const std::string channel = string_field(arg, "channel").value_or("");
  const std::string inst_id = string_field(arg, "instId").value_or("");
  static const std::set<std::string> kPublicChannels = {"books", "bbo-tbt", "mark-price", "funding-rate"};
  static const std::set<std::string> kPrivateChannels = {"orders", "positions", "balance_and_position", "account"};
  const bool private_channel = kPrivateChannels.count(channel) != 0;
  const bool known = session.is_private ? private_channel : kPublicChannels.count(channel) != 0;
  const Instrument* instrument = inst_id.empty() ? nullptr : instrument_by_inst_id(inst_id);
  if (!known || (!private_channel && instrument == nullptr) || (!inst_id.empty() && instrument == nullptr)) {
    send_to(session,
            ws_error("60018", "Wrong URL or channel:" + channel + ",instId:" + inst_id + " doesn't exist", id));
    return;
  }
  if (private_channel && session.account.empty()) {
    send_to(session, ws_error("60011", "Please log in", id));
    return;
  }
  json ack = {{"event", subscribe ? "subscribe" : "unsubscribe"}, {"arg", arg}, {"connId", conn_id(id)}};
  if (!request_id.is_null()) ack["id"] = request_id;
  auto& subs = session.subscriptions;
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [&](const Subscription& s) { return s.channel == channel && s.inst_id == inst_id; }),
             subs.end());
  send_to(session, ack);
  if (!subscribe) return;
  subs.push_back(Subscription{channel, inst_id, arg});
  const UtcTime now = clock_.utc();
  if (channel == "books") {
    const MarketState& market = markets_.at(instrument->rules.symbol);
    const bool corrupt = faults_.take_corrupt_snapshot();
    send_to(session, book_snapshot_message(*instrument, market, corrupt));
  } else if (channel == "bbo-tbt") {
    const MarketState& market = markets_.at(instrument->rules.symbol);
    if (!market.bids.empty() || !market.asks.empty()) send_to(session, bbo_message(*instrument, market));
  } else if (channel == "mark-price") {
    const MarketState& market = markets_.at(instrument->rules.symbol);
    if (market.has_tick) {
      send_to(session, json{{"arg", arg}, {"data", json::array({mark_json(*instrument, market)})}});
    }
  } else if (channel == "positions") {
    json data =
        positions_json(session.account, instrument ? std::optional(instrument->rules.symbol) : std::nullopt, now);
    json out_arg = arg;
    out_arg["uid"] = session.account;
    // One page: the simulator's accounts hold a handful of positions.
    send_to(session, json{{"arg", out_arg}, {"eventType", "snapshot"}, {"curPage", 1}, {"lastPage", true}, {"data", data}});
  } else if (channel == "account") {
    json out_arg = arg;
    out_arg["uid"] = session.account;
    send_to(session, json{{"arg", out_arg},
                          {"eventType", "snapshot"},
                          {"curPage", 1},
                          {"lastPage", true},
                          {"data", json::array({balance_json(session.account, now)})}});
  } else if (channel == "balance_and_position") {
    send_to(session, balance_and_position(session.account, arg, "snapshot", now));
  }
}

}  // namespace propbot::venues::sim::okx_frontend
