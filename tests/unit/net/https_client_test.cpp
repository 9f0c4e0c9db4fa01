// HttpsClient against our own HttpServer over loopback, plain HTTP and TLS with a
// certificate generated at test time.
#include "core/net/https_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "tests/unit/net/io_thread.hpp"
#include "tests/unit/net/tls_test_cert.hpp"

namespace propbot::net {
namespace {

using namespace std::chrono_literals;
using net::HttpRequest;
using net::HttpResponse;

class HttpsClientTest : public ::testing::Test {
 protected:
  HttpsClientTest() {
    router->add("GET", "/hello", [](const HttpRequest&) { return HttpResponse::json(200, {{"hello", "world"}}); });
    router->add("POST", "/echo", [](const HttpRequest& request) {
      return HttpResponse::json(201, {{"body", request.body}, {"type", request.header("content-type")},
                                      {"signature", request.header("x-signature")}});
    });
    router->add("GET", "/slow", [](const HttpRequest&) {
      std::this_thread::sleep_for(400ms);
      return HttpResponse::json(200, {{"slow", true}});
    });
    router->add("GET", "/missing-is-404", [](const HttpRequest&) { return HttpResponse::error(404, "not_found", "x"); });
  }

  ~HttpsClientTest() override {
    io.run([this] { client.reset(); });
    if (server) server->stop();
  }

  // The helpers return why they failed instead of ASSERTing: an ASSERT in a helper only
  // leaves the helper, and the test would go on without a server or client. Call them
  // as ASSERT_TRUE(start_server(...)).
  ::testing::AssertionResult start_server(bool tls, std::chrono::milliseconds server_timeout = 10s) {
    net::HttpServerOptions options;
    options.port = 0;
    options.request_timeout = server_timeout;
    options.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    };
    if (tls) {
      auto generated = test_support::make_test_certificate();
      if (!generated.ok()) return ::testing::AssertionFailure() << "test certificate: " << generated.error().describe();
      certificate = std::move(generated.value());
      options.tls = net::HttpServerTls{certificate.cert_file(), certificate.key_file()};
    }
    server = std::make_unique<net::HttpServer>(options, router);
    Status status = server->start();
    if (!status.ok()) return ::testing::AssertionFailure() << "server start: " << status.error().describe();
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult make_client(bool tls, std::chrono::milliseconds timeout = 5s,
                                         std::string host = "127.0.0.1") {
    HttpsClientOptions options;
    options.scheme = tls ? "https" : "http";
    options.host = std::move(host);
    options.port = server->port();
    options.request_timeout = timeout;
    options.tls.ca_file = certificate.cert_file();
    auto created = io.run([&] { return HttpsClient::create(io.io(), options); });
    if (!created.ok()) {
      return ::testing::AssertionFailure() << "client for " << options.host << ": " << created.error().describe();
    }
    client = std::move(created.value());
    return ::testing::AssertionSuccess();
  }

  Result<HttpReply> call(std::string method, std::string target, std::string body = "", HttpHeaders headers = {}) {
    if (!client) return make_error(Errc::internal, "the test has no client: make_client() failed");
    auto promise = std::make_shared<std::promise<Result<HttpReply>>>();
    auto future = promise->get_future();
    io.run([&] {
      client->request(std::move(method), std::move(target), std::move(headers), std::move(body),
                      [promise](Result<HttpReply> reply) { promise->set_value(std::move(reply)); });
    });
    if (future.wait_for(15s) != std::future_status::ready) return make_error(Errc::internal, "callback never came");
    return future.get();
  }

  // Distinct server-side connection ids seen in the access log.
  std::set<std::string> server_connections() {
    std::set<std::string> ids;
    std::lock_guard lock(log_mutex);
    for (const auto& line : log_lines) {
      auto at = line.find(" conn=");
      if (at != std::string::npos) ids.insert(line.substr(at + 6, line.find(' ', at + 6) - at - 6));
    }
    return ids;
  }

  test_support::IoThread io;
  std::shared_ptr<net::Router> router = std::make_shared<net::Router>();
  std::unique_ptr<net::HttpServer> server;
  test_support::TestCertificate certificate;
  std::unique_ptr<HttpsClient> client;
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
};

TEST_F(HttpsClientTest, GetsAndPostsOverPlainHttp) {
  ASSERT_TRUE(start_server(false));
  ASSERT_TRUE(make_client(false));
  auto get = call("GET", "/hello");
  ASSERT_TRUE(get.ok()) << get.error().describe();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(get->body)["hello"], "world");

