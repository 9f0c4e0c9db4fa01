// Steps e2e tests take with a running dev desk, as its operators would: wait_for_view()
// polls a GET route until a condition holds; two_man_resume() takes the desk out of its
// start-up HOLD. Failures are gtest failures. Header-only.
#pragma once

#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/api_call.hpp"

namespace propbot::testing {

// GET `path` as viewer1 every 200 ms until `ready(body)` or `limit`; the last body (a
// failure when it never became ready). `transcript` as api_call's.
inline nlohmann::json wait_for_view(std::uint16_t port, const DevCredentials& creds, const std::string& path,
                                    const std::function<bool(const nlohmann::json&)>& ready,
                                    std::chrono::milliseconds limit, std::string* transcript = nullptr) {
  nlohmann::json last;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto [status, body] = api_call(port, creds, "viewer1", "GET", path, nullptr, transcript, std::chrono::seconds(10));
    last = body;
    if (status == 200 && ready(body)) return body;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << path << " never became ready: " << last.dump();
  return last;
}

// Safe mode off (operator1 asks, operator2 confirms with the approve token), a resume
// request confirmed by the second operator, then RESUME; each step must answer 200 (wrap
// the call in ASSERT_NO_FATAL_FAILURE).
inline void two_man_resume(std::uint16_t port, const DevCredentials& creds, std::string* transcript = nullptr) {
  auto call = [&](const std::string& who, const std::string& path, const nlohmann::json& body) {
    return api_call(port, creds, who, "POST", path, body, transcript, std::chrono::seconds(10));
  };
  auto [off, off_body] = call("operator1", "/api/ui/safe-mode", {{"enabled", false}, {"reason", "e2e"}});
  ASSERT_EQ(off, 200) << off_body.dump();
  const auto safe_id = off_body.contains("request_id") ? off_body["request_id"] : off_body["approval"]["id"];
  auto [confirmed, confirmed_body] =
      call("operator2", "/api/ui/approvals/" + safe_id.dump() + "/confirm", {{"token", creds.approve_token}});
  ASSERT_EQ(confirmed, 200) << confirmed_body.dump();
  auto [requested, request] = call("operator1", "/api/ui/resume-request", {{"reason", "e2e"}});
  ASSERT_EQ(requested, 200) << request.dump();
  auto [ok, ok_body] = call("operator2", "/api/ui/resume-confirm",
                            {{"request_id", request["request_id"]}, {"token", creds.approve_token}});
  ASSERT_EQ(ok, 200) << ok_body.dump();
  auto [resumed, resumed_body] = call("operator2", "/api/ui/resume", nullptr);
  ASSERT_EQ(resumed, 200) << resumed_body.dump();
}

}  // namespace propbot::testing
