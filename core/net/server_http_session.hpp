// The server side of one HTTP/1.1 connection, plain or TLS: reads one request at a
// time, answers it through the router (on the server thread, or on a worker for a
// blocking route), writes the response and reads the next (keep-alive); hands an upgrade
// to a registered WebSocket path over to server_websocket_session. Private to the server.
//
// Guarantees (http_server.hpp): the header deadline from the accept (TLS handshake
// included) and from the end of each response; request_timeout for the body and for
// writing; body and header limits (413, 431, 400, then a lingering close); an overflow
// connection serves one request, and only one carrying a bearer token, anything else and
// every upgrade getting 503 too_many_connections as soon as its header is read; HEAD
// answers carry no body.
// Threads: each session runs on its own strand. Uses: server_state, connection_admission,
// server_websocket_session, bearer_token, Beast.
#pragma once

#include <memory>
#include <string>

#include "core/net/connection_admission.hpp"
#include "core/net/server_state.hpp"

namespace propbot::net::detail {

// Starts serving the accepted `socket` (over TLS when state->tls is set) in the
// connection slot `slot`. Called on the listener's strand.
void start_http_session(tcp::socket&& socket, std::shared_ptr<ServerState> state, ConnectionSlot slot,
                        std::string remote_addr);

}  // namespace propbot::net::detail
