#include "core/net/server_listener.hpp"

#include <array>
#include <string>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "core/net/client_key.hpp"
#include "core/net/server_http_session.hpp"

namespace propbot::net::detail {
namespace {

// Pause after a failed accept (e.g. EMFILE) so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

}  // namespace

Listener::Listener(asio::io_context& ioc, std::shared_ptr<ServerState> state)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), retry_timer_(acceptor_.get_executor()), state_(std::move(state)) {}

Status Listener::listen(const tcp::endpoint& endpoint) {
  beast::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return make_error(Errc::io_error, "cannot listen on " + endpoint_text(endpoint) + ": " + ec.message());
  }
  return {};
}

tcp::endpoint Listener::local_endpoint() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::run() {
  asio::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  if (!acceptor_.is_open()) return;
  // Each connection gets its own strand.
  acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    state_->log("api: accept failed: " + ec.message());
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  if (!state_->stopping.load()) admit(std::move(socket));
  do_accept();
}

void Listener::admit(tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;  // the peer is already gone
  // Counted per client (net::client_key), the same rule the operator API's lockout uses.
  Admission::Decision decision = state_->admission->admit(client_key(remote.address().to_string()));
  if (!decision.slot) return refuse(socket, decision.over, remote);
  start_http_session(std::move(socket), state_, std::move(*decision.slot), remote.address().to_string());
}

// One non-blocking write of the canned 503, then close. Input that has already arrived
// is discarded first so that the close is a FIN, not a reset that could destroy the
// answer before the client reads it. TLS gets no answer (none can be sent before a
// handshake, and a handshake is the work a flood wants us to do): the connection is
// closed.
void Listener::refuse(tcp::socket& socket, OverLimit over, const tcp::endpoint& remote) {
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  discard_input(socket);
  if (!state_->tls) {
    const std::string& answer = over == OverLimit::address ? state_->refusal_address_full : state_->refusal_server_full;
    socket.write_some(asio::buffer(answer), ignored);
  }
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  discard_input(socket);
  socket.close(ignored);
  note_refusal(over, remote);
}

void Listener::discard_input(tcp::socket& socket) {
  std::array<char, 4096> sink;
  beast::error_code ec;
  for (int round = 0; round < 4; ++round) {
    if (socket.receive(asio::buffer(sink), 0, ec) == 0 || ec) return;
  }
}

void Listener::note_refusal(OverLimit over, const tcp::endpoint& remote) {
  ++refused_since_log_;
  const auto now = SteadyClock::now();
  if (now - last_refusal_log_ < std::chrono::seconds(1)) return;
  state_->log("api: refused " + std::to_string(refused_since_log_) + " connection(s) with 503 too_many_connections" +
              " (latest from " + remote.address().to_string() + ", over the " +
              (over == OverLimit::address ? "per-address" : "server") + " limit and the overflow pool)");
  refused_since_log_ = 0;
  last_refusal_log_ = now;
}

}  // namespace propbot::net::detail
