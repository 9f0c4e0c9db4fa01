// LoopbackRoute: one GET route on a loopback HttpServer that answers whatever the test's
// `respond` makes of each query and records every query — the fake venue endpoint the
// history-paging tests (funding income, bills) drive an adapter's RestClient against.
// Plus run_until_set: runs an io_context until a callback has delivered its result.
//
// Threads: `respond` runs on the server's thread (under the route's mutex); queries()
// from the test thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/net/http_server.hpp"
#include "core/net/router.hpp"

namespace propbot::venues::testing {

class LoopbackRoute {
 public:
  using Query = std::map<std::string, std::string>;

  LoopbackRoute(const std::string& path, std::function<std::string(const Query&)> respond)
      : respond_(std::move(respond)) {
    auto router = std::make_shared<net::Router>();
    router->add("GET", path, [this](const net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      queries_.push_back(request.query);
      net::HttpResponse response;
      response.status = 200;
      response.content_type = "application/json";
      response.body = respond_(request.query);
      return response;
    });
    net::HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(options, router);
    EXPECT_TRUE(server_->start().ok());
  }
  ~LoopbackRoute() { server_->stop(); }
  LoopbackRoute(const LoopbackRoute&) = delete;
  LoopbackRoute& operator=(const LoopbackRoute&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<Query> queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  std::function<std::string(const Query&)> respond_;
  mutable std::mutex mutex_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<Query> queries_;
};

// Runs `io` until `result` holds a value or `timeout` passes.
template <typename T>
void run_until_set(boost::asio::io_context& io, const std::optional<T>& result,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
}

}  // namespace propbot::venues::testing
