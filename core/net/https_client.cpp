// HttpsClient over Beast. One Connection object per TCP connection and one Exchange
// per request, both held by shared_ptr in the completion handlers, so that a late
// completion of an abandoned connection (timeout, close) never touches the objects of
// the next one; a connection id tells a stale completion to go away.
#include "core/net/https_client.hpp"

#include <poll.h>

#include <deque>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/net/url.hpp"

namespace propbot::net {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Connection {
  std::uint64_t id = 0;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  template <typename F>
  void visit(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  // An idle keep-alive connection is usable when nothing is readable: readable means
  // the server closed it (EOF or RST) or sent something unsolicited.
  bool idle_and_usable() {
    if ((!tls && !plain) || buffer.size() != 0 || !lowest().socket().is_open()) return false;
    pollfd descriptor{lowest().socket().native_handle(), POLLIN, 0};
    int ready = ::poll(&descriptor, 1, 0);
    return ready == 0;
  }

  // Safe at every stage, including before the address resolved (no socket yet).
  void close() {
    if (!tls && !plain) return;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }
};

struct Exchange {
  std::string method;
  std::string target;
  HttpHeaders headers;
  std::string body;
  HttpsClient::Callback done;
  SteadyClock::time_point deadline;
  bool written = false;  // bytes may have reached the server
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
};

}  // namespace

std::string HttpReply::header(const std::string& name, std::string fallback) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::move(fallback) : it->second;
}

struct HttpsClient::Impl : std::enable_shared_from_this<HttpsClient::Impl> {
  Impl(asio::io_context& io_context, HttpsClientOptions client_options, Url client_url)
      : io(io_context), options(std::move(client_options)), url(std::move(client_url)), resolver(io), timer(io) {}

  asio::io_context& io;
  HttpsClientOptions options;
  Url url;
  std::unique_ptr<ssl::context> tls_context;
  tcp::resolver resolver;
  asio::steady_timer timer;  // deadline of the active exchange

  std::deque<std::shared_ptr<Exchange>> queue;
  std::shared_ptr<Exchange> active;
  std::shared_ptr<Connection> connection;  // ready or being set up for `active`
  std::uint64_t next_connection_id = 1;
  std::uint64_t connections_opened = 0;
  bool closed = false;
  bool detached = false;  // owner destroyed: never call back

  std::string origin() const { return url.scheme + "://" + url.host_header(); }

  void log(std::string_view line) const {
    if (!options.log) return;
    try {
      options.log(line);
    } catch (...) {
    }
  }

  void call(const std::shared_ptr<Exchange>& exchange, Result<HttpReply> result) {
    if (detached || !exchange->done) return;
    auto done = std::move(exchange->done);
    exchange->done = nullptr;
    try {
      done(std::move(result));
    } catch (const std::exception& error) {
      log("net: " + origin() + " request callback threw: " + error.what());
    } catch (...) {
      log("net: " + origin() + " request callback threw a non-std exception");
    }
  }

  void post_failure(std::shared_ptr<Exchange> exchange, Error error) {
    asio::post(io, [self = shared_from_this(), exchange = std::move(exchange), error = std::move(error)]() mutable {
      self->call(exchange, std::move(error));
    });
  }

  void enqueue(std::shared_ptr<Exchange> exchange) {
    if (closed) return post_failure(std::move(exchange), make_error(Errc::unavailable, "HTTP client for " + origin() + " is closed; not sent"));
    if (queue.size() + (active ? 1 : 0) >= options.max_queued_requests) {
      return post_failure(std::move(exchange),
                          make_error(Errc::unavailable, "HTTP client queue for " + origin() + " is full (" +
                                                            std::to_string(options.max_queued_requests) +
                                                            " requests); not sent"));
    }
    queue.push_back(std::move(exchange));
    asio::post(io, [self = shared_from_this()] { self->do_next(); });
  }

