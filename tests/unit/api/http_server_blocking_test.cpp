// Blocking routes (RouteOptions::blocking) run on the server's worker pool over real
// loopback: the server thread keeps answering meanwhile, a full queue answers 503 busy,
// keep-alive order holds, and stop() stays bounded while a handler still runs.
#include "core/net/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/api/access_guard.hpp"
#include "core/api/guarded_router.hpp"
#include "core/common/clock.hpp"
#include "tests/support/http_client.hpp"

namespace propbot::api {
namespace {

using net::HttpServer;
using net::HttpServerOptions;
using net::HttpRequest;
using net::HttpResponse;
using net::Principal;

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using test_support::HttpResult;
using test_support::http_request;
using test_support::parse_responses;
using test_support::raw_request;

double ms_since(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

std::string error_code(const HttpResult& result) {
  auto body = nlohmann::json::parse(result.body, nullptr, false);
  if (body.is_discarded() || !body.contains("error")) return "<no error body: " + result.body + ">";
  return body["error"].value("code", "<no code>");
}

// A gate the test opens: handlers wait on it. Shared so that a handler abandoned by
// stop() can still use it after the test body has moved on.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

class HttpServerBlockingTest : public ::testing::Test {
 protected:
  HttpServerBlockingTest() {
    options.port = 0;
    router->add("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::json(200, {{"ok", true}}); });
    router->add(
        "POST", "/gated",
        [gate = gate, entered = entered](const HttpRequest& request) {
          ++*entered;
          gate->wait();
          return HttpResponse::json(200, {{"body", request.body}});
        },
        RouteOptions{.blocking = true});
    router->add(
        "GET", "/short",
        [](const HttpRequest&) {
          std::this_thread::sleep_for(100ms);
          return HttpResponse::json(200, {{"short", true}});
        },
        RouteOptions{.blocking = true});
    router->add(
        "GET", "/throws", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); },
        RouteOptions{.blocking = true});
  }

  ~HttpServerBlockingTest() override {
    gate->open();
    if (server) server->stop();
  }

  void start() {
    server = std::make_unique<HttpServer>(options, router);
    Status status = server->start();
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }

  std::future<HttpResult> post_async(const std::string& target, const std::string& body) {
    auto port = server->port();
    return std::async(std::launch::async,
                      [port, target, body] { return http_request("127.0.0.1", port, "POST", target, body, {}, 15s); });
  }

  // Waits until `count` gated handlers have started.
  bool wait_entered(int count) {
    const auto deadline = SteadyClock::now() + 5s;
    while (entered->load() < count) {
      if (SteadyClock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  HttpServerOptions options;
  std::shared_ptr<GuardedRouter> router = std::make_shared<GuardedRouter>();
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::shared_ptr<std::atomic<int>> entered = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<HttpServer> server;
};

TEST_F(HttpServerBlockingTest, TheServerThreadAnswersWhileABlockingHandlerSleeps) {
  router->add(
      "POST", "/api/ui/config/validate",
      [](const HttpRequest&) {
        std::this_thread::sleep_for(3s);
        return HttpResponse::json(200, {{"valid", true}});
      },
      RouteOptions{.blocking = true});
  ASSERT_NO_FATAL_FAILURE(start());
  const auto started = SteadyClock::now();
  auto validation = post_async("/api/ui/config/validate", "{}");
  std::this_thread::sleep_for(200ms);  // the handler is asleep on its worker by now

  double slowest = 0;
  int answered = 0;
  while (ms_since(started) < 2500) {
    const auto asked = SteadyClock::now();
    HttpResult health = http_request("127.0.0.1", server->port(), "GET", "/healthz");
    slowest = std::max(slowest, ms_since(asked));
    EXPECT_EQ(health.status, 200) << health.error;
    ++answered;
    std::this_thread::sleep_for(50ms);
  }
  std::printf("[ blocking ] %d GET /healthz during a 3 s blocking handler, slowest %.1f ms\n", answered, slowest);
  EXPECT_LT(slowest, 100.0);
  EXPECT_EQ(validation.wait_for(0ms), std::future_status::timeout) << "the validation is still running";

  HttpResult result = validation.get();
  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_EQ(result.body, R"({"valid":true})");
  EXPECT_GE(ms_since(started), 2900.0);
}

TEST_F(HttpServerBlockingTest, AFullWorkerQueueAnswers503BusyAtOnce) {
  options.blocking_workers = 1;
  options.blocking_queue = 1;
  ASSERT_NO_FATAL_FAILURE(start());
  auto running = post_async("/gated", "first");
  ASSERT_TRUE(wait_entered(1));
  auto queued = post_async("/gated", "second");
  std::this_thread::sleep_for(200ms);  // the second request waits in the queue

  const auto asked = SteadyClock::now();
  HttpResult busy = http_request("127.0.0.1", server->port(), "POST", "/gated", "third");
  const double waited = ms_since(asked);
  std::printf("[ blocking ] a request beyond the queue had its 503 busy in %.1f ms\n", waited);
  ASSERT_TRUE(busy.ok()) << busy.error;
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(error_code(busy), "busy");
  EXPECT_EQ(busy.header("retry-after"), "1");
  EXPECT_LT(waited, 100.0);
  EXPECT_EQ(http_request("127.0.0.1", server->port(), "GET", "/healthz").status, 200);

  gate->open();
  EXPECT_EQ(running.get().body, R"({"body":"first"})");
  EXPECT_EQ(queued.get().body, R"({"body":"second"})");
  EXPECT_EQ(entered->load(), 2) << "the refused request never reached its handler";
}

TEST_F(HttpServerBlockingTest, TheGuardRunsOnTheServerThreadBeforeARequestIsQueued) {
  // Review of issue 10: with the guard on the worker, anonymous requests filled the
  // queue (operators then got 503 busy) and guard callbacks ran on a worker that may
  // outlive what they use. Now a refused request never reaches the pool.
  SimClock clock;
  std::atomic<std::thread::id> authenticated_on{};
  AccessGuardCallbacks callbacks;
  callbacks.authenticate = [&authenticated_on](std::string_view token) -> std::optional<Principal> {
    authenticated_on.store(std::this_thread::get_id());
    if (token == "operator-token-123456") return Principal{"carol", "operator"};
    return std::nullopt;
  };
  std::atomic<std::thread::id> handled_on{};
  router->add("POST", "/api/ui/gated", [gate = gate, entered = entered, &handled_on](const HttpRequest& request) {
    handled_on.store(std::this_thread::get_id());
    ++*entered;
    gate->wait();
    return HttpResponse::json(200, {{"by", request.principal ? request.principal->name : "nobody"}});
  }, RouteOptions{.blocking = true});
  router->set_guard(std::make_shared<const AccessGuard>(clock, callbacks));
  options.blocking_workers = 1;
  options.blocking_queue = 1;
  ASSERT_NO_FATAL_FAILURE(start());
  const test_support::HeaderList operator_token{{"Authorization", "Bearer operator-token-123456"}};
  auto running = std::async(std::launch::async, [&] {
    return http_request("127.0.0.1", server->port(), "POST", "/api/ui/gated", "{}", operator_token, 15s);
  });
  ASSERT_TRUE(wait_entered(1));
  EXPECT_NE(authenticated_on.load(), handled_on.load()) << "the guard ran on the worker";

  // The one worker is busy: anonymous and invalid requests are answered by the guard at
  // once, and take no queue slot ...
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(http_request("127.0.0.1", server->port(), "POST", "/api/ui/gated", "{}").status, 401);
    EXPECT_EQ(http_request("127.0.0.1", server->port(), "POST", "/api/ui/gated", "{}",
                           {{"Authorization", "Bearer not-a-token-000000"}}).status, 401);
  }
  // ... so the operator's request still gets the queue slot.
  auto queued = std::async(std::launch::async, [&] {
    return http_request("127.0.0.1", server->port(), "POST", "/api/ui/gated", "{}", operator_token, 15s);
  });
  std::this_thread::sleep_for(200ms);
  gate->open();
  EXPECT_EQ(running.get().body, R"({"by":"carol"})");
  const HttpResult second = queued.get();
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.body, R"({"by":"carol"})");
  EXPECT_EQ(entered->load(), 2);
}

TEST_F(HttpServerBlockingTest, KeepsResponseOrderOnAConnectionAcrossBlockingAndPlainRoutes) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string pipelined =
      "GET /short HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /short HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto responses = parse_responses(raw_request("127.0.0.1", server->port(), pipelined));
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].body, R"({"short":true})");
  EXPECT_EQ(responses[1].body, R"({"ok":true})");
  EXPECT_EQ(responses[2].body, R"({"short":true})");
}

