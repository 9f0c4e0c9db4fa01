// The server side of one upgraded WebSocket connection (RFC 6455, text frames): the
// WebSocketSession that a WebSocketHandler sees (http_server.hpp). Private to the server.
//
// Guarantees (http_server.hpp, "WebSocket"): on_open after the handshake, on_close exactly
// once for every opened session whatever ended it; writes go through a queue bounded in
// messages and bytes, checked in send() with atomics so a producer on another thread is
// refused at once, and a reader too slow to stay under it is dropped (no close frame);
// an optional idle timeout; a callback that throws closes the session (1011).
// Threads: runs on the strand it inherits from the HttpSession that read the upgrade;
// send()/close() from any thread. Uses: server_state, connection_admission, Beast.
#pragma once

#include <memory>
#include <string>

#include "core/net/connection_admission.hpp"
#include "core/net/server_state.hpp"

namespace propbot::net::detail {

// Takes over `stream` (and its strand) and `slot` from the HttpSession that read the
// upgrade `request`, registers a session with `state` and answers the handshake. Called
// on that strand. Instantiated for Tls = false and true.
template <bool Tls>
void start_websocket_session(ServerStream<Tls>&& stream, std::shared_ptr<ServerState> state,
                             const WebSocketEndpoint& endpoint, std::string remote_addr, ConnectionSlot slot,
                             http::request<http::string_body> request, HttpRequest api_request);

}  // namespace propbot::net::detail
