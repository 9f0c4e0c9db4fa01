// HttpServer over real loopback sockets, driven by the POSIX test client.
#include "core/net/http_server.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/http_client.hpp"

namespace propbot::net {
namespace {

using namespace std::chrono_literals;
using test_support::HttpConnection;
using test_support::HttpResult;
using test_support::http_request;
using test_support::parse_responses;
using test_support::raw_request;

std::string error_code(const HttpResult& result) {
  auto body = nlohmann::json::parse(result.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error")) return "<no error body: " + result.body + ">";
  return body["error"].value("code", "<no code>");
}

std::string error_message(const HttpResult& result) {
  auto body = nlohmann::json::parse(result.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error")) return "<no error body: " + result.body + ">";
  return body["error"].value("message", "<no message>");
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    options.port = 0;
    options.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    };
    router->add("GET", "/hello", [](const HttpRequest&) { return HttpResponse::json(200, {{"hello", "world"}}); });
    router->add("GET", "/echo/{id}", [](const HttpRequest& request) {
      return HttpResponse::json(200, {{"id", request.params.at("id")}, {"q", request.query}});
    });
    router->add(
        "POST", "/json",
        [this](const HttpRequest& request) {
          ++json_handler_calls;
          return HttpResponse::json(200, {{"size", request.body.size()}, {"json", request.json}});
        },
        RouteOptions{.json_body = true});
    router->add("POST", "/raw", [this](const HttpRequest& request) {
      ++raw_handler_calls;
      return HttpResponse::json(200, {{"size", request.body.size()}});
    });
    router->add("GET", "/throw", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("token=s3cret"); });
  }

  ~HttpServerTest() override {
    if (server) server->stop();
  }

  void start() {
    server = std::make_unique<HttpServer>(options, router);
    Status status = server->start();
    ASSERT_TRUE(status.ok()) << status.error().describe();
    ASSERT_NE(server->port(), 0);
  }

  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const test_support::HeaderList& headers = {}) {
    return http_request("127.0.0.1", server->port(), method, target, body, headers);
  }

  bool logged(std::string_view needle) {
    std::lock_guard lock(log_mutex);
    for (const auto& line : log_lines) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  HttpServerOptions options;
  std::shared_ptr<Router> router = std::make_shared<Router>();
  std::unique_ptr<HttpServer> server;
  std::atomic<int> json_handler_calls{0};
  std::atomic<int> raw_handler_calls{0};
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
};

TEST_F(HttpServerTest, ServesRegisteredRouteOnAFreePortOverRealHttp) {
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(server->bind_address(), "127.0.0.1");
  HttpResult result = request("GET", "/hello");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"hello":"world"})");
  EXPECT_EQ(result.header("content-type"), "application/json");
  EXPECT_EQ(result.header("content-length"), std::to_string(result.body.size()));
  EXPECT_EQ(result.header("cache-control"), "no-store");
  EXPECT_EQ(result.header("server"), "propbot");
  server->stop();  // the access line is written after the response: join first
  EXPECT_TRUE(logged("127.0.0.1 GET /hello 200")) << "access log line expected";
}

TEST_F(HttpServerTest, PassesPathParamsAndDecodedQueryToHandler) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("GET", "/echo/abc?x=1%2B1&y=a+b");
  ASSERT_EQ(result.status, 200) << result.error << result.body;
  EXPECT_EQ(nlohmann::json::parse(result.body),
            nlohmann::json({{"id", "abc"}, {"q", {{"x", "1+1"}, {"y", "a b"}}}}));
}

TEST_F(HttpServerTest, AnswersUnknownRouteWith404Json) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("GET", "/api/missing");
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.body, R"({"error":{"code":"not_found","message":"no route matches /api/missing"}})");
}

TEST_F(HttpServerTest, AnswersWrongMethodWith405AndAllow) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("DELETE", "/hello");
  EXPECT_EQ(result.status, 405);
  EXPECT_EQ(error_code(result), "method_not_allowed");
  EXPECT_EQ(result.header("allow"), "GET, HEAD");
}

TEST_F(HttpServerTest, AnswersHeadOnAGetRouteWithItsHeadersAndNoBody) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult get = request("GET", "/hello");
  ASSERT_EQ(get.status, 200);
  // HEAD, then GET on the same connection: a stray body would be read as the start of
  // the second response.
  std::string received = raw_request("127.0.0.1", server->port(),
                                     "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto end_of_head = received.find("\r\n\r\n");
  ASSERT_NE(end_of_head, std::string::npos) << received;
  const std::string head = received.substr(0, end_of_head + 4);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(get.body.size()) + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: application/json\r\n"), std::string::npos) << head;
  const std::string rest = received.substr(end_of_head + 4);
  EXPECT_EQ(rest.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << "no body after the HEAD response: " << rest;
  auto second = parse_responses(rest);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].body, get.body);
}

