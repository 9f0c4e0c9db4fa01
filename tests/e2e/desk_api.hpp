// Desk steps the e2e tests take over a running daemon's API, as the development
// principals (api_call.hpp): polling a view until it is ready, and the two-man resume
// (safe mode off with a second operator's approval, then resume-request / -confirm /
// resume). Header-only; failures are reported to the running gtest test.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/api_call.hpp"

namespace propbot::testing {

// GET `path` as viewer1 every `every` until `ready(body)` holds (that body), or `limit`
// passed (a test failure; the last body). `transcript` as api_call's.
inline nlohmann::json poll_api(std::uint16_t port, const DevCredentials& creds, const std::string& path,
                               const std::function<bool(const nlohmann::json&)>& ready,
                               std::chrono::milliseconds limit,
                               std::chrono::milliseconds every = std::chrono::milliseconds(100),
                               std::string* transcript = nullptr) {
  nlohmann::json last;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto [status, body] = api_call(port, creds, "viewer1", "GET", path, nullptr, transcript, std::chrono::seconds(10));
    last = body;
    if (status == 200 && ready(body)) return body;
    std::this_thread::sleep_for(every);
  }
  ADD_FAILURE() << path << " never became ready: " << last.dump();
  return last;
}

// Polls GET /api/ui/market until `venues` books of `symbol` are valid (so a manual pair
// can be priced); a test failure after `limit`.
inline nlohmann::json wait_for_valid_books(std::uint16_t port, const DevCredentials& creds, const std::string& symbol,
                                           int venues, std::chrono::milliseconds limit) {
  return poll_api(port, creds, "/api/ui/market", [&](const nlohmann::json& body) {
    int valid = 0;
    for (const auto& book : body["books"]) valid += book["symbol"] == symbol && book["valid"] == true;
    return valid == venues;
  }, limit);
}

// Safe mode off (operator1 asks, operator2 approves), then a resume requested by
// operator1, confirmed by operator2 and applied. Fatal test failures on any refusal.
// `transcript` as api_call's.
inline void two_man_resume(std::uint16_t port, const DevCredentials& creds, const std::string& reason,
                           std::string* transcript = nullptr) {
  auto call = [&](const std::string& who, const std::string& path, const nlohmann::json& body) {
    return api_call(port, creds, who, "POST", path, body, transcript, std::chrono::seconds(10));
  };
  auto [off, off_body] = call("operator1", "/api/ui/safe-mode", {{"enabled", false}, {"reason", reason}});
  ASSERT_EQ(off, 200) << off_body.dump();
  const auto safe_id = off_body.contains("request_id") ? off_body["request_id"] : off_body["approval"]["id"];
  auto [confirmed, confirmed_body] =
      call("operator2", "/api/ui/approvals/" + safe_id.dump() + "/confirm", {{"token", creds.approve_token}});
  ASSERT_EQ(confirmed, 200) << confirmed_body.dump();
  auto [requested, request] = call("operator1", "/api/ui/resume-request", {{"reason", reason}});
  ASSERT_EQ(requested, 200) << request.dump();
  auto [ok, ok_body] = call("operator2", "/api/ui/resume-confirm",
                            {{"request_id", request["request_id"]}, {"token", creds.approve_token}});
  ASSERT_EQ(ok, 200) << ok_body.dump();
  auto [resumed, resumed_body] = call("operator2", "/api/ui/resume", nullptr);
  ASSERT_EQ(resumed, 200) << resumed_body.dump();
}

}  // namespace propbot::testing
