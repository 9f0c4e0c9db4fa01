// Listener: the accepting half of the HTTP server. Binds and listens (synchronously, on
// the caller of HttpServer::start()), then accepts on its own strand and gives every
// connection a regular slot, an overflow slot or an answer on the spot
// (connection_admission). Private to the server.
//
// Guarantees (http_server.hpp, "Connection limits and fairness"): a connection refused
// for want of any slot costs one non-blocking write of the canned 503 (nothing over TLS:
// no answer can precede a handshake), then a close that is a FIN, not a reset; refusals
// are logged at most once a second, with their count. A failed accept (e.g. EMFILE) is
// logged and retried after a short pause, never in a spin. Each accepted connection gets
// its own strand.
// Threads: listen() and local_endpoint() on the owner before the server thread starts;
// run() and stop() from any thread (they dispatch onto the acceptor's strand).
// Uses: server_state, server_http_session, connection_admission, net/client_key, Asio.
#pragma once

#include <cstddef>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/common/result.hpp"
#include "core/net/connection_admission.hpp"
#include "core/net/server_state.hpp"

namespace propbot::net::detail {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, std::shared_ptr<ServerState> state);

  // Errors: io_error naming "address:port" (e.g. port in use).
  Status listen(const tcp::endpoint& endpoint);
  tcp::endpoint local_endpoint() const;

  void run();
  void stop();

 private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Regular slot, overflow slot, or an answer on the spot: a refused connection costs
  // no slot and no waiting.
  void admit(tcp::socket socket);
  // Over a limit and no overflow slot left: see the header comment.
  void refuse(tcp::socket& socket, OverLimit over, const tcp::endpoint& remote);
  static void discard_input(tcp::socket& socket);
  // One log line per second at most, however hard the flood.
  void note_refusal(OverLimit over, const tcp::endpoint& remote);

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
  std::size_t refused_since_log_ = 0;
  SteadyClock::time_point last_refusal_log_{};
};

}  // namespace propbot::net::detail