  void do_next() {
    if (active || closed) return;
    while (!queue.empty()) {
      auto exchange = std::move(queue.front());
      queue.pop_front();
      if (SteadyClock::now() >= exchange->deadline) {
        call(exchange, make_error(Errc::unavailable, "timed out after " + std::to_string(options.request_timeout.count()) +
                                                         " ms while queued for " + origin() + "; not sent"));
        continue;
      }
      active = std::move(exchange);
      break;
    }
    if (!active) return;
    timer.expires_at(active->deadline);
    timer.async_wait([self = shared_from_this(), exchange = active](beast::error_code ec) {
      if (!ec) self->on_deadline(exchange);
    });
    if (connection && connection->idle_and_usable()) return do_write();
    if (connection) {
      log("net: " + origin() + " keep-alive connection was closed by the server; reconnecting");
      drop_connection();
    }
    do_connect();
  }

  void drop_connection() {
    if (!connection) return;
    connection->close();
    connection.reset();
  }

  // Ends the active exchange with `result` and moves on to the next one.
  void complete(Result<HttpReply> result) {
    timer.cancel();
    auto exchange = std::move(active);
    active.reset();
    call(exchange, std::move(result));
    do_next();
  }

  void fail(Errc code, const std::string& what) {
    drop_connection();
    std::string message = active->method + " " + origin() + active->target + ": " + what;
    if (active->written) {
      complete(make_error(Errc::io_error, message + "; the request was sent and its outcome is unknown"));
    } else {
      complete(make_error(code, message + "; not sent"));
    }
  }

  void on_deadline(const std::shared_ptr<Exchange>& exchange) {
    if (active != exchange) return;
    fail(Errc::unavailable, "timed out after " + std::to_string(options.request_timeout.count()) + " ms");
  }

