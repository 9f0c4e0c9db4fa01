// HttpServer (http_server.hpp): owns the io_context, its thread, the worker pool and the
// state the listener and sessions share; starts and stops them. The pieces, each in its
// own unit after Boost.Beast's example/advanced/server(_flex): server_listener accepts,
// connection_admission counts, server_http_session reads and answers one request at a
// time, server_websocket_session serves an upgraded connection, server_state is what
// they share. Each session runs on its own strand; today a single thread runs the
// io_context, the strands keep the code correct if that changes (and
// WebSocketSession::send() from other threads posts to them).
#include "core/net/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

#include "core/net/connection_admission.hpp"
#include "core/net/server_listener.hpp"
#include "core/net/server_state.hpp"
#include "core/net/worker_pool.hpp"

namespace propbot::net {

using namespace detail;  // the server's own internals (server_state.hpp)

namespace {

// How long stop() waits for in-flight requests before dropping connections.
constexpr std::chrono::milliseconds kStopGrace{2000};

// A server context for options.tls, or config_invalid naming the file at fault.
Result<std::unique_ptr<ssl::context>> make_tls_context(const HttpServerTls& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(tls.cert_chain_file, ec);
  if (ec) {
    return make_error(Errc::config_invalid,
                      "cannot load TLS certificate chain '" + tls.cert_chain_file + "': " + ec.message());
  }
  context->use_private_key_file(tls.private_key_file, ssl::context::pem, ec);
  if (ec) {
    return make_error(Errc::config_invalid, "cannot load TLS private key '" + tls.private_key_file + "': " + ec.message());
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return make_error(Errc::config_invalid, "TLS private key '" + tls.private_key_file +
                                                "' does not match the certificate in '" + tls.cert_chain_file + "'");
  }
  return context;
}

}  // namespace

// ---------------------------------------------------------------------------------
struct HttpServer::Impl {
  std::shared_ptr<ServerState> state = std::make_shared<ServerState>();
  asio::io_context ioc;
  std::shared_ptr<Listener> listener;  // after ioc: its acceptor must die first
  std::unique_ptr<WorkerPool> workers;  // blocking routes; shut down by stop()
  std::thread thread;
  std::promise<void> finished;
  std::future<void> finished_future = finished.get_future();
  std::atomic<std::uint16_t> port{0};
  std::string bound_address;
  bool started = false;
  std::atomic<bool> shutdown_requested{false};

  void run_thread() {
    // Handlers catch everything already; this loop is the last line (STYLE: a
    // long-running loop reports and continues, it never dies silently).
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& error) {
        state->log(std::string("api: server loop error: ") + error.what());
      } catch (...) {
        state->log("api: server loop error: non-std exception");
      }
    }
    finished.set_value();
  }
};