  auto post = call("POST", "/echo", R"({"qty":"0.01"})", {{"Content-Type", "application/json"}, {"X-Signature", "abc"}});
  ASSERT_TRUE(post.ok()) << post.error().describe();
  EXPECT_EQ(post->status, 201);
  auto body = nlohmann::json::parse(post->body);
  EXPECT_EQ(body["body"], R"({"qty":"0.01"})");
  EXPECT_EQ(body["type"], "application/json");
  EXPECT_EQ(body["signature"], "abc");
}

TEST_F(HttpsClientTest, ReportsNon2xxAsAReplyNotAnError) {
  ASSERT_TRUE(start_server(false));
  ASSERT_TRUE(make_client(false));
  auto reply = call("GET", "/missing-is-404");
  ASSERT_TRUE(reply.ok()) << reply.error().describe();
  EXPECT_EQ(reply->status, 404);
}

TEST_F(HttpsClientTest, GetsAndPostsOverTlsTrustingTheGeneratedCertificate) {
  ASSERT_TRUE(start_server(true));
  ASSERT_TRUE(make_client(true));
  auto get = call("GET", "/hello");
  ASSERT_TRUE(get.ok()) << get.error().describe();
  EXPECT_EQ(get->status, 200);
  auto post = call("POST", "/echo", "payload", {{"Content-Type", "text/plain"}});
  ASSERT_TRUE(post.ok()) << post.error().describe();
  EXPECT_EQ(nlohmann::json::parse(post->body)["body"], "payload");
}

// A fixture helper that cannot set up says why and leaves the test to stop: a failed
// ASSERT inside a void helper only returned from the helper, so on a host where
// `localhost` did not resolve VerifiesTheHostNameOverTls went on with a null client and
// crashed the whole binary (SEGFAULT) instead of failing with the reason.
TEST_F(HttpsClientTest, AFixtureHelperThatCannotMakeTheClientSaysWhyAndLeavesNoClient) {
  ASSERT_TRUE(start_server(false));
  const ::testing::AssertionResult made = make_client(false, 5s, /*host=*/"");
  EXPECT_FALSE(made);
  EXPECT_NE(std::string(made.message()).find("host is empty"), std::string::npos) << made.message();
  EXPECT_EQ(client, nullptr);
  auto reply = call("GET", "/hello");  // no client: an error naming why, never a crash
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().message, "the test has no client: make_client() failed");
}

TEST_F(HttpsClientTest, VerifiesTheHostNameOverTls) {
  ASSERT_TRUE(start_server(true));
  ASSERT_TRUE(make_client(true, 5s, "localhost"));  // DNS SAN
  auto reply = call("GET", "/hello");
  ASSERT_TRUE(reply.ok()) << reply.error().describe();

  io.run([this] { client.reset(); });
  HttpsClientOptions options;
  options.host = "127.0.0.1";
  options.port = server->port();
  options.tls.ca_file = certificate.cert_file();
  options.tls.server_name = "venue.example.com";  // not in the certificate
  auto created = io.run([&] { return HttpsClient::create(io.io(), options); });
  ASSERT_TRUE(created.ok());
  client = std::move(created.value());
  auto refused = call("GET", "/hello");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::unavailable) << refused.error().describe();
  EXPECT_NE(refused.error().message.find("TLS handshake"), std::string::npos) << refused.error().message;
}

TEST_F(HttpsClientTest, RefusesAnUntrustedCertificateAsNotSent) {
  ASSERT_TRUE(start_server(true));
  HttpsClientOptions options;
  options.host = "127.0.0.1";
  options.port = server->port();  // no ca_file: the system store does not know our certificate
  auto created = io.run([&] { return HttpsClient::create(io.io(), options); });
  ASSERT_TRUE(created.ok());
  client = std::move(created.value());
  auto reply = call("GET", "/hello");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::unavailable) << reply.error().describe();
}

TEST_F(HttpsClientTest, ReusesOneKeepAliveConnectionForSeveralRequests) {
  ASSERT_TRUE(start_server(true));
  ASSERT_TRUE(make_client(true));
  for (int i = 0; i < 5; ++i) {
    auto reply = call("GET", "/hello");
    ASSERT_TRUE(reply.ok()) << reply.error().describe();
  }
  EXPECT_EQ(io.run([this] { return client->connections_opened(); }), 1u);
  EXPECT_EQ(server_connections().size(), 1u);
}