TEST_F(HttpServerTest, AnswersHeadOnAnUnknownPathWith404HeadersOnly) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection connection("127.0.0.1", server->port());
  ASSERT_TRUE(connection.send("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
  HttpResult result = connection.read_response(/*request_was_head=*/true);
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.body, "");
  EXPECT_NE(result.header("content-length"), "0") << "the length of the 404 body a GET would get";
  EXPECT_EQ(connection.request("GET", "/hello").status, 200) << "the connection stays in step";
}

TEST_F(HttpServerTest, RefusesDeclaredContentLengthOverLimitWith413) {
  options.max_body_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("POST", "/raw", std::string(200 * 1024, 'x'));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(error_code(result), "payload_too_large");
  EXPECT_NE(error_message(result).find("1024 bytes"), std::string::npos) << result.body;
  EXPECT_EQ(raw_handler_calls.load(), 0);
}

TEST_F(HttpServerTest, RefusesDeclaredContentLengthBeforeReadingTheBody) {
  options.max_body_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection connection("127.0.0.1", server->port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  // Headers only: an answer can only come if the server decides on Content-Length alone.
  ASSERT_TRUE(connection.send("POST /raw HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
  HttpResult result = connection.read_response();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(error_code(result), "payload_too_large");
  EXPECT_EQ(result.header("connection"), "close");
}

TEST_F(HttpServerTest, RefusesChunkedBodyOverLimitWith413) {
  options.max_body_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(start());
  std::string chunked;
  for (int i = 0; i < 8; ++i) chunked += "200\r\n" + std::string(512, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  HttpResult result = request("POST", "/raw", chunked, {{"Transfer-Encoding", "chunked"}});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(error_code(result), "payload_too_large");
  EXPECT_EQ(raw_handler_calls.load(), 0);
}

TEST_F(HttpServerTest, AcceptsBodyExactlyAtTheLimitIncludingChunked) {
  options.max_body_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult plain = request("POST", "/raw", std::string(1024, 'x'));
  EXPECT_EQ(plain.status, 200) << plain.error << plain.body;
  HttpResult chunked = request("POST", "/raw", "400\r\n" + std::string(1024, 'y') + "\r\n0\r\n\r\n",
                               {{"Transfer-Encoding", "chunked"}});
  EXPECT_EQ(chunked.status, 200) << chunked.error << chunked.body;
  EXPECT_EQ(chunked.body, R"({"size":1024})");
}

TEST_F(HttpServerTest, SendsContinueBeforeReadingBodyWhenClientExpectsIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string request =
      "POST /raw HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
  std::string received = raw_request("127.0.0.1", server->port(), request);
  EXPECT_EQ(received.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << received;
  auto responses = parse_responses(received);  // skips the interim 100
  ASSERT_EQ(responses.size(), 1u) << received;
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].body, R"({"size":5})");
}

TEST_F(HttpServerTest, AnswersMalformedJsonWith400NamingThePosition) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("POST", "/json", R"({"qty": })", {{"Content-Type", "application/json"}});
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(error_code(result), "bad_json");
  EXPECT_NE(error_message(result).find("malformed JSON at byte 9"), std::string::npos) << result.body;
  EXPECT_EQ(json_handler_calls.load(), 0);
}

TEST_F(HttpServerTest, AnswersEmptyJsonBodyWith400) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("POST", "/json", "");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(error_code(result), "bad_json");
  EXPECT_EQ(error_message(result), "request body is empty: send a JSON object");
}

TEST_F(HttpServerTest, AnswersHandlerExceptionWith500JsonWithoutItsText) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("GET", "/throw");
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(error_code(result), "internal");
  EXPECT_EQ(result.body.find("s3cret"), std::string::npos);
  // The server is still serving afterwards.
  EXPECT_EQ(request("GET", "/hello").status, 200);
}

TEST_F(HttpServerTest, AnswersMalformedHttpWith400AndCloses) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string received = raw_request("127.0.0.1", server->port(), "GARBAGE\r\n\r\nGET /hello HTTP/1.1\r\n\r\n");
  auto responses = parse_responses(received);
  ASSERT_EQ(responses.size(), 1u) << received;
  EXPECT_EQ(responses[0].status, 400);
  EXPECT_EQ(error_code(responses[0]), "bad_request");
  EXPECT_EQ(responses[0].header("connection"), "close");
}

TEST_F(HttpServerTest, AnswersOversizedHeadersWith431) {
  options.max_header_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("GET", "/hello", "", {{"X-Padding", std::string(4096, 'p')}});
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.status, 431);
  EXPECT_EQ(error_code(result), "headers_too_large");
}

TEST_F(HttpServerTest, AnswersTwoPipelinedRequestsOnOneConnectionInOrder) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string two = "GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/second HTTP/1.1\r\nHost: x\r\n\r\n";
  auto responses = parse_responses(raw_request("127.0.0.1", server->port(), two));
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(nlohmann::json::parse(responses[0].body)["id"], "first");
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(nlohmann::json::parse(responses[1].body)["id"], "second");
}