HttpServer::HttpServer(HttpServerOptions options, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>()) {
  impl_->state->options = std::move(options);
  impl_->state->router = std::move(router);
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::add_websocket(std::string path, WebSocketHandler handler, WebSocketOptions options) {
  if (impl_->started) return make_error(Errc::conflict, "add_websocket(" + path + ") after start()");
  if (path.empty() || path.front() != '/') {
    return make_error(Errc::invalid_argument, "WebSocket path '" + path + "' must start with '/'");
  }
  if (options.max_queued_messages == 0 || options.max_message_bytes == 0) {
    return make_error(Errc::invalid_argument, "WebSocket limits for " + path + " must be at least 1");
  }
  if (path.size() >= 2 && path.compare(path.size() - 2, 2, "/*") == 0) {
    std::string prefix = path.substr(0, path.size() - 1);
    auto& prefixes = impl_->state->websocket_prefixes;
    for (const auto& existing : prefixes) {
      if (existing.first == prefix) return make_error(Errc::already_exists, "WebSocket path " + path + " is already registered");
    }
    prefixes.emplace_back(std::move(prefix), WebSocketEndpoint{std::move(handler), options});
    std::stable_sort(prefixes.begin(), prefixes.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return {};
  }
  if (path.find('*') != std::string::npos) {
    return make_error(Errc::invalid_argument, "WebSocket path '" + path + "': '*' is only allowed as a last segment '/*'");
  }
  auto [it, inserted] =
      impl_->state->websockets.emplace(path, WebSocketEndpoint{std::move(handler), options});
  if (!inserted) return make_error(Errc::already_exists, "WebSocket path " + path + " is already registered");
  return {};
}

Status HttpServer::start() {
  Impl& impl = *impl_;
  const HttpServerOptions& options = impl.state->options;
  if (impl.started) return make_error(Errc::conflict, "HTTP server already started (a server is started once)");
  if (!impl.state->router) return make_error(Errc::invalid_argument, "HTTP server has no router");
  if (options.max_connections == 0 || options.max_connections_per_address == 0 || options.blocking_workers == 0) {
    return make_error(Errc::invalid_argument,
                      "max_connections, max_connections_per_address and blocking_workers must be at least 1");
  }
  if (options.header_timeout.count() <= 0 || options.request_timeout.count() <= 0) {
    return make_error(Errc::invalid_argument, "header_timeout and request_timeout must be positive");
  }
  if (options.tls) {
    auto context = make_tls_context(*options.tls);
    if (!context) return context.error();
    impl.state->tls = std::move(context.value());
  }

  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options.bind, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(impl.ioc);
    auto results = resolver.resolve(options.bind, std::to_string(options.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return make_error(Errc::invalid_argument, "cannot resolve bind address '" + options.bind + "'" +
                                                    (ec ? ": " + ec.message() : std::string{}));
    }
    endpoint = results.begin()->endpoint();
  }

  auto listener = std::make_shared<Listener>(impl.ioc, impl.state);
  if (Status status = listener->listen(endpoint); !status) return status;
  impl.state->admission = std::make_shared<Admission>(options);
  impl.state->refusal_server_full = canned_response(too_many_connections(options, OverLimit::server));
  impl.state->refusal_address_full = canned_response(too_many_connections(options, OverLimit::address));
  if (impl.state->router->has_blocking_routes()) {
    impl.workers = std::make_unique<WorkerPool>(options.blocking_workers, options.blocking_queue);
    impl.state->workers = impl.workers.get();
  }
  tcp::endpoint local = listener->local_endpoint();
  impl.port.store(local.port());
  impl.bound_address = local.address().to_string();
  impl.listener = std::move(listener);
  impl.listener->run();
  impl.started = true;
  impl.thread = std::thread([&impl] { impl.run_thread(); });
  impl.state->log(std::string("api: listening on ") + (options.tls ? "https://" : "http://") + endpoint_text(local));
  return {};
}

std::uint16_t HttpServer::port() const { return impl_->port.load(); }

std::string HttpServer::bind_address() const { return impl_->bound_address; }

void HttpServer::stop() {
  Impl& impl = *impl_;
  if (!impl.started || !impl.thread.joinable()) return;
  if (!impl.shutdown_requested.exchange(true)) {
    asio::post(impl.ioc, [state = impl.state, listener = impl.listener] {
      listener->stop();
      state->begin_shutdown();
    });
  }
  // From a handler the thread cannot join itself: the shutdown is under way and the
  // owner's later stop() (or the destructor) joins.
  if (std::this_thread::get_id() == impl.thread.get_id()) return;
  // A parked blocking request keeps the io_context running: this wait covers the
  // running workers too.
  const auto grace_ends = SteadyClock::now() + kStopGrace;
  if (impl.finished_future.wait_until(grace_ends) == std::future_status::timeout) {
    impl.state->log("api: stop: requests still in flight after " + std::to_string(kStopGrace.count()) +
                    " ms; dropping their connections");
    impl.ioc.stop();
  }
  impl.thread.join();
  // No worker result reaches the io_context from now on; what is parked is dropped here,
  // while the io_context still exists.
  impl.state->close_results();
  if (impl.workers) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(grace_ends - SteadyClock::now());
    if (!impl.workers->shutdown(std::max(left, std::chrono::milliseconds(0)))) {
      impl.state->log("api: stop: abandoned " + std::to_string(impl.workers->running()) +
                      " blocking handler(s) still running; their results will be dropped");
    }
  }
  // The server thread is gone: sessions it did not finish owe their on_close now.
  for (auto& session : impl.state->live_sessions()) session->on_server_abandoned();
  impl.state->log("api: stopped");
}

}  // namespace propbot::net
