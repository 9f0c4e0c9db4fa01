// The OKX frontend's route table: every REST path (B2-B5) with its method and whether
// it is signed, and the three WebSocket endpoints (public, private, business) with
// OKX's 30 s idle timeout. New WebSockets are closed right after the upgrade while the
// fault gate has websockets down. Runs once, before the server starts.

#include "core/venues/sim/okx/frontend.hpp"

namespace propbot::venues::sim::okx_frontend {

Status OkxSimVenue::install(net::Router& router, net::HttpServer& server) {
  add_route(router, "GET", "/api/v5/public/time", false, &OkxSimVenue::get_time);
  add_route(router, "GET", "/api/v5/public/instruments", false, &OkxSimVenue::get_instruments);
  add_route(router, "GET", "/api/v5/market/books", false, &OkxSimVenue::get_books);
  add_route(router, "GET", "/api/v5/public/funding-rate", false, &OkxSimVenue::get_funding_rate);
  add_route(router, "GET", "/api/v5/public/mark-price", false, &OkxSimVenue::get_mark_price);
  add_route(router, "POST", "/api/v5/trade/order", true, &OkxSimVenue::post_order);
  add_route(router, "GET", "/api/v5/trade/order", true, &OkxSimVenue::get_order);
  add_route(router, "POST", "/api/v5/trade/batch-orders", true, &OkxSimVenue::post_batch_orders);
  add_route(router, "POST", "/api/v5/trade/cancel-order", true, &OkxSimVenue::post_cancel_order);
  add_route(router, "POST", "/api/v5/trade/cancel-batch-orders", true, &OkxSimVenue::post_cancel_batch);
  add_route(router, "GET", "/api/v5/trade/orders-pending", true, &OkxSimVenue::get_orders_pending);
  add_route(router, "GET", "/api/v5/trade/fills", true, &OkxSimVenue::get_fills);
  add_route(router, "POST", "/api/v5/trade/cancel-all-after", true, &OkxSimVenue::post_cancel_all_after);
  add_route(router, "GET", "/api/v5/account/positions", true, &OkxSimVenue::get_positions);
  add_route(router, "GET", "/api/v5/account/balance", true, &OkxSimVenue::get_balance);
  add_route(router, "GET", "/api/v5/account/bills", true, &OkxSimVenue::get_bills);
  add_route(router, "POST", "/api/v5/account/set-leverage", true, &OkxSimVenue::post_set_leverage);
  add_route(router, "GET", "/api/v5/account/leverage-info", true, &OkxSimVenue::get_leverage_info);
  add_route(router, "GET", "/api/v5/account/config", true, &OkxSimVenue::get_account_config);
  add_route(router, "POST", "/api/v5/trade/close-position", true, &OkxSimVenue::post_close_position);

  net::WebSocketOptions options;
  options.idle_timeout = kIdleTimeout;
  options.keep_alive_pings = true;  // data flowing to a live client keeps it open (protocols.md)
  for (std::string_view path : {kPublicPath, kPrivatePath, kBusinessPath}) {
    const bool is_private = path == kPrivatePath;
    net::WebSocketHandler handler;
    handler.on_open = [this, is_private](const std::shared_ptr<net::WebSocketSession>& socket,
                                         const net::HttpRequest&) {
      std::lock_guard lock(mutex_);
      if (faults_.refuse_websocket()) {
        // Accepted by the server, then dropped at once: the client sees an outage.
        socket->close(1001, "simulated outage");
        return;
      }
      sessions_[socket->id()] = Session{socket, is_private, {}, {}};
    };
    handler.on_message = [this](const std::shared_ptr<net::WebSocketSession>& socket, std::string_view text) {
      on_ws_message(socket, text);
    };
    handler.on_close = [this](const std::shared_ptr<net::WebSocketSession>& socket) {
      std::lock_guard lock(mutex_);
      sessions_.erase(socket->id());
    };
    if (Status status = server.add_websocket(std::string(path), std::move(handler), options); !status) return status;
  }
  return {};
}

void OkxSimVenue::add_route(net::Router& router, const char* method, const char* path, bool is_signed, RestMethod fn) {
  router.add(method, path,
             [this, is_signed, fn](const net::HttpRequest& request) { return handle(request, is_signed, fn); });
}

}  // namespace propbot::venues::sim::okx_frontend