TEST_F(HttpServerTest, KeepsConnectionAliveBetweenSequentialRequests) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection connection("127.0.0.1", server->port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  HttpResult first = connection.request("GET", "/echo/1");
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_FALSE(connection.closed_by_peer(100ms));
  HttpResult second = connection.request("POST", "/json", R"({"a": 1})");
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_EQ(nlohmann::json::parse(second.body)["json"], nlohmann::json({{"a", 1}}));
}

TEST_F(HttpServerTest, ClosesConnectionThatSendsNoRequestWithinTimeout) {
  options.request_timeout = 200ms;
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection connection("127.0.0.1", server->port());
  ASSERT_TRUE(connection.connected()) << connection.error();
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.closed_by_peer(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpServerTest, AnswersOverConnectionLimitWith503) {
  options.max_connections = 1;
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection holder("127.0.0.1", server->port());
  ASSERT_EQ(holder.request("GET", "/hello").status, 200) << "the first connection is served";
  HttpResult refused = request("GET", "/hello");
  EXPECT_EQ(refused.status, 503) << refused.error << refused.body;
  EXPECT_EQ(error_code(refused), "too_many_connections");
  holder.close();
  // The slot frees once the holder's session ends.
  HttpResult later;
  for (int attempt = 0; attempt < 50 && later.status != 200; ++attempt) {
    std::this_thread::sleep_for(20ms);
    later = request("GET", "/hello");
  }
  EXPECT_EQ(later.status, 200);
}

TEST_F(HttpServerTest, AnswersWebSocketUpgradeWith404UntilStreamExists) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = request("GET", "/api/ui/stream", "",
                              {{"Connection", "Upgrade"},
                               {"Upgrade", "websocket"},
                               {"Sec-WebSocket-Version", "13"},
                               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(result.status, 404) << result.error;
  EXPECT_EQ(error_code(result), "not_found");
}

TEST_F(HttpServerTest, FailsToStartOnBusyPortNamingTheAddress) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpServerOptions second_options;
  second_options.port = server->port();
  HttpServer second(second_options, router);
  Status status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::io_error);
  EXPECT_NE(status.error().message.find("127.0.0.1:" + std::to_string(server->port())), std::string::npos)
      << status.error().message;
  second.stop();  // harmless on a server that never started
}

TEST_F(HttpServerTest, BindsToAHostName) {
  options.bind = "localhost";
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_FALSE(server->bind_address().empty());
  HttpResult result = http_request("localhost", server->port(), "GET", "/hello");
  EXPECT_EQ(result.status, 200) << result.error;
}

TEST_F(HttpServerTest, RefusesToStartTwice) {
  ASSERT_NO_FATAL_FAILURE(start());
  Status again = server->start();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
}

TEST_F(HttpServerTest, StopLetsInFlightSlowHandlerFinish) {
  std::promise<void> entered;
  router->add("GET", "/slow", [&entered](const HttpRequest&) {
    entered.set_value();
    std::this_thread::sleep_for(400ms);
    return HttpResponse::json(200, {{"slow", true}});
  });
  ASSERT_NO_FATAL_FAILURE(start());
  auto port = server->port();
  auto client = std::async(std::launch::async, [port] { return http_request("127.0.0.1", port, "GET", "/slow"); });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);
  server->stop();
  HttpResult result = client.get();
  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_EQ(result.body, R"({"slow":true})");
  // No longer accepting.
  EXPECT_FALSE(http_request("127.0.0.1", port, "GET", "/hello", "", {}, 1s).ok());
  server->stop();  // idempotent
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnectionsPromptly) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpConnection idle("127.0.0.1", server->port());
  ASSERT_EQ(idle.request("GET", "/hello").status, 200);
  auto started = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "an idle connection must not delay stop()";
  EXPECT_TRUE(idle.closed_by_peer(1s));
}

TEST_F(HttpServerTest, AnswersManyConcurrentConnections) {
  options.max_connections_per_address = 64;  // the 50 clients below share one address
  ASSERT_NO_FATAL_FAILURE(start());
  constexpr int kThreads = 50;
  constexpr int kRequestsEach = 20;
  std::atomic<int> ok{0};
  std::mutex failure_mutex;
  std::string first_failure;
  std::vector<std::thread> threads;
  auto port = server->port();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsEach; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        HttpResult result = http_request("127.0.0.1", port, "GET", "/echo/" + id, "", {}, 10s);
        if (result.status == 200 && nlohmann::json::parse(result.body)["id"] == id) {
          ++ok;
        } else {
          std::lock_guard lock(failure_mutex);
          if (first_failure.empty()) first_failure = std::to_string(result.status) + " " + result.error + result.body;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequestsEach) << first_failure;
}

}  // namespace
}  // namespace propbot::net
