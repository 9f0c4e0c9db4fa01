// The Binance frontend's route table: every REST path with its method, security
// (none / API key / signed), request weight (A2) and whether it counts as an order, and
// every WebSocket path (one exact path per concrete stream, A1/A7, plus the combined,
// bare and private paths). Guarantees: install() registers everything or returns the
// first error; it runs once, before the server starts.

#include "core/venues/sim/binance/frontend.hpp"

namespace propbot::venues::sim::binance_frontend {

Status BinanceSimVenue::install(net::Router& router, net::HttpServer& server) {
  auto w = [](int weight) { return [weight](const Params&) { return weight; }; };
  add_route(router, "GET", "/fapi/v1/ping", Security::none, w(1), false, [](Call&) { return ok_json(json::object()); });
  add_route(router, "GET", "/fapi/v1/time", Security::none, w(1), false,
            [](Call& call) { return ok_json(json{{"serverTime", call.server_ms}}); });
  add_route(router, "GET", "/fapi/v1/exchangeInfo", Security::none, w(1), false,
            [this](Call& call) { return exchange_info(call); });
  auto depth_weight = [](const Params& p) {
    auto it = p.find("limit");
    const std::int64_t limit = it == p.end() ? 500 : to_int(it->second).value_or(500);
    if (limit <= 50) return 2;
    if (limit <= 100) return 5;
    if (limit <= 500) return 10;
    return 20;
  };
  add_route(router, "GET", "/fapi/v1/depth", Security::none, depth_weight, false,
            [this](Call& call) { return depth(call); });
  add_route(router, "GET", "/fapi/v1/premiumIndex", Security::none, w(1), false,
            [this](Call& call) { return premium_index(call); });

  add_route(router, "POST", "/fapi/v1/order", Security::signed_request, w(0), true,
            [this](Call& call) { return new_order(call); });
  add_route(router, "GET", "/fapi/v1/order", Security::signed_request, w(1), false,
            [this](Call& call) { return query_order(call); });
  add_route(router, "DELETE", "/fapi/v1/order", Security::signed_request, w(1), false,
            [this](Call& call) { return cancel_order(call); });
  add_route(router, "POST", "/fapi/v1/batchOrders", Security::signed_request, w(5), true,
            [this](Call& call) { return batch_orders(call); });
  add_route(router, "DELETE", "/fapi/v1/allOpenOrders", Security::signed_request, w(1), false,
            [this](Call& call) { return cancel_all(call); });
  add_route(router, "GET", "/fapi/v1/openOrders", Security::signed_request,
            [](const Params& p) { return p.count("symbol") ? 1 : 40; }, false,
            [this](Call& call) { return open_orders(call); });
  add_route(router, "GET", "/fapi/v2/positionRisk", Security::signed_request, w(5), false,
            [this](Call& call) { return position_risk(call, false); });
  add_route(router, "GET", "/fapi/v3/positionRisk", Security::signed_request, w(5), false,
            [this](Call& call) { return position_risk(call, true); });
  for (const char* path : {"/fapi/v2/balance", "/fapi/v3/balance"}) {
    add_route(router, "GET", path, Security::signed_request, w(5), false, [this](Call& call) { return balance(call); });
  }
  add_route(router, "GET", "/fapi/v2/account", Security::signed_request, w(5), false,
            [this](Call& call) { return account(call, false); });
  add_route(router, "GET", "/fapi/v3/account", Security::signed_request, w(5), false,
            [this](Call& call) { return account(call, true); });
  add_route(router, "GET", "/fapi/v1/userTrades", Security::signed_request, w(5), false,
            [this](Call& call) { return user_trades(call); });
  add_route(router, "GET", "/fapi/v1/income", Security::signed_request, w(30), false,
            [this](Call& call) { return income(call); });
  add_route(router, "POST", "/fapi/v1/leverage", Security::signed_request, w(1), false,
            [this](Call& call) { return leverage(call); });
  add_route(router, "POST", "/fapi/v1/marginType", Security::signed_request, w(1), false,
            [this](Call& call) { return margin_type(call); });
  for (const char* method : {"GET", "POST"}) {
    add_route(router, method, "/fapi/v1/positionSide/dual", Security::signed_request, w(method[0] == 'G' ? 30 : 1),
              false, [this](Call& call) { return position_mode(call); });
  }
  add_route(router, "GET", "/fapi/v1/leverageBracket", Security::signed_request, w(1), false,
            [this](Call& call) { return leverage_bracket(call); });
  add_route(router, "GET", "/fapi/v1/commissionRate", Security::signed_request, w(20), false,
            [this](Call& call) { return commission_rate(call); });
  add_route(router, "POST", "/fapi/v1/countdownCancelAll", Security::signed_request, w(10), false,
            [this](Call& call) { return countdown_cancel_all(call); });
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    add_route(router, method, "/fapi/v1/listenKey", Security::api_key, w(1), false,
              [this](Call& call) { return listen_key(call); });
  }

  // WebSocket endpoints (exact paths: one per concrete stream, A1/A7).
  Status status;
  std::set<std::string> all;
  for (const auto& [canonical, symbol] : symbols_) {
    const std::string& s = symbol.stream_symbol;
    const std::vector<std::string> high = {s + "@depth", s + "@depth@100ms", s + "@depth@500ms", s + "@bookTicker"};
    const std::vector<std::string> regular = {s + "@markPrice", s + "@markPrice@1s"};
    for (const auto& stream : high) {
      register_stream_path(server, "/ws/" + stream, {stream}, false, status);
      register_stream_path(server, "/public/ws/" + stream, {stream}, false, status);
      all.insert(stream);
    }
    for (const auto& stream : regular) {
      register_stream_path(server, "/ws/" + stream, {stream}, false, status);
      register_stream_path(server, "/market/ws/" + stream, {stream}, false, status);
      all.insert(stream);
    }
  }
  known_streams_ = all;
  for (const char* path : {"/stream", "/public/stream", "/market/stream"}) {
    register_stream_path(server, path, {}, true, status);
  }
  for (const char* path : {"/ws", "/public/ws", "/market/ws", "/private/ws"}) {
    register_stream_path(server, path, {}, false, status);
  }
  // The classic user data stream: /ws/<listenKey> (known stream names above win).
  register_stream_path(server, "/ws/*", {}, false, status);
  return status;
}

void BinanceSimVenue::register_stream_path(net::HttpServer& server, const std::string& path,
                                           std::set<std::string> streams, bool combined_from_query, Status& status) {
  net::WebSocketHandler handler;
  handler.on_open = [this, streams, combined_from_query](const std::shared_ptr<net::WebSocketSession>& session,
                                                         const net::HttpRequest& request) {
    on_ws_open(session, request, streams, combined_from_query);
  };
  handler.on_message = [this](const std::shared_ptr<net::WebSocketSession>& session, std::string_view text) {
    on_ws_message(session, text);
  };
  handler.on_close = [this](const std::shared_ptr<net::WebSocketSession>& session) { on_ws_close(session); };
  Status added = server.add_websocket(path, std::move(handler));
  if (!added.ok() && status.ok()) status = added;
}

void BinanceSimVenue::add_route(net::Router& router, const std::string& method, const std::string& path,
                                Security security, WeightOf weight, bool order_endpoint, Endpoint endpoint) {
  router.add(method, path,
             [this, security, weight = std::move(weight), order_endpoint,
              endpoint = std::move(endpoint)](const net::HttpRequest& request) {
               return handle(request, security, weight, order_endpoint, endpoint);
             });
}

}  // namespace propbot::venues::sim::binance_frontend