  void do_connect() {
    auto fresh = std::make_shared<Connection>();
    fresh->id = next_connection_id++;
    connection = fresh;
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [self = shared_from_this(), fresh](beast::error_code ec, tcp::resolver::results_type results) {
                             self->on_resolve(fresh, ec, std::move(results));
                           });
  }

  bool stale(const std::shared_ptr<Connection>& conn) const { return connection != conn || !active || closed; }

  void on_resolve(const std::shared_ptr<Connection>& conn, beast::error_code ec, tcp::resolver::results_type results) {
    if (stale(conn)) return;
    if (ec) return fail(Errc::unavailable, "cannot resolve " + url.host + ": " + ec.message());
    if (tls_context) {
      conn->tls = std::make_unique<ssl::stream<beast::tcp_stream>>(io, *tls_context);
      if (Status status = configure_client_tls(conn->tls->native_handle(), options.tls, url.host); !status) {
        return fail(Errc::unavailable, status.error().message);
      }
    } else {
      conn->plain = std::make_unique<beast::tcp_stream>(io);
    }
    conn->lowest().expires_after(options.connect_timeout);
    conn->lowest().async_connect(results, [self = shared_from_this(), conn](beast::error_code connect_ec,
                                                                            const tcp::endpoint&) {
      self->on_connect(conn, connect_ec);
    });
  }

  void on_connect(const std::shared_ptr<Connection>& conn, beast::error_code ec) {
    if (stale(conn)) return;
    if (ec) return fail(Errc::unavailable, "cannot connect to " + url.host_header() + ": " + ec.message());
    ++connections_opened;
    beast::error_code ignored;
    conn->lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (!conn->tls) return do_write();
    conn->tls->async_handshake(ssl::stream_base::client, [self = shared_from_this(), conn](beast::error_code hs_ec) {
      if (self->stale(conn)) return;
      if (hs_ec) {
        return self->fail(Errc::unavailable, "TLS handshake with " + self->url.host_header() + " failed: " + hs_ec.message());
      }
      self->do_write();
    });
  }

  void do_write() {
    auto exchange = active;
    auto conn = connection;
    auto& request = exchange->request;
    request = {};
    request.version(11);
    request.method_string(exchange->method);
    request.target(exchange->target);
    request.set(http::field::host, url.host_header());
    request.set(http::field::user_agent, options.user_agent);
    for (auto& [name, value] : exchange->headers) {
      if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) continue;
      request.set(name, value);
    }
    request.body() = std::move(exchange->body);
    request.keep_alive(true);
    request.prepare_payload();
    exchange->parser.emplace();
    exchange->parser->body_limit(options.max_reply_bytes);
    if (beast::iequals(exchange->method, "HEAD")) exchange->parser->skip(true);
    conn->lowest().expires_never();  // the exchange deadline timer bounds everything
    exchange->written = true;        // from here on bytes may reach the server
    conn->visit([&](auto& stream) {
      http::async_write(stream, request, [self = shared_from_this(), conn, exchange](beast::error_code ec, std::size_t) {
        self->on_write(conn, exchange, ec);
      });
    });
  }

  void on_write(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Exchange>& exchange, beast::error_code ec) {
    if (stale(conn) || active != exchange) return;
    if (ec) return fail(Errc::io_error, "write failed: " + ec.message());
    conn->visit([&](auto& stream) {
      http::async_read(stream, conn->buffer, *exchange->parser,
                       [self = shared_from_this(), conn, exchange](beast::error_code read_ec, std::size_t) {
                         self->on_read(conn, exchange, read_ec);
                       });
    });
  }

  void on_read(const std::shared_ptr<Connection>& conn, const std::shared_ptr<Exchange>& exchange, beast::error_code ec) {
    if (stale(conn) || active != exchange) return;
    if (ec == http::error::end_of_stream) return fail(Errc::io_error, "connection closed by the server before a reply");
    if (ec == http::error::body_limit) {
      return fail(Errc::io_error, "reply body over the limit of " + std::to_string(options.max_reply_bytes) + " bytes");
    }
    if (ec) return fail(Errc::io_error, "reading the reply failed: " + ec.message());
    auto response = exchange->parser->release();
    HttpReply reply;
    reply.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto [it, inserted] = reply.headers.emplace(std::move(name), std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value());
    }
    reply.body = std::move(response.body());
    if (!response.keep_alive()) drop_connection();
    complete(std::move(reply));
  }

  void shut(bool call_back) {
    if (closed) return;
    closed = true;
    if (!call_back) detached = true;
    timer.cancel();
    resolver.cancel();
    drop_connection();
    auto in_flight = std::move(active);
    active.reset();
    auto waiting = std::move(queue);
    queue.clear();
    if (!call_back) return;
    if (in_flight) {
      std::string message = in_flight->method + " " + origin() + in_flight->target + ": client closed";
      post_failure(in_flight, in_flight->written
                                  ? make_error(Errc::io_error, message + "; the request was sent and its outcome is unknown")
                                  : make_error(Errc::unavailable, message + "; not sent"));
    }
    for (auto& exchange : waiting) {
      post_failure(exchange, make_error(Errc::unavailable,
                                        exchange->method + " " + origin() + exchange->target + ": client closed; not sent"));
    }
  }
};

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(asio::io_context& io, HttpsClientOptions options) {
  if (options.scheme != "http" && options.scheme != "https") {
    return make_error(Errc::invalid_argument, "HTTP client scheme must be http or https, not '" + options.scheme + "'");
  }
  if (options.host.empty()) return make_error(Errc::invalid_argument, "HTTP client host is empty");
  if (options.max_queued_requests == 0) return make_error(Errc::invalid_argument, "max_queued_requests must be at least 1");
  Url url{options.scheme, options.host, options.port ? options.port : default_port(options.scheme), "/"};
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(url));
  if (impl->url.tls()) {
    auto context = make_client_tls_context(impl->options.tls);
    if (!context) return context.error();
    impl->tls_context = std::make_unique<ssl::context>(context.value());
  }
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
}

HttpsClient::HttpsClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpsClient::~HttpsClient() { impl_->shut(/*call_back=*/false); }

void HttpsClient::request(std::string method, std::string target, HttpHeaders headers, std::string body, Callback done) {
  auto exchange = std::make_shared<Exchange>();
  exchange->method = std::move(method);
  exchange->target = target.empty() ? "/" : std::move(target);
  exchange->headers = std::move(headers);
  exchange->body = std::move(body);
  exchange->done = std::move(done);
  exchange->deadline = SteadyClock::now() + impl_->options.request_timeout;
  impl_->enqueue(std::move(exchange));
}

void HttpsClient::close() { impl_->shut(/*call_back=*/true); }

std::uint64_t HttpsClient::connections_opened() const { return impl_->connections_opened; }

std::size_t HttpsClient::pending() const { return impl_->queue.size() + (impl_->active ? 1 : 0); }

}  // namespace propbot::net