TEST_F(HttpServerBlockingTest, AnswersAThrowingBlockingHandlerWith500) {
  ASSERT_NO_FATAL_FAILURE(start());
  HttpResult result = http_request("127.0.0.1", server->port(), "GET", "/throws");
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(error_code(result), "internal");
  EXPECT_EQ(result.body.find("boom"), std::string::npos);
}

TEST_F(HttpServerBlockingTest, HeadOnABlockingGetRouteRunsOnAWorkerAndSendsNoBody) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string received = raw_request("127.0.0.1", server->port(), "HEAD /short HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(received.rfind("HTTP/1.1 200", 0), 0u) << received;
  EXPECT_NE(received.find("Content-Length: 14\r\n"), std::string::npos) << received;
  EXPECT_EQ(received.substr(received.find("\r\n\r\n") + 4), "") << "no body after the headers";
}

TEST_F(HttpServerBlockingTest, StopDuringABlockingHandlerIsBoundedAndTheLateResultIsDropped) {
  auto finished = std::make_shared<std::atomic<bool>>(false);
  router->add(
      "POST", "/sleeps",
      [finished](const HttpRequest&) {
        std::this_thread::sleep_for(3s);
        finished->store(true);
        return HttpResponse::json(200, {{"late", true}});
      },
      RouteOptions{.blocking = true});
  ASSERT_NO_FATAL_FAILURE(start());
  auto client = post_async("/sleeps", "{}");
  auto queued = post_async("/gated", "held");  // on the second worker, held until after stop()
  ASSERT_TRUE(wait_entered(1));
  std::this_thread::sleep_for(100ms);

  const auto stopping = SteadyClock::now();
  server->stop();
  const double stop_ms = ms_since(stopping);
  std::printf("[ blocking ] stop() with a 3 s handler running returned after %.0f ms\n", stop_ms);
  EXPECT_LT(stop_ms, 2600.0) << "stop() waits for workers only up to its grace period";
  server.reset();  // the server is gone before the handlers finish

  HttpResult cut = client.get();
  EXPECT_NE(cut.status, 200) << "the abandoned request's connection was dropped";
  gate->open();  // the gated handler ends after the server too
  EXPECT_NE(queued.get().status, 200);
  const auto deadline = SteadyClock::now() + 5s;
  while (!finished->load() && SteadyClock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(finished->load());
  std::this_thread::sleep_for(100ms);  // let the detached workers drop their results and exit
}

}  // namespace
}  // namespace propbot::api