TEST_F(HttpsClientTest, SendsQueuedRequestsInOrderOnOneConnection) {
  ASSERT_TRUE(start_server(false));
  ASSERT_TRUE(make_client(false));
  auto order = std::make_shared<std::vector<std::string>>();
  std::promise<void> all_done;
  io.run([&] {
    for (int i = 0; i < 10; ++i) {
      client->request("POST", "/echo", {}, std::to_string(i), [&, order, i](Result<HttpReply> reply) {
        order->push_back(reply.ok() ? nlohmann::json::parse(reply->body)["body"].get<std::string>() : "error");
        if (i == 9) all_done.set_value();
      });
    }
  });
  ASSERT_EQ(all_done.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(*order, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_EQ(server_connections().size(), 1u);
}

TEST_F(HttpsClientTest, TimesOutASlowReplyAsOutcomeUnknown) {
  ASSERT_TRUE(start_server(false));
  ASSERT_TRUE(make_client(false, 150ms));
  auto started = std::chrono::steady_clock::now();
  auto reply = call("GET", "/slow");
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::io_error) << reply.error().describe();
  EXPECT_NE(reply.error().message.find("outcome is unknown"), std::string::npos) << reply.error().message;
  EXPECT_LT(elapsed, 380ms);
}

TEST_F(HttpsClientTest, TimesOutAStalledTlsHandshakeAsNotSent) {
  // A listener that never accepts: the kernel completes the TCP handshake from its
  // backlog, nobody ever answers the TLS ClientHello.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  HttpsClientOptions options;
  options.host = "127.0.0.1";
  options.port = ntohs(address.sin_port);
  options.request_timeout = 200ms;
  options.tls.insecure_skip_verify = true;
  auto created = io.run([&] { return HttpsClient::create(io.io(), options); });
  ASSERT_TRUE(created.ok());
  client = std::move(created.value());
  auto reply = call("GET", "/hello");
  ::close(listener);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::unavailable) << reply.error().describe();
  EXPECT_NE(reply.error().message.find("not sent"), std::string::npos) << reply.error().message;
}

TEST_F(HttpsClientTest, ReconnectsTransparentlyAfterTheServerClosedTheIdleConnection) {
  ASSERT_TRUE(start_server(false, 200ms));  // the server closes idle keep-alive connections after 200 ms
  ASSERT_TRUE(make_client(false));
  auto first = call("GET", "/hello");
  ASSERT_TRUE(first.ok()) << first.error().describe();
  std::this_thread::sleep_for(500ms);
  auto second = call("GET", "/hello");
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(io.run([this] { return client->connections_opened(); }), 2u);
  // The access line is written after the response: wait for it.
  EXPECT_TRUE(test_support::wait_until([&] { return server_connections().size() == 2u; }));
}

TEST_F(HttpsClientTest, ReconnectsTransparentlyOverTlsToo) {
  ASSERT_TRUE(start_server(true, 200ms));
  ASSERT_TRUE(make_client(true));
  ASSERT_TRUE(call("GET", "/hello").ok());
  std::this_thread::sleep_for(500ms);
  auto second = call("GET", "/hello");
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(io.run([this] { return client->connections_opened(); }), 2u);
}

TEST_F(HttpsClientTest, FailsQueuedRequestsAsNotSentWhenClosed) {
  ASSERT_TRUE(start_server(false));
  ASSERT_TRUE(make_client(false));
  auto results = std::make_shared<std::vector<Errc>>();
  std::promise<void> done;
  io.run([&] {
    for (int i = 0; i < 3; ++i) {
      client->request("GET", "/hello", {}, "", [&, results, i](Result<HttpReply> reply) {
        results->push_back(reply.ok() ? Errc::internal : reply.error().code);
        if (i == 2) done.set_value();
      });
    }
    client->close();
  });
  ASSERT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(*results, (std::vector<Errc>{Errc::unavailable, Errc::unavailable, Errc::unavailable}));
}

// Closing (or destroying) the client while the first request's address is still being
// resolved — the connection exists but has no socket yet — fails the request as not
// sent. It used to dereference the missing socket (a daemon stopped right after start
// crashed in its venue adapter's destructor).
TEST_F(HttpsClientTest, ClosingWhileTheAddressIsBeingResolvedFailsTheRequestAsNotSent) {
  ASSERT_TRUE(start_server(false));
  ASSERT_TRUE(make_client(false));
  std::promise<Result<HttpReply>> done;
  io.run([&] {
    client->request("GET", "/hello", {}, "", [&done](Result<HttpReply> reply) { done.set_value(std::move(reply)); });
    // Runs after the queued do_next has started the resolve, before it completes.
    boost::asio::post(io.io(), [&] { client->close(); });
  });
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  const Result<HttpReply> reply = future.get();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::unavailable);
  EXPECT_NE(reply.error().message.find("not sent"), std::string::npos) << reply.error().message;
}

TEST_F(HttpsClientTest, RejectsAnUnknownScheme) {
  HttpsClientOptions options;
  options.scheme = "ftp";
  options.host = "x";
  auto created = HttpsClient::create(io.io(), options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace propbot::net
